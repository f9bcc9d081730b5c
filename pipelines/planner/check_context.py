"""What every verifier check reads: the plan, the segments it was made from, the request."""

from __future__ import annotations

import math
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
        self.memo: dict[str, object] = {}  # what several checks (and the plan's notes) read, computed once

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


def stops_text(count: float, up: bool = False) -> str:
    """A pace count as a traveller reads it (``rules.pace_weight``: short stops and an area's stops count in
    part): whole stops as they are, else to the nearest half (``up``: the next half, so a count over a cap of 3
    never reads 「約 3 站」), 「約 2.5 站」."""
    halves = math.ceil(count * 2 - 1e-6) if up else math.floor(count * 2 + 0.5)
    shown = f"{halves // 2}" if halves % 2 == 0 else f"{halves / 2:.1f}"
    return f"{shown} 站" if abs(count * 2 - halves) < 1e-6 else f"約 {shown} 站"
