"""Shared fixtures. Each block names the issue that owns it; append yours below, keep it tidy."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"


# --- ingestion and retrieval (issue 2) -----------------------------------------------------------
FIXTURE_CORPUS = FIXTURES / "corpus"


@pytest.fixture(scope="session")
def fixture_corpus() -> Path:
    """A 4-video, 9-place corpus (VTT, SRT, YouTube JSON, one video without chapters). Read-only."""
    return FIXTURE_CORPUS


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    """A private, writable copy of the fixture corpus."""
    return Path(shutil.copytree(FIXTURE_CORPUS, tmp_path / "corpus"))


def _memory_settings(corpus_dir: Path = FIXTURE_CORPUS, **overrides):
    from pipelines.core.settings import Settings

    return Settings(**{"qdrant_path": Path(":memory:"), "qdrant_url": None, "corpus_dir": corpus_dir, **overrides})


@pytest.fixture
def make_settings():
    """``make_settings(corpus_dir=..., **overrides)``: Settings for an in-memory Qdrant."""
    return _memory_settings


@pytest.fixture(scope="session")
def segment_index():
    """The fixture corpus ingested once into an in-memory Qdrant (embedding costs ~60 ms a segment)."""
    from qdrant_client import QdrantClient

    from pipelines.index.segment_index import open_index

    client = QdrantClient(":memory:")
    index = open_index(_memory_settings(), client=client, progress=False)
    yield index
    index.close()
    client.close()


# --- travel agent (issue 4) ----------------------------------------------------------------------
def _mock_index(corpus_dir: Path):
    """An in-memory index over a corpus with a constant dense embedder: ingest takes seconds, not
    minutes, and ranking comes from the Chinese sparse branch (the agent tests test the agent)."""
    from llama_index.core.embeddings import MockEmbedding
    from qdrant_client import QdrantClient

    from pipelines.index.segment_index import SegmentIndex

    client = QdrantClient(":memory:")
    index = SegmentIndex(client, _memory_settings(corpus_dir), embedder=MockEmbedding(embed_dim=384))
    index.ingest(progress=False)
    return index, client


@pytest.fixture(scope="session")
def agent_index():
    """The fixture corpus (台南, 台北, 花蓮; 9 places) for scripted LLM conversations."""
    index, client = _mock_index(FIXTURE_CORPUS)
    yield index
    client.close()


@pytest.fixture(scope="session")
def corpus_index():
    """The real sample corpus (assets/corpus) for the offline agent's request suite."""
    index, client = _mock_index(ROOT / "assets" / "corpus")
    yield index
    client.close()


@pytest.fixture
def agent_settings(tmp_path: Path):
    """``agent_settings(**overrides)``: Settings for agent tests; turn logs go to tmp_path/logs."""

    def make(**overrides):
        return _memory_settings(logs_dir=tmp_path / "logs", llm_probe_timeout_s=1.0, **overrides)

    return make


# --- web app (issue 5) ---------------------------------------------------------------------------
@pytest.fixture(scope="session")
def offline_app():
    """(url, runtime): the real page, offline agent and sample corpus (mock dense vectors), served once."""
    from tests.support.ui_server import offline_runtime, serve

    runtime = offline_runtime()
    with serve(runtime) as url:
        yield url, runtime
