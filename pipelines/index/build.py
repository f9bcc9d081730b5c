"""Build completeness: a record in the collection's metadata saying which corpus it holds, written last.

An ingest first marks the collection ``building`` (with the digest of the segment ids and content
hashes it is about to hold), then writes points, then marks it ``complete``. A run killed in between
leaves ``building``, so the next start resumes it instead of serving a partial index as whole (issue
12). The record lives where the points do: qdrant-client and a server keep collection metadata, and
the Edge adapter keeps it in a file inside the shard.
"""

from __future__ import annotations

import hashlib
import logging
import time
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from pipelines.index.store import Client, http_errors

log = logging.getLogger(__name__)

KEY = "aiyo_build"
RESUMING = "上次建立索引時被中斷，繼續完成"


class BuildRecord(BaseModel):
    state: Literal["building", "complete"]
    embedder: str = Field(description="embedder id of every dense vector")
    segments: int = Field(description="points the collection holds once the build is complete")
    digest: str = Field(description="sha256 of the sorted 'segment_id content_hash' lines of those points")
    at: float = Field(default_factory=time.time, description="when this state was written (epoch seconds)")

    @property
    def complete(self) -> bool:
        return self.state == "complete"


def digest(points: dict[str, str]) -> str:
    """Digest of segment id → content hash: equal digests, same points."""
    lines = "\n".join(f"{sid} {points[sid]}" for sid in sorted(points))
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def read(client: Client, name: str) -> BuildRecord | None:
    """The collection's build record, or None (never built by this version, or unreadable)."""
    metadata = getattr(client.get_collection(name).config, "metadata", None) or {}
    raw = metadata.get(KEY)
    if raw is None:
        return None
    try:
        return BuildRecord.model_validate(raw)
    except ValidationError:
        log.warning("unreadable build record in %s: %r", name, raw)
        return None


def write(client: Client, name: str, record: BuildRecord) -> None:
    _unreachable, unexpected = http_errors()
    try:
        client.update_collection(name, metadata={KEY: record.model_dump(mode="json")})
    except unexpected as err:  # a server too old for collection metadata: no record, resume every start
        log.warning("could not write the build record of %s: %s", name, err)
