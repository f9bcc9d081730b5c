"""The rules the planner follows and the verifier checks, kept in one place so the two cannot drift.

Choices where the issue is silent (documented in README and the bench report):

- Stops per day: relaxed 3, normal 4, packed 6; travelling with kids or elders: one fewer
  (at least 2), the day ends by 20:00 at the latest and walks are shorter (see ``planner.travel``).
  A lunch and a dinner (a meal stop or a night market) do not count against that cap.
- Food has roles: a *meal* place (美食/小吃, not a night market, a dessert shop or an old street,
  at most 90 min) is eaten at lunch (11:00–13:30), dinner (17:00–19:30) or, if it opens early and
  is a morning place, breakfast (by 09:45) and never at 10:00 or 15:30; a *snack* (甜點, 冰, 咖啡)
  goes at any hour; a night market is the evening meal from 17:30.
- A food trip (美食 / 小吃 / 夜市 among the interests) is built around eating: every food stop (and a
  dessert stop) meets the wish; a morning 小吃 place may be breakfast on any day; a quick 小吃 stall
  (``SNACK_MAX_MINUTES``) may also be an afternoon snack (點心, ``SNACK``), which is not a meal and
  counts against the pace cap like any stop of its length (the cap is how full a day feels: extra
  bites take the place of sights, not their place on top of them).
- A full day has a lunch and a dinner when the selection has food in reach; no gap over
  ``MAX_GAP`` minutes without a 自由活動 / 休息 block that says why; a day that is not the
  departure day runs to at least ``FULL_DAY_END`` (the departure day to ``DEPARTURE_END``).
- Early starts only when asked: a sunrise place (best_time ``sunrise``) opens its day at 05:30
  only when the traveller asked for a sunrise (日出 / 看日出); otherwise it is a morning place.
- One area, one day: stops of one ``area`` (a gorge, an island, an old town) share a day unless
  they cannot fit one; a place named like its area (七美, 小琉球) is the whole outing and gives way
  to the area's own stops.
- Opening hours (``hours``) are hard: a stop starts after opening and ends by closing.
- 順路: a stop adds to the drive from the stop before it to the stop after it (by road) at most what it is
  worth (``detour_cap``): a snack 30 min, a meal 40, a sight 60 or its visit; a must-see any. A day whose
  way has no food for a meal goes without that meal stop and the plan says how to eat.
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
FREE_MEALS = 3  # stops a day may hold beyond the cap: a breakfast, a lunch and a dinner (``paced_stops``)
GENTLE_DAY_END = "20:00"
SUNRISE_START = "05:30"
SUNRISE_LATEST = "07:00"
NIGHT_EARLIEST = "17:30"
NIGHT_MARKET_EARLIEST = "17:00"  # what the verifier accepts
SOFT_EARLIEST = {"afternoon": "12:00", "evening": "15:30"}  # kept when the day allows it
DUSK = "18:00"  # an evening spot (a sunset, a harbour at dusk) starts by then when the day allows it
LUNCH = ("11:00", "12:00", "13:45")  # earliest, ideal, latest start (a long morning visit may run late)
DINNER = ("17:00", "18:00", "19:30")
BREAKFAST_LATEST = "09:45"
FOOD_TAGS = frozenset({"美食", "小吃"})
FOOD_INTERESTS = frozenset({"美食", "小吃", "夜市"})  # a traveller asking for one of these is on a food trip
FOOD_FAMILY = FOOD_TAGS | {"夜市", "甜點"}  # ... and a stop with one of these tags is what they came for
SNACK = ("14:00", "16:30")  # a food trip's afternoon snack (點心): earliest and latest start
SNACK_MAX_MINUTES = 45  # ... at a 小吃 stall this quick (a plate of 蝦捲), never a sit-down meal
SNACKS_PER_DAY = 1  # ... one a day: three stalls in a row is a queue, not a food trip
FOOD_TRIP_MINUTES = 60  # sight minutes a food trip's day gives up for its breakfast and snack
SNACK_TAGS = frozenset({"甜點", "咖啡"})
SCENIC_TAGS = frozenset({"景觀", "夜景", "自然"})  # a place with these is a sight, whatever food it sells
MEAL_MAX_MINUTES = 90  # a food place this short is a meal (eaten at meal times), not a sight
MEAL_REACH_MINUTES = 45  # food this far from a day's stops is in reach for its meals (planner and verifier)
MEAL_AROUND_MINUTES = 90  # ... from the stops this close to the meal's window (lunch from the morning's stops)
MEAL_INSIDE_MINUTES = 300  # a visit this long has a meal inside it (小琉球's day on the island, 阿里山)
MEAL_MIN_MINUTES = 30  # ... and at least this long: a 20-minute tea egg or bun is a snack, not a dinner
QUICK_STOP_MINUTES = 30  # a stop this short (a photo stop, a snack) counts half against the pace cap
AREA_STOP_MINUTES = 120  # a stop of an area counts by its length against the pace cap: two hours, one stop
PACE_SCALE = 120  # pace units a stop is worth in the solvers' integer dimensions (``pace_units``)
BREAKFAST_MAX_MINUTES = 45  # a breakfast is quick: a 90-minute food street is lunch or dinner
BREAKFAST_END = "10:00"  # ... and over by then, so lunch is a meal apart
MAX_GAP = 120  # longest stretch without a stop before the day needs a 自由活動 / 休息 block
LATE_START_GAP = 90  # a full day setting off this long after its start says why (a slow morning)
DETOUR_RATIO, DETOUR_MINUTES = 1.2, 15  # a day's moves over this much the best order of its stops is a detour
DETOUR_FLOOR = 30  # minutes out of the way a snack is worth (a road trip's own overheads stay under it)
MEAL_DETOUR = 40  # ... a meal (15 minutes off the road and back, and the stop's own overhead)
SIGHT_DETOUR = 60  # ... a sight at least (加路蘭 on the coast before dinner back in 台東市), or its visit if longer
FULL_DAY_END = "18:00"  # a full day (not the departure day) runs at least this late
DEPARTURE_END = "14:00"  # the last day of a trip may end from here
DEPARTURE_LATEST = "17:00"  # ... and the planner ends it by then (the traveller goes home)
SIGHTS_END = "18:00"  # a full day's sights end around here: dinner and the evening follow
DEPARTURE_SIGHTS_END = "16:30"
LUNCH_MINUTES = 60  # what a day's sight hours leave for lunch
RELAXED_EARLIEST = "08:30"  # a relaxed / gentle trip never starts before this unless asked
UMBRELLA_MINUTES = 240  # a visit this long named after its area is the whole outing (烏來老街, 3 h, is not)
AREA_REACH_KM = 1.0  # an area-less stop this close to an area's stop belongs to that outing
SOFT_WAIT = 15  # longest wait for an afternoon/evening spot's time; night places wait freely
MEAL_WAIT = 60  # longest wait for lunch (11:00) or dinner (17:00)
MAX_IDLE = 60  # a night spot (not a night market) is dropped rather than idled for longer (``planner.plan``)
NIGHT_MARKET_TAG = "夜市"
LODGING_RADIUS_KM = 30.0

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


def day_end_for(prefs: Preferences, day: int, days: int) -> int:
    """The latest end of one day: the day window, earlier when a wish asks (「最後一天早點回台北」)."""
    end = day_window(prefs)[1]
    for wish in prefs.day_wishes:
        if wish.day_end and wish.applies_to(day, days):
            end = min(end, to_minutes(wish.day_end))
    return end


def plan_end(prefs: Preferences, day: int, days: int) -> int:
    """The latest end the planner gives a day: ``day_end_for``, and the last day of a trip by
    ``DEPARTURE_LATEST`` (an edited trip may keep a later last day: the verifier reads ``day_end_for``)."""
    end = day_end_for(prefs, day, days)
    return min(end, to_minutes(DEPARTURE_LATEST)) if days > 1 and day == days else end


def is_departure(day: int, days: int, prefs: Preferences) -> bool:
    """The last day of a multi-day trip, or a day the traveller asked to end early, may end early."""
    return (days > 1 and day == days) or day_end_for(prefs, day, days) < day_window(prefs)[1]


def is_night_market(seg: Segment) -> bool:
    return NIGHT_MARKET_TAG in seg.tags


def kind_of(seg: Segment, sunrise: bool = True) -> Kind:
    """When in the day a place belongs; a night market is a night place whatever its best_time says.

    Without ``sunrise`` (the traveller did not ask for one) a sunrise place is a morning place.
    """
    if is_night_market(seg):
        return "night"
    if seg.best_time == "sunrise" and not sunrise:
        return "morning"
    return seg.best_time


def wants_sunrise(prefs: Preferences) -> bool:
    """Early starts only when asked: 日出 among the interests, or the sunrise flag."""
    return prefs.sunrise or "日出" in prefs.interests


def is_food(seg: Segment) -> bool:
    return bool(FOOD_TAGS.intersection(seg.tags))


def wants_food(prefs: Preferences) -> bool:
    """A food trip: 美食, 小吃 or 夜市 among the interests ("street food" parses to 小吃)."""
    return any(norm(i) in FOOD_INTERESTS for i in prefs.interests)


def interest_overlap(seg: Segment, prefs: Preferences) -> int:
    """How many of the traveller's interests the stop meets: its tags and its name; on a food trip any food
    or dessert stop meets at least one (正興街's ice cream on a 小吃 trip)."""
    interests = {norm(i) for i in prefs.interests if i.strip()}
    tags = {norm(t) for t in seg.tags}
    place = norm(seg.place or "")
    overlap = len(interests & tags) + sum(1 for i in interests if len(i) >= 2 and i in place)
    return max(overlap, int(wants_food(prefs) and bool(FOOD_FAMILY & tags)))


def is_snack(seg: Segment) -> bool:
    """A dessert shop, ice or café, or a bite under ``MEAL_MIN_MINUTES``: fine at any hour, never a meal."""
    quick = is_food(seg) and seg.visit_minutes < MEAL_MIN_MINUTES
    sweet = bool(SNACK_TAGS.intersection(seg.tags)) and "美食" not in seg.tags  # 春水堂 serves meals too
    return (sweet or quick) and not is_night_market(seg)


def opening(seg: Segment) -> tuple[int, int]:
    """(opens, closes) in minutes; empty hours = open all day."""
    if not seg.hours:
        return 0, 24 * 60
    first, last = seg.hours.split("-")
    return to_minutes(first), to_minutes(last)


def area_key(seg: Segment) -> str:
    return norm(seg.area) if seg.area else ""


def is_umbrella(seg: Segment) -> bool:
    """The whole outing in one segment: a place named like its area (七美 in 七美, 小琉球 in 小琉球), or a long
    visit named after it (太魯閣國家公園, 4 h, in 太魯閣峽谷)."""
    if not (seg.area and seg.place):
        return False
    place, area = norm(seg.place), norm(seg.area)
    return place == area or (seg.visit_minutes >= UMBRELLA_MINUTES and place[:2] == area[:2])


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
    """An avoid term hits this segment by place (as for must-include), area (小琉球), city or tag."""
    t = norm(term)
    if not t:
        return False
    if matches_place(term, seg) or (seg.area and t == norm(seg.area)):
        return True
    if seg.city and canonical_city(term) == canonical_city(seg.city):
        return True
    return t in {norm(tag) for tag in seg.tags}


def near_anchors(segments: Iterable[Segment], near: Sequence[str]) -> list[Segment]:
    """What 「附近」 or a region word names: an area's stops when it is an area (阿里山, not 阿里山林業鐵路 in
    town), else the places so named."""
    segments = list(segments)
    out: list[Segment] = []
    for term in near:
        area = [s for s in segments if s.area and area_key(s) == norm(term)]
        out += area or [s for s in segments if matches_place(term, s)]
    return out


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
            points[seg.segment_id] = Point.at(seg.lat, seg.lon, seg.tags, seg.area)
        elif seg.city in by_city:
            near = by_city[seg.city]
            lat = sum(s.lat for s in near) / len(near)  # type: ignore[misc]
            lon = sum(s.lon for s in near) / len(near)  # type: ignore[misc]
            points[seg.segment_id] = Point.at(lat, lon, seg.tags, seg.area)
    return points


def entry_minutes(prev: Point | None, first: Point, first_kind: str, gentle: bool) -> int:
    """Travel counted at the start of a day, from where the previous day ended (see module doc)."""
    if prev is None or first_kind == "sunrise" or haversine_km(prev, first) <= LODGING_RADIUS_KM:
        return 0
    return travel_minutes(prev, first, gentle)


def is_meal(seg: Segment) -> bool:
    """A place to eat a meal (not a night market, a dessert shop, an old street or a scenic spot with snacks
    such as 大稻埕碼頭): lunch, dinner or breakfast."""
    return (
        is_food(seg)
        and not is_night_market(seg)
        and not is_snack(seg)
        and not {"老街", *SCENIC_TAGS} & set(seg.tags)
        and MEAL_MIN_MINUTES <= seg.visit_minutes <= MEAL_MAX_MINUTES
    )


def is_food_street(seg: Segment) -> bool:
    """An old street known for its food (十分老街, 伊達邵): a sight, and a lunch or dinner at meal times."""
    return "老街" in seg.tags and is_food(seg) and not is_night_market(seg) and seg.visit_minutes >= MEAL_MIN_MINUTES


def is_snack_stall(seg: Segment) -> bool:
    """A 小吃 stall quick enough to be an afternoon snack (點心) as well as a meal: 周氏蝦捲, 富盛號碗粿."""
    return is_meal(seg) and "小吃" in seg.tags and seg.visit_minutes <= SNACK_MAX_MINUTES


def is_snack_time(start: int) -> bool:
    return to_minutes(SNACK[0]) <= start <= to_minutes(SNACK[1])


def meal_slots(seg: Segment, day_start: int, snack: bool = False) -> list[tuple[str, int, int]]:
    """(meal, earliest start, latest start) windows a meal place (or a food street) may take, within its
    opening hours; with ``snack`` (a food trip), a 小吃 stall's afternoon snack too."""
    if not (is_meal(seg) or is_food_street(seg)):
        return []
    opens, closes = opening(seg)
    slots = []
    if is_meal(seg) and seg.best_time == "morning" and seg.visit_minutes <= BREAKFAST_MAX_MINUTES:
        latest = min(to_minutes(BREAKFAST_LATEST), to_minutes(BREAKFAST_END) - seg.visit_minutes)
        slots.append(("breakfast", day_start, latest))
    slots += [
        ("lunch", to_minutes(LUNCH[0]), to_minutes(LUNCH[2])),
        ("dinner", to_minutes(DINNER[0]), to_minutes(DINNER[2])),
    ]
    if snack and is_snack_stall(seg):
        slots.append(("snack", to_minutes(SNACK[0]), to_minutes(SNACK[1])))
    out = []
    for name, first, last in slots:
        first, last = max(first, opens), min(last, closes - seg.visit_minutes)
        if first <= last:
            out.append((name, first, last))
    return out


def free_meal_slot(seg: Segment, start: int) -> str:
    """ "breakfast", "lunch" or "dinner" when this stop, starting at ``start``, is a meal the pace cap ignores;
    "snack" for a 小吃 stall in the afternoon (eaten at its time, but no meal: the cap counts it)."""
    if is_night_market(seg):
        return "dinner" if start >= to_minutes(DINNER[0]) else ""
    if not (is_meal(seg) or is_food_street(seg)):
        return ""
    if any(m == "breakfast" and start <= last for m, _, last in meal_slots(seg, 0)):
        return "breakfast"
    return meal_window(start) or ("snack" if is_snack_stall(seg) and is_snack_time(start) else "")


def eats_inside(seg: Segment, start: int, meal: tuple[str, str, str] = LUNCH) -> bool:
    """A visit of ``MEAL_INSIDE_MINUTES`` or more across the meal's ideal hour (a day on 小琉球, up 阿里山): the
    traveller eats there, so the day has that meal."""
    ideal = to_minutes(meal[1])
    return seg.visit_minutes >= MEAL_INSIDE_MINUTES and start <= ideal and start + seg.visit_minutes >= ideal + 60


def detour_cap(seg: Segment, start: int) -> int:
    """Minutes of detour a stop starting at ``start`` is worth (``stop_detour_cap``)."""
    return stop_detour_cap(seg, bool(free_meal_slot(seg, start)))


def stop_detour_cap(seg: Segment, meal: bool) -> int:
    """Minutes of detour a stop is worth (what visiting it adds to driving straight from the stop before to the
    stop after): a snack ``DETOUR_FLOOR``, a meal ``MEAL_DETOUR`` (a 30-minute lunch an hour out of the way
    splits a gorge day), a sight (a food street, a night market too) ``SIGHT_DETOUR`` or as long as its visit;
    ``meal``: the stop is eaten at a meal time."""
    if is_snack(seg) or (is_meal(seg) and not meal):
        return DETOUR_FLOOR
    return MEAL_DETOUR if is_meal(seg) else max(SIGHT_DETOUR, seg.visit_minutes)


def meal_window(start: int) -> str:
    """ "lunch" or "dinner" when ``start`` (minutes) falls in that meal's window, else ""."""
    if to_minutes(LUNCH[0]) <= start <= to_minutes(LUNCH[2]):
        return "lunch"
    if to_minutes(DINNER[0]) <= start <= to_minutes(DINNER[2]):
        return "dinner"
    return ""


def pace_weight(seg: Segment) -> float:
    """What a stop weighs against ``stop_cap``: a quick photo stop (<= 30 min) half; a stop of an area (a
    walk through an old town, viewpoints along a gorge road: close together, so what tires is the time)
    by its length, ``AREA_STOP_MINUTES`` as one stop."""
    if seg.area:
        return min(1.0, seg.visit_minutes / AREA_STOP_MINUTES)
    return 0.5 if seg.visit_minutes <= QUICK_STOP_MINUTES else 1.0


def pace_units(seg: Segment) -> int:
    return round(PACE_SCALE * pace_weight(seg))


def paced_stops(stops: Iterable[tuple[Segment, int]]) -> float:
    """How much of a day's (segment, start) stops count against ``stop_cap``: all but one of each meal,
    quick stops half (``pace_weight``)."""
    used: set[str] = set()
    total = 0.0
    for seg, start in stops:
        slot = free_meal_slot(seg, start)
        if slot and slot != "snack" and slot not in used:
            used.add(slot)
            continue
        total += pace_weight(seg)
    return total


def meal_label(seg: Segment, start: int) -> str:
    """早餐/午餐/晚餐 for a meal place or a night market at a meal time; 點心 for a snack."""
    if is_snack(seg) or free_meal_slot(seg, start) == "snack":
        return "點心"
    if not (is_meal(seg) or is_night_market(seg) or is_food_street(seg)):
        return ""
    if free_meal_slot(seg, start) == "breakfast":
        return "早餐"
    if is_night_market(seg):
        return "晚餐" if start >= to_minutes(DINNER[0]) else ""
    return {"lunch": "午餐", "dinner": "晚餐"}.get(meal_window(start), "")


def join_cities(cities: Sequence[str]) -> str:
    seen = list(dict.fromkeys(c for c in cities if c))
    return "・".join(seen)
