"""Solved days → timed days a traveller can follow: day order, morning transfers, stays, free time.

The solver fixes which stops share a day and their order. Here the days are put in travel order
(days a wish names stay where they are), each day is timed forward from its start (the move from
yesterday's last stop counted first, ``rules.entry_minutes``), a wait before a stop is spent by
staying longer at the stop before it (up to ``STRETCH_MAX``; never at a meal, never past closing),
and any gap still over ``rules.MAX_GAP`` becomes a 自由活動 / 休息 block that says why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pipelines.core.models import FreeTime
from pipelines.planner.rules import (
    DEPARTURE_END,
    FULL_DAY_END,
    LATE_START_GAP,
    MAX_GAP,
    day_end_for,
    entry_minutes,
    is_departure,
    opening,
    to_hhmm,
    to_minutes,
)
from pipelines.planner.solver import DayRoute
from pipelines.planner.stops import Stops

STRETCH_MAX = 60  # a stay may grow by this much to absorb a wait


@dataclass(frozen=True, slots=True)
class Visit:
    stop: int
    meal: str
    start: int
    end: int
    travel: int


@dataclass
class TimedDay:
    visits: list[Visit]
    free: list[FreeTime]
    dropped: list[int]


def order_days(routes: Sequence[DayRoute], pinned: set[int], stops: Stops) -> list[DayRoute]:
    """Days in travel order: the unpinned ones as a nearest-neighbour chain from the northernmost start,
    empty days last; a pinned day (a wish names it) keeps its number."""
    free = [r for k, r in enumerate(routes) if k not in pinned and r.visits]
    empty = [r for k, r in enumerate(routes) if k not in pinned and not r.visits]
    chain: list[DayRoute] = []
    if free:
        current = max(free, key=lambda r: (stops[r.visits[0][0]].point.lat, -routes.index(r)))
        rest = [r for r in free if r is not current]
        chain.append(current)
        while rest:
            prev = current
            current = min(rest, key=lambda r: (_link(prev, r, stops), routes.index(r)))
            rest.remove(current)
            chain.append(current)
    queue = [*chain, *empty]
    return [routes[k] if k in pinned else queue.pop(0) for k in range(len(routes))]


def _link(a: DayRoute, b: DayRoute, stops: Stops) -> int:
    """How bad b is as the day after a: the morning move, and an outing split over days not adjacent."""
    shared = {stops[n].outing for n, _, _ in a.visits} & {stops[n].outing for n, _, _ in b.visits} - {""}
    return stops.travel(a.visits[-1][0], b.visits[0][0]) - 1_000 * len(shared)


def time_day(
    route: DayRoute, stops: Stops, start: int, end: int, entry: int | None, musts: set[int]
) -> tuple[list[Visit], list[int]]:
    """Earliest times in the route's order; a stop that no longer fits (after a morning transfer) is dropped."""
    visits: list[Visit] = []
    dropped: list[int] = []
    prev = entry
    clock = start
    for n, meal, planned in route.visits:
        stop = stops[n]
        if not visits and stop.kind == "sunrise":
            clock = min(clock, _window(stops, n, meal, start, end, planned)[0])  # the sunrise asked for: at dawn
        if prev is None:
            travel = 0
        elif not visits:
            travel = entry_minutes(stops[prev].point, stop.point, stop.kind, stops.gentle)
        else:
            travel = stops.travel(prev, n)
        first, last = _window(stops, n, meal, start, end, planned)
        begin = max(clock + travel, first)
        if begin > last and n not in musts:
            dropped.append(n)
            continue
        if not visits and stop.kind == "sunrise":
            travel = 0
        visits.append(Visit(n, meal, begin, begin + stop.seg.visit_minutes, travel))
        clock, prev = visits[-1].end, n
    return _stretch(visits, stops), dropped


def _window(stops: Stops, n: int, meal: str, start: int, end: int, planned: int) -> tuple[int, int]:
    stop = stops[n]
    if meal:
        slot = next(((f, la) for m, f, la in stop.meals(start) if m == meal), None)
        return slot if slot else (planned, planned)
    window = stop.window(start, end)
    return window if window else (planned, planned)


def _stretch(visits: list[Visit], stops: Stops) -> list[Visit]:
    """Spend a wait before a stop at the stop before it (not a meal, not past its closing)."""
    out = list(visits)
    for k in range(len(out) - 1):
        a, b = out[k], out[k + 1]
        wait = b.start - b.travel - a.end
        if wait <= 0 or a.meal or stops[a.stop].market:
            continue
        closes = opening(stops[a.stop].seg)[1]
        grow = max(0, min(wait, STRETCH_MAX, closes - a.end))
        out[k] = Visit(a.stop, a.meal, a.start, a.end + grow, a.travel)
    return out


def free_time(
    stays: Sequence[tuple[str, int, int, int]], day: int, days: int, start: int, cap_full: bool, prefs
) -> list[FreeTime]:
    """Blocks for every stretch over MAX_GAP in a day of (place, start, end, travel) stays: between stops and
    after the last one on a day that should run longer; and a morning over LATE_START_GAP before the first."""
    latest = day_end_for(prefs, day, days)
    if not stays:
        end = to_hhmm(min(to_minutes(FULL_DAY_END), latest))
        return [FreeTime(start=to_hhmm(start), end=end, label="自由活動", reason=_EMPTY)]
    blocks: list[FreeTime] = []
    place, begin, _, travel = stays[0]
    if begin - travel - start > LATE_START_GAP:
        blocks.append(_block(start, begin - travel, place, cap_full, before=True, morning=True))
    for (_, _, end, _), (place, begin, _, travel) in zip(stays, stays[1:], strict=False):
        if begin - travel - end > MAX_GAP:
            blocks.append(_block(end, begin - travel, place, cap_full, before=True))
    target = min(to_minutes(DEPARTURE_END if is_departure(day, days, prefs) else FULL_DAY_END), latest)
    last = stays[-1][2]
    if target - last > MAX_GAP // 2:
        blocks.append(_block(last, target, "", cap_full, before=False))
    return blocks


_EMPTY = "影片資料裡這一帶的景點都排進其他天了，這天留給自由活動；想排滿可以再搜尋加入景點。"


def _block(begin: int, finish: int, place: str, cap_full: bool, before: bool, morning: bool = False) -> FreeTime:
    if morning and finish - begin > MAX_GAP + LATE_START_GAP:  # not a slow morning: say there is nothing more
        label, reason = "自由活動", f"影片資料裡這一帶沒有更多放得進這段時間的景點，可以自由逛逛，再去「{place}」"
    elif morning:
        label, reason = "休息", f"這天的行程從「{place}」開始，早上可以睡晚一點、在旅館附近慢慢吃早餐"
    elif cap_full:
        then = f"，再去「{place}」" if before and place else ""
        label, reason = "休息", f"這天的景點數已到節奏上限，留一段時間休息、慢慢逛{then}"
    elif before and place:
        label, reason = "休息", f"等「{place}」的時段，可以回旅館休息或在附近自由逛逛"
    else:
        label, reason = "自由活動", "影片資料裡這一帶沒有更多放得進這段時間的景點，可以自由逛逛"
    return FreeTime(start=to_hhmm(begin), end=to_hhmm(finish), label=label, reason=reason)
