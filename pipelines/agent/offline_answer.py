"""Templated zh-TW answers of the offline agent, citing segments as 「[n] 地點 mm:ss–mm:ss」."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from pipelines.agent.prompts import Prompts
from pipelines.core.citations import Citations, cite_line, fmt_span
from pipelines.core.models import Itinerary, Pace, Segment, SegmentHit
from pipelines.core.text import shorten

_CN = "零一兩三四五六七八九十"
_WEEKDAYS = "一二三四五六日"
MAX_HINT_DAYS = 14
MAX_NOTES = 3
EXCERPT = 40


def trip_length(days: int) -> str:
    """1 → 一日遊, 2 → 兩天一夜, 3 → 三天兩夜, 12 → 12 天 11 夜."""
    if days == 1:
        return "一日遊"
    if days <= 10:
        nights = "一" if days == 2 else _CN[days - 1]
        return f"{_CN[days]}天{nights}夜"
    return f"{days} 天 {days - 1} 夜"


def where(cities: Sequence[str]) -> str:
    return "、".join(cities)


def render_plan(
    prompts: Prompts,
    intro: str,
    itinerary: Itinerary,
    segments: dict[str, Segment],
    extra: Sequence[str] = (),
    hints: Sequence[str] = (),
) -> tuple[str, Citations]:
    """The answer for a plan and the citations it uses, numbered in itinerary order; ``hints`` are follow-ups
    that work on this plan (``follow_up_hints``)."""
    cites = Citations()
    lines = [prompts.text("label"), "", *extra[:1], intro, ""]
    for day in itinerary.days:
        date = f"{day.date.month}/{day.date.day}（{_WEEKDAYS[day.date.weekday()]}）" if day.date else ""
        lines.append(prompts.text("day_header", day=day.day, city=day.city or "自由活動", date=date))
        rows = [(item.start, _stop_line(prompts, item, segments, cites)) for item in day.items]
        rows += [(f.start, prompts.text("free_line", start=f.start, end=f.end, label=f.label, reason=f.reason))
                 for f in day.free]  # fmt: skip
        lines += [text for _, text in sorted(rows, key=lambda r: r[0])]
        lines.append("")
    if cites.hits:
        lines.append(prompts.text("sources_header"))
        lines += [cite_line(i, hit) for i, hit in enumerate(cites.hits, start=1)]
        lines.append("")
    failed = [c for c in itinerary.checks if not c.passed]
    if failed:
        details = "；".join(f"{c.name}（{c.detail}）" for c in failed[:3])
        lines.append(prompts.text("checks_failed", count=len(failed), details=details))
    else:
        lines.append(prompts.text("checks_ok"))
    lines += [f"・{note}" for note in [*extra[1:], *itinerary.notes][:MAX_NOTES]]
    if hints:
        lines += ["", prompts.text("followup_hint", hints="".join(f"「{h}」" for h in hints))]
    return "\n".join(lines).strip(), cites


def _stop_line(prompts: Prompts, item, segments: dict[str, Segment], cites: Citations) -> str:
    seg = segments.get(item.segment_id)
    n = cites.number(seg) if seg else 0
    travel = prompts.text("travel_note", minutes=item.travel_minutes) if item.travel_minutes >= 10 else ""
    note = f"（{item.note}）" if item.note else ""
    return prompts.text("stop_line", start=item.start, end=item.end, place=item.place, n=n, travel=travel, note=note)


def follow_up_hints(
    prompts: Prompts, itinerary: Itinerary, topics: Sequence[str], can_add: bool, only_food: bool
) -> list[str]:
    """Follow-ups that work on this plan (``agent.offline_hints`` checks what each needs): a day that exists,
    a topic the last day's city still has, a stop that is there."""
    days = len(itinerary.days)
    hints: list[str] = []
    last = "零一二三四五六七八九十"[days] if days <= 10 else str(days)
    topic = next((t for t in topics if t not in itinerary.preferences.interests), "")
    if days >= 2 and topic:
        hints.append(prompts.text("hints.replace_day", day=last, topic=topic))
    if days < MAX_HINT_DAYS and can_add:
        hints.append(prompts.text("hints.add_day"))
    stop = next((i.place for d in itinerary.days for i in d.items if not i.note), "")
    if stop and len(itinerary.stops) >= 3:
        hints.append(prompts.text("hints.swap_stop", place=stop))
    if days >= 2:
        hints.append(prompts.text("hints.drop_day", day=last))
    if only_food and "美食" not in itinerary.preferences.interests:
        hints.append(prompts.text("hints.only_food"))
    return hints[:4]


def problem_notes(prompts: Prompts, keys: Sequence[str], max_days: int, day: dt.date | None) -> list[str]:
    """zh-TW notes for what the request parser could not take as written (「-3天」, a date already past)."""
    date = f"{day.year}/{day.month}/{day.day}" if day else ""
    return [prompts.text(f"problems.{key}", max_days=max_days, date=date) for key in dict.fromkeys(keys)]


def render_search(
    prompts: Prompts, seed: str, hits: Sequence[SegmentHit], place: str, topic: str
) -> tuple[str, Citations]:
    cites = Citations()
    lines = [prompts.text("label"), "", prompts.pick("search_intro", seed, where=place, topic=topic), ""]
    for hit in hits:
        n = cites.number(hit)
        excerpt = shorten(hit.text, EXCERPT, flat=True)
        lines.append(
            prompts.text(
                "search_line",
                n=n,
                place=hit.place or hit.title,
                city=hit.city or "",
                span=fmt_span(hit),
                excerpt=excerpt,
            )
        )
    lines += ["", prompts.text("search_outro")]
    return "\n".join(lines), cites


def render_plain(prompts: Prompts, key: str, **values) -> str:
    return f"{prompts.text('label')}\n\n{prompts.text(key, **values)}"


def pace_word(prompts: Prompts, pace: Pace) -> str:
    return prompts.text(f"pace_words.{pace}")
