"""Issue 12, finding 2: an ingest killed after its first batch is not served as a complete index.

The real ``python -m pipelines ingest`` runs in a child process (with a slow hash embedder) and is
SIGKILLed once its first batch is written; then the index is opened the ways the CLI and the app open
it, on both embedded engines.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from pipelines.cli.main import main
from pipelines.core.settings import Settings
from pipelines.index import build, store
from pipelines.index.segment_index import BUILD_REASONS, SegmentIndex, open_index
from pipelines.web.runtime import AppRuntime
from tests.support.embedders import HashEmbedding
from tests.support.ingest_child import spawn

NO_EDGE = importlib.util.find_spec("qdrant_edge") is None
ENGINES = ["local", pytest.param("edge", marks=pytest.mark.skipif(NO_EDGE, reason="qdrant-edge-py not installed"))]


def kill_when(child: subprocess.Popen, line: str, timeout_s: float = 120) -> None:
    """SIGKILL the child as soon as it prints ``line``."""
    try:
        for out in child.stdout:  # type: ignore[union-attr]
            if out.strip() == line:
                child.send_signal(signal.SIGKILL)
                break
        else:
            raise AssertionError(f"the ingest ended before printing {line!r}: {child.stderr.read()}")  # type: ignore[union-attr]
    finally:
        child.wait(timeout_s)
        child.stdout.close()  # type: ignore[union-attr]
        child.stderr.close()  # type: ignore[union-attr]


@pytest.fixture(autouse=True)
def _hash_embedder(monkeypatch):
    """The same vectors as the child's, so the resumed build is the build the child would have finished."""
    embedder = HashEmbedding()
    for target in ("pipelines.index.ingest.build_embedder", "pipelines.index.segment_index.build_embedder"):
        monkeypatch.setattr(target, lambda _settings: embedder)


def _settings(folder: Path, corpus: Path, engine: str) -> Settings:
    return Settings(qdrant_path=folder, qdrant_url=None, corpus_dir=corpus, qdrant_engine=engine, llm_backend="offline")


@pytest.fixture(scope="module", params=ENGINES)
def killed_build(request, tmp_path_factory, fixture_corpus: Path) -> Settings:
    """A folder left by an ingest SIGKILLed after its first batch (one child process per engine)."""
    settings = _settings(tmp_path_factory.mktemp("killed") / "qdrant", fixture_corpus, request.param)
    kill_when(spawn(settings, delay_s=0.3), "embedding 3")  # batch 3 starts only once batch 1 (2 points) is written
    return settings


@pytest.fixture
def settings(killed_build: Settings, tmp_path: Path):
    """A private copy of the killed build's folder."""
    folder = Path(shutil.copytree(killed_build.qdrant_path, tmp_path / "qdrant"))
    s = killed_build.model_copy(update={"qdrant_path": folder})
    yield s
    store.close_client(s)


def test_killed_first_build_is_incomplete_then_resumed_by_open_index(settings: Settings):
    with open_index(settings, ensure=False) as partial:
        assert 0 < partial.count() < 9
        assert partial.needs_ingest() == "incomplete"
        record = build.read(partial.client, settings.collection)
        assert record is not None and record.state == "building" and record.segments == 9

    heard: list[str] = []
    with open_index(settings, on_build=heard.append, progress=False) as index:
        assert heard == ["incomplete"]
        assert index.count() == 9 and index.needs_ingest() is None
        assert build.read(index.client, settings.collection).complete
        assert index.search("夜市 小吃", limit=1, mode="sparse")[0].place == "士林夜市"


def test_app_says_it_resumes_and_is_not_ready_with_a_partial_index(settings: Settings):
    runtime = AppRuntime(settings)
    try:
        assert runtime.wait(120), runtime.error
        status = runtime.status()
        assert status["ready"] and status["points"] == 9
        assert status["index_build"] == BUILD_REASONS["incomplete"]
    finally:
        runtime.close()


def test_cli_ingest_finishes_an_interrupted_build(settings: Settings, capsys):
    assert main(["ingest", "--json"], settings_factory=lambda: settings) == 0
    counts = json.loads(capsys.readouterr().out)
    assert counts["segments"] == 9 and counts["unchanged"] >= 2 and counts["added"] == 9 - counts["unchanged"]
    with open_index(settings, ensure=False) as index:
        assert index.needs_ingest() is None


def test_complete_build_opens_without_ingesting(settings: Settings, monkeypatch):
    client = store.get_client(settings)
    SegmentIndex(client, settings).ingest(progress=False)
    store.close_client(settings)

    def no_ingest(*_args, **_kwargs):
        raise AssertionError("a complete index must open as it is")

    monkeypatch.setattr("pipelines.index.segment_index.ingest", no_ingest)
    with open_index(settings) as index:
        assert index.count() == 9 and index.needs_ingest() is None


def test_points_removed_behind_its_back_make_the_index_incomplete(settings: Settings):
    client = store.get_client(settings)
    index = SegmentIndex(client, settings)
    index.ingest(progress=False)
    store.delete_points(client, settings.collection, ["tp-night-01#01"])
    assert index.needs_ingest() == "incomplete"
    assert index.ingest(progress=False).added == 1 and index.needs_ingest() is None


def test_the_page_phase_says_what_the_build_does(monkeypatch, fixture_corpus: Path):
    from pipelines.index.ingest import IngestProgress

    phases: list[str] = []
    runtime = AppRuntime(_settings(Path("unused"), fixture_corpus, "edge"), agent_factory=lambda s, i: object())

    class Ready:
        def warm_up(self, tokenizer: bool = True) -> None:
            phases.append(runtime.phase)

        def count(self) -> int:
            return 32

        def cities(self) -> list[str]:
            return ["台南"]

    def fake_open_index(settings, progress, on_build, on_progress):
        on_build("incomplete")
        phases.append(runtime.phase)
        on_progress(IngestProgress(stage="writing", done=13, total=32, rate=3.14, eta_s=6.1))
        phases.append(runtime.phase)
        on_progress(IngestProgress(stage="optimizing", done=32, total=32))
        phases.append(runtime.phase)
        return Ready()

    monkeypatch.setattr("pipelines.index.segment_index.open_index", fake_open_index)
    assert runtime.wait(10), runtime.error
    assert phases == [
        BUILD_REASONS["incomplete"],
        f"{BUILD_REASONS['incomplete']}：已寫入 13／32 段，每秒 3.1 段，約還要 6 秒",
        f"{BUILD_REASONS['incomplete']}：整理索引",
        "載入向量模型",
    ]
    assert runtime.status()["index_build"] == BUILD_REASONS["incomplete"]
