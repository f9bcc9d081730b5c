"""Start-up order of the app's runtime: milestones for bench.startup, jieba's dictionary and the plan's imports
after /ready, and what an offline start never imports."""

from __future__ import annotations

import threading

from pipelines.core.settings import Settings
from pipelines.web.runtime import AppRuntime


class FakeIndex:
    """Records how the runtime warms it up, and whether /ready already said ready when the tokenizer loaded."""

    def __init__(self, runtime_box: list[AppRuntime]):
        self.box = runtime_box
        self.calls: list[tuple[str, object]] = []
        self.loaded = threading.Event()

    def warm_up(self, tokenizer: bool = True) -> None:
        self.calls.append(("warm_up", tokenizer))

    def warm_up_tokenizer(self) -> None:
        self.calls.append(("tokenizer", self.box[0].ready))
        self.loaded.set()

    def count(self) -> int:
        return 3

    def cities(self) -> list[str]:
        return ["台南"]


def test_the_dictionary_loads_after_ready_and_the_milestones_are_in_order(monkeypatch):
    box: list[AppRuntime] = []
    index = FakeIndex(box)
    monkeypatch.setattr("pipelines.index.segment_index.open_index", lambda settings, **_: index)
    runtime = AppRuntime(Settings(llm_backend="offline"), agent_factory=lambda s, i: object())
    box.append(runtime)
    assert runtime.wait(10), runtime.error
    assert index.loaded.wait(10)
    assert index.calls == [("warm_up", False), ("tokenizer", True)]  # embedder before /ready, jieba after
    steps = runtime.status()["startup_s"]
    names = ["warm_up_started", "index_opened", "index_ready", "agent_built", "plan_imports_loaded", "tokenizer_loaded"]
    assert list(steps) == names
    assert [steps[n] for n in names] == sorted(steps[n] for n in names)


def test_a_failed_warm_up_loads_no_dictionary(monkeypatch):
    box: list[AppRuntime] = []
    index = FakeIndex(box)
    monkeypatch.setattr("pipelines.index.segment_index.open_index", lambda settings, **_: index)

    def broken_agent(settings, idx):
        raise RuntimeError("boom")

    runtime = AppRuntime(Settings(llm_backend="offline"), agent_factory=broken_agent)
    box.append(runtime)
    assert not runtime.wait(10)
    runtime._thread.join(10)
    assert index.calls == [("warm_up", False)]
    assert not {"plan_imports_loaded", "tokenizer_loaded"} & set(runtime.status()["startup_s"])


def test_warm_up_without_the_tokenizer_loads_only_the_embedder(monkeypatch, agent_index):
    index = agent_index
    sparse: list[str] = []
    monkeypatch.setattr("pipelines.index.segment_index.encode_query", lambda text: sparse.append(text) or ([], []))
    index.warm_up(tokenizer=False)
    assert sparse == []
    index.warm_up_tokenizer()
    assert sparse == ["台灣旅遊"]


START = """
import json, sys
import app
from pipelines.agent.session import SessionState
from pipelines.agent.travel_agent import run_turn
ready = app.RUNTIME.wait(600)
final = run_turn(app.RUNTIME.agent, "幫我排台南一日遊", SessionState())
loaded = sorted(m for m in ("llama_index", "qdrant_client") if m in sys.modules)
print(json.dumps({"ready": ready, "error": app.RUNTIME.error, "answer": final.answer, "loaded": loaded}))
"""


def test_an_offline_start_and_turn_import_neither_llamaindex_nor_qdrant_client(tmp_path, fixture_corpus):
    """~1 CPU s each at start (bench/reports/startup.md): the default start (Edge, offline) needs neither."""
    import json
    import subprocess
    import sys

    from pipelines.core.settings import ROOT

    env = {
        "PYTHONPATH": str(ROOT),
        "PATH": "",
        "AIYO_QDRANT_PATH": str(tmp_path / "qdrant"),
        "AIYO_CORPUS_DIR": str(fixture_corpus),
        "AIYO_LOGS_DIR": str(tmp_path / "logs"),
        "AIYO_LLM_BACKEND": "offline",
    }
    run = subprocess.run([sys.executable, "-c", START], capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    out = json.loads(run.stdout.splitlines()[-1])
    assert out["ready"] and out["error"] is None
    assert "台南" in out["answer"]
    assert out["loaded"] == []
