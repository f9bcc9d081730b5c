"""`python -m pipelines ingest`: sync the corpus into the Qdrant collection, idempotently.

Each segment becomes one point whose id is uuid5(segment_id) and whose payload carries a hash of
everything that went into its vectors. A run embeds only new or changed segments (taking the
shipped vector of a passage when there is one, :mod:`pipelines.index.vectors`), deletes points of
videos that left videos.json (or chapters that left a video), and leaves alone the points of a video
whose files failed to parse this time, so a bad file never wipes good data. The collection's build
record (:mod:`pipelines.index.build`) says ``complete`` only once every point is written.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, Field

from pipelines.core.models import Segment
from pipelines.core.settings import Settings
from pipelines.corpus.loader import parse_corpus
from pipelines.index import build, store
from pipelines.index.embeddings import Embedder, build_embedder, embedder_id, embedding_dim
from pipelines.index.sparse import SPARSE_VERSION
from pipelines.index.writer import IngestProgress, Pending, write_points

log = logging.getLogger(__name__)

PASSAGE_VERSION = "header+text-v1"  # bump when passage_text changes: every point is re-embedded

__all__ = ["IngestProgress", "IngestReport", "content_hash", "ingest", "passage_text"]


class IngestReport(BaseModel):
    added: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    skipped: int = Field(default=0, description="intro/outro chapters and segments that could not be used")
    segments: int = Field(default=0, description="points in the collection after the run")
    reused: int = Field(default=0, description="dense vectors taken from the shipped file instead of embedded")
    embedded: int = Field(default=0, description="passages embedded by this run")
    problems: list[str] = Field(default_factory=list, description="file:line: reason, one per problem")
    seconds: float = 0.0


def passage_text(segment: Segment) -> str:
    """What gets embedded: a short header naming the place, city and tags, then the transcript."""
    where = f"{segment.city or ''}{segment.district}"
    header = "｜".join(x for x in (segment.title, segment.place or "", where, "、".join(segment.tags)) if x)
    return f"{header}\n{segment.text}"


def content_hash(segment: Segment, embedder: str) -> str:
    blob = json.dumps(segment.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)
    recipe = f"{embedder}|{SPARSE_VERSION}|{PASSAGE_VERSION}|{blob}"
    return hashlib.sha256(recipe.encode("utf-8")).hexdigest()


def ingest(
    client: store.Client,
    settings: Settings,
    corpus_dir: Path | None = None,
    rebuild: bool = False,
    embedder: Embedder | None = None,
    progress: bool | None = None,
    on_progress: Callable[[IngestProgress], None] | None = None,
) -> IngestReport:
    """Bring the collection in line with the corpus; returns the counts and the problems found.

    ``progress`` shows a console bar (default: when 50+ passages need embedding); ``on_progress`` hears
    each written batch, with segments/s and the ETA, and the optimising step.
    """
    started = time.perf_counter()
    corpus = Path(corpus_dir or settings.corpus_dir)
    parsed = parse_corpus(corpus)
    embedder = embedder or build_embedder(settings)
    eid = embedder_id(settings)
    name = settings.collection

    dim = embedding_dim(embedder)
    have = store.collection_dim(client, name)
    if have is not None and (rebuild or have != dim):
        log.info("recreating collection %s (rebuild=%s, dim %s → %s)", name, rebuild, have, dim)
        client.delete_collection(name)
        have = None
    if have is None:
        store.create_collection(client, name, dim)
    else:
        store.ensure_payload_indexes(client, name)

    existing = _existing_points(client, name)
    wanted = {s.segment_id: (s, content_hash(s, eid)) for s in parsed.segments}
    report = IngestReport(skipped=parsed.skipped, problems=[str(p) for p in parsed.problems])
    todo: list[Pending] = []
    for sid, (segment, digest) in wanted.items():
        old = existing.get(sid)
        if old is None:
            report.added += 1
        elif old[1] != digest:
            report.updated += 1
        else:
            report.unchanged += 1
            continue
        todo.append(Pending(segment, digest, passage_text(segment)))
    kept = {sid: h for sid, (vid, h) in existing.items() if sid not in wanted and vid in parsed.failed_videos}
    stale = [sid for sid in existing if sid not in wanted and sid not in kept]
    final = {sid: digest for sid, (_s, digest) in wanted.items()} | kept
    target = build.BuildRecord(state="complete", embedder=eid, segments=len(final), digest=build.digest(final))

    record = build.read(client, name)
    if record is not None and not record.complete:
        log.warning("%s（%s）", build.RESUMING, corpus)
    if todo or stale or record is None or record.model_dump(exclude={"at"}) != target.model_dump(exclude={"at"}):
        build.write(client, name, target.model_copy(update={"state": "building"}))  # before any point changes
        if stale:
            store.delete_points(client, name, stale)
        write = write_points(client, name, embedder, eid, todo, settings, corpus, progress, on_progress)
        report.reused, report.embedded = write.reused, write.embedded
        if todo or stale:
            if on_progress:
                on_progress(IngestProgress(stage="optimizing", done=len(todo), total=len(todo)))
            store.optimize(client, name)
        build.write(client, name, target.model_copy(update={"at": time.time()}))  # last: the build is whole
    report.deleted = len(stale)
    report.segments = client.count(name, exact=True).count
    report.seconds = round(time.perf_counter() - started, 3)
    log.info("ingest: %s", report.model_dump(exclude={"problems"}) | {"problems": len(report.problems)})
    return report


def _existing_points(client: store.Client, name: str) -> dict[str, tuple[str, str]]:
    """segment_id → (video_id, content_hash) of every point in the collection."""
    found: dict[str, tuple[str, str]] = {}
    offset = None
    while True:
        points, offset = client.scroll(
            name, limit=1000, offset=offset, with_payload=["segment_id", "video_id", "content_hash"]
        )
        for p in points:
            payload = p.payload or {}
            found[payload.get("segment_id", str(p.id))] = (payload.get("video_id", ""), payload.get("content_hash", ""))
        if offset is None:
            return found
