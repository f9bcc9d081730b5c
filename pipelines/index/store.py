"""The Qdrant side: one client per process, the segments collection schema, point ids and payloads.

Local mode (a folder, the default) locks that folder for one process; a second process gets an
:class:`IndexUnavailableError` in zh-TW instead of qdrant-client's RuntimeError. ``AIYO_QDRANT_ENGINE=edge``
swaps local mode for Qdrant Edge (:mod:`pipelines.index.edge`, same folder rules, Rust speed). A server or
cluster (``AIYO_QDRANT_URL``) has no such limit and is what scale-out uses.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import httpx
from qdrant_client import QdrantClient
from qdrant_client import models as qm
from qdrant_client.http.exceptions import ResponseHandlingException, UnexpectedResponse

from pipelines.core.errors import FolderInUseError, IndexUnavailableError
from pipelines.core.models import Segment, SegmentHit
from pipelines.core.redact import redact_text, redact_url
from pipelines.core.settings import Settings

log = logging.getLogger(__name__)

DENSE = "dense"
SPARSE = "sparse"
MEMORY = ":memory:"
# Fixed namespace: point ids must be the same on every machine so re-ingesting anywhere converges.
_POINT_NS = uuid.UUID("5b0c8f2e-3d6a-4f51-9a77-a1e0a1e0a1e0")
KEYWORD_FIELDS = ("video_id", "city", "tags", "place")

_clients: dict[str, tuple[QdrantClient, int]] = {}  # location → (client, users)
_clients_lock = threading.Lock()


def location(settings: Settings) -> str:
    if settings.qdrant_url:
        return settings.qdrant_url
    if str(settings.qdrant_path) == MEMORY:
        return MEMORY
    return str(settings.qdrant_path / "edge" if settings.qdrant_engine == "edge" else settings.qdrant_path)


def open_client(settings: Settings) -> QdrantClient:
    """A new client for the configured location (prefer :func:`get_client`: one per process).

    With ``qdrant_engine="edge"`` and a folder this is an :class:`pipelines.index.edge.EdgeClient`, which has the
    subset of QdrantClient that AIYO calls (":memory:" stays qdrant-client: Edge has no in-memory mode).
    """
    where = location(settings)
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
    if settings.qdrant_engine == "edge":
        from pipelines.index.edge import EdgeClient

        return cast(QdrantClient, EdgeClient(Path(where)))  # raises FolderInUseError itself
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
    try:
        yield
    except (ResponseHandlingException, httpx.TransportError) as err:
        raise IndexUnavailableError(f"向量資料庫 {where} 暫時連不上，請稍後再試。（{type(err).__name__}）") from err
    except UnexpectedResponse as err:
        if err.status_code is None or err.status_code < 500:
            raise
        raise IndexUnavailableError(f"向量資料庫 {where} 暫時出錯（HTTP {err.status_code}），請稍後再試。") from err


def get_client(settings: Settings) -> QdrantClient:
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


def is_local(client: QdrantClient) -> bool:
    """An in-process engine (local mode or Edge): one writer at a time, one process per folder."""
    from pipelines.index.edge import EdgeClient

    return isinstance(client, EdgeClient) or is_local_mode(client)


def is_local_mode(client: QdrantClient) -> bool:
    """qdrant-client's local mode (pure Python: no payload indexes, no optimiser)."""
    from qdrant_client.local.qdrant_local import QdrantLocal

    return isinstance(getattr(client, "_client", None), QdrantLocal)


def collection_dim(client: QdrantClient, name: str) -> int | None:
    """Size of the dense vectors of an existing collection, or None if there is no collection."""
    if not client.collection_exists(name):
        return None
    vectors = client.get_collection(name).config.params.vectors
    return vectors[DENSE].size if isinstance(vectors, dict) and DENSE in vectors else None


def create_collection(client: QdrantClient, name: str, dim: int) -> None:
    """Named dense (cosine) and sparse (IDF-weighted dot product) vectors, keyword payload indexes."""
    from pipelines.index.edge import EdgeClient

    vectors = {DENSE: qm.VectorParams(size=dim, distance=qm.Distance.COSINE)}
    sparse = {SPARSE: qm.SparseVectorParams(modifier=qm.Modifier.IDF)}
    if isinstance(client, EdgeClient):  # indexes built before the collection appears: a kill leaves all or nothing
        client.create_collection(name, vectors, sparse, keyword_indexes=KEYWORD_FIELDS)
        return
    client.create_collection(name, vectors_config=vectors, sparse_vectors_config=sparse)
    ensure_payload_indexes(client, name)


def has_keyword_indexes(client: QdrantClient, name: str, fields: tuple[str, ...]) -> bool:
    """True when the collection can answer facets on ``fields`` (a payload index each; never in local mode)."""
    return not is_local_mode(client) and set(fields) <= set(client.get_collection(name).payload_schema or {})


def ensure_payload_indexes(client: QdrantClient, name: str) -> None:
    """Create the keyword indexes the collection lacks (e.g. after a run killed right after creating it)."""
    if is_local_mode(client):  # local mode scans every point anyway and warns about indexes
        return
    have = client.get_collection(name).payload_schema or {}
    for field in KEYWORD_FIELDS:
        if field not in have:
            client.create_payload_index(name, field, qm.PayloadSchemaType.KEYWORD)


def optimize(client: QdrantClient, name: str) -> bool:
    """Edge: vacuum deleted points (exact IDF again) and index big segments; a server and local mode need nothing."""
    from pipelines.index.edge import EdgeClient

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
