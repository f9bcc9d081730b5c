"""Follow-ups that edit one part of the session's plan; the days the traveller did not name stay as they were.

Pure helpers over an Itinerary: splice a new day in, drop a day, renumber and re-date, and push a
day later when its first stop is now a morning transfer away (the verifier checks that transfer).
"""

from __future__ import annotations

import datetime as dt

from pipelines.core.models import DayPlan, DayWish, Itinerary, Preferences, Segment
from pipelines.planner.rules import (
    day_window,
    entry_minutes,
    is_gentle,
    kind_of,
    matches_avoid,
    paced_stops,
    resolve_points,
    stop_cap,
    to_hhmm,
    to_minutes,
    wants_sunrise,
)
from pipelines.planner.schedule import free_time

# 「只要美食」「第二天換成美食」: what a traveller counts as food.
FAMILY = {"美食": ("小吃", "夜市", "甜點", "咖啡"), "小吃": ("美食", "夜市")}
# Tag searches for a day when the broad ones only find stops other days already hold.
DAY_TOPICS = (
    "美食",
    "小吃",
    "古蹟",
    "自然",
    "老街",
    "海邊",
    "文青",
    "夜市",
    "景觀",
    "歷史",
    "博物館",
    "親子",
    "步道",
    "溫泉",
)
LATEST_START = "12:00"  # a day that would start later than this is planned from the usual start instead
AREA_TOPICS = ("景點", "美食 小吃", "海邊 風景", "老街 夜市")  # broad searches for a day in a named area


def renumber(days: list[DayPlan], prefs: Preferences) -> list[DayPlan]:
    """Days numbered 1..n, dated from the trip's start date."""
    start = prefs.start_date
    return [
        d.model_copy(update={"day": k, "date": start + dt.timedelta(days=k - 1) if start else d.date})
        for k, d in enumerate(days, start=1)
    ]


def splice(old: Itinerary, day: int, new_day: DayPlan) -> list[DayPlan]:
    """``old``'s days with day ``day`` replaced (or appended when it is one past the end)."""
    new_day = new_day.model_copy(update={"day": day})
    days = [new_day if d.day == day else d for d in old.days]
    return days if day <= len(old.days) else [*days, new_day]


def fit_transfers(days: list[DayPlan], segments: dict[str, Segment], prefs: Preferences) -> list[DayPlan]:
    """A day whose first stop is far from where the day before ended starts later by that transfer, when
    the day still ends in time (otherwise the verifier names it); a shorter move than before is shown as such."""
    out: list[DayPlan] = []
    for k, day in enumerate(days):
        prev = next((d for d in reversed(out) if d.items), None) if k else None
        if not day.items or prev is None:
            out.append(day)
            continue
        first = day.items[0]
        need = entry_need(prev, day, segments, prefs)
        if need <= first.travel_minutes:  # the move is shorter now (the day before changed): say so, same times
            items = [first.model_copy(update={"travel_minutes": need}), *day.items[1:]]
            out.append(day.model_copy(update={"items": items}))
            continue
        late = max(0, to_minutes(prefs.day_start) + need - to_minutes(first.start))
        if to_minutes(day.items[-1].end) + late > to_minutes(prefs.day_end):
            out.append(day)
            continue
        items = [
            i.model_copy(
                update={"start": to_hhmm(to_minutes(i.start) + late), "end": to_hhmm(to_minutes(i.end) + late)}
            )
            for i in day.items
        ]
        items[0] = items[0].model_copy(update={"travel_minutes": need})
        out.append(day.model_copy(update={"items": items}))
    return out


def entry_need(prev: DayPlan, day: DayPlan, segments: dict[str, Segment], prefs: Preferences) -> int:
    """Minutes from where ``prev`` ended to ``day``'s first stop, counted at the start of the day."""
    if not prev.items or not day.items:
        return 0
    points = resolve_points(segments.values())
    a, b = points.get(prev.items[-1].segment_id), points.get(day.items[0].segment_id)
    kind = kind_of(segments[day.items[0].segment_id], wants_sunrise(prefs))  # a sunrise spot is reached by night
    return entry_minutes(a, b, kind, is_gentle(prefs)) if a and b else 0


