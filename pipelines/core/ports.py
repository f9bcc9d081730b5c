"""The index as the tools and agents see it: :class:`SegmentSource`, so they can run without Qdrant."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from pipelines.core.models import Segment, SegmentHit


class SegmentSource(Protocol):
    """Search and look-ups over indexed segments (``index.SegmentIndex`` is the real one; tests use fakes)."""

    def search(
        self, query: str, city: str | None = None, tags: Iterable[str] | str | None = None, limit: int = 10
    ) -> list[SegmentHit]:
        """Segments for a zh-TW query, best first; raises ``InvalidQueryError``/``UnknownCityError`` (zh-TW)."""
        ...

    def get_segments(self, ids: Iterable[str]) -> list[Segment]:
        """Segments by id in the order asked; an unknown id raises ``UnknownSegmentError``."""
        ...

    def cities(self) -> list[str]:
        """The canonical cities the index covers, north to south."""
        ...

    def tags(self) -> list[str]:
        """The tags segments carry."""
        ...
