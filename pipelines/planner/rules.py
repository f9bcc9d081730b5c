"""The rules the planner follows and the verifier checks, kept in one place so the two cannot drift.

Choices where the issue is silent (documented in README and the bench report):

- Stops per day: relaxed 3, normal 4, packed 6; travelling with kids or elders: one fewer
  (at least 2), the day ends by 20:00 at the latest and walks are shorter (see ``planner.travel``).
  Meals do not count against that cap (``paced_stops``): per day, one short food stop (tag
  美食/小吃, visit <= 60 min, not a night market) starting at lunch (11:00–13:30), and one
  evening meal, i.e. a night market from 17:00 or a short food stop starting at dinner
  (17:00–19:30). So a relaxed day can be 3 sights + lunch + a night market; a second lunch
  stop, a long food stop (國華街, 90 min) or food at another hour counts as a sight.
- Sunrise spots (best_time ``sunrise``) open their day at 05:30, before the usual day start, and
  assume the night before is spent nearby, so no travel is counted before them; one a day.
- Night markets (tag 夜市) and ``night`` spots start at 17:30 or later (the verifier accepts 17:00);
  ``afternoon`` spots from 12:00 and ``evening`` spots from 16:00 when the day allows it, but
  best_time is a preference, not a reason to idle: such a spot waits at most ``SOFT_WAIT``
  minutes for its time (a meal ``MEAL_WAIT``), and a day's first stop never waits (it starts at the day
  start, unless it is a sunrise spot or a night place). Only night places may wait longer.
- Meals: one food stop (tag 美食/小吃, best_time morning/any/afternoon, a short one first) is
  aimed at lunch (11:00–13:30, ideally 12:00); a second one at dinner (from 17:00) when no night
  market feeds the evening.
- Between days: if the next day starts more than 20 km from where the last one ended, the move
  is the first travel of that day (within 20 km the lodging is assumed to be nearby).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Literal

from pipelines.core.models import Preferences, Segment
from pipelines.core.text import canonical_city, normalise_text
from pipelines.planner.travel import Point, haversine_km, travel_minutes

PACE_CAPS = {"relaxed": 3, "normal": 4, "packed": 6}
FREE_MEALS = 2  # stops a day may hold beyond the cap: a lunch and an evening meal (``paced_stops``)
GENTLE_DAY_END = "20:00"
SUNRISE_START = "05:30"
SUNRISE_LATEST = "07:00"
NIGHT_EARLIEST = "17:30"
NIGHT_MARKET_EARLIEST = "17:00"  # what the verifier accepts
SOFT_EARLIEST = {"afternoon": "12:00", "evening": "16:00"}  # kept when the day allows it
LUNCH = ("11:00", "12:00", "13:30")  # earliest, ideal, latest start
DINNER = ("17:00", "18:00", "19:30")
BREAKFAST_LATEST = "10:00"
FOOD_TAGS = frozenset({"美食", "小吃"})
MEAL_MAX_MINUTES = 60  # a food stop this short is a meal, not a sight, at lunch or dinner time
SOFT_WAIT = 15  # longest wait for an afternoon/evening spot's time; night places wait freely
MEAL_WAIT = 60  # longest wait for lunch (11:00) or dinner (17:00)
MAX_IDLE = 60  # a night spot (not a night market) is dropped rather than idled for longer (``planner.plan``)
NIGHT_MARKET_TAG = "夜市"
LODGING_RADIUS_KM = 20.0

Kind = Literal["sunrise", "morning", "any", "afternoon", "evening", "night"]
KIND_RANK: dict[str, int] = {"sunrise": 0, "morning": 1, "any": 2, "afternoon": 3, "evening": 4, "night": 5}


def to_minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def to_hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def is_gentle(prefs: Preferences) -> bool:
    """Travelling with kids or elders: shorter walks, fewer stops, earlier end."""
    return prefs.with_kids or prefs.with_elders


def stop_cap(prefs: Preferences) -> int:
    cap = PACE_CAPS[prefs.pace]
    return max(2, cap - 1) if is_gentle(prefs) else cap


def day_window(prefs: Preferences, opens_with_sunrise: bool = False) -> tuple[int, int]:
    """(earliest departure, latest end) of a day in minutes after midnight."""
    start, end = to_minutes(prefs.day_start), to_minutes(prefs.day_end)
    if is_gentle(prefs):
        end = min(end, to_minutes(GENTLE_DAY_END))
    if opens_with_sunrise:
        start = min(start, to_minutes(SUNRISE_START))
    return start, end


def is_night_market(seg: Segment) -> bool:
    return NIGHT_MARKET_TAG in seg.tags


def kind_of(seg: Segment) -> Kind:
    """When in the day a place belongs; a night market is a night place whatever its best_time says."""
    if is_night_market(seg):
        return "night"
    return seg.best_time


def is_food(seg: Segment) -> bool:
    return bool(FOOD_TAGS.intersection(seg.tags))


@lru_cache(maxsize=8192)
def norm(text: str) -> str:
    return normalise_text(text).strip()


def _names(seg: Segment) -> tuple[str, str]:
    return norm(seg.segment_id), norm(seg.place or "")


def matches_place(term: str, seg: Segment) -> bool:
    """A must-include term names this segment: its id, its place, or a 2+ character part of it."""
    t = norm(term)
    seg_id, place = _names(seg)
    if not t or not place:
        return t == seg_id
    return t in (seg_id, place) or (len(t) >= 2 and (t in place or place in t))


def matches_avoid(term: str, seg: Segment) -> bool:
    """An avoid term hits this segment by place (as for must-include), city or tag."""
    t = norm(term)
    if not t:
        return False
    if matches_place(term, seg):
        return True
    if seg.city and canonical_city(term) == canonical_city(seg.city):
        return True
    return t in {norm(tag) for tag in seg.tags}


def resolve_points(segments: Iterable[Segment]) -> dict[str, Point]:
    """Coordinates per segment id; a segment without them borrows its city's centre (if known)."""
    segments = list(segments)
    by_city: dict[str, list[Segment]] = {}
    for seg in segments:
        if seg.lat is not None and seg.lon is not None and seg.city:
            by_city.setdefault(seg.city, []).append(seg)
    points: dict[str, Point] = {}
    for seg in segments:
        if seg.lat is not None and seg.lon is not None:
            points[seg.segment_id] = Point.at(seg.lat, seg.lon, seg.tags)
        elif seg.city in by_city:
            near = by_city[seg.city]
            lat = sum(s.lat for s in near) / len(near)  # type: ignore[misc]
            lon = sum(s.lon for s in near) / len(near)  # type: ignore[misc]
            points[seg.segment_id] = Point.at(lat, lon, seg.tags)
    return points


