"""The traveller's rules (issue 9): checks a plan must pass before a ✅ means a traveller would follow it.

Each check returns zh-TW problems (empty = passed) and reads the rules from ``planner.rules``, the
same numbers the planner uses: meals, one outing a day, no unasked early start, the day wishes,
「附近」 and opening hours (how each day is used: ``day_checks``).
"""

from __future__ import annotations

from pipelines.core.models import DayPlan, ItineraryItem
from pipelines.planner.check_context import CheckContext, clock
from pipelines.planner.rules import (
    DINNER,
    FULL_DAY_END,
    LUNCH,
    LUNCH_MINUTES,
    MEAL_REACH_MINUTES,
    SIGHTS_END,
    area_key,
    day_end_for,
    day_window,
    detour_cap,
    eats_inside,
    free_meal_slot,
    is_departure,
    is_meal,
    is_night_market,
    matches_place,
    meal_slots,
    near_anchors,
    norm,
    opening,
    paced_stops,
    stop_cap,
    to_hhmm,
    to_minutes,
)
from pipelines.planner.travel import travel_minutes


def meals(ctx: CheckContext) -> list[str]:
    """Meal places at meal times; a lunch and a dinner on each full day while unplanned food is on its way."""
    problems = []
    for day in ctx.itinerary.days:
        for item in day.items:
            seg, start = ctx.seg(item), clock(item.start)
            if seg is not None and start is not None and is_meal(seg) and not free_meal_slot(seg, start):
                problems.append(f"第 {day.day} 天「{item.place}」{item.start} 用餐，不是吃飯時間")
    problems += [f"第 {d.day} 天沒有{label}（還有 {spare} 可以吃）" for d, label, spare in missing_meals(ctx) if spare]
    return problems


def missing_meals(ctx: CheckContext) -> list[tuple[DayPlan, str, str]]:
    """(day, 午餐/晚餐, unplanned food on its way or "") for each meal a day spanning it goes without: with
    food on the way it fails 三餐有著落; without, the plan says what to do (``notes.meal_notes``)."""
    if "missing_meals" not in ctx.memo:
        ctx.memo["missing_meals"] = _missing_meals(ctx)
    return ctx.memo["missing_meals"]


def _missing_meals(ctx: CheckContext) -> list[tuple[DayPlan, str, str]]:
    out = []
    planned = {i.segment_id for _, i in ctx.items()}
    for day in ctx.itinerary.days:
        slots = set()
        for item in day.items:
            seg, start = ctx.seg(item), clock(item.start)
            if seg is not None and start is not None:
                slots.add(free_meal_slot(seg, start))
                slots |= {m for m, w in (("lunch", LUNCH), ("dinner", DINNER)) if eats_inside(seg, start, w)}
        if not day.items:
            continue
        for meal, label, window in (("lunch", "午餐", LUNCH), ("dinner", "晚餐", DINNER)):
            if meal not in slots and _covers(ctx, day, window):
                out.append((day, label, _food_left(ctx, day, planned, meal)))
    return out


def _covers(ctx: CheckContext, day: DayPlan, window: tuple[str, str, str]) -> bool:
    """The day's own span includes that meal's window, so the traveller eats out then."""
    first, last = clock(day.items[0].start), clock(day.items[-1].end)
    end = day_end_for(ctx.prefs, day.day, ctx.days)
    if first is None or last is None:
        return False
    wanted_end = (
        max(last, min(end, to_minutes(FULL_DAY_END))) if not is_departure(day.day, ctx.days, ctx.prefs) else last
    )
    return first <= to_minutes(window[1]) and wanted_end >= to_minutes(window[2])


def _food_left(ctx: CheckContext, day: DayPlan, planned: set[str], meal: str) -> str:
    """Unplanned food for that meal the day could have had on its way at that meal's time (a gorge day's lunch
    is not in town because its dinner is): between two stops the meal fits between in time, no further out
    of the way than a meal is worth (``rules.detour_cap``, as 順路不繞路 checks it); or within
    ``MEAL_REACH_MINUTES`` before a first stop that starts after the meal's earliest time or after a last stop
    that ends by its latest."""
    start, _ = day_window(ctx.prefs)
    window = LUNCH if meal == "lunch" else DINNER
    first, last = to_minutes(window[0]), to_minutes(window[2])
    times = [(clock(i.start), clock(i.end)) for i in day.items]
    points = [ctx.points.get(i.segment_id) for i in day.items]
    if any(b is None or e is None for b, e in times) or any(p is None for p in points):
        return ""
    ends = ([0] if times[0][0] >= first else []) + ([len(times) - 1] if times[-1][1] <= last else [])
    pairs = [(k - 1, k) for k in range(1, len(times)) if times[k - 1][1] <= last and times[k][0] >= first]
    for seg in ctx.segments.values():
        if seg.segment_id in planned or not seg.place or seg.segment_id not in ctx.points:
            continue
        if any(m == meal for m, _, _ in meal_slots(seg, start)) or (meal == "dinner" and is_night_market(seg)):
            if any(norm(seg.place) == norm(i.place) for _, i in ctx.items()):
                continue
            there, cap = ctx.points[seg.segment_id], detour_cap(seg, to_minutes(window[1]))
            if _on_the_way(ctx, points, ends, pairs, there, cap):
                return f"「{seg.place}」"
    return ""


