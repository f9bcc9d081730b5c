"""Candidate stops as the solver and the scheduler see them: kind, value, time windows, outing, travel.

Every number here comes from ``planner.rules`` and ``planner.travel``, which the verifier reads too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from pipelines.core.models import Preferences, Segment
from pipelines.planner.rules import (
    AREA_REACH_KM,
    NIGHT_EARLIEST,
    SOFT_EARLIEST,
    SUNRISE_LATEST,
    SUNRISE_START,
    area_key,
    is_gentle,
    is_meal,
    is_night_market,
    is_snack,
    kind_of,
    meal_slots,
    norm,
    opening,
    stop_detour_cap,
    to_minutes,
    wants_food,
    wants_sunrise,
)
from pipelines.planner.travel import Point, haversine_km, travel_minutes

MUST_VALUE = 100_000
INTEREST_VALUE = 400
ORDER_VALUE = 300  # the best search hit is worth this much more than the last one
MEAL_VALUE = 800  # a meal place: days eat before they see one more sight
NEAR_VALUE = 600  # in or close to what 「附近」 names: before a stop merely within reach


@dataclass(frozen=True, slots=True, eq=False)  # identity: a stop is one candidate, compared by `is`
class Stop:
    n: int  # index in the planner's candidate list
    seg: Segment
    point: Point
    kind: str
    must: bool
    value: int = 0
    outing: str = ""  # the area travellers combine it with ('' = none)
    food_trip: bool = False  # a 小吃 stall may be an afternoon snack too (``rules.meal_slots``), sweets wait for noon

    @property
    def meal(self) -> bool:
        return is_meal(self.seg)

    @property
    def market(self) -> bool:
        return is_night_market(self.seg)

    def window(self, day_start: int, day_end: int) -> tuple[int, int] | None:
        """(earliest, latest) start outside meal times: opening hours, its kind, the day window."""
        opens, closes = opening(self.seg)
        first, last = max(day_start, opens), min(day_end, closes) - self.seg.visit_minutes
        if self.kind == "sunrise":
            first, last = to_minutes(SUNRISE_START), min(last, to_minutes(SUNRISE_LATEST) - 45)
        elif self.kind == "night":
            first = max(first, to_minutes(NIGHT_EARLIEST))
        elif self.kind == "afternoon" and self.food_trip and is_snack(self.seg):  # an ice cream after lunch
            first = max(first, to_minutes(SOFT_EARLIEST["afternoon"]))
        return (first, last) if first <= last else None

    def meals(self, day_start: int) -> list[tuple[str, int, int]]:
        return meal_slots(self.seg, day_start, self.food_trip)


class Stops:
    """The candidates of one plan, with a cached travel matrix (door to door, the traveller's pace)."""

    def __init__(self, stops: Sequence[Stop], prefs: Preferences):
        self.items = list(stops)
        self.prefs = prefs
        self.gentle = is_gentle(prefs)
        self._travel: dict[tuple[int, int], int] = {}
        self._road: dict[tuple[int, int], int] = {}
        self._caps: dict[tuple[int, bool], int] = {}

    def __getitem__(self, n: int) -> Stop:
        return self.items[n]

    def __len__(self) -> int:
        return len(self.items)

    def travel(self, a: int, b: int) -> int:
        if a == b:
            return 0
        key = (a, b) if a < b else (b, a)
        if key not in self._travel:
            self._travel[key] = travel_minutes(self.items[a].point, self.items[b].point, self.gentle)
        return self._travel[key]

    def detour_cap(self, n: int, meal: bool) -> int:
        """``rules.stop_detour_cap`` of stop ``n``, remembered (the day solver asks it for every route it finds)."""
        key = (n, meal)
        if key not in self._caps:
            self._caps[key] = stop_detour_cap(self.items[n].seg, meal)
        return self._caps[key]

    def road(self, a: int, b: int) -> int:
        """By road only (``travel_minutes(rail=False)``): what a stop adds to a day's drive."""
        if a == b:
            return 0
        key = (a, b) if a < b else (b, a)
        if key not in self._road:
            self._road[key] = travel_minutes(self.items[a].point, self.items[b].point, self.gentle, rail=False)
        return self._road[key]


def make_stop(
    n: int, seg: Segment, point: Point, must: bool, rank: tuple, count: int, prefs: Preferences, close: bool = False
) -> Stop:
    """A candidate with its value: must-include, interests met, search order, time it fills, and being in or
    close to what 「附近」 names (``close``)."""
    _must, overlap, _score, neg_pos = rank
    value = 100 + 2 * min(seg.visit_minutes, 300) + INTEREST_VALUE * overlap
    value += ORDER_VALUE * (count + neg_pos) // max(1, count)
    if is_meal(seg) or is_night_market(seg):
        value += MEAL_VALUE
    if must:
        value += MUST_VALUE
    if close:
        value += NEAR_VALUE
    kind = kind_of(seg, wants_sunrise(prefs))
    return Stop(n, seg, point, kind, must, value, area_key(seg), wants_food(prefs))


def with_outings(stops: list[Stop]) -> list[Stop]:
    """An area-less stop within walking reach of an area's stop joins that outing (the geographic fallback)."""
    anchors = [s for s in stops if s.outing]
    out = []
    for s in stops:
        if not s.outing and anchors:
            near = min(anchors, key=lambda a: (haversine_km(a.point, s.point), a.n))
            if haversine_km(near.point, s.point) <= AREA_REACH_KM and near.seg.city == s.seg.city:
                s = replace(s, outing=near.outing)
        out.append(s)
    return out


def outing_name(stops: Sequence[Stop], key: str) -> str:
    """The area's name as the gazetteer writes it."""
    return next((s.seg.area for s in stops if s.outing == key and s.seg.area), key)


def same_place(a: str, b: str) -> bool:
    return norm(a) == norm(b)
