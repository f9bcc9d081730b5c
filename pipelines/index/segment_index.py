"""Hybrid retrieval over the segments collection: :class:`SegmentIndex` and :func:`open_index`.

We talk to Qdrant with qdrant-client directly rather than through LlamaIndex's QdrantVectorStore:
its hybrid mode sends two separate searches and fuses them in Python (relative-score fusion),
keeps the node as a JSON blob in the payload (so city/tags filters and our content-hash sync would
have to go around it anyway), and offers no place for the E5 ``query:``/``passage:`` split. The
Query API does dense + sparse prefetch and RRF fusion in one server-side call. LlamaIndex code still
gets a retriever, ``pipelines.index.retriever.SegmentRetriever(index)``, and the embedder as a
``BaseEmbedding``, ``pipelines.index.llama_embedding.as_llama_embedding(index.embedder)``; this module
imports neither, nor qdrant-client, so an offline start on Edge loads none of them.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from pipelines.core.errors import IndexUnavailableError, InvalidQueryError, UnknownCityError, UnknownSegmentError
from pipelines.core.models import Segment, SegmentHit
from pipelines.core.settings import Settings
from pipelines.core.text import canonical_city, city_sort_key
from pipelines.index import build, store
from pipelines.index.embeddings import Embedder, build_embedder, embedder_id, embedding_dim
from pipelines.index.ingest import IngestProgress, IngestReport, ingest
from pipelines.index.points import Filter, FusionQuery, Prefetch, SparseVector
from pipelines.index.query import Mode, check_city, check_limit, check_mode, check_query, payload_filter, split_tags
from pipelines.index.sparse import encode_query

log = logging.getLogger(__name__)

VOCAB_LIMIT = 100_000  # distinct cities / tags read at start; a library has a few dozen of each

# Why open_index builds before serving (reasons from SegmentIndex.needs_ingest), as the page and CLI say it.
BUILD_REASONS = {
    "missing": "第一次建立索引",
    "empty": "索引是空的，重新建立",
    "incomplete": build.RESUMING,
    "migrating": "偵測到舊的本機模式（local mode）索引，改用 Qdrant Edge 重新建立（舊資料夾不再使用）",
    "dimension": "向量模型的維度變了，重新建立索引",
    "embedder": "向量模型換了，重新建立索引",
}


class SegmentIndex:
    """Search and look-ups over indexed segments; only the lists of cities and tags are kept in memory."""

    def __init__(self, client: store.Client, settings: Settings, embedder: Embedder | None = None, owns_client=False):
        self.client, self.settings = client, settings
        self.embedder = embedder or build_embedder(settings)
        self.collection = settings.collection
        self._owns_client = owns_client
        # local mode is not safe for a write racing reads; a server handles its own concurrency
        self._lock = threading.RLock() if store.is_local(client) else contextlib.nullcontext()
        self._cities: list[str] = []
        self._tags: list[str] = []
        # a turn often searches the same words twice (the agent retries, the user asks again): embed them once
        size = settings.query_cache_size
        self._query_vector = functools.lru_cache(maxsize=size)(self._embed_query) if size else self._embed_query
        self._refresh_vocab()

    # --- lifecycle -------------------------------------------------------------------------
    def ingest(
        self,
        corpus_dir: Path | None = None,
        rebuild: bool = False,
        progress: bool | None = None,
        on_progress: Callable[[IngestProgress], None] | None = None,
    ) -> IngestReport:
        with self._lock:
            report = ingest(self.client, self.settings, corpus_dir, rebuild, self.embedder, progress, on_progress)
            self._refresh_vocab()
        return report

    def needs_ingest(self) -> str | None:
        """Why the collection cannot serve this embedder as it is (a key of BUILD_REASONS), or None."""
        dim = store.collection_dim(self.client, self.collection)
        if dim is None:
            return "missing"
        if dim != embedding_dim(self.embedder):
            return "dimension"
        points, _ = self.client.scroll(self.collection, limit=1, with_payload=["embedder"])
        if not points:
            return "empty"
        if (points[0].payload or {}).get("embedder") != embedder_id(self.settings):
            return "embedder"
        record = build.read(self.client, self.collection)
        if record is None or not record.complete or record.segments != self.count():
            return "incomplete"  # a build that was killed half-way is not served as whole
        return None

    def warm_up(self, tokenizer: bool = True) -> None:
        """Load the embedding model (and jieba's dictionary) now, so the first search is as quick as the next.

        The app passes ``tokenizer=False`` and calls :meth:`warm_up_tokenizer` right after /ready: the
        dictionary is ~0.8 s of CPU, and a search that comes before it is loaded waits for it once.
        """
        self._query_vector("台灣旅遊")
        if tokenizer:
            self.warm_up_tokenizer()

    def warm_up_tokenizer(self) -> None:
        encode_query("台灣旅遊")

    def close(self) -> None:
        if self._owns_client:
            store.close_client(self.settings)

    def __enter__(self) -> SegmentIndex:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- search ----------------------------------------------------------------------------
    def search(
        self,
        query: str,
        city: str | None = None,
        tags: Iterable[str] | str | None = None,
        limit: int = 10,
        mode: Mode = "hybrid",
    ) -> list[SegmentHit]:
        """Segments for a zh-TW query, best first, optionally only in a city / with any of the tags."""
        text = check_query(query, self.settings.max_query_chars)
        check_limit(limit)
        check_mode(mode)
        flt = self._filter(city, tags)
        dense = list(self._query_vector(text)) if mode != "sparse" else None
        indices, values = encode_query(text) if mode != "dense" else ([], [])
        sparse = SparseVector(indices=indices, values=values) if indices else None
        pre = self.settings.prefetch_limit
        with self._lock, store.reachable(store.location(self.settings)):
            self._require_collection()
            if mode == "dense" or (mode == "hybrid" and sparse is None):
                res = store.query_points(
                    self.client, self.collection, dense, using=store.DENSE, query_filter=flt, limit=limit
                )
            elif mode == "sparse":
                if sparse is None:  # nothing tokenisable (emoji, punctuation): no lexical match possible
                    return []
                res = store.query_points(
                    self.client, self.collection, sparse, using=store.SPARSE, query_filter=flt, limit=limit
                )
            else:
                res = store.query_points(
                    self.client,
                    self.collection,
                    FusionQuery(fusion="dbsf" if self.settings.fusion == "dbsf" else "rrf"),
                    prefetch=[
                        Prefetch(query=dense, using=store.DENSE, filter=flt, limit=pre),
                        Prefetch(query=sparse, using=store.SPARSE, filter=flt, limit=pre),
                    ],
                    limit=limit,
                )
        return [store.to_hit(p.payload or {}, p.score) for p in res.points]

    def _embed_query(self, text: str) -> tuple[float, ...]:
        return tuple(self.embedder.get_query_embedding(text))

    def _filter(self, city: object, tags: Iterable[str] | str | None) -> Filter | None:
        name = check_city(city)
        if name is not None:
            name = canonical_city(name)
            if name not in self._cities:
                self._refresh_vocab()  # another writer (server mode) may have added it
                if name not in self._cities:
                    raise UnknownCityError(str(city).strip(), self._cities)
        wanted = split_tags(tags)
        unknown = [t for t in wanted if t not in self._tags]
        if unknown:
            raise InvalidQueryError(f"沒有這些標籤：{'、'.join(unknown)}。可用的標籤：{'、'.join(self._tags)}。")
        return payload_filter(name, wanted)

    # --- look-ups --------------------------------------------------------------------------
    def get_segments(self, ids: Iterable[str]) -> list[Segment]:
        """Segments by id, in the order asked; any unknown id raises UnknownSegmentError."""
        ids = [str(i) for i in ids]
        if not ids:
            return []
        with self._lock, store.reachable(store.location(self.settings)):
            self._require_collection()
            points = self.client.retrieve(self.collection, ids=list({store.point_id(i) for i in ids}))
        found = {p.payload["segment_id"]: store.to_segment(p.payload) for p in points if p.payload}
        missing = [i for i in dict.fromkeys(ids) if i not in found]
        if missing:
            raise UnknownSegmentError(missing)
        return [found[i] for i in ids]

    def all_segments(self) -> list[Segment]:
        """Every segment, ordered by id (reads the whole collection: for small corpora and tools)."""
        return sorted((store.to_segment(p) for p in self._scroll(True)), key=lambda s: s.segment_id)

    def cities(self) -> list[str]:
        return list(self._cities)

    def tags(self) -> list[str]:
        return list(self._tags)

    def count(self) -> int:
        with self._lock:
            if not self.client.collection_exists(self.collection):
                return 0
            return self.client.count(self.collection, exact=True).count

    def _require_collection(self) -> None:
        if not self.client.collection_exists(self.collection):
            raise IndexUnavailableError("索引還沒建立：請先執行 `python -m pipelines ingest`。")

    def _refresh_vocab(self) -> None:
        cities, tags = set(), set()
        with self._lock:
            indexed = self.client.collection_exists(self.collection) and store.has_keyword_indexes(
                self.client, self.collection, ("city", "tags")
            )
            if indexed:  # Edge, a server: read the keyword indexes
                cities, tags = set(self._facet("city")), set(self._facet("tags"))
        if not indexed:  # local mode (no payload indexes): read every point's city and tags
            for payload in self._scroll(["city", "tags"]):
                if payload.get("city"):
                    cities.add(payload["city"])
                tags.update(payload.get("tags") or [])
        self._cities, self._tags = sorted(cities - {""}, key=city_sort_key), sorted(tags)

    def _facet(self, key: str) -> list[str]:
        hits = self.client.facet(self.collection, key, limit=VOCAB_LIMIT, exact=True).hits
        return [str(h.value) for h in hits]

    def _scroll(self, fields) -> Iterable[dict]:
        with self._lock:
            if not self.client.collection_exists(self.collection):
                return []
            out, offset = [], None
            while True:
                points, offset = self.client.scroll(self.collection, limit=1000, offset=offset, with_payload=fields)
                out += [p.payload or {} for p in points]
                if offset is None:
                    return out


def open_index(
    settings: Settings,
    client: store.Client | None = None,
    ensure: bool = True,
    progress: bool | None = None,
    on_build: Callable[[str], None] | None = None,
    on_progress: Callable[[IngestProgress], None] | None = None,
) -> SegmentIndex:
    """The index the app, agent and CLI use; with ``ensure`` it is built (or its build finished) first.

    ``on_build`` hears why a build runs (a key of BUILD_REASONS) before it starts, ``on_progress`` how
    it goes. Without ``client`` the process-wide client for the settings is used and ``close()`` closes it.
    """
    owns = client is None
    client = client or store.get_client(settings)
    try:
        index = SegmentIndex(client, settings, owns_client=owns)
        reason = index.needs_ingest()
        if reason == "missing" and settings.qdrant_engine == "edge" and store.local_mode_collection(settings):
            reason = "migrating"
        if reason and ensure:
            log.warning("%s（%s）", BUILD_REASONS[reason], settings.corpus_dir)
            if on_build:
                on_build(reason)
            report = index.ingest(
                rebuild=reason in ("dimension", "embedder"), progress=progress, on_progress=on_progress
            )
            if report.segments == 0:
                raise IndexUnavailableError(f"語料資料夾 {settings.corpus_dir} 裡沒有可用的片段，索引是空的。")
        elif reason in ("missing", "migrating", "dimension"):
            what = "與目前的向量模型不相符" if reason == "dimension" else "還沒建立"
            raise IndexUnavailableError(f"索引{what}：請執行 `python -m pipelines ingest --rebuild`。")
    except BaseException:
        if owns:
            store.close_client(settings)
        raise
    return index
