"""Start-up order of the app's runtime: milestones for bench.startup, jieba's dictionary after /ready."""

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
    names = ["warm_up_started", "index_opened", "index_ready", "agent_built", "tokenizer_loaded"]
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
    assert "tokenizer_loaded" not in runtime.status()["startup_s"]


def test_warm_up_without_the_tokenizer_loads_only_the_embedder(monkeypatch, agent_index):
    index = agent_index
    sparse: list[str] = []
    monkeypatch.setattr("pipelines.index.segment_index.encode_query", lambda text: sparse.append(text) or ([], []))
    index.warm_up(tokenizer=False)
    assert sparse == []
    index.warm_up_tokenizer()
    assert sparse == ["台灣旅遊"]
