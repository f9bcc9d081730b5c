"""Citation numbering and formatting: 「[2] 安平古堡 01:12–02:40」.

A turn numbers the segments its tools returned in the order they first appear; [n] in the answer
points at ``FinalResult.hits[n-1]``.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from pipelines.core.models import Segment, SegmentHit

_CITE = re.compile(r"\[(\d{1,3})\]")
_CITE_VARIANTS = re.compile(r"[\[【［]\s*(\d{1,3}(?:\s*[,，、]\s*\d{1,3})*)\s*[\]】］]")
_CITE_WITH_SPACE = re.compile(r" ?\[(\d{1,9})\]")


def fmt_clock(seconds: float) -> str:
    """72 → 01:12; 3725 → 1:02:05."""
    total = int(seconds)
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def fmt_span(seg: Segment) -> str:
    return f"{fmt_clock(seg.start_s)}–{fmt_clock(seg.end_s)}"


def cite_line(n: int, seg: Segment) -> str:
    return f"[{n}] {seg.place or seg.title} {fmt_span(seg)}"


def cited_numbers(text: str) -> list[int]:
    return [int(m) for m in _CITE.findall(text)]


def normalise_citations(text: str) -> str:
    """【2】, ［2］ and [1, 3] as models write them → [2] and [1][3], the one form the UI and checks read."""

    def one_form(m: re.Match[str]) -> str:
        return "".join(f"[{n}]" for n in re.findall(r"\d+", m.group(1)))

    return _CITE_VARIANTS.sub(one_form, text)


def drop_invalid_citations(text: str, count: int) -> tuple[str, list[int]]:
    """``text`` without the [n] that point at none of ``count`` hits, and the numbers removed."""
    removed: list[int] = []

    def keep(m: re.Match[str]) -> str:
        n = int(m.group(1))
        if 1 <= n <= count:
            return m.group(0)
        removed.append(n)
        return ""

    return _CITE_WITH_SPACE.sub(keep, text), removed


class Citations(BaseModel):
    """The segments a turn has seen, numbered from 1 in first-seen order."""

    hits: list[SegmentHit] = Field(default_factory=list)

    def number(self, seg: Segment) -> int:
        for i, hit in enumerate(self.hits, start=1):
            if hit.segment_id == seg.segment_id:
                return i
        hit = seg if isinstance(seg, SegmentHit) else SegmentHit(**seg.model_dump())
        self.hits.append(hit)
        return len(self.hits)

    def by_id(self, segment_id: str) -> SegmentHit | None:
        return next((h for h in self.hits if h.segment_id == segment_id), None)

    def invalid_in(self, text: str) -> list[int]:
        """Citation numbers in text that point at no segment of this turn."""
        return [n for n in cited_numbers(text) if not 1 <= n <= len(self.hits)]
