"""The two functions the agent, the CLI and the UI call (DESIGN.md contract)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pipelines.itinerary import plan
from pipelines.models import Itinerary, Preferences, Segment, SegmentHit

if TYPE_CHECKING:
    from pipelines.retrieval import SegmentIndex


def search_segments(
    index: SegmentIndex, query: str, city: str | None = None, tags: list[str] | None = None, limit: int = 10
) -> list[SegmentHit]:
    """Hybrid (dense + Chinese sparse) search over video segments, filtered by city and tags."""
    return index.search(query, city=city, tags=tags, limit=limit)


def plan_itinerary(
    index: SegmentIndex,
    segments: Sequence[str | Segment],
    days: int,
    preferences: Preferences | dict[str, Any] | None = None,
) -> Itinerary:
    """Plan and verify an itinerary from segment ids (resolved through the index) or Segment objects."""
    prefs = preferences if isinstance(preferences, Preferences) else Preferences.model_validate(preferences or {})
    ids = [s for s in segments if isinstance(s, str)]
    by_id = {s.segment_id: s for s in index.get_segments(ids)} if ids else {}
    resolved = [by_id[s] if isinstance(s, str) else s for s in segments]
    return plan(resolved, days, prefs)
