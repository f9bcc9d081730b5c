"""zh-TW notes that tell the traveller what the planner decided and why."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pipelines.core.models import Itinerary, ItineraryItem, Preferences, Segment
from pipelines.planner.check_context import CheckContext
from pipelines.planner.rules import (
    DINNER,
    LUNCH,
    NIGHT_EARLIEST,
    day_window,
    matches_place,
    stop_cap,
    to_hhmm,
    to_minutes,
)
from pipelines.planner.selection import Selection
from pipelines.planner.traveller_checks import missing_meals

PACE_LABELS = {"relaxed": "輕鬆", "normal": "一般", "packed": "緊湊"}


def duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} 分鐘"
    return f"{hours} 小時" + (f" {rest} 分" if rest else "")


def _places(segments: Sequence[Segment]) -> str:
    return "、".join(dict.fromkeys(s.place or s.segment_id for s in segments))


def _why_alone(seg: Segment, prefs: Preferences) -> str:
    start, end = day_window(prefs)
    if "夜市" in seg.tags or seg.best_time == "night":
        return (
            f"{seg.place}（{NIGHT_EARLIEST} 後才適合去，停留 {duration(seg.visit_minutes)}，超過 {to_hhmm(end)} 結束）"
        )
    return f"{seg.place}（停留 {duration(seg.visit_minutes)}，{to_hhmm(start)}–{to_hhmm(end)} 放不下）"


def left_out_notes(selection: Selection, prefs: Preferences, days: int) -> list[str]:
    notes: list[str] = []
    if segs := selection.left_out_by("no_place"):
        notes.append(f"{len(segs)} 個片段沒有對應的地點（例如開場或結尾），未排入。")
    if segs := selection.left_out_by("no_coords"):
        notes.append(f"缺少座標、無法估算交通，未排入：{_places(segs)}。")
    if segs := selection.left_out_by("avoid"):
        notes.append(f"依你的避開清單略過：{_places(segs)}。")
    if segs := selection.left_out_by("far"):
        notes.append(f"離你說的{'、'.join(prefs.near)}太遠，未排入：{_places(segs)}。")
    whole: dict[str, list[Segment]] = {}
    for seg in selection.left_out_by("covered"):
        whole.setdefault(selection.covered_by.get(seg.segment_id, ""), []).append(seg)
    for umbrella, segs in whole.items():
        part = f"包含在「{umbrella}」的行程裡" if umbrella else "這一區已經排了個別景點"
        notes.append(f"{_places(segs)}{part}，不另外列出。")
    if segs := selection.left_out_by("alone"):
        notes.append("單獨排一天也放不下，未排入：" + "、".join(_why_alone(s, prefs) for s in segs) + "。")
    if segs := selection.left_out_by("capacity"):
        pace = PACE_LABELS[prefs.pace]
        notes.append(
            f"{days} 天、每天最多 {stop_cap(prefs)} 站（{pace}節奏，午餐、晚餐或夜市不計）放不下全部，"
            f"依必去與興趣保留優先的景點；未排入：{_places(segs)}。"
        )
    return notes


def day_notes(itinerary: Itinerary, segments: Mapping[str, Segment] | None = None) -> list[str]:
    """Free days, morning moves between days (where from and to: ``segments`` by id name the areas within one
    city) and the sunrise note."""
    notes: list[str] = []
    free = [d.day for d in itinerary.days if not d.items]
    if free:
        days = "、".join(str(n) for n in free)
        notes.append(f"第 {days} 天沒有排景點，留作自由活動（選的景點不多，不硬塞）；想排滿可以再搜尋加入景點。")
    last: ItineraryItem | None = None
    for day in itinerary.days:
        if not day.items:
            continue
        first = day.items[0]
        if first.travel_minutes and last is not None:
            notes.append(
                f"第 {day.day} 天一早{_move(last, first, segments or {})}，交通約 {duration(first.travel_minutes)}。"
            )
        last = day.items[-1]
    if any(i.note.startswith("看日出") for i in itinerary.stops):
        notes.append("日出景點排在 05:30：實際日出依季節約 05:00–06:40，出發前請查當天日出時間，前一晚住在附近。")
    return notes


def meal_notes(ctx: CheckContext) -> list[str]:
    """A full day going without its lunch or dinner because no food of the videos is on its way says so and
    what to do (never an invented restaurant); with food on the way, 三餐有著落 fails instead."""
    notes: list[str] = []
    for day, meal, spare in missing_meals(ctx):
        if spare:
            continue
        window = LUNCH if meal == "午餐" else DINNER
        first, last = to_minutes(window[0]) - 60, to_minutes(window[2]) + 60
        near = [i for i in day.items if to_minutes(i.start) <= last and to_minutes(i.end) >= first]
        areas = list(dict.fromkeys(s.area for i in near if (s := ctx.seg(i)) is not None and s.area))
        where = "、".join(areas or [i.place for i in near[:2]])
        if not where:
            notes.append(f"第 {day.day} 天的{meal}，影片資料沒有介紹順路的餐廳，可以在住宿附近吃。")
            continue
        notes.append(
            f"第 {day.day} 天{'中午' if meal == '午餐' else '傍晚'}在{where}一帶，影片資料沒有介紹順路的餐廳："
            f"{meal}可以自備，或離開{where}再吃。"
        )
    return notes


def must_notes(
    prefs: Preferences, segments: Sequence[Segment], selection: Selection, itinerary: Itinerary
) -> list[str]:
    """Why a must-include place is missing from the plan (the verifier says which)."""
    planned = [selection.segments[sid] for sid in itinerary.segment_ids]
    notes: list[str] = []
    for term in prefs.must_include:
        if any(matches_place(term, s) for s in planned):
            continue
        matching = [s for s in segments if matches_place(term, s)]
        if not matching:
            notes.append(f"必去「{term}」不在這次選的片段中：請先搜尋含「{term}」的片段再規劃。")
            continue
        reason = selection.reasons.get(matching[0].segment_id, "capacity")
        why = {
            "alone": "單獨排一天也放不下",
            "no_coords": "缺少座標",
            "no_place": "片段沒有對應地點",
        }.get(reason, f"必去景點太多，{len(itinerary.days)} 天排不下")
        notes.append(f"必去「{term}」沒排進去：{why}。")
    return notes


def _move(last: ItineraryItem, first: ItineraryItem, segments: Mapping[str, Segment]) -> str:
    """「從台北移動到台南」; within one city the areas or districts (「從花蓮市區移到玉里・富里一帶」), or a long
    drive within it when they say no more (to the area, else the place): never 「從花蓮移動到花蓮」."""
    if last.city != first.city:
        return f"從{last.city}移動到{first.city}"
    here, there = _where(segments.get(last.segment_id)), _where(segments.get(first.segment_id))
    if here and there and here != there:
        return f"從{here}移到{there}"
    return f"在{first.city}境內長途移動到{there or f'「{first.place}」'}"


def _where(seg: Segment | None) -> str:
    """Where in its city a stop is: its gazetteer area (「玉里・富里一帶」), else its district (the seat's 「花蓮市」
    as 「花蓮市區」)."""
    if seg is None:
        return ""
    if seg.area:
        return seg.area if seg.area.endswith("市區") else f"{seg.area}一帶"
    return f"{seg.district}區" if seg.district.endswith("市") else seg.district
