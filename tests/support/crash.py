"""SIGKILL ``python -m pipelines ingest`` at random moments, reopen after each kill, then check it converges.

Used by tests/index/test_crash_safety.py (a few kills) and ``python -m bench.crash_ingest`` (20 per engine).
The invariant after every kill: the folder opens, and the index either says why it needs an ingest
or is exactly the corpus (never a partial index that calls itself complete). After the last kill one
normal open_index must bring it to exactly the corpus: same ids, same content hashes, build complete.
"""

from __future__ import annotations

import random
import signal
import time
from dataclasses import dataclass

from pipelines.core.settings import Settings
from pipelines.corpus.loader import load_segments
from pipelines.index import build, store
from pipelines.index.ingest import content_hash
from pipelines.index.segment_index import SegmentIndex, open_index
from tests.support.ingest_child import spawn


@dataclass
class Kill:
    rebuild: bool
    after_s: float
    exited_first: bool  # the run finished before the kill landed
    points: int
    needs: str | None  # what needs_ingest said on reopening


def expected_points(settings: Settings) -> dict[str, str]:
    from pipelines.index.embeddings import embedder_id

    segments, _ = load_segments(settings.corpus_dir)
    return {s.segment_id: content_hash(s, embedder_id(settings)) for s in segments}


def points(index: SegmentIndex) -> dict[str, str]:
    found, offset = {}, None
    while True:
        batch, offset = index.client.scroll(
            index.collection, limit=1000, offset=offset, with_payload=["segment_id", "content_hash"]
        )
        found.update({p.payload["segment_id"]: p.payload["content_hash"] for p in batch})
        if offset is None:
            return found


def full_run_s(settings: Settings, delay_s: float = 0.05) -> float:
    """Seconds a whole child ``ingest --rebuild`` takes after it is ready: the window kills are drawn from."""
    proc = spawn(settings, "--rebuild", delay_s=delay_s)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "started"
    started = time.perf_counter()
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    return time.perf_counter() - started


def kill_once(settings: Settings, embedder, rng: random.Random, window_s: float, delay_s: float = 0.05) -> Kill:
    """One child ingest (a rebuild half the time), SIGKILLed ``0..window_s`` seconds after it started."""
    rebuild = rng.random() < 0.5
    proc = spawn(settings, *(["--rebuild"] if rebuild else []), delay_s=delay_s)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "started"
    after = rng.uniform(0, window_s)
    time.sleep(after)
    exited = proc.poll() is not None
    if not exited:
        proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    client = store.open_client(settings)  # must open, whatever the moment of the kill
    try:
        index = SegmentIndex(client, settings, embedder=embedder)
        needs = index.needs_ingest()
        count = index.count()
        if needs is None:  # says complete: then it must be exactly the corpus
            assert points(index) == expected_points(settings), "a partial index says it is complete"
            assert build.read(client, settings.collection).complete
    finally:
        client.close()
    return Kill(rebuild, round(after, 3), exited, count, needs)


def converge(settings: Settings) -> None:
    """One normal start after the kills (build_embedder patched as in the child): exactly the corpus."""
    with open_index(settings, progress=False) as index:
        assert index.needs_ingest() is None
        assert points(index) == expected_points(settings)
        assert index.search("夜市", limit=1, mode="sparse")[0].place == "士林夜市"
