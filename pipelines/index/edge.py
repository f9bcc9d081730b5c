"""Qdrant Edge (``AIYO_QDRANT_ENGINE=edge``): Qdrant's Rust engine in process, behind the QdrantClient subset we use.

qdrant-client's local mode scores sparse vectors and filters in Python (hybrid search ~900 ms at 10k
segments); Edge runs the server's engine in process (a few ms, see bench/reports/retrieval.md). This
adapter takes and returns qdrant-client ``models`` objects, so store/ingest/retrieval stay unchanged:
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

from qdrant_client import models as qm
from qdrant_client.http.models import QueryResponse  # QueryResponse is fastembed's

from pipelines.core.errors import FolderInUseError

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
        params = qm.CollectionParams(
            vectors={k: qm.VectorParams(size=v["size"], distance=qm.Distance(v["distance"])) for k, v in
                     cfg.get("vectors", {}).items()},
            sparse_vectors={k: qm.SparseVectorParams(modifier=qm.Modifier((v or {}).get("modifier") or "none"))
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
        vectors_config: dict[str, qm.VectorParams],
        sparse_vectors_config: dict[str, qm.SparseVectorParams] | None = None,
        keyword_indexes: tuple[str, ...] = (),
    ) -> bool:
        """A new shard, built in a side folder (with its keyword payload indexes) and renamed into place."""
        cfg = {
            "vectors": {k: {"size": v.size, "distance": v.distance.value} for k, v in vectors_config.items()},
            "sparse_vectors": {k: {"modifier": qm.Modifier(v.modifier).value if v.modifier else None}
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

    def create_payload_index(self, collection_name: str, field_name: str, field_schema: qm.PayloadSchemaType) -> None:
        kind = getattr(self.E.PayloadSchemaType, qm.PayloadSchemaType(field_schema).value.capitalize())
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
    def upsert(self, collection_name: str, points: list[qm.PointStruct], wait: bool = True) -> None:
        E = self.E
        converted = [
            E.Point(p.id, {k: self._vector(v) for k, v in p.vector.items()}, p.payload)  # type: ignore[union-attr]
            for p in points
        ]
        self._shard(collection_name).update(E.UpdateOperation.upsert_points(converted))

    def delete(self, collection_name: str, points_selector: qm.PointIdsList, wait: bool = True) -> None:
        self._shard(collection_name).update(self.E.UpdateOperation.delete_points(list(points_selector.points)))

    def count(self, collection_name: str, exact: bool = True) -> qm.CountResult:
        return qm.CountResult(count=self._shard(collection_name).count(self.E.CountRequest(exact=exact)))

    def scroll(
        self, collection_name: str, limit: int = 10, offset: Any = None, with_payload: bool | list[str] = True
    ) -> tuple[list[qm.Record], Any]:
        request = self.E.ScrollRequest(offset=offset, limit=limit, with_payload=with_payload)
        records, next_offset = self._shard(collection_name).scroll(request)
        return [qm.Record(id=_id(r.id), payload=r.payload) for r in records], _id(next_offset)

    def retrieve(self, collection_name: str, ids: list[str], with_payload: bool = True) -> list[qm.Record]:
        records = self._shard(collection_name).retrieve(list(ids), with_payload, False)
        return [qm.Record(id=_id(r.id), payload=r.payload) for r in records]

    def facet(self, collection_name: str, key: str, limit: int = 10, exact: bool = False) -> qm.FacetResponse:
        """Distinct values of a keyword field with their counts (from the payload index: no scan)."""
        found = self._shard(collection_name).facet(self.E.FacetRequest(key=key, limit=limit, exact=exact))
        return qm.FacetResponse(hits=[qm.FacetValueHit(value=h.value, count=h.count) for h in found])

    def query_points(
        self,
        collection_name: str,
        query: Any = None,
        using: str | None = None,
        prefetch: list[qm.Prefetch] | None = None,
        query_filter: qm.Filter | None = None,
        limit: int = 10,
        with_payload: bool = True,
    ) -> QueryResponse:
        request = self.E.QueryRequest(
            limit=limit,
            query=self._query(query, using),
            prefetches=[
                self.E.Prefetch(limit=p.limit, query=self._query(p.query, p.using), filter=self._filter(p.filter))
                for p in _list(prefetch)
            ] or None,
            filter=self._filter(query_filter),
            with_payload=with_payload,
        )  # fmt: skip
        points = self._shard(collection_name).query(request)
        return QueryResponse(
            points=[qm.ScoredPoint(id=_id(p.id), version=p.version, score=p.score, payload=p.payload) for p in points]
        )

    # --- qdrant-client models → Edge -------------------------------------------------------
    def _vector(self, vector: Any) -> Any:
        if isinstance(vector, qm.SparseVector):
            return self.E.SparseVector(list(vector.indices), list(vector.values))
        return list(vector)

    def _query(self, query: Any, using: str | None) -> Any:
        if query is None:
            return None
        if isinstance(query, qm.FusionQuery):
            # k=2 is the RRF constant of qdrant-client's local mode and of the server
            return self.E.Fusion.Dbsf() if query.fusion == qm.Fusion.DBSF else self.E.Fusion.Rrf(k=2)
        return self.E.Query.Nearest(self._vector(query), using=using)

    def _filter(self, flt: qm.Filter | None) -> Any:
        if flt is None:
            return None
        return self.E.Filter(
            must=[self._condition(c) for c in _list(flt.must)] or None,
            should=[self._condition(c) for c in _list(flt.should)] or None,
            must_not=[self._condition(c) for c in _list(flt.must_not)] or None,
        )

    def _condition(self, cond: Any) -> Any:
        if isinstance(cond, qm.FieldCondition) and isinstance(cond.match, qm.MatchValue):
            return self.E.FieldCondition(key=cond.key, match=self.E.MatchValue(cond.match.value))
        if isinstance(cond, qm.FieldCondition) and isinstance(cond.match, qm.MatchAny):
            return self.E.FieldCondition(key=cond.key, match=self.E.MatchAny(list(cond.match.any)))
        raise NotImplementedError(f"EdgeClient: unsupported filter condition {cond!r}")


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
