"""Qdrant Edge (``AIYO_QDRANT_ENGINE=edge``): Qdrant's Rust engine in process, behind the QdrantClient subset we use.

qdrant-client's local mode scores sparse vectors and filters in Python (hybrid search ~900 ms at 10k
segments); Edge runs the server's engine in process (a few ms, see bench/reports/retrieval.md). This
adapter takes the index's own request types (:mod:`pipelines.index.points`; qdrant-client ``models``
with the same fields work too) and returns them, without importing qdrant-client (~0.85 s at start):
one Edge shard folder per collection under ``<qdrant_path>/edge/<collection>``. Like local mode, one
process per folder: the client holds ``<qdrant_path>/edge/.lock`` while it is open.

What the server does for us and Edge leaves to the caller: a collection is created in a side folder
and renamed into place (a killed create leaves no half shard); collection metadata (AIYO's build
record) lives in a JSON file in the shard, replaced atomically; optimisation runs only when asked
(:meth:`EdgeClient.optimize`, after an ingest), with vacuum thresholds at zero so the sparse IDF
statistics never count deleted points once it has run. Edge survives SIGKILL mid-write through its
WAL (bench/reports/crash_ingest.md).
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

from pipelines.core.errors import FolderInUseError
from pipelines.index import points as p

CONFIG = "edge_config.json"  # written by EdgeShard.create; the only record of a shard's vector sizes
METADATA = "aiyo_metadata.json"  # collection metadata, as a server keeps it (Edge has none)
LOCK = ".lock"
CREATING = ".creating"  # suffix of a collection being created; renamed into place when it is whole


def _edge() -> ModuleType:
    try:
        import qdrant_edge
    except ImportError as err:
        raise ImportError("AIYO_QDRANT_ENGINE=edge needs Qdrant Edge: pip install qdrant-edge-py") from err
    return qdrant_edge


def _id(value: Any) -> Any:
    return str(value) if isinstance(value, uuid.UUID) else value


def _list(value: Any) -> list:
    return [] if value is None else value if isinstance(value, list) else [value]


class EdgeClient:
    """The QdrantClient methods AIYO calls (see pipelines/store, ingest, retrieval), on Edge shards."""

    def __init__(self, path: Path):
        self.E = _edge()
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self._shards: dict[str, Any] = {}
        self._lock = _lock_folder(self.path)  # one process per folder, even before any collection exists
        try:
            for folder in sorted(self.path.iterdir()):
                if folder.name.endswith(CREATING):  # a create that was killed: never half a collection
                    shutil.rmtree(folder, ignore_errors=True)
                elif (folder / CONFIG).exists():
                    self._shard(folder.name)
        except BaseException:
            self.close()
            raise

    # --- collections -----------------------------------------------------------------------
    def _shard(self, name: str) -> Any:
        if name not in self._shards:
            folder = self.path / name
            try:
                self._shards[name] = self.E.EdgeShard.load(str(folder), self._config(_read_json(folder / CONFIG)))
            except Exception as err:
                if "WouldBlock" not in str(err):
                    raise
                raise FolderInUseError(str(self.path)) from None
        return self._shards[name]

    def _config(self, cfg: dict) -> Any:
        """An EdgeConfig from edge_config.json's vectors, with AIYO's optimiser thresholds."""
        E = self.E
        return E.EdgeConfig(
            vectors={k: E.EdgeVectorParams(size=v["size"], distance=getattr(E.Distance, v["distance"])) for k, v in
                     cfg.get("vectors", {}).items()},
            sparse_vectors={k: E.EdgeSparseVectorParams(modifier=E.Modifier.Idf if (v or {}).get("modifier") == "idf"
                            else None) for k, v in cfg.get("sparse_vectors", {}).items()},
            # vacuum any segment with deleted points when optimize() runs: IDF counts only live points
            optimizers=E.EdgeOptimizersConfig(deleted_threshold=0.0, vacuum_min_vector_number=0),
        )  # fmt: skip

    def collection_exists(self, collection_name: str) -> bool:
        return collection_name in self._shards or (self.path / collection_name / CONFIG).exists()

    def get_collection(self, collection_name: str) -> SimpleNamespace:
        """What AIYO reads: ``config.params``, ``config.metadata``, ``payload_schema`` and ``points_count``."""
        info = self._shard(collection_name).info()
        folder = self.path / collection_name
        cfg = _read_json(folder / CONFIG)
        params = p.CollectionParams(
            vectors={k: p.VectorParams(size=v["size"], distance=v["distance"]) for k, v in
                     cfg.get("vectors", {}).items()},
            sparse_vectors={k: p.SparseVectorParams(modifier=(v or {}).get("modifier") or None)
                            for k, v in cfg.get("sparse_vectors", {}).items()},
        )  # fmt: skip
        metadata = _read_json(folder / METADATA) if (folder / METADATA).exists() else None
        return SimpleNamespace(
            config=SimpleNamespace(params=params, metadata=metadata),
            payload_schema=dict(info.payload_schema),
            points_count=info.points_count,
        )

    def update_collection(self, collection_name: str, metadata: dict[str, Any] | None = None, **_: Any) -> bool:
        """Merge ``metadata`` into the collection's (as the server does); other updates are not supported."""
        folder = self.path / collection_name
        self._shard(collection_name)
        current = _read_json(folder / METADATA) if (folder / METADATA).exists() else {}
        _write_json(folder / METADATA, {**current, **(metadata or {})})
        return True

    def create_collection(
        self,
        collection_name: str,
        vectors_config: dict[str, p.VectorParams],
        sparse_vectors_config: dict[str, p.SparseVectorParams] | None = None,
        keyword_indexes: tuple[str, ...] = (),
    ) -> bool:
        """A new shard, built in a side folder (with its keyword payload indexes) and renamed into place."""
        cfg = {
            "vectors": {k: {"size": v.size, "distance": p.value(v.distance)} for k, v in vectors_config.items()},
            "sparse_vectors": {k: {"modifier": _modifier(v.modifier)}
                               for k, v in (sparse_vectors_config or {}).items()},
        }  # fmt: skip
        if self.collection_exists(collection_name):
            raise ValueError(f"Collection `{collection_name}` already exists!")  # as qdrant-client says it
        final, side = self.path / collection_name, self.path / (collection_name + CREATING)
        for leftover in (final, side):  # a folder without edge_config.json is not a collection
            shutil.rmtree(leftover, ignore_errors=True)
        shard = self.E.EdgeShard.create(str(side), self._config(cfg))
        for field in keyword_indexes:
            shard.update(self.E.UpdateOperation.create_field_index(field, self.E.PayloadSchemaType.Keyword))
        shard.close()
        os.replace(side, final)
        self._shard(collection_name)
        return True

    def delete_collection(self, collection_name: str) -> bool:
        shard = self._shards.pop(collection_name, None)
        if shard is not None:
            shard.close()
        shutil.rmtree(self.path / collection_name, ignore_errors=True)
        return shard is not None

    def create_payload_index(self, collection_name: str, field_name: str, field_schema: Any) -> None:
        """``field_schema``: "keyword" (or qdrant-client's PayloadSchemaType.KEYWORD); Edge's type of that name."""
        kind = getattr(self.E.PayloadSchemaType, str(p.value(field_schema)).capitalize())
        self._shard(collection_name).update(self.E.UpdateOperation.create_field_index(field_name, kind))

    def optimize(self, collection_name: str) -> bool:
        """Merge, vacuum and index segments now (Edge has no background optimiser). Holds the GIL throughout."""
        return bool(self._shard(collection_name).optimize())

    def close(self) -> None:
        while self._shards:
            self._shards.popitem()[1].close()
        if self._lock is not None:
            self._lock.close()  # releases the flock
            self._lock = None

    # --- points ----------------------------------------------------------------------------
    def upsert(self, collection_name: str, points: list[p.PointStruct], wait: bool = True) -> None:
        E = self.E
        converted = [
            E.Point(pt.id, {k: self._vector(v) for k, v in pt.vector.items()}, pt.payload)  # type: ignore[union-attr]
            for pt in points
        ]
        self._shard(collection_name).update(E.UpdateOperation.upsert_points(converted))

    def delete(self, collection_name: str, points_selector: Any, wait: bool = True) -> None:
        """Delete points by id: a list of ids (or qdrant-client's PointIdsList)."""
        ids = getattr(points_selector, "points", points_selector)
        self._shard(collection_name).update(self.E.UpdateOperation.delete_points(list(ids)))

    def count(self, collection_name: str, exact: bool = True) -> p.CountResult:
        return p.CountResult(count=self._shard(collection_name).count(self.E.CountRequest(exact=exact)))

    def scroll(
        self, collection_name: str, limit: int = 10, offset: Any = None, with_payload: bool | list[str] = True
    ) -> tuple[list[p.Record], Any]:
        request = self.E.ScrollRequest(offset=offset, limit=limit, with_payload=with_payload)
        records, next_offset = self._shard(collection_name).scroll(request)
        return [p.Record(id=_id(r.id), payload=r.payload) for r in records], _id(next_offset)

    def retrieve(self, collection_name: str, ids: list[str], with_payload: bool = True) -> list[p.Record]:
        records = self._shard(collection_name).retrieve(list(ids), with_payload, False)
        return [p.Record(id=_id(r.id), payload=r.payload) for r in records]

    def facet(self, collection_name: str, key: str, limit: int = 10, exact: bool = False) -> p.FacetResponse:
        """Distinct values of a keyword field with their counts (from the payload index: no scan)."""
        found = self._shard(collection_name).facet(self.E.FacetRequest(key=key, limit=limit, exact=exact))
        return p.FacetResponse(hits=[p.FacetValueHit(value=h.value, count=h.count) for h in found])

    def query_points(
        self,
        collection_name: str,
        query: Any = None,
        using: str | None = None,
        prefetch: list[p.Prefetch] | None = None,
        query_filter: p.Filter | None = None,
        limit: int = 10,
        with_payload: bool = True,
    ) -> p.QueryResponse:
        request = self.E.QueryRequest(
            limit=limit,
            query=self._query(query, using),
            prefetches=[
                self.E.Prefetch(limit=pf.limit, query=self._query(pf.query, pf.using), filter=self._filter(pf.filter))
                for pf in _list(prefetch)
            ] or None,
            filter=self._filter(query_filter),
            with_payload=with_payload,
        )  # fmt: skip
        points = self._shard(collection_name).query(request)
        return p.QueryResponse(
            points=[p.ScoredPoint(id=_id(s.id), version=s.version, score=s.score, payload=s.payload) for s in points]
        )

    # --- requests (own types, or qdrant-client models with the same fields) → Edge --------------
    def _vector(self, vector: Any) -> Any:
        if hasattr(vector, "indices"):  # a sparse vector
            return self.E.SparseVector(list(vector.indices), list(vector.values))
        return list(vector)

    def _query(self, query: Any, using: str | None) -> Any:
        if query is None:
            return None
        if hasattr(query, "fusion"):
            # k=2 is the RRF constant of qdrant-client's local mode and of the server
            return self.E.Fusion.Dbsf() if p.value(query.fusion) == "dbsf" else self.E.Fusion.Rrf(k=2)
        return self.E.Query.Nearest(self._vector(query), using=using)

    def _filter(self, flt: Any) -> Any:
        if flt is None:
            return None
        return self.E.Filter(
            must=[self._condition(c) for c in _list(flt.must)] or None,
            should=[self._condition(c) for c in _list(flt.should)] or None,
            must_not=[self._condition(c) for c in _list(flt.must_not)] or None,
        )

    def _condition(self, cond: Any) -> Any:
        """A field condition matching one value or any of several (the only conditions AIYO sends)."""
        match = getattr(cond, "match", None)
        if getattr(match, "any", None) is not None:
            return self.E.FieldCondition(key=cond.key, match=self.E.MatchAny(list(match.any)))
        if getattr(match, "value", None) is not None:
            return self.E.FieldCondition(key=cond.key, match=self.E.MatchValue(match.value))
        raise NotImplementedError(f"EdgeClient: unsupported filter condition {cond!r}")


def _modifier(modifier: Any) -> str | None:
    """The modifier "idf" or None, from our string or qdrant-client's Modifier enum (whose "none" is None)."""
    name = p.value(modifier)
    return None if name in (None, "none") else str(name)


def _lock_folder(path: Path) -> Any:
    """An exclusive flock on ``path/.lock`` (per open file, so a second client in this process is refused too)."""
    try:
        import fcntl
    except ImportError:  # not POSIX: Edge's own WAL lock still refuses a second process
        return None
    handle = open(path / LOCK, "a+")  # noqa: SIM115 - held open for the client's lifetime
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise FolderInUseError(str(path)) from None
    return handle


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _write_json(path: Path, data: dict) -> None:
    """Write next to ``path`` and rename over it, so a kill leaves the old file or the new one."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)
