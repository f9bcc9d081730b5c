"""Cutting a transcript into segments: by YouTube description chapters, or by time windows."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from pipelines.core.models import Chapter
from pipelines.corpus.transcripts import Cue

# "00:14 安平古堡", "1:02:03 - 結尾", "04:51｜赤崁樓" (YouTube needs the time first on the line)
_CHAPTER_LINE = re.compile(r"^\s*(?:(\d{1,2}):)?(\d{1,3}):([0-5]\d)\s*(?:[-–—|｜:：]\s*)?(\S.*?)\s*$")
_INTRO_OUTRO = re.compile(r"^(開場|開頭|片頭|前言|結尾|結語|片尾|尾聲|(ending|intro|outro)\b)", re.IGNORECASE)
_SENTENCE_END = ("。", "！", "？", "!", "?", "…", "～", "~", "」", "』")


@dataclass
class Span:
    """A stretch of a video: its chapter (or window) index, title, time range and cues."""

    index: int
    title: str
    start: float
    end: float
    cues: list[Cue] = field(default_factory=list)

    @property
    def text(self) -> str:
        return join_cue_texts(c.text for c in self.cues)

    @property
    def line(self) -> int:
        """Line of the first cue in the transcript file (0 when the span has no cues)."""
        return self.cues[0].line if self.cues else 0


def parse_chapters(description: str) -> tuple[list[Chapter], list[str]]:
    """Chapter lines of a description, in order; lines out of time order are dropped with a warning."""
    chapters: list[Chapter] = []
    warnings: list[str] = []
    for line in description.splitlines():
        m = _CHAPTER_LINE.match(line)
        if not m:
            continue
        hours, minutes, seconds, title = m.groups()
        start = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
        if chapters and start <= chapters[-1].start_s:
            warnings.append(f"章節時間沒有遞增，略過：{line.strip()}")
            continue
        chapters.append(Chapter(start_s=start, title=title))
    return chapters, warnings


def is_intro_or_outro(title: str) -> bool:
    return bool(_INTRO_OUTRO.match(title.strip()))


def split_by_chapters(cues: list[Cue], chapters: list[Chapter], duration_s: float) -> list[Span]:
    """One span per chapter; a cue belongs to the chapter its midpoint falls in."""
    end_of_video = max(duration_s, cues[-1].end if cues else 0.0)
    spans = [
        Span(i, ch.title, ch.start_s, chapters[i + 1].start_s if i + 1 < len(chapters) else end_of_video)
        for i, ch in enumerate(chapters)
    ]
    for cue in cues:
        mid = (cue.start + cue.end) / 2
        # before the first chapter (a description that does not start at 00:00) → first chapter
        span = next((s for s in reversed(spans) if mid >= s.start), spans[0])
        span.cues.append(cue)
    return spans


def split_by_windows(
    cues: list[Cue],
    min_s: float = 45.0,
    max_s: float = 90.0,
    place_of: Callable[[str], str | None] | None = None,
) -> list[Span]:
    """Windows of min_s–max_s seconds cut at cue (sentence) ends.

    Past min_s a window is also cut where the next cue names a different place than the window
    so far, so a window tends to stay on one place. Past max_s it is cut at the next sentence end
    (or at 1.5 × max_s whatever the punctuation). A short tail joins the previous window.
    """
    place_of = place_of or (lambda _text: None)
    windows: list[list[Cue]] = []
    current: list[Cue] = []
    current_places: set[str] = set()
    for cue in cues:
        if current:
            length = cue.end - current[0].start
            span_so_far = current[-1].end - current[0].start
            next_place = place_of(cue.text)
            new_place = next_place is not None and current_places and next_place not in current_places
            ends_sentence = current[-1].text.endswith(_SENTENCE_END)
            if (span_so_far >= min_s and new_place) or (length > max_s and ends_sentence) or length > 1.5 * max_s:
                windows.append(current)
                current, current_places = [], set()
        current.append(cue)
        if (p := place_of(cue.text)) is not None:
            current_places.add(p)
    if current:
        if windows and current[-1].end - current[0].start < min_s / 2 and not current_places:
            windows[-1].extend(current)
        else:
            windows.append(current)
    return [Span(i, "", w[0].start, w[-1].end, w) for i, w in enumerate(windows)]


def join_cue_texts(texts) -> str:
    """Chinese needs no spaces between sentences; Latin words at a boundary do."""
    out = ""
    for text in texts:
        if out and out[-1].isascii() and out[-1].isalnum() and text[:1].isascii() and text[:1].isalnum():
            out += " "
        out += text
    return out
