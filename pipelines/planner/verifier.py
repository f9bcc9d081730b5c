"""TravelPlanner-style checks of an itinerary against the request; each has a zh-TW detail line.

Independent of how the plan was made: it recomputes times and travel from the segments, with
the same rules (``planner.rules``) and speed model (``planner.travel``) the planner uses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from enum import StrEnum

from pipelines.core.models import Check, DayPlan, Itinerary, ItineraryItem, Preferences, Segment
from pipelines.planner import day_checks as dc
from pipelines.planner import traveller_checks as tc
from pipelines.planner.check_context import CheckContext, clock, stops_text
from pipelines.planner.rules import (
    NIGHT_MARKET_EARLIEST,
    SUNRISE_LATEST,
    day_end_for,
    day_window,
    entry_minutes,
    kind_of,
    matches_avoid,
    matches_place,
    paced_stops,
    stop_cap,
    to_hhmm,
    to_minutes,
)
from pipelines.planner.travel import travel_minutes


class CheckName(StrEnum):
    DAYS = "天數正確"
    UNIQUE = "地點不重複"
    WINDOW = "每日時間範圍"
    TIMELINE = "時間順序與交通"
    CITY_ROUTE = "城市路線順暢"
    PACE = "每日站數上限"
    NIGHT_MARKET = "夜市在晚上"
    SUNRISE = "日出在清晨"
    MUST_INCLUDE = "必去景點都在"
    AVOID = "避開項目已排除"
    DAY_USE = "每天玩得滿"
    MEALS = "三餐有著落"
    OUTING = "同一區同一天"
    EARLY = "不會太早出門"
    WISHES = "每天的願望"
    NEAR = "都在附近"
    HOURS = "營業時間內"
    ROUTE = "順路不繞路"


PACE_COUNTING = "午餐、晚餐或夜市各一不計；30 分鐘內的小站算半站，同一區的景點依停留時間算，2 小時算 1 站"


def verify(
    itinerary: Itinerary, segments: Sequence[Segment], days: int, prefs: Preferences | None = None
) -> list[Check]:
    """Run every check; ``segments`` are those the plan was made from (for places, times, coordinates)."""
    return run_checks(CheckContext(itinerary, segments, days, prefs or itinerary.preferences))


def run_checks(ctx: CheckContext) -> list[Check]:
    """Every check on one context (the plan reuses it for its meal notes)."""
    checks = []
    for name, rule in _RULES.items():
        problems = rule(ctx)
        checks.append(Check(name=name.value, passed=not problems, detail=_DETAILS[name](ctx, problems)))
    return checks


def _days(ctx: CheckContext) -> list[str]:
    problems = []
    got = [d.day for d in ctx.itinerary.days]
    if len(got) != ctx.days:
        problems.append(f"行程有 {len(got)} 天，要求是 {ctx.days} 天")
    elif got != list(range(1, ctx.days + 1)):
        problems.append(f"天數編號應為 1–{ctx.days}，實際是第 {'、'.join(map(str, got))} 天")
    first = ctx.prefs.start_date or (ctx.itinerary.days[0].date if ctx.itinerary.days else None)
    for k, d in enumerate(ctx.itinerary.days):
        want = first + dt.timedelta(days=k) if first else None
        if d.date != want:
            problems.append(f"第 {d.day} 天的日期應為 {want or '未指定'}，實際是 {d.date or '未指定'}")
    return problems


def _unique(ctx: CheckContext) -> list[str]:
    seen: dict[str, list[int]] = {}
    for day, item in ctx.items():
        seen.setdefault(item.place, []).append(day.day)
    return [f"{place}（第 {'、'.join(map(str, d))} 天）" for place, d in seen.items() if len(d) > 1]


def _window(ctx: CheckContext) -> list[str]:
    problems = []
    for day in ctx.itinerary.days:
        if not day.items:
            continue
        start, end = day_window(ctx.prefs, opens_with_sunrise=ctx.kind(day.items[0]) == "sunrise")
        end = min(end, day_end_for(ctx.prefs, day.day, ctx.days))
        first = clock(day.items[0].start)
        if first is not None and first - day.items[0].travel_minutes < start:
            problems.append(
                f"第 {day.day} 天 {to_hhmm(max(0, first - day.items[0].travel_minutes))} 出發，早於 {to_hhmm(start)}"
            )
        for item in day.items:
            b, e = clock(item.start), clock(item.end)
            if b is None or e is None:
                problems.append(f"第 {day.day} 天「{item.place}」的時間格式錯誤（{item.start}–{item.end}）")
            elif e > end or b < start or e < b:
                problems.append(
                    f"第 {day.day} 天「{item.place}」{item.start}–{item.end} 超出 {to_hhmm(start)}–{to_hhmm(end)}"
                )
    return problems


def _timeline(ctx: CheckContext) -> list[str]:
    problems = []
    prev_last: ItineraryItem | None = None
    for day in ctx.itinerary.days:
        prev: ItineraryItem | None = None
        for item in day.items:
            problems += _step(ctx, day.day, prev, item, prev_last if prev is None else None)
            prev = item
        prev_last = day.items[-1] if day.items else prev_last
    return problems


def _step(
    ctx: CheckContext, day: int, prev: ItineraryItem | None, item: ItineraryItem, yesterday: ItineraryItem | None
) -> list[str]:
    b, e = clock(item.start), clock(item.end)
    seg, here = ctx.segments.get(item.segment_id), ctx.points.get(item.segment_id)
    if seg is None or here is None:
        return [f"第 {day} 天：找不到「{item.place or '這一站'}」的影片片段或座標"]
    if b is None or e is None:
        return [f"第 {day} 天「{item.place}」的時間格式錯誤"]
    problems = []
    if e - b != item.visit_minutes or item.visit_minutes < seg.visit_minutes:
        problems.append(f"第 {day} 天「{item.place}」停留 {e - b} 分鐘，建議至少 {seg.visit_minutes} 分鐘")
    if prev is not None:
        there, prev_end = ctx.points.get(prev.segment_id), clock(prev.end)
        need = travel_minutes(there, here, ctx.gentle) if there else 0
        if item.travel_minutes < need:
            problems.append(
                f"第 {day} 天 {prev.place} → {item.place} 交通 {item.travel_minutes} 分鐘，估計需 {need} 分鐘"
            )
        if prev_end is not None and b < prev_end + item.travel_minutes:
            ready = to_hhmm(prev_end + item.travel_minutes)
            problems.append(f"第 {day} 天「{item.place}」{item.start} 開始，但上一站 {prev.end} 結束、到達要 {ready}")
    elif yesterday is not None:
        need = entry_minutes(ctx.points.get(yesterday.segment_id), here, kind_of(seg, ctx.sunrise), ctx.gentle)
        if item.travel_minutes < need:
            problems.append(
                f"第 {day} 天從{yesterday.city}到「{item.place}」交通 {item.travel_minutes} 分鐘，估計需 {need} 分鐘"
            )
    return problems


def _city_route(ctx: CheckContext) -> list[str]:
    runs: list[tuple[str, int]] = []
    for day, item in ctx.items():
        if not runs or runs[-1][0] != item.city:
            runs.append((item.city, day.day))
    problems = []
    for city in dict.fromkeys(c for c, _ in runs):
        visits = [d for c, d in runs if c == city]
        if len(visits) > 1:
            problems.append(f"{city}分成 {len(visits)} 段（第 {'、'.join(map(str, visits))} 天），中間跑去別的城市")
    return problems


def _paced(ctx: CheckContext, day: DayPlan) -> int:
    """Stops of ``day`` that count against the cap: a lunch and an evening meal are free (``paced_stops``)."""
    stops = []
    for item in day.items:
        seg, start = ctx.segments.get(item.segment_id), clock(item.start)
        if seg is None or start is None:
            start, seg = -1, None
        stops.append((seg, start))
    known = [(seg, start) for seg, start in stops if seg is not None]
    return paced_stops(known) + len(stops) - len(known)


def _pace(ctx: CheckContext) -> list[str]:
    cap = stop_cap(ctx.prefs)
    problems = []
    for d in ctx.itinerary.days:
        counted = _paced(ctx, d)
        if counted > cap:
            problems.append(f"第 {d.day} 天：{stops_text(counted, up=True)}（{PACE_COUNTING}），超過上限 {cap} 站")
    return problems


def _night_market(ctx: CheckContext) -> list[str]:
    earliest = to_minutes(NIGHT_MARKET_EARLIEST)
    return [
        f"第 {d.day} 天「{i.place}」{i.start} 就去，夜市要 {NIGHT_MARKET_EARLIEST} 後才熱鬧"
        for d, i in ctx.items()
        if ctx.kind(i) == "night" and _not_within(i.start, earliest, 24 * 60)
    ]


def _sunrise(ctx: CheckContext) -> list[str]:
    latest = to_minutes(SUNRISE_LATEST)
    return [
        f"第 {d.day} 天「{i.place}」{i.start} 才到，看不到日出（要是當天第一站、{SUNRISE_LATEST} 前）"
        for d, i in ctx.items()
        if ctx.kind(i) == "sunrise" and (i is not d.items[0] or _not_within(i.start, 0, latest))
    ]


def _not_within(hhmm: str, first: int, last: int) -> bool:
    minutes = clock(hhmm)
    return minutes is None or not first <= minutes <= last


def _planned(ctx: CheckContext) -> list[Segment]:
    return [ctx.segments[i.segment_id] for _, i in ctx.items() if i.segment_id in ctx.segments]


def _must_include(ctx: CheckContext) -> list[str]:
    planned = _planned(ctx)
    return [t for t in ctx.prefs.must_include if not any(matches_place(t, s) for s in planned)]


def _avoid(ctx: CheckContext) -> list[str]:
    hits = []
    for seg in _planned(ctx):
        terms = [t for t in ctx.prefs.avoid if matches_avoid(t, seg)]
        if terms and not any(matches_place(m, seg) for m in ctx.prefs.must_include):
            hits.append(f"{seg.place}（符合「{'、'.join(terms)}」）")
    return hits


def _exempt(ctx: CheckContext) -> list[str]:
    """Avoided places kept because the traveller also named them as must-include."""
    return [
        s.place or s.segment_id
        for s in _planned(ctx)
        if any(matches_avoid(t, s) for t in ctx.prefs.avoid)
        and any(matches_place(m, s) for m in ctx.prefs.must_include)
    ]


def _joined(problems: list[str], limit: int = 5) -> str:
    more = f"…等 {len(problems)} 項" if len(problems) > limit else ""
    return "；".join(problems[:limit]) + more


def _ok_or(ok: Callable[[CheckContext], str]) -> Callable[[CheckContext, list[str]], str]:
    return lambda ctx, problems: ok(ctx) if not problems else _joined(problems) + "。"


def _route_text(ctx: CheckContext) -> str:
    cities = list(dict.fromkeys(i.city for _, i in ctx.items()))
    return f"城市順序：{' → '.join(cities)}，每個城市一次走完。" if cities else "沒有安排景點。"


def _window_text(ctx: CheckContext) -> str:
    start, end = day_window(ctx.prefs)
    return f"每天都在 {to_hhmm(start)}–{to_hhmm(end)} 之內（日出行程可從 05:30 開始）。"


def _pace_text(ctx: CheckContext) -> str:
    most = max((_paced(ctx, d) for d in ctx.itinerary.days), default=0)
    return f"每天最多 {stop_cap(ctx.prefs)} 站（{PACE_COUNTING}）；最多的一天：{stops_text(most)}。"


def _avoid_text(ctx: CheckContext) -> str:
    if not ctx.prefs.avoid:
        return "沒有指定避開項目。"
    exempt = _exempt(ctx)
    kept = f"；{'、'.join(exempt)} 是你指定的必去，例外保留" if exempt else ""
    return f"行程中沒有「{'、'.join(ctx.prefs.avoid)}」{kept}。"


def _meals_text(ctx: CheckContext) -> str:
    without = [f"第 {d.day} 天的{meal}" for d, meal, _ in tc.missing_meals(ctx)]
    told = f"；{'、'.join(without)}沿路沒有影片介紹的餐廳，備註寫了怎麼吃" if without else ""
    return f"餐廳都排在吃飯時間；有順路餐廳的整天都有午餐和晚餐（或夜市）{told}。"


_RULES: dict[CheckName, Callable[[CheckContext], list[str]]] = {
    CheckName.DAYS: _days,
    CheckName.UNIQUE: _unique,
    CheckName.WINDOW: _window,
    CheckName.TIMELINE: _timeline,
    CheckName.CITY_ROUTE: _city_route,
    CheckName.PACE: _pace,
    CheckName.NIGHT_MARKET: _night_market,
    CheckName.SUNRISE: _sunrise,
    CheckName.MUST_INCLUDE: _must_include,
    CheckName.AVOID: _avoid,
    CheckName.DAY_USE: dc.day_use,
    CheckName.MEALS: tc.meals,
    CheckName.OUTING: tc.outings,
    CheckName.EARLY: tc.early,
    CheckName.WISHES: tc.wishes,
    CheckName.NEAR: tc.nearness,
    CheckName.HOURS: tc.hours,
    CheckName.ROUTE: dc.detours,
}

_DETAILS: dict[CheckName, Callable[[CheckContext, list[str]], str]] = {
    CheckName.DAYS: _ok_or(lambda c: f"共 {c.days} 天，符合要求。"),
    CheckName.UNIQUE: lambda c, p: f"重複的地點：{_joined(p)}。" if p else f"{len(c.items())} 個地點，沒有重複。",
    CheckName.WINDOW: _ok_or(_window_text),
    CheckName.TIMELINE: _ok_or(lambda c: "每一站依序進行、不重疊，交通時間足夠。"),
    CheckName.CITY_ROUTE: _ok_or(_route_text),
    CheckName.PACE: _ok_or(_pace_text),
    CheckName.NIGHT_MARKET: _ok_or(lambda c: f"夜市與夜間景點都在 {NIGHT_MARKET_EARLIEST} 之後。"),
    CheckName.SUNRISE: _ok_or(lambda c: "日出景點都是當天第一站、清晨出發。"),
    CheckName.MUST_INCLUDE: lambda c, p: (
        f"缺少必去：{'、'.join(p)}。"
        if p
        else (
            f"必去的 {'、'.join(c.prefs.must_include)} 都在行程中。" if c.prefs.must_include else "沒有指定必去景點。"
        )
    ),
    CheckName.AVOID: lambda c, p: f"行程中有要避開的：{_joined(p)}。" if p else _avoid_text(c),
    CheckName.DAY_USE: _ok_or(
        lambda c: "每天從早玩到傍晚；超過 2 小時的空檔都寫了原因，而且附近沒有還放得進去的景點。"
    ),
    CheckName.MEALS: _ok_or(_meals_text),
    CheckName.OUTING: _ok_or(lambda c: "同一區（峽谷、離島、老城區）的景點排在同一天，不走回頭路。"),
    CheckName.EARLY: _ok_or(
        lambda c: "有要看日出，日出那天清晨出發。" if c.sunrise else "沒有排清晨出發（想看日出可以跟我說）。"
    ),
    CheckName.WISHES: _ok_or(lambda c: "每天的願望都排到了。" if c.prefs.day_wishes else "沒有指定哪一天要做什麼。"),
    CheckName.NEAR: _ok_or(
        lambda c: (
            f"每一站都在{'、'.join(c.prefs.near)}附近（{c.prefs.near_minutes} 分鐘內）。"
            if c.prefs.near
            else "沒有指定範圍。"
        )
    ),
    CheckName.HOURS: _ok_or(lambda c: "每一站都在營業（開放）時間內。"),
    CheckName.ROUTE: _ok_or(lambda c: "每天的順序都順路，沒有為了吃飯或景點來回繞路。"),
}
