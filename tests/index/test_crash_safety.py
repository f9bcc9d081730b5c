"""SIGKILL during ingest, then reopen: never a partial index served as complete, and a normal start converges.

Two kills per engine here, after one whole run that sets the window; ``python -m bench.crash_ingest`` runs
20 per engine and reports them.
"""

from __future__ import annotations

import importlib.util
import random
from pathlib import Path

import pytest

from pipelines.core.settings import Settings
from pipelines.index import store
from tests.support.crash import converge, full_run_s, kill_once
from tests.support.embedders import HashEmbedding

NO_EDGE = importlib.util.find_spec("qdrant_edge") is None


@pytest.fixture(autouse=True)
def _hash_embedder(monkeypatch):
    embedder = HashEmbedding()
    for target in ("pipelines.index.ingest.build_embedder", "pipelines.index.segment_index.build_embedder"):
        monkeypatch.setattr(target, lambda _settings: embedder)
    return embedder


@pytest.mark.parametrize(
    "engine", ["local", pytest.param("edge", marks=pytest.mark.skipif(NO_EDGE, reason="qdrant-edge-py not installed"))]
)
def test_sigkill_during_ingest_then_reopen_converges(engine: str, tmp_path: Path, fixture_corpus: Path, _hash_embedder):
    settings = Settings(
        qdrant_path=tmp_path / "qdrant", qdrant_url=None, corpus_dir=fixture_corpus, qdrant_engine=engine
    )
    rng = random.Random(13)
    # kills land in the first 60 % of a run as long as this machine measured it (its load changes between
    # runs, so a window as long as the run can see both children finish first; the bench draws over it all)
    window = full_run_s(settings) * 0.6
    kills = [kill_once(settings, _hash_embedder, rng, window_s=window) for _ in range(2)]
    assert any(not k.exited_first for k in kills), kills  # at least one kill landed mid-run (seeded: both do)
    try:
        converge(settings)
    finally:
        store.close_client(settings)