def shift_fits(prev: DayPlan, day: DayPlan, segments: dict[str, Segment], prefs: Preferences) -> bool:
    """``day`` can start late enough to get there from where ``prev`` ended and still end in time."""
    need = entry_need(prev, day, segments, prefs)
    if not day.items or need <= day.items[0].travel_minutes:
        return True
    late = max(0, to_minutes(prefs.day_start) + need - to_minutes(day.items[0].start))
    return to_minutes(day.items[-1].end) + late <= to_minutes(prefs.day_end)


def day_of(itinerary: Itinerary, place: str) -> int | None:
    """The day holding a stop named like ``place``."""
    for day in itinerary.days:
        for item in day.items:
            if place and (place in item.place or item.place in place):
                return day.day
    return None


def refresh_free(days: list[DayPlan], segments: dict[str, Segment], prefs: Preferences) -> list[DayPlan]:
    """Free-time blocks worked out again for each day's place in the (edited) trip."""
    start, _ = day_window(prefs)
    out = []
    for day in days:
        stays = [(i.place, to_minutes(i.start), to_minutes(i.end), i.travel_minutes) for i in day.items]
        full = paced_stops((segments[i.segment_id], to_minutes(i.start)) for i in day.items) >= stop_cap(prefs)
        out.append(day.model_copy(update={"free": free_time(stays, day.day, len(days), start, full, prefs)}))
    return out


def named(place: str, names: list[str]) -> bool:
    """A stop called like one of ``names`` (either name inside the other)."""
    return any(n and (n in place or place in n) for n in names)


def planned(itinerary: Itinerary) -> set[str]:
    """Segment ids and place names already in the plan."""
    return {x for i in itinerary.stops for x in (i.segment_id, i.place)}


def excluded(hit: Segment, exclude: set[str], avoid: list[str]) -> bool:
    """Already planned (by id or place) or something the traveller wants to avoid."""
    return hit.segment_id in exclude or hit.place in exclude or any(matches_avoid(a, hit) for a in avoid)


def wishes_for(wishes: list[DayWish], day: int, days: int) -> list[DayWish]:
    """The wishes that apply to day ``day`` of ``days``, as wishes of a one-day plan."""
    return [w.model_copy(update={"day": 1}) for w in wishes if w.applies_to(day, days)]


def area_queries(areas: list[str], interests: list[str]) -> list[str]:
    """Searches for a day in a named area (「再加一天去墾丁」): the area with each interest, then broad ones."""
    return [f"{area} {topic}" for area in areas for topic in [*interests, *AREA_TOPICS]]


def later_start(prev: DayPlan | None, day: DayPlan, segments: dict[str, Segment], prefs: Preferences) -> str | None:
    """The start a day needs when its first stop is a long way from where ``prev`` ended (a new day in
    墾丁 after a day in 高雄), rounded up to a quarter hour; None when the planned start already allows it."""
    if prev is None or not day.items:
        return None
    need = entry_need(prev, day, segments, prefs)
    start = to_minutes(prefs.day_start) + need
    if need == 0 or to_minutes(day.items[0].start) >= start:
        return None
    return to_hhmm(min(to_minutes(LATEST_START), -(-start // 15) * 15))


def date_text(date: dt.date | None) -> str:
    return f"{date.month}/{date.day}（{'一二三四五六日'[date.weekday()]}）" if date else ""


def with_family(interests: list[str]) -> list[str]:
    """The interests and what travellers count with them (美食 → 小吃, 夜市, 甜點)."""
    return list(dict.fromkeys([*interests, *(t for i in interests for t in FAMILY.get(i, ()))]))


def day_topics(interests: list[str]) -> list[str]:
    """Tag searches that find more stops for a day: its own interests first, then the usual topics."""
    return list(dict.fromkeys([*interests, *DAY_TOPICS]))