def entry_minutes(prev: Point | None, first: Point, first_kind: str, gentle: bool) -> int:
    """Travel counted at the start of a day, from where the previous day ended (see module doc)."""
    if prev is None or first_kind == "sunrise" or haversine_km(prev, first) <= LODGING_RADIUS_KM:
        return 0
    return travel_minutes(prev, first, gentle)


def is_meal(seg: Segment) -> bool:
    """A short food stop (not a night market): free of the pace cap at lunch or dinner time."""
    return is_food(seg) and not is_night_market(seg) and seg.visit_minutes <= MEAL_MAX_MINUTES


def free_meal_slot(seg: Segment, start: int) -> str:
    """Returns "lunch" or "dinner" when this stop, starting at ``start``, is a meal that the pace cap ignores."""
    if is_night_market(seg):
        return "dinner" if start >= to_minutes(DINNER[0]) else ""
    return meal_window(start) if is_meal(seg) else ""


def meal_window(start: int) -> str:
    """ "lunch" or "dinner" when ``start`` (minutes) falls in that meal's window, else ""."""
    if to_minutes(LUNCH[0]) <= start <= to_minutes(LUNCH[2]):
        return "lunch"
    if to_minutes(DINNER[0]) <= start <= to_minutes(DINNER[2]):
        return "dinner"
    return ""


def paced_stops(stops: Iterable[tuple[Segment, int]]) -> int:
    """How many of a day's (segment, start) stops count against ``stop_cap``: all but one lunch and one dinner."""
    stops = list(stops)
    free = {slot for seg, start in stops if (slot := free_meal_slot(seg, start))}
    return len(stops) - len(free)


def meal_label(seg: Segment, start: int) -> str:
    """早餐/午餐/晚餐 for a food stop (or a night market) that starts at a meal time."""
    if not (is_food(seg) or is_night_market(seg)):
        return ""
    if start <= to_minutes(BREAKFAST_LATEST) and seg.best_time == "morning":
        return "早餐"
    return {"lunch": "午餐", "dinner": "晚餐"}.get(meal_window(start), "")


def join_cities(cities: Sequence[str]) -> str:
    seen = list(dict.fromkeys(c for c in cities if c))
    return "・".join(seen)
