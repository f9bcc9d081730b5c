"""Which days each candidate may go on, decided before the day solver runs (``outings`` is level 1).

- Outings (areas, single sights) go to the day ``outings.assign`` gives them; a day wish pins the best
  outing (or food stop) it asks for to its day; several cities keep one block of days each.
- A sight no outing day took may still fill any day of its city (its travel decides whether it is worth
  it) and, if it belongs to an area already on some day, only that area's days.
- Food may go on any day it is near (within ``FOOD_MINUTES`` of the day's outings, or
  ``FOOD_FAR_MINUTES`` where nearer food is scarce), or any day of its city block when the day has no
  outing yet: a meal is not sightseeing, so a restaurant of an area may feed another day (the area
  checks leave meal places out). A day out on an island (七美) with no dinner of the videos there has it back
  across the water, where the trip lodges.
- With interests named, outings are made of what the traveller asked for: an area's stops meeting no interest
  are fillers on the area's days. A food trip's outings leave a day ``rules.FOOD_TRIP_MINUTES`` and one stop
  of the pace cap for its breakfast, snack and dessert stops (the day solver places them), and a long sight
  meeting no interest (over ``UNASKED_LONG_MINUTES``) is only a filler there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from pipelines.core.models import DayWish, Preferences
from pipelines.core.text import city_sort_key
from pipelines.planner.outings import Outing, assign, budgets, build, sights
from pipelines.planner.rules import (
    FOOD_TRIP_MINUTES,
    MEAL_REACH_MINUTES,
    area_key,
    interest_overlap,
    is_umbrella,
    matches_place,
    norm,
    wants_food,
)
from pipelines.planner.stops import Stops
from pipelines.planner.travel import Point, haversine_km

FILL_MINUTES = 45  # an unplanned sight this close to a day's outings may fill that day
FOOD_MINUTES = 20  # food this close to a day's outings may feed that day
FOOD_FAR_MINUTES = MEAL_REACH_MINUTES  # ... or this close, when nearer food is scarce
DINNER_FAR_MINUTES = 90  # a mountain day's dinner back in town, not a two-hour drive to another valley
BOAT_DINNER_MINUTES = 150  # an island day's (七美) dinner back across the water: the boat and a ride in town
MEAL_CHOICES = 2  # places a day's meal may pick from before food further off is allowed too
WISH_VALUE = 5_000  # what a day wish adds to the outing (or food) it pins
ASSIGNED_VALUE = 1_000  # a sight of a day's outings is worth this much more on that day than a filler
UNASKED_LONG_MINUTES = 120  # on a food trip, a sight meeting no interest that takes longer is only a filler


@dataclass
class Allocation:
    allowed: dict[int, list[int]] = field(default_factory=dict)  # stop -> days it may go on
    bonus: dict[int, int] = field(default_factory=dict)  # stop -> value beyond its own
    outing_day: dict[int, int] = field(default_factory=dict)  # stop -> day of its outing


def allocate(
    stops: Stops,
    prefs: Preferences,
    days: int,
    start: int,
    sight_ends: Sequence[int],
    lunch: int,
    cap: int,
    city_days: dict[str, list[int]],
) -> Allocation:
    food_trip = wants_food(prefs)  # a food trip's days keep time and one stop of the cap for its extra food
    budget = budgets([start] * days, sight_ends, lunch + (FOOD_TRIP_MINUTES if food_trip else 0))
    cap = max(1, cap - 1) if food_trip else cap  # the outings' share: the day solver still holds ``cap``
    outs = build(stops, _outing_sights(stops, prefs), budget, cap)
    block = [city_days.get(stops[o.stops[0]].seg.city or "") for o in outs]
    allowed: list[list[int] | None] = list(block)
    bonus = [0] * len(outs)
    wished: dict[int, int] = {}  # food stop -> pinned day
    for wish in prefs.day_wishes:
        day = _day(wish, days)
        if day is None:
            continue
        for term in [*wish.interests, *wish.must_include]:
            k = _best(outs, stops, wish, term, allowed, day)
            if k is not None:
                allowed[k], bonus[k] = [day], bonus[k] + WISH_VALUE
            else:
                wished.update({s.n: day for s in stops.items if s.n not in wished and _asks(s, wish, term)})
    for term in prefs.near:  # an area the traveller named (「想去小琉球跟墾丁」): its best outing comes first
        named = [k for k, o in enumerate(outs) if any(_names(term, stops[n].seg) for n in o.stops)]
        if named:
            k = max(named, key=lambda j: (outs[j].value, -j))
            bonus[k] += WISH_VALUE
    travel = lambda a, b: stops.travel(a.stops[-1], b.stops[0])  # noqa: E731 - the move from one outing to the next
    day_of = assign(outs, budget, cap, allowed, bonus, travel)
    pinned = set(range(days)) if city_days else {d for w in prefs.day_wishes for d in [_day(w, days)] if d is not None}
    day_of = in_travel_order(day_of, outs, pinned | ({days - 1} if days > 1 else set()), days)
    out = Allocation()
    for k, outing in enumerate(outs):
        if day_of[k] is not None:
            for n in outing.stops:
                out.allowed[n], out.bonus[n], out.outing_day[n] = [day_of[k]], ASSIGNED_VALUE + bonus[k], day_of[k]
    area_days: dict[str, set[int]] = {}
    for n, d in out.outing_day.items():
        if stops[n].outing:
            area_days.setdefault(stops[n].outing, set()).add(d)
    for stop in stops.items:
        if stop.n in out.allowed:
            continue
        own = city_days.get(stop.seg.city or "") or list(range(days))
        if stop.n in wished:
            out.allowed[stop.n], out.bonus[stop.n] = [wished[stop.n]], WISH_VALUE
        elif stop.must:
            out.allowed[stop.n] = own
        elif stop.meal or stop.market:  # a meal is not sightseeing: any day it is near (below)
            out.allowed[stop.n] = []
        elif stop.outing in area_days:  # an area's leftover sights: on the area's days
            out.allowed[stop.n] = sorted(area_days[stop.outing])
        else:
            out.allowed[stop.n] = [d for d in own if _near(stops, out, stop.n, d, FILL_MINUTES, empty_ok=True)]
    _feed(stops, out, days, city_days)
    return out


def _outing_sights(stops: Stops, prefs: Preferences) -> list[int]:
    """The sights outings are made of. With interests named, an area's stops meeting none (nor a wish, a must or
    a named area) follow the area's asked stops: fillers on its days rather than part of its outing, so they
    never take the cap from a stop the traveller asked for (安平老街 and 漁光島 on a 古蹟 trip); and on a food
    trip a long sight meeting none is a filler too, not a day's outing (奇美博物館's 3 hours on a 小吃 trip)."""
    members = sights(stops)
    if not prefs.interests:
        return members
    terms = [(w, t) for w in prefs.day_wishes for t in [*w.interests, *w.must_include]]

    def asked(n: int) -> bool:
        seg = stops[n].seg
        return (
            stops[n].must
            or interest_overlap(seg, prefs) > 0
            or any(_asks(stops[n], w, t) for w, t in terms)
            or any(_names(t, seg) for t in prefs.near)
        )

    led = {stops[n].outing for n in members if stops[n].outing and asked(n)}
    food_trip = wants_food(prefs)  # its hours are for eating: a long sight of no interest only fills what is left
    return [n for n in members if asked(n) or (stops[n].outing not in led and not (food_trip and _long(stops[n].seg)))]


def _long(seg) -> bool:
    """Longer than ``UNASKED_LONG_MINUTES``, and no whole outing (小琉球, 七美: the trip goes there or not)."""
    return seg.visit_minutes > UNASKED_LONG_MINUTES and not is_umbrella(seg)


def _names(term: str, seg) -> bool:
    return norm(term) in (norm(seg.area or ""), norm(seg.place or ""))


def city_days(stops: Stops, days: int) -> dict[str, list[int]]:
    """Several cities: each city gets consecutive days, north to south, in proportion to its hours of stops
    (at least one), so the trip never goes back to a city it left; more cities than days share days, each
    city on one (a day then moves on once, from one city to the next)."""
    hours: dict[str, int] = {}
    for stop in stops.items:
        hours[stop.seg.city or ""] = hours.get(stop.seg.city or "", 0) + stop.seg.visit_minutes + 30
    if len(hours) < 2:
        return {}
    cities = sorted(hours, key=city_sort_key)
    total = sum(hours.values())
    if len(cities) > days:
        before = 0
        out = {}
        for c in cities:
            out[c] = [min(days - 1, days * (2 * before + hours[c]) // (2 * total))]
            before += hours[c]
        return out
    share = {c: max(1, days * hours[c] // total) for c in cities}
    while sum(share.values()) > days:
        share[max(cities, key=lambda c: (share[c], c))] -= 1
    for c in sorted(cities, key=lambda c: -(days * hours[c] / total - share[c]))[: days - sum(share.values())]:
        share[c] += 1
    out, first = {}, 0
    for c in cities:
        out[c] = list(range(first, first + share[c]))
        first += share[c]
    return out


def _feed(stops: Stops, out: Allocation, days: int, city_days: dict[str, list[int]]) -> None:
    """Food for each day, lunch and dinner apart: the places for that meal within ``FOOD_MINUTES`` of its
    outings, or within ``FOOD_FAR_MINUTES`` when fewer than ``MEAL_CHOICES`` are (the lunch's place cannot
    be the dinner too, and another day may take one); a dinner, or else any of its city within
    ``DINNER_FAR_MINUTES`` (a day in the mountains has dinner back in town; its lunch is not worth a drive down
    and back up, and no meal is worth two hours to another valley); a day out on an island with no dinner of the
    videos there takes the boat back for it (``BOAT_DINNER_MINUTES``), so the night is spent where the trip lodges."""
    food = [s for s in stops.items if (s.meal or s.market) and not out.allowed.get(s.n) and not s.must]
    for day in range(days):
        own = [s for s in food if day in (city_days.get(s.seg.city or "") or range(days))]
        fed: set[int] = set()
        for meal in ("lunch", "dinner"):
            serving = [s for s in own if s.market if meal == "dinner"] + [
                s for s in own if any(m == meal for m, _, _ in s.meals(0))
            ]
            near: set[int] = set()
            far = (DINNER_FAR_MINUTES,) + ((BOAT_DINNER_MINUTES,) if _offshore(stops, out, day) else ())
            for reach in (FOOD_MINUTES, FOOD_FAR_MINUTES) + (far if meal == "dinner" else ()):
                near = {s.n for s in serving if _near(stops, out, s.n, day, reach, empty_ok=True)}
                if len(near - fed) >= MEAL_CHOICES:  # the lunch place cannot be the dinner, another day may take one
                    break
            fed |= near
        fed |= {s.n for s in own if _near(stops, out, s.n, day, FOOD_MINUTES, empty_ok=True)}  # breakfasts, snacks
        for n in sorted(fed):
            out.allowed[n].append(day)


def _offshore(stops: Stops, out: Allocation, day: int) -> bool:
    """The day's outings are all on an island area (七美, 小琉球): a day trip by boat."""
    isles = {stops[n].point.isle for n, d in out.outing_day.items() if d == day}
    return bool(isles) and "" not in isles


