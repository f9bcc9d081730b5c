"""Do the times an answer writes for the plan's stops agree with the plan? A grounding rule.

The itinerary table comes from the tools; the chat must not tell another schedule (Qwen2.5-Coder-1.5B
wrote 「14:40–17:40 文化路夜市」 for a night market the plan has at 18:00, and 「09:00–12:00 地熱谷」). A
time or time range is read with the stop named right after it (「09:00–10:45 億載金城」), or, when none
is, right before it (「億載金城 09:00–10:45」), within its clause; it must be that stop's planned start
(and end) within a few minutes. Opening hours (「08:30–17:30 開放」), a video's own times (「01:12–02:40」)
and quoted text are about no visit.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pipelines.core.models import Itinerary, ItineraryItem

TOLERANCE_MIN = 15  # a rounded time (「10:00」 for 09:55) is not a different plan
EARLIEST_HOUR = 4  # earlier "times" are a video's minutes and seconds (「[2] 赤崁樓 00:20–00:28」)
_CLOCK = r"([01]?\d|2[0-4])[:：]([0-5]\d)"
_SPAN = re.compile(rf"(?<!\d){_CLOCK}(?:\s*(?:[–—−\-~～〜至到]|to)\s*{_CLOCK})?(?!\d)")
_CLAUSE = re.compile(r"[。！？!?；;，,、→➡＞>/|]")
_QUOTED = re.compile(r"「[^」]*」")
_HOURS = re.compile(r"營業|營運|開放|開門|關門|打烊|開到|休館|公休|入園時間|售票")


def wrong_times(text: str, plan: Itinerary | None, stops_in: Callable[[str], list[str]], day: int | None) -> list[str]:
    """zh-TW, for each stop of ``plan`` written with a time that is not its planned one; ``stops_in`` gives
    the plan's stops a text names (the grounding rules' way of finding names)."""
    if plan is None or not plan.days:
        return []
    text = _QUOTED.sub("", text)
    spans = list(_SPAN.finditer(text))
    problems: list[str] = []
    for i, m in enumerate(spans):
        after = _CLAUSE.split(text[m.end() : spans[i + 1].start() if i + 1 < len(spans) else len(text)])[0]
        before = _CLAUSE.split(text[spans[i - 1].end() if i else 0 : m.start()])[-1]
        if int(m.group(1)) < EARLIEST_HOUR or _HOURS.search(after) or _HOURS.search(before):
            continue
        named_after = stops_in(after) if after.strip() else []
        named = named_after or (stops_in(before) if before.strip() else [])
        if len(named) != 1:  # none, or several stops to one time: nothing to compare
            continue
        planned = _items(plan, named[0], day)
        start, end = _minutes(m.group(1), m.group(2)), _end(m)
        if planned and not any(_agrees(item, start, end) for item in planned):
            when = "、".join(f"{it.start}–{it.end}" for it in planned)
            problems.append(f"「{named[0]}」在行程裡是 {when}，回答卻寫「{m.group(0).strip()}」")
    return problems


def _items(plan: Itinerary, place: str, day: int | None) -> list[ItineraryItem]:
    """The plan's visits to ``place``: on ``day`` when it is planned that day, else on any day."""
    on_day = [i for d in plan.days if d.day == day for i in d.items if i.place == place]
    return on_day or [i for d in plan.days for i in d.items if i.place == place]


def _agrees(item: ItineraryItem, start: int, end: int | None) -> bool:
    ok = abs(_hhmm(item.start) - start) <= TOLERANCE_MIN
    return ok and (end is None or abs(_hhmm(item.end) - end) <= TOLERANCE_MIN)


def _end(m: re.Match[str]) -> int | None:
    return _minutes(m.group(3), m.group(4)) if m.group(3) else None


def _minutes(hours: str, minutes: str) -> int:
    return int(hours) * 60 + int(minutes)


def _hhmm(text: str) -> int:
    hours, minutes = text.split(":")
    return _minutes(hours, minutes)