def _on_the_way(ctx: CheckContext, points: list, ends: list[int], pairs: list[tuple[int, int]], there, cap) -> bool:
    def t(a, b) -> int:
        return travel_minutes(a, b, ctx.gentle, rail=False)

    return any(t(points[k], there) <= MEAL_REACH_MINUTES for k in ends) or any(
        t(points[a], there) + t(there, points[b]) - t(points[a], points[b]) <= cap for a, b in pairs
    )


def outings(ctx: CheckContext) -> list[str]:
    """An area travellers combine (a gorge, an island, an old town) is one day, unless it cannot fit one (its
    visits and the moves between them over a day's sight hours, to ``SIGHTS_END`` less lunch, or over the pace cap)."""
    by_area: dict[str, list[tuple[int, ItineraryItem]]] = {}
    for day, item in ctx.items():
        seg = ctx.seg(item)
        if seg is not None and seg.area and not (is_meal(seg) or is_night_market(seg)):  # meals are not outings
            by_area.setdefault(area_key(seg), []).append((day.day, item))
    problems = []
    start, end = day_window(ctx.prefs)
    for visits in by_area.values():
        days = sorted({d for d, _ in visits})
        if len(days) < 2:
            continue
        segs = [(ctx.segments[i.segment_id], clock(i.start) or 0) for _, i in visits]
        points = [ctx.points[s.segment_id] for s, _ in segs if s.segment_id in ctx.points]
        minutes = sum(s.visit_minutes for s, _ in segs) + _spanning_minutes(points, ctx.gentle)
        hours = min(end, to_minutes(SIGHTS_END)) - start - LUNCH_MINUTES
        too_big = paced_stops(segs) > stop_cap(ctx.prefs) or minutes > hours
        name = ctx.segments[visits[0][1].segment_id].area
        if not too_big:
            problems.append(f"{name}分在第 {'、'.join(map(str, days))} 天（一天就走得完）")
        elif days != list(range(days[0], days[-1] + 1)):
            problems.append(f"{name}分在不相連的第 {'、'.join(map(str, days))} 天")
    return problems


def _spanning_minutes(points: list, gentle: bool) -> int:
    """The moves a day of these stops needs at least (a minimum spanning tree: any order links them all):
    清境's farm and 合歡山, 50 minutes up the mountain, are no afternoon together however short the visits."""
    if not points:
        return 0
    reach = {k: travel_minutes(points[0], p, gentle) for k, p in enumerate(points[1:], start=1)}
    total = 0
    while reach:
        k = min(reach, key=lambda j: (reach[j], j))
        total += reach.pop(k)
        for j in reach:
            reach[j] = min(reach[j], travel_minutes(points[k], points[j], gentle))
    return total


def early(ctx: CheckContext) -> list[str]:
    """No start before the day start unless a sunrise was asked for (the request parser keeps a relaxed or
    gentle trip's day start at 09:00 unless the traveller says otherwise)."""
    start, _ = day_window(ctx.prefs)
    problems = []
    for day in ctx.itinerary.days:
        if not day.items:
            continue
        first = day.items[0]
        begin = clock(first.start)
        if begin is None or begin - first.travel_minutes >= start:
            continue
        if ctx.sunrise and ctx.kind(first) == "sunrise":
            continue
        problems.append(f"第 {day.day} 天 {to_hhmm(begin - first.travel_minutes)} 就出發，但你沒有要早起看日出")
    return problems


def wishes(ctx: CheckContext) -> list[str]:
    problems = []
    for wish in ctx.prefs.day_wishes:
        number = ctx.days if wish.day == -1 else wish.day
        day = next((d for d in ctx.itinerary.days if d.day == number), None)
        if day is None:
            continue
        segs = [s for i in day.items if (s := ctx.seg(i)) is not None]
        for tag in wish.interests:
            if not any(tag in s.tags for s in segs):
                problems.append(f"第 {number} 天沒有排到「{tag}」")
        for place in wish.must_include:
            if not any(matches_place(place, s) or area_key(s) == norm(place) for s in segs):  # 日月潭: the area
                problems.append(f"第 {number} 天沒有排到「{place}」")
        last = clock(day.items[-1].end) if day.items else None
        if wish.day_end and last is not None and last > to_minutes(wish.day_end):
            problems.append(f"第 {number} 天 {day.items[-1].end} 才結束，你想在 {wish.day_end} 前結束")
    return problems


def nearness(ctx: CheckContext) -> list[str]:
    """With 「附近」 or a region word, every stop is within reach of what was named."""
    if not ctx.prefs.near:
        return []
    anchors = [ctx.points[s.segment_id] for s in near_anchors(ctx.segments.values(), ctx.prefs.near)]
    if not anchors:
        return []
    problems = []
    named = "、".join(ctx.prefs.near)
    for _, item in ctx.items():
        here, seg = ctx.points.get(item.segment_id), ctx.seg(item)
        if here is None or seg is None or any(matches_place(m, seg) for m in ctx.prefs.must_include):
            continue
        minutes = min(travel_minutes(a, here) for a in anchors)
        if minutes > ctx.prefs.near_minutes:
            problems.append(f"「{item.place}」離{named}約 {minutes} 分鐘，不算附近")
    return problems


def hours(ctx: CheckContext) -> list[str]:
    problems = []
    for day, item in ctx.items():
        seg, begin, finish = ctx.seg(item), clock(item.start), clock(item.end)
        if seg is None or begin is None or finish is None or not seg.hours:
            continue
        opens, closes = opening(seg)
        if begin < opens or finish > closes:
            problems.append(f"第 {day.day} 天「{item.place}」{item.start}–{item.end}，營業時間是 {seg.hours}")
    return problems