def _day(wish: DayWish, days: int) -> int | None:
    day = (days if wish.day == -1 else wish.day) - 1
    return day if 0 <= day < days else None


def in_travel_order(day_of: list[int | None], outs: list[Outing], pinned: set[int], days: int) -> list[int | None]:
    """Days renumbered so the trip flows: from the northernmost day, each next day the one starting nearest
    where the last ended; empty days last; a pinned day (a wish names it, the departure day, city blocks
    already in order) keeps its number. The first day goes out to no island (七美) if another can open the
    trip: it starts where the traveller arrives, so the boat out would not be counted."""
    held = {d: [o for o, k in zip(outs, day_of, strict=True) if k == d] for d in range(days)}
    free = [d for d in range(days) if d not in pinned and held[d]]
    chain: list[int] = []
    if free:
        ashore = [d for d in free if not any(o.point.isle for o in held[d])] or free
        chain.append(max(ashore, key=lambda d: (max(o.point.lat for o in held[d]), -d)))
        while len(chain) < len(free):
            end = held[chain[-1]][-1].point
            chain.append(min((d for d in free if d not in chain), key=lambda d: (_km(end, held[d]), d)))
    queue = chain + [d for d in range(days) if d not in pinned and not held[d]]
    new = {d: d for d in pinned}
    for slot in (k for k in range(days) if k not in pinned):
        new[queue.pop(0)] = slot
    return [None if d is None else new[d] for d in day_of]


def _km(point: Point, outings: list[Outing]) -> float:
    return min(haversine_km(point, o.point) for o in outings)


def _near(stops: Stops, out: Allocation, n: int, day: int, minutes: int, empty_ok: bool) -> bool:
    there = [m for m, d in out.outing_day.items() if d == day]
    if not there:
        return empty_ok
    there += [s.n for s in stops.items if s.must and s.n != n]  # a must-see (a 牛肉湯 lunch) anchors fillers too
    return min(stops.travel(n, m) for m in there) <= minutes


def _asks(stop, wish: DayWish, term: str) -> bool:
    """The stop is what the wish names: a tag, a place, or an area."""
    seg = stop.seg
    if term in wish.interests:
        return term in seg.tags
    return matches_place(term, seg) or (bool(seg.area) and area_key(seg) == norm(term))


def _best(outs: list[Outing], stops: Stops, wish: DayWish, term: str, allowed, day: int) -> int | None:
    """The most valuable outing the wish's term asks for, that may go on that day."""
    fits = [
        k
        for k, o in enumerate(outs)
        if any(_asks(stops[n], wish, term) for n in o.stops) and (allowed[k] is None or day in allowed[k])
    ]
    return max(fits, key=lambda k: (outs[k].value, -k)) if fits else None
