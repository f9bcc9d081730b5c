"""``plan(segments, days, prefs)``: chosen segments → a day-by-day Itinerary, verified before it returns.

1. One segment per place (the best: named in must-include, then interests, search score, input
   order); avoided ones out unless also must-include; segments without a place or coordinates,
   or too long for any single day, out.
2. Rank by must-include, interest overlap, search score and input order, and take the best that a
   cheap budget says fit: days x stop cap sights plus a lunch and an evening meal a day (meals do
   not count against the cap, see ``rules.paced_stops``), hours with travel, one evening
   per city's night places, one sunrise a day. Without interests, each city's best short food stop
   and best night market are ranked right after the must-includes, so a city's food is not all
   left out for its sights.
3. Route (``route``): cities along the shortest open path between their centres, stops within
   a city as a nearest-neighbour + 2-opt path, split between that city's evenings.
4. Cut the route into at most ``days`` consecutive days by dynamic programming: every day must
   be feasible (``day_schedule``), cost = busy hours squared + a cost per day used + a penalty per
   extra city in a day, so cities stay in one block and load is even without padding thin days.
   If no cut fits, keep the longest feasible prefix of the ranking and add lower-ranked stops
   one at a time while they fit.
5. A night spot that is not a night market (神農街, a night view) and would be waited for more
   than ``MAX_IDLE`` minutes, because its day's sights end early, is dropped (unless must-include)
   and the plan is made again without it: lower-ranked daytime stops take its place.
6. Verify; notes say what was left out and why, and which check (if any) could not be met.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from pipelines.core.errors import PlanningError
from pipelines.core.models import DayPlan, Itinerary, ItineraryItem, Preferences, Segment
from pipelines.planner.day_schedule import Day, DayScheduler
from pipelines.planner.notes import day_notes, left_out_notes, must_notes
from pipelines.planner.route import TripRouter
from pipelines.planner.rules import (
    FREE_MEALS,
    MAX_IDLE,
    NIGHT_EARLIEST,
    day_window,
    is_meal,
    is_night_market,
    join_cities,
    meal_label,
    stop_cap,
    to_hhmm,
    to_minutes,
)
from pipelines.planner.selection import Selection
from pipelines.planner.verifier import verify

MAX_DAYS = 14
DAY_COST = 10.0  # a day used costs like ~3 busy hours, so 2-3 stops share a day rather than 1 each
FILL = 0.9  # share of the day's hours the selection budget may fill
HOP_MINUTES = 20  # budgeted travel to each stop within a city
MAX_TRIES = 24  # stops tried one by one when the budget's pick does not fit


def plan(segments: Sequence[Segment], days: int, prefs: Preferences | None = None) -> Itinerary:
    """Plan and verify an itinerary; raises PlanningError (zh-TW) for requests that cannot be planned."""
    prefs = prefs or Preferences()
    _validate(segments, days, prefs)
    selection = Selection.build(segments, prefs)
    sched = DayScheduler(selection.stops, prefs)
    for stop in selection.stops:
        if sched.day((stop.n,), None) is None:
            selection.leave_out(stop, "alone")
    ranked = _balance(sorted(selection.kept, key=lambda n: selection.rank[n], reverse=True), sched, prefs)
    kept, planned = _fit(ranked, _select(ranked, days, sched, prefs), days, sched)
    if idle := _idle_night_spots(planned):
        ranked = [n for n in ranked if n not in idle]
        kept, planned = _fit(ranked, _select(ranked, days, sched, prefs), days, sched)
    for n in set(selection.kept) - set(kept):
        selection.leave_out(selection.stops[n], "capacity")
    itinerary = _itinerary(planned, days, prefs, selection)
    itinerary.checks = verify(itinerary, segments, days, prefs)
    itinerary.notes += must_notes(prefs, segments, selection, itinerary)
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


def _idle_night_spots(planned: list[Day]) -> set[int]:
    """Night spots (not night markets, not must-include) waited for more than MAX_IDLE minutes."""
    return {
        b.stop.n
        for day in planned
        for a, b in zip(day.timed, day.timed[1:], strict=False)
        if b.stop.kind == "night"
        and not b.stop.must
        and not is_night_market(b.stop.seg)
        and b.start - a.end - b.travel > MAX_IDLE
    }


def _balance(ranked: list[int], sched: DayScheduler, prefs: Preferences) -> list[int]:
    """Without interests: each city's best short food stop and best night market right after the must-includes."""
    if any(i.strip() for i in prefs.interests):
        return ranked
    firsts: dict[tuple[str, str], int] = {}
    for n in ranked:
        stop = sched.stops[n]
        role = "market" if is_night_market(stop.seg) else "meal" if is_meal(stop.seg) else ""
        if role:
            firsts.setdefault((stop.seg.city or "", role), n)
    up = set(firsts.values())
    musts = [n for n in ranked if sched.stops[n].must]
    rest = [n for n in ranked if not sched.stops[n].must]
    return [*musts, *(n for n in rest if n in up), *(n for n in rest if n not in up)]


