"""What every verifier check reads: the plan, the segments it was made from, the request."""

from __future__ import annotations

from collections.abc import Sequence

from pipelines.core.models import DayPlan, Itinerary, ItineraryItem, Preferences, Segment
from pipelines.planner.rules import is_gentle, kind_of, resolve_points, to_minutes, wants_sunrise
from pipelines.planner.travel import Point


class CheckContext:
    def __init__(self, itinerary: Itinerary, segments: Sequence[Segment], days: int, prefs: Preferences):
        self.itinerary, self.days, self.prefs = itinerary, days, prefs
        self.segments = {s.segment_id: s for s in segments}
        self.points: dict[str, Point] = resolve_points(segments)
        self.gentle = is_gentle(prefs)
        self.sunrise = wants_sunrise(prefs)

    def items(self) -> list[tuple[DayPlan, ItineraryItem]]:
        return [(d, i) for d in self.itinerary.days for i in d.items]

    def kind(self, item: ItineraryItem) -> str:
        seg = self.segments.get(item.segment_id)
        return kind_of(seg, self.sunrise) if seg else "any"

    def seg(self, item: ItineraryItem) -> Segment | None:
        return self.segments.get(item.segment_id)


def clock(hhmm: str) -> int | None:
    """Minutes after midnight for a valid HH:MM (24:00 allowed as an end), else None."""
    try:
        minutes = to_minutes(hhmm)
    except (ValueError, AttributeError):
        return None
    return minutes if 0 <= minutes <= 24 * 60 and len(hhmm) == 5 else None
