"""The Qdrant side: one client per process, the segments collection schema, point ids and payloads.

Qdrant Edge (:mod:`pipelines.index.edge`, the default) and qdrant-client's local mode lock their folder
for one process; a second process gets a :class:`FolderInUseError` in zh-TW. A server or cluster
(``AIYO_QDRANT_URL``) has no such limit and is what scale-out uses.

Requests are the index's own types (:mod:`pipelines.index.points`): Edge takes them as they are, and
:func:`upsert`, :func:`delete_points`, :func:`query_points` and :func:`create_collection` translate them
for a qdrant-client client. qdrant-client is imported only when one is opened, so a default start skips it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

import httpx

from pipelines.core.errors import FolderInUseError, IndexUnavailableError
from pipelines.core.models import Segment, SegmentHit
from pipelines.core.redact import redact_text, redact_url
from pipelines.core.settings import Settings
from pipelines.index import points as p
from pipelines.index.edge import EdgeClient

if TYPE_CHECKING:
    from qdrant_client import QdrantClient

Client: TypeAlias = "QdrantClient | EdgeClient"

log = logging.getLogger(__name__)

DENSE = "dense"
SPARSE = "sparse"
MEMORY = ":memory:"
# Fixed namespace: point ids must be the same on every machine so re-ingesting anywhere converges.
_POINT_NS = uuid.UUID("5b0c8f2e-3d6a-4f51-9a77-a1e0a1e0a1e0")
KEYWORD_FIELDS = ("video_id", "city", "tags", "place")

_clients: dict[str, tuple[Client, int]] = {}  # location → (client, users)
_clients_lock = threading.Lock()


def location(settings: Settings) -> str:
    if settings.qdrant_url:
        return settings.qdrant_url
    if str(settings.qdrant_path) == MEMORY:
        return MEMORY
    return str(settings.qdrant_path / "edge" if settings.qdrant_engine == "edge" else settings.qdrant_path)


def open_client(settings: Settings) -> Client:
    """A new client for the configured location (prefer :func:`get_client`: one per process).

    With ``qdrant_engine="edge"`` and a folder this is an :class:`pipelines.index.edge.EdgeClient`, which has the
    subset of QdrantClient that AIYO calls (":memory:" stays qdrant-client: Edge has no in-memory mode).
    """
    where = location(settings)
    if settings.qdrant_engine == "edge" and not settings.qdrant_url and where != MEMORY:
        return EdgeClient(Path(where))  # raises FolderInUseError itself
    from qdrant_client import QdrantClient

    if settings.qdrant_url:
        key = settings.qdrant_api_key.get_secret_value() if settings.qdrant_api_key else None
        client = QdrantClient(url=settings.qdrant_url, api_key=key, timeout=10, check_compatibility=False)
        try:
            client.get_collections()
        except Exception as err:  # connection refused, TLS, auth...: all mean "no index for you"
            client.close()
            shown = f"{redact_url(where)}：{redact_text(str(err))}"
            raise IndexUnavailableError(
                f"連不上 Qdrant 伺服器 {shown}。請確認伺服器在執行、網址與 API key 正確。"
            ) from err
        return client
    if where == MEMORY:
        return QdrantClient(location=MEMORY)
    settings.qdrant_path.mkdir(parents=True, exist_ok=True)
    try:
        return QdrantClient(path=where)
    except RuntimeError as err:
        if "already accessed" not in str(err):
            raise
        raise FolderInUseError(where) from None


@contextlib.contextmanager
def reachable(where: str) -> Iterator[None]:
    """Turn a Qdrant server that stopped answering mid-request into a zh-TW IndexUnavailableError."""
    where = redact_url(where) or where
    unreachable, unexpected = http_errors()
    try:
        yield
    except (*unreachable, httpx.TransportError) as err:
        raise IndexUnavailableError(f"向量資料庫 {where} 暫時連不上，請稍後再試。（{type(err).__name__}）") from err
    except unexpected as err:
        status = getattr(err, "status_code", None)
        if status is None or status < 500:
            raise
        raise IndexUnavailableError(f"向量資料庫 {where} 暫時出錯（HTTP {status}），請稍後再試。") from err


def http_errors() -> tuple[tuple[type[Exception], ...], tuple[type[Exception], ...]]:
    """qdrant-client's (connection, unexpected HTTP status) errors; empty while qdrant-client is not loaded.

    Only a qdrant-client client raises them, and none exists before qdrant-client is imported; so the
    Edge path catches nothing extra and never imports qdrant-client for an ``except`` clause.
    """
    errors = sys.modules.get("qdrant_client.http.exceptions")
    if errors is None:
        return (), ()
    return (errors.ResponseHandlingException,), (errors.UnexpectedResponse,)


def get_client(settings: Settings) -> Client:
    """The process-wide client for this location, opened on first use; pair each call with close_client."""
    where = location(settings)
    with _clients_lock:
        client, users = _clients.get(where) or (open_client(settings), 0)
        _clients[where] = (client, users + 1)
        return client


def close_client(settings: Settings) -> None:
    """Release one use of the process-wide client; the last release closes it (and the folder lock)."""
    where = location(settings)
    with _clients_lock:
        client, users = _clients.pop(where, (None, 0))
        if client is not None and users > 1:
            _clients[where] = (client, users - 1)
            return
    if client is not None:
        client.close()


def is_local(client: Client) -> bool:
    """An in-process engine (local mode or Edge): one writer at a time, one process per folder."""
    return isinstance(client, EdgeClient) or is_local_mode(client)


def is_local_mode(client: Client) -> bool:
    """qdrant-client's local mode (pure Python: no payload indexes, no optimiser)."""
    if isinstance(client, EdgeClient):
        return False
    from qdrant_client.local.qdrant_local import QdrantLocal

    return isinstance(getattr(client, "_client", None), QdrantLocal)


