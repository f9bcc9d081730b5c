"""How a day is used, as a traveller reads it: no unexplained gap, no free time while a sight in reach
waits unplanned, no stop further out of the way than it is worth, no detour a better order avoids.

Read from ``planner.rules`` and ``planner.travel``, the numbers and speed model the planner uses.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from pipelines.core.models import DayPlan, FreeTime, Segment
from pipelines.planner.check_context import CheckContext, clock
from pipelines.planner.rules import (
    DEPARTURE_END,
    DETOUR_MINUTES,
    DETOUR_RATIO,
    FULL_DAY_END,
    LATE_START_GAP,
    MAX_GAP,
    area_key,
    day_end_for,
    day_window,
    detour_cap,
    is_departure,
    is_meal,
    is_night_market,
    is_umbrella,
    kind_of,
    matches_avoid,
    matches_place,
    near_anchors,
    opening,
    pace_weight,
    paced_stops,
    stop_cap,
    stop_detour_cap,
    to_hhmm,
    to_minutes,
)
from pipelines.planner.travel import ROAD_FACTOR, Point, haversine_km, travel_minutes

MAX_EXACT = 9  # a day of more stops is not checked for detours (the exact shortest order gets slow)


def day_use(ctx: CheckContext) -> list[str]:
    """No stretch over MAX_GAP (a morning over LATE_START_GAP) without a 自由活動/休息 block saying why; a full
    day runs to FULL_DAY_END; and no such block on a day under its pace cap while a sight of the request,
    not planned, fits the stretch (opening hours and travel included)."""
    problems = []
    start, _ = day_window(ctx.prefs)
    spare = _unplanned_sights(ctx)
    for day in ctx.itinerary.days:
        if not day.items:
            if not any(b.reason for b in day.free):
                problems.append(f"第 {day.day} 天沒有安排，也沒有說明原因")
            elif fits := _empty_day_fit(ctx, spare, day):
                problems.append(f"第 {day.day} 天沒有安排，「{fits}」還沒排也放得進")
            continue
        times = [(clock(i.start), clock(i.end), i) for i in day.items]
        if any(b is None or e is None for b, e, _ in times):
            continue
        gaps = [(start, times[0][0] - times[0][2].travel_minutes, LATE_START_GAP, None, times[0][2])]
        gaps += [(a[1], b[0] - b[2].travel_minutes, MAX_GAP, a[2], b[2]) for a, b in itertools.pairwise(times)]
        target = DEPARTURE_END if is_departure(day.day, ctx.days, ctx.prefs) else FULL_DAY_END
        end = min(to_minutes(target), day_end_for(ctx.prefs, day.day, ctx.days))
        gaps.append((times[-1][1], end, MAX_GAP // 2, times[-1][2], None))
        room = stop_cap(ctx.prefs) - _paced(ctx, day)  # what the pace cap leaves: a sight over it does not fit
        for begin, finish, allowed, before, after in gaps:
            if finish - begin <= allowed:
                continue
            if not _covered(day.free, begin, finish, allowed):
                problems.append(f"第 {day.day} 天 {to_hhmm(begin)}–{to_hhmm(finish)} 空著，沒有說明要做什麼")
            elif room > 0 and (fits := _fitting(ctx, spare, begin, finish, before, after, room)):
                problems.append(f"第 {day.day} 天 {to_hhmm(begin)}–{to_hhmm(finish)} 空著，「{fits}」還沒排也放得進")
    return problems


def _empty_day_fit(ctx: CheckContext, spare: list[Segment], day: DayPlan) -> str:
    hours = day_end_for(ctx.prefs, day.day, ctx.days) - day_window(ctx.prefs)[0]
    return next((g.place or "" for g in spare if g.city == day.city and g.visit_minutes <= hours), "")


def _covered(blocks: list[FreeTime], begin: int, finish: int, allowed: int) -> bool:
    spans = [(clock(b.start), clock(b.end)) for b in blocks if b.reason.strip()]
    covered = sum(max(0, min(e, finish) - max(s, begin)) for s, e in spans if s is not None and e is not None)
    return finish - begin - covered <= allowed


def _paced(ctx: CheckContext, day: DayPlan) -> float:
    return paced_stops((s, clock(i.start) or 0) for i in day.items if (s := ctx.seg(i)) is not None)


def _unplanned_sights(ctx: CheckContext) -> list[Segment]:
    """Sights the request brought that the plan left out and could have used: not avoided, not beyond
    「附近」, not part of a whole-area outing the plan has (七美 holds 雙心石滬) nor one whose area it does."""
    planned = [s for _, i in ctx.items() if (s := ctx.seg(i)) is not None]
    places = {s.place for s in planned}
    areas = {area_key(s) for s in planned if s.area}
    whole = {area_key(s) for s in planned if is_umbrella(s)}
    anchors = [ctx.points[s.segment_id] for s in near_anchors(ctx.segments.values(), ctx.prefs.near)]
    out = []
    for seg in ctx.segments.values():
        if seg.place in places or seg.segment_id not in ctx.points or is_meal(seg) or is_night_market(seg):
            continue
        if is_umbrella(seg) and area_key(seg) in areas or (seg.area and area_key(seg) in whole):
            continue
        must = any(matches_place(m, seg) for m in ctx.prefs.must_include)
        if any(matches_avoid(a, seg) for a in ctx.prefs.avoid) and not must:
            continue
        here = ctx.points[seg.segment_id]
        if anchors and min(travel_minutes(a, here) for a in anchors) > ctx.prefs.near_minutes:
            continue
        if kind_of(seg, ctx.sunrise) not in ("sunrise", "night"):
            out.append(seg)
    return out


def _fitting(ctx: CheckContext, spare: list[Segment], begin: int, finish: int, before, after, room: float) -> str:
    """A spare sight of the day's city that fits between ``before`` and ``after`` (items, or None) and in the
    ``room`` the pace cap leaves, on the day's way: no further out of it than the sight is worth (as 順路不繞路
    checks it; before the first stop or after the last, its drive from that stop), so a day is never asked
    to fill its free time with a stop a traveller would not drive to (東河包子 two hours up the coast)."""
    city = (before or after).city
    for seg in spare:
        if seg.city != city or pace_weight(seg) > room:
            continue
        here = ctx.points[seg.segment_id]
        come = _move(ctx, before, here)
        arrive = max(begin + come, opening(seg)[0])
        leave = arrive + seg.visit_minutes
        if leave <= opening(seg)[1] and leave + _move(ctx, after, here) <= finish and _on_way(ctx, seg, before, after):
            return seg.place or ""
    return ""


def _on_way(ctx: CheckContext, seg: Segment, before, after) -> bool:
    here = ctx.points[seg.segment_id]
    ends = [ctx.points.get(i.segment_id) for i in (before, after) if i is not None]
    if any(p is None for p in ends):
        return True
    extra = sum(travel_minutes(p, here, ctx.gentle, rail=False) for p in ends)
    if len(ends) == 2:
        extra -= travel_minutes(ends[0], ends[1], ctx.gentle, rail=False)
    return extra <= stop_detour_cap(seg, meal=False)


def _move(ctx: CheckContext, item, here: Point) -> int:
    there = ctx.points.get(item.segment_id) if item is not None else None
    return travel_minutes(there, here, ctx.gentle) if there is not None else 0


MEAL_NOTES = ("早餐", "午餐", "晚餐")


def detours(ctx: CheckContext) -> list[str]:
    """Two ways a day is not 順路:

    - a stop further out of the way than it is worth (``over_detours``, ``rules.detour_cap``): a lunch in town
      between two stops of a gorge, a 30-minute snack 50 minutes off the road; a must-see is worth any detour;
    - moves over DETOUR_RATIO times (+ DETOUR_MINUTES) the shortest order of the same stops between the same
      first and last stop that a traveller can follow: its meals stay the day's same meals (an order that eats
      lunch after five hours of sights is no alternative). A sight put between two stops of an area to come
      back to it later is a zig-zag such an order avoids."""
    problems = []
    for day in ctx.itinerary.days:
        points = [ctx.points.get(i.segment_id) for i in day.items]
        segs = [ctx.seg(i) for i in day.items]
        if any(p is None for p in points) or any(s is None for s in segs):
            continue
        caps = [detour_cap(s, clock(i.start) or 0) for s, i in zip(segs, day.items, strict=True)]
        musts = {k for k, s in enumerate(segs) if any(matches_place(m, s) for m in _musts(ctx, day.day))}
        road = lambda a, b, p=points: travel_minutes(p[a], p[b], ctx.gentle, rail=False)  # noqa: E731
        for k, extra in over_detours(len(points), road, caps, musts):
            before, item, after = day.items[k - 1 : k + 2]
            what = item.note or ("用餐" if is_meal(segs[k]) else "景點")
            km = haversine_km(points[k - 1], points[k]) + haversine_km(points[k], points[k + 1])
            km = round((km - haversine_km(points[k - 1], points[k + 1])) * ROAD_FACTOR)
            problems.append(
                f"第 {day.day} 天為了{what}「{item.place}」（停留 {segs[k].visit_minutes} 分鐘）多開約 {extra} 分鐘的路"
                f"（{before.place} → {item.place} → {after.place}，比從{before.place}直接去多繞約 {km} 公里）"
            )
        if not 4 <= len(points) <= MAX_EXACT:
            continue
        cost = [[travel_minutes(a, b, ctx.gentle) for b in points] for a in points]
        moved = sum(cost[k][k + 1] for k in range(len(points) - 1))
        best = shortest_path(cost, {k for k, i in enumerate(day.items) if any(m in i.note for m in MEAL_NOTES)})
        if moved > DETOUR_RATIO * best + DETOUR_MINUTES:
            problems.append(f"第 {day.day} 天路上 {moved} 分鐘，同樣的景點換個順序只要 {best} 分鐘")
    return problems


def _musts(ctx: CheckContext, day: int) -> list[str]:
    """What the traveller named for the trip or for this day: worth any detour."""
    wished = [p for w in ctx.prefs.day_wishes if w.applies_to(day, ctx.days) for p in w.must_include]
    return [*ctx.prefs.must_include, *wished]


def over_detours(
    size: int, cost: Callable[[int, int], int], caps: list[int], exempt: set[int] = frozenset()
) -> list[tuple[int, int]]:
    """(k, minutes) for each of ``size`` stops k between two others that adds more than ``caps[k]`` minutes to
    driving (``cost(i, j)``) straight from the stop before it to the stop after it (``exempt``: stops worth any
    detour)."""
    out = []
    for k in range(1, size - 1):
        extra = cost(k - 1, k) + cost(k, k + 1) - cost(k - 1, k + 1)
        if extra > caps[k] and k not in exempt:
            out.append((k, extra))
    return out


def shortest_path(cost: list[list[int]], fixed: set[int] = frozenset()) -> int:
    """The length of ``best_order``."""
    order = best_order(cost, fixed)
    return sum(cost[a][b] for a, b in itertools.pairwise(order)) if order else 0


def best_order(cost: list[list[int]], fixed: set[int] = frozenset()) -> list[int]:
    """The shortest path from the first stop to the last through all the others (Held-Karp), the stops in
    ``fixed`` (meals) kept at their place in the order: stop k is the k-th visited."""
    n = len(cost)
    inner = range(1, n - 1)

    def allowed(i: int, position: int) -> bool:  # position: 1-based place of stop i in the order
        return i == position if position in fixed or i in fixed else True

    best: dict[tuple[int, int], tuple[int, int]] = {
        (1 << i, i): (cost[0][i], 0) for i in inner if allowed(i, 1)
    }  # (mask, last) -> (length, the stop before last)
    for size in range(2, n - 1):
        for subset in itertools.combinations(inner, size):
            mask = sum(1 << i for i in subset)
            for last in subset:
                prev = mask ^ (1 << last)
                options = [(best[(prev, j)][0] + cost[j][last], j) for j in subset if j != last and (prev, j) in best]
                if options and allowed(last, size):
                    best[(mask, last)] = min(options)
    full = sum(1 << i for i in inner)
    ends = [(best[(full, i)][0] + cost[i][n - 1], i) for i in inner if (full, i) in best]
    if n < 3 or not ends:
        return list(range(n)) if n < 3 else []
    order, mask, last = [n - 1], full, min(ends)[1]
    while last:
        order.append(last)
        mask, last = mask ^ (1 << last), best[(mask, last)][1]
    return [0, *reversed(order)]
