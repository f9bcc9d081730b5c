"""``plan(segments, days, prefs)``: chosen segments → a day-by-day Itinerary, verified before it returns.

1. Selection (``selection``): one segment per place (the best: named in must-include, then
   interests, search score, input order); avoided ones out unless also must-include; stops far
   from a region or 「附近」 anchor out; a place named like its area (七美) gives way to that area's
   own stops; segments without a place or coordinates out. Each stop gets a value (``stops``).
2. Solve (``solver``): OR-Tools routing, one vehicle per day, optional stops with their value as
   the penalty for leaving them out, time windows (opening hours, meals, night places, sunrise
   only when asked), the pace cap, a lunch and a dinner a full day, one outing (area) a day, and
   per-day wishes pinned to their day.
3. Schedule (``schedule``): days in travel order, each timed forward with yesterday's transfer,
   waits spent by staying longer, gaps over two hours made into 自由活動 / 休息 blocks with a reason.
4. Verify; notes say what was left out and why, which check (if any) could not be met, and how to eat
   on a day whose way has no food of the videos (never an invented restaurant).

The bench (``python -m bench.planner``) compares this with the hand-written heuristics it replaced.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace

from pipelines.core.errors import PlanningError
from pipelines.core.models import DayPlan, Itinerary, ItineraryItem, Preferences, Segment
from pipelines.planner.allocate import allocate, city_days
from pipelines.planner.check_context import CheckContext
from pipelines.planner.notes import day_notes, left_out_notes, meal_notes, must_notes
from pipelines.planner.rules import (
    DEPARTURE_END,
    DEPARTURE_SIGHTS_END,
    FULL_DAY_END,
    LUNCH_MINUTES,
    SIGHTS_END,
    day_end_for,
    day_window,
    eats_inside,
    is_departure,
    is_food_street,
    join_cities,
    meal_label,
    paced_stops,
    plan_end,
    stop_cap,
    to_hhmm,
    to_minutes,
)
from pipelines.planner.schedule import Visit, free_time, time_day
from pipelines.planner.selection import Selection
from pipelines.planner.solver import DayRoute, solve
from pipelines.planner.stops import Stops
from pipelines.planner.verifier import run_checks

MAX_DAYS = 14


def plan(segments: Sequence[Segment], days: int, prefs: Preferences | None = None) -> Itinerary:
    """Plan and verify an itinerary; raises PlanningError (zh-TW) for requests that cannot be planned."""
    prefs = prefs or Preferences()
    _validate(segments, days, prefs)
    selection = Selection.build(segments, prefs)
    start, _ = day_window(prefs)
    ends = [day_end_for(prefs, d, days) for d in range(1, days + 1)]
    for stop in selection.stops:
        if not stop.meal and stop.window(start, max(ends)) is None and not stop.meals(start):
            selection.leave_out(stop, "alone")
    stops = Stops([s for s in selection.stops], prefs)
    kept = [s for s in selection.stops if s.seg.segment_id not in selection.reasons]
    usable = Stops([replace(s, n=k) for k, s in enumerate(kept)], prefs)  # the solvers count from 0
    departs = [is_departure(d, days, prefs) for d in range(1, days + 1)]
    fills = [to_minutes(DEPARTURE_END if dep else FULL_DAY_END) for dep in departs]
    sight_ends = [
        min(e, to_minutes(DEPARTURE_SIGHTS_END if dep else SIGHTS_END)) for e, dep in zip(ends, departs, strict=True)
    ]
    homeward = [plan_end(prefs, d, days) for d in range(1, days + 1)]  # the last day ends early, unless a must-see
    blocks = city_days(usable, days)
    cap = stop_cap(prefs)
    alloc = allocate(usable, prefs, days, start, sight_ends, LUNCH_MINUTES, cap, blocks)
    routes = solve(usable, ends, fills, prefs, cap, alloc.allowed, alloc.bonus, homeward)
    routes = [DayRoute(tuple((kept[n].n, m, t) for n, m, t in r.visits)) for r in routes]
    itinerary = _itinerary(routes, stops, days, prefs, selection)
    ctx = CheckContext(itinerary, segments, days, prefs)
    itinerary.checks = run_checks(ctx)
    # what the traveller must act on (a meal to bring, a must-see that did not fit) before what was left out
    itinerary.notes = [*meal_notes(ctx), *must_notes(prefs, segments, selection, itinerary), *itinerary.notes]
    itinerary.notes += [f"未通過「{c.name}」：{c.detail}" for c in itinerary.checks if not c.passed]
    return itinerary


def _validate(segments: Sequence[Segment], days: int, prefs: Preferences) -> None:
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise PlanningError(f"天數需介於 1 到 {MAX_DAYS} 天（收到：{days}）。")
    if not any(seg.place for seg in segments):
        raise PlanningError("沒有可以排進行程的地點：請先用 search_segments 找到有地點的影片片段。")
    start, end = day_window(prefs)
    if end - start < 60:
        raise PlanningError(f"每天可用時間太短（{to_hhmm(start)}–{to_hhmm(end)}）：結束時間至少要比開始晚 1 小時。")


def _itinerary(routes: list[DayRoute], stops: Stops, days: int, prefs: Preferences, selection: Selection) -> Itinerary:
    start, _ = day_window(prefs)
    musts = {s.n for s in stops.items if s.must}
    plans: list[DayPlan] = []
    planned: set[int] = set()
    prev: int | None = None
    for number, route in enumerate(routes, start=1):
        date = prefs.start_date + dt.timedelta(days=number - 1) if prefs.start_date else None
        end = day_end_for(prefs, number, days)
        visits, dropped = time_day(route, stops, start, end, prev, musts)
        planned |= {v.stop for v in visits}
        cap_full = paced_stops((stops[v.stop].seg, v.start) for v in visits) >= stop_cap(prefs)
        items = [_item(v, stops) for v in visits]
        plans.append(
            DayPlan(
                day=number,
                date=date,
                city=join_cities([i.city for i in items]),
                items=items,
                free=free_time(
                    [(i.place, v.start, v.end, v.travel) for i, v in zip(items, visits, strict=True)],
                    number,
                    days,
                    start,
                    cap_full,
                    prefs,
                ),  # fmt: skip
            )
        )
        prev = visits[-1].stop if visits else prev
    for stop in stops.items:
        if stop.n not in planned and stop.seg.segment_id not in selection.reasons:
            selection.leave_out(stop, "capacity")
    itinerary = Itinerary(days=plans, preferences=prefs, left_out=selection.left_out_ids())
    itinerary.notes = selection.notes + left_out_notes(selection, prefs, days)
    itinerary.notes += day_notes(itinerary, selection.segments)
    return itinerary


def _item(v: Visit, stops: Stops) -> ItineraryItem:
    stop = stops[v.stop]
    if stop.kind == "sunrise":
        note = "看日出（前一晚住附近）"
    elif is_food_street(stop.seg) and not v.meal:
        note = ""  # a food street walked between meals: a sight, not a second lunch
    elif eats_inside(stop.seg, v.start):
        note = "含午餐"  # a day on the island, up the mountain: lunch is eaten there
    else:
        note = meal_label(stop.seg, v.start)
    return ItineraryItem(
        segment_id=stop.seg.segment_id,
        place=stop.seg.place or "",
        city=stop.seg.city or "",
        start=to_hhmm(v.start),
        end=to_hhmm(v.end),
        visit_minutes=v.end - v.start,
        travel_minutes=v.travel,
        note=note,
    )