def _native(client: Client, request: Any) -> Any:
    """``request`` (own types) as ``client`` takes it: unchanged for Edge, qdrant-client models otherwise."""
    if isinstance(client, EdgeClient):
        return request
    from pipelines.index.qdrant_models import to_qdrant

    return to_qdrant(request)


def upsert(client: Client, name: str, points: list[p.PointStruct]) -> None:
    client.upsert(name, points=_native(client, points), wait=True)


def delete_points(client: Client, name: str, segment_ids: list[str]) -> None:
    ids = [point_id(s) for s in segment_ids]
    if isinstance(client, EdgeClient):
        client.delete(name, points_selector=ids)
        return
    from qdrant_client import models as qm

    client.delete(name, points_selector=qm.PointIdsList(points=ids))


def query_points(
    client: Client,
    name: str,
    query: p.Vector | p.FusionQuery,
    using: str | None = None,
    prefetch: list[p.Prefetch] | None = None,
    query_filter: p.Filter | None = None,
    limit: int = 10,
) -> p.QueryResponse:
    """One Query API call: nearest to ``query`` in ``using``, or a fusion of ``prefetch``; results read alike."""
    request = _native(client, {"query": query, "prefetch": prefetch, "query_filter": query_filter})
    return client.query_points(name, using=using, limit=limit, **request)


def collection_dim(client: Client, name: str) -> int | None:
    """Size of the dense vectors of an existing collection, or None if there is no collection."""
    if not client.collection_exists(name):
        return None
    vectors = client.get_collection(name).config.params.vectors
    return vectors[DENSE].size if isinstance(vectors, dict) and DENSE in vectors else None


def create_collection(client: Client, name: str, dim: int) -> None:
    """Named dense (cosine) and sparse (IDF-weighted dot product) vectors, keyword payload indexes."""
    vectors = {DENSE: p.VectorParams(size=dim, distance="Cosine")}
    sparse = {SPARSE: p.SparseVectorParams(modifier="idf")}
    if isinstance(client, EdgeClient):  # indexes built before the collection appears: a kill leaves all or nothing
        client.create_collection(name, vectors, sparse, keyword_indexes=KEYWORD_FIELDS)
        return
    config = _native(client, {"vectors_config": vectors, "sparse_vectors_config": sparse})
    client.create_collection(name, **config)
    ensure_payload_indexes(client, name)


def has_keyword_indexes(client: Client, name: str, fields: tuple[str, ...]) -> bool:
    """True when the collection can answer facets on ``fields`` (a payload index each; never in local mode)."""
    return not is_local_mode(client) and set(fields) <= set(client.get_collection(name).payload_schema or {})


def ensure_payload_indexes(client: Client, name: str) -> None:
    """Create the keyword indexes the collection lacks (e.g. after a run killed right after creating it)."""
    if is_local_mode(client):  # local mode scans every point anyway and warns about indexes
        return
    have = client.get_collection(name).payload_schema or {}
    for field in KEYWORD_FIELDS:
        if field not in have:
            if isinstance(client, EdgeClient):
                client.create_payload_index(name, field, "keyword")
                continue
            from qdrant_client import models as qm

            client.create_payload_index(name, field, qm.PayloadSchemaType.KEYWORD)


def optimize(client: Client, name: str) -> bool:
    """Edge: vacuum deleted points (exact IDF again) and index big segments; a server and local mode need nothing."""
    return client.optimize(name) if isinstance(client, EdgeClient) else False


def local_mode_collection(settings: Settings) -> bool:
    """True when ``qdrant_path`` holds a qdrant-client local-mode collection of ours (what Edge replaces)."""
    meta = settings.qdrant_path / "meta.json"
    if str(settings.qdrant_path) == MEMORY or not meta.is_file():
        return False
    try:
        return settings.collection in (json.loads(meta.read_text(encoding="utf-8")).get("collections") or {})
    except (OSError, ValueError, AttributeError):
        return False


def point_id(segment_id: str) -> str:
    return str(uuid.uuid5(_POINT_NS, segment_id))


def to_payload(segment: Segment, content_hash: str, embedder: str) -> dict:
    payload = segment.model_dump(mode="json")
    payload.update(content_hash=content_hash, embedder=embedder)
    return payload


def to_segment(payload: dict) -> Segment:
    return Segment.model_validate(payload)


def to_hit(payload: dict, score: float) -> SegmentHit:
    return SegmentHit.model_validate({**payload, "score": score})