def _select(ranked: list[int], days: int, sched: DayScheduler, prefs: Preferences) -> list[int]:
    """The best-ranked stops that plausibly fit: stops per day, sunrise and night slots, hours with travel.

    A cheap budget, so the exact cut (``_partition``) rarely has to give stops back.
    """
    start, end = day_window(prefs)
    hours = days * (end - start) * FILL
    evening = max(1, end - to_minutes(NIGHT_EARLIEST))
    limit = days * stop_cap(prefs)
    meals = markets = sights = 0  # a lunch and an evening (meal or night market) a day are free of the cap
    kept: list[int] = []
    cities: dict[str, int] = {}  # city -> its first kept stop, to price the trip to a new city
    used = sunrise = 0
    night: dict[str, int] = {}  # night minutes per city: one evening hosts one city's night places
    for n in ranked:
        stop = sched.stops[n]
        city = stop.seg.city or ""
        hop = HOP_MINUTES
        if city not in cities and cities:
            hop += min(sched.travel(n, m) for m in cities.values())
        need = stop.seg.visit_minutes + hop
        market = is_night_market(stop.seg) and markets < days
        meal = not market and is_meal(stop.seg) and meals < 2 * days - markets
        if (not market and not meal and sights >= limit) or used + need > hours:
            continue
        if stop.kind == "night":
            more = {**night, city: night.get(city, 0) + stop.seg.visit_minutes}
            if sum(-(-m // evening) for m in more.values()) > days:
                continue
            night = more
        if stop.kind == "sunrise" and sunrise >= days:
            continue
        kept.append(n)
        markets += market
        meals += meal
        sights += not (market or meal)
        cities.setdefault(city, n)
        used += need
        sunrise += stop.kind == "sunrise"
    return kept


def _fit(ranked: list[int], kept: list[int], days: int, sched: DayScheduler) -> tuple[list[int], list[Day]]:
    """Plan ``kept`` (the budget's pick, best first); if it cannot be cut into days, keep its longest
    feasible prefix and add lower-ranked stops one at a time while they fit (a bounded number of tries).
    """
    cap = stop_cap(sched.prefs)
    router = TripRouter(sched)

    def attempt(stops: list[int]) -> list[Day] | None:
        return _partition(router.route(stops), days, sched, cap) if stops else []

    planned = attempt(kept)
    if planned is not None:
        return kept, planned
    ok, bad, planned = 0, len(kept), []  # the longest feasible prefix, by bisection
    while bad - ok > 1:
        mid = (ok + bad) // 2
        found = attempt(kept[:mid])
        if found is None:
            bad = mid
        else:
            ok, planned = mid, found
    chosen = kept[:ok]
    tried = set(kept[:bad])
    for n in [n for n in ranked if n not in tried][:MAX_TRIES]:
        if len(chosen) >= days * (cap + FREE_MEALS):
            break
        found = attempt([*chosen, n])
        if found is not None:
            chosen.append(n)
            planned = found
    return chosen, planned


def _partition(route: list[int], days: int, sched: DayScheduler, cap: int) -> list[Day] | None:
    """Cut ``route`` into at most ``days`` feasible consecutive days at the least total cost."""
    n = len(route)
    # layers[d][i]: cheapest (cost, previous cut, last day) covering route[:i] in d days
    layers: list[dict[int, tuple[float, int, Day | None]]] = [{0: (0.0, -1, None)}]
    for _ in range(days):
        layer: dict[int, tuple[float, int, Day | None]] = {}
        for i, (cost_i, _cut, day_i) in sorted(layers[-1].items()):
            entry = day_i.timed[-1].stop.n if day_i else None
            for j in range(i + 1, min(n, i + cap + FREE_MEALS) + 1):  # the day checks the cap itself
                day = sched.day(tuple(route[i:j]), entry)
                if day is None:
                    continue
                total = cost_i + day.cost + DAY_COST
                if j not in layer or total < layer[j][0]:
                    layer[j] = (total, i, day)
        layers.append(layer)
    ends = [(layers[d][n][0], d) for d in range(1, days + 1) if n in layers[d]]
    if not ends:
        return None
    _, d = min(ends)
    out: list[Day] = []
    j = n
    while d > 0:
        _, j, day = layers[d][j]
        out.append(day)  # type: ignore[arg-type]
        d -= 1
    return out[::-1]


def _itinerary(planned: list[Day], days: int, prefs: Preferences, selection: Selection) -> Itinerary:
    plans: list[DayPlan] = []
    for number in range(1, days + 1):
        date = prefs.start_date + dt.timedelta(days=number - 1) if prefs.start_date else None
        timed = planned[number - 1].timed if number <= len(planned) else ()
        items, meals = [], set()
        for t in timed:
            note = "看日出（前一晚住附近）" if t.stop.kind == "sunrise" else meal_label(t.stop.seg, t.start)
            if note in meals:  # one 午餐 a day: a second food stop at noon is a snack
                note = ""
            meals.add(note)
            items.append(
                ItineraryItem(
                    segment_id=t.stop.seg.segment_id,
                    place=t.stop.seg.place or "",
                    city=t.stop.seg.city or "",
                    start=to_hhmm(t.start),
                    end=to_hhmm(t.end),
                    visit_minutes=t.end - t.start,
                    travel_minutes=t.travel,
                    note=note,
                )
            )
        plans.append(DayPlan(day=number, date=date, city=join_cities([i.city for i in items]), items=items))
    itinerary = Itinerary(days=plans, preferences=prefs, left_out=selection.left_out_ids())
    itinerary.notes = selection.notes + left_out_notes(selection, prefs, days) + day_notes(itinerary)
    return itinerary
