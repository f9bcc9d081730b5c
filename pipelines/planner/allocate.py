"""Which days each candidate may go on, decided before the day solver runs (``outings`` is level 1).

- Outings (areas, single sights) go to the day ``outings.assign`` gives them; a day wish pins the best
  outing (or food stop) it asks for to its day; several cities keep one block of days each.
- A sight no outing day took may still fill a day it is near (within ``FILL_MINUTES`` of that day's
  outings) and, if it belongs to an area already on some day, only that day.
- Food may go on any day it is near (within ``FOOD_MINUTES`` of the day's outings), or any day of its
  city block when the day has no outing yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from pipelines.core.models import DayWish, Preferences
from pipelines.planner.outings import Outing, assign, budgets, build, sights
from pipelines.planner.rules import area_key, matches_place, norm
from pipelines.planner.stops import Stops

FILL_MINUTES = 30  # an unplanned sight this close to a day's outings may fill that day
FOOD_MINUTES = 40  # food this close to a day's outings may feed that day
WISH_VALUE = 5_000  # what a day wish adds to the outing (or food) it pins
ASSIGNED_VALUE = 2_000  # a sight of a day's outings is worth this much more on that day than a filler


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
    budget = budgets([start] * days, sight_ends, lunch)
    outs = build(stops, sights(stops), max(budget), cap)
    block = [city_days.get(stops[o.stops[0]].seg.city or "") for o in outs]
    allowed: list[list[int] | None] = list(block)
    bonus = [0] * len(outs)
    wished: dict[int, int] = {}  # food stop -> pinned day
    for wish in prefs.day_wishes:
        day = (days if wish.day == -1 else wish.day) - 1
        if not 0 <= day < days:
            continue
        for term in [*wish.interests, *wish.must_include]:
            k = _best(outs, stops, wish, term, allowed, day)
            if k is not None:
                allowed[k], bonus[k] = [day], bonus[k] + WISH_VALUE
            else:
                wished.update({s.n: day for s in stops.items if s.n not in wished and _asks(s, wish, term)})
    travel = lambda a, b: stops.travel(a.stops[-1], b.stops[0])  # noqa: E731 - the move from one outing to the next
    day_of = assign(outs, budget, cap, allowed, bonus, travel)
    out = Allocation()
    for k, outing in enumerate(outs):
        if day_of[k] is not None:
            for n in outing.stops:
                out.allowed[n], out.bonus[n], out.outing_day[n] = [day_of[k]], ASSIGNED_VALUE + bonus[k], day_of[k]
    area_day = {stops[n].outing: d for n, d in out.outing_day.items() if stops[n].outing}
    for stop in stops.items:
        if stop.n in out.allowed:
            continue
        own = city_days.get(stop.seg.city or "") or list(range(days))
        if stop.n in wished:
            out.allowed[stop.n], out.bonus[stop.n] = [wished[stop.n]], WISH_VALUE
        elif stop.outing in area_day:  # an area's food and leftover sights: on the area's day
            out.allowed[stop.n] = [area_day[stop.outing]]
        elif stop.meal or stop.market:
            out.allowed[stop.n] = [d for d in own if _near(stops, out, stop.n, d, FOOD_MINUTES, empty_ok=True)]
        else:
            out.allowed[stop.n] = [d for d in own if _near(stops, out, stop.n, d, FILL_MINUTES, empty_ok=False)]
    return out


def _near(stops: Stops, out: Allocation, n: int, day: int, minutes: int, empty_ok: bool) -> bool:
    there = [m for m, d in out.outing_day.items() if d == day]
    if not there:
        return empty_ok
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
