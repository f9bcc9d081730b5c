"""Templated zh-TW answers of the offline agent, citing segments as 「[n] 地點 mm:ss–mm:ss」."""

from __future__ import annotations

from collections.abc import Sequence

from pipelines.agent.prompts import Prompts
from pipelines.core.citations import Citations, cite_line, fmt_span
from pipelines.core.models import Itinerary, Pace, Segment, SegmentHit
from pipelines.core.text import shorten

_CN = "零一兩三四五六七八九十"
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
) -> tuple[str, Citations]:
    """The answer for a plan and the citations it uses, numbered in itinerary order."""
    cites = Citations()
    lines = [prompts.text("label"), "", intro, ""]
    for day in itinerary.days:
        lines.append(prompts.text("day_header", day=day.day, city=day.city or "自由活動"))
        for item in day.items:
            seg = segments.get(item.segment_id)
            n = cites.number(seg) if seg else 0
            travel = prompts.text("travel_note", minutes=item.travel_minutes) if item.travel_minutes >= 10 else ""
            lines.append(
                prompts.text("stop_line", start=item.start, end=item.end, place=item.place, n=n, travel=travel)
            )
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
    lines += [f"・{note}" for note in [*extra, *itinerary.notes][:MAX_NOTES]]
    lines += ["", prompts.text("followup_hint")]
    return "\n".join(lines).strip(), cites


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
