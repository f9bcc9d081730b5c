"""From the corpus folder to Segments, without embedding: ``load_segments(corpus_dir)``.

Problems (a malformed transcript, a chapter naming no known place...) are collected with their
file and line and the offending part is skipped; only an unreadable videos.json or places.csv
stops the run, because without them nothing can be decided safely.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from pipelines.core.errors import CorpusError
from pipelines.core.models import Place, Segment, Video
from pipelines.corpus.chapters import Span, is_intro_or_outro, parse_chapters, split_by_chapters, split_by_windows
from pipelines.corpus.gazetteer import Gazetteer, load_gazetteer
from pipelines.corpus.transcripts import json_items_with_lines, parse_transcript, read_text

log = logging.getLogger(__name__)

WINDOW_MIN_S = 45.0
WINDOW_MAX_S = 90.0


@dataclass
class ParsedCorpus:
    videos: list[Video] = field(default_factory=list)
    segments: list[Segment] = field(default_factory=list)
    problems: list[CorpusError] = field(default_factory=list)
    skipped: int = 0  # intro/outro chapters, chit-chat windows and segments left out
    failed_videos: set[str] = field(default_factory=set)  # their old points must be kept
    gazetteer: Gazetteer | None = None
    video_lines: dict[str, int] = field(default_factory=dict)  # video_id → its line in videos.json


def load_segments(corpus_dir: Path | str) -> tuple[list[Segment], list[CorpusError]]:
    """Parse the corpus into segments (no vectors): what the planner bench and agent tests use."""
    parsed = parse_corpus(Path(corpus_dir))
    return parsed.segments, parsed.problems


def parse_corpus(
    corpus_dir: Path, window_min_s: float = WINDOW_MIN_S, window_max_s: float = WINDOW_MAX_S
) -> ParsedCorpus:
    gazetteer, problems = load_gazetteer(_shown(corpus_dir / "places.csv"))
    videos, video_problems, failed, lines = load_videos(_shown(corpus_dir / "videos.json"))
    out = ParsedCorpus(
        videos=videos, problems=problems + video_problems, failed_videos=failed, gazetteer=gazetteer, video_lines=lines
    )
    for video in videos:
        try:
            _add_video(out, video, corpus_dir, gazetteer, window_min_s, window_max_s)
        except CorpusError as err:
            out.problems.append(err)
            out.failed_videos.add(video.video_id)
    return out


def load_videos(path: Path) -> tuple[list[Video], list[CorpusError], set[str], dict[str, int]]:
    """videos.json entries and their lines; a bad entry is a problem (its id, if readable, is "failed")."""
    if not path.exists():
        raise CorpusError(str(path), 0, "找不到影片清單 videos.json")
    items = json_items_with_lines(read_text(path), str(path), error=CorpusError)
    videos, problems, failed, lines = [], [], set(), {}
    for item, line in items:
        vid = item.get("video_id") if isinstance(item, dict) else None
        try:
            video = Video.model_validate(item)
        except ValidationError as err:
            e = err.errors()[0]
            problems.append(CorpusError(str(path), line, f"影片資料錯誤（{'.'.join(map(str, e['loc']))}）：{e['msg']}"))
            if isinstance(vid, str):
                failed.add(vid)
            continue
        if video.video_id in lines:
            problems.append(CorpusError(str(path), line, f"video_id「{video.video_id}」重複，只保留第一筆"))
            continue
        lines[video.video_id] = line
        videos.append(video)
    return videos, problems, failed, lines


def _add_video(
    out: ParsedCorpus, video: Video, corpus_dir: Path, gaz: Gazetteer, window_min_s: float, window_max_s: float
) -> None:
    path = _shown(corpus_dir / "transcripts" / video.transcript)
    if not path.exists():
        raise CorpusError(str(path), 0, f"找不到影片 {video.video_id} 的字幕檔")
    cues = parse_transcript(path)
    chapters, warnings = parse_chapters(video.description)
    where = (str(_shown(corpus_dir / "videos.json")), out.video_lines.get(video.video_id, 0))
    out.problems += [CorpusError(*where, f"{video.video_id}：{w}") for w in warnings]
    if chapters:
        for span in split_by_chapters(cues, chapters, video.duration_s):
            place = gaz.match(span.title)
            if place is None and is_intro_or_outro(span.title):
                out.skipped += 1
                continue
            place = place or gaz.dominant(span.text)
            if place is None or not span.cues:
                why = "沒有任何字幕" if not span.cues else "對不到地點表裡的任何地名"
                out.problems.append(CorpusError(str(path), span.line, f"章節「{span.title}」{why}，略過這一段"))
                out.skipped += 1
                continue
            _append(out, video, span, place, path)
    else:

        def place_of(text: str) -> str | None:
            hit = gaz.match(text)
            return hit.place if hit else None

        for span in split_by_windows(cues, window_min_s, window_max_s, place_of):
            place = gaz.dominant(span.text)
            if place is None:  # small talk between places: nothing to index
                out.skipped += 1
                continue
            span.title = place.place
            _append(out, video, span, place, path)


def _append(out: ParsedCorpus, video: Video, span: Span, place: Place, path: Path) -> None:
    try:
        out.segments.append(make_segment(video, span, place))
    except ValidationError as err:
        out.problems.append(CorpusError(str(path), span.line, f"片段資料錯誤：{err.errors()[0]['msg']}"))
        out.skipped += 1


def make_segment(video: Video, span: Span, place: Place) -> Segment:
    return Segment(
        segment_id=f"{video.video_id}#{span.index:02d}",
        video_id=video.video_id,
        title=span.title,
        video_title=video.title,
        channel=video.channel,
        place=place.place,
        city=place.city,
        district=place.district,
        lat=place.lat,
        lon=place.lon,
        start_s=round(span.start, 3),
        end_s=round(span.end, 3),
        text=span.text,
        tags=place.tags,
        visit_minutes=place.visit_minutes,
        best_time=place.best_time,
        area=place.area,
        hours=place.hours,
        source=video.source,
    )


def _shown(path: Path) -> Path:
    """Paths in messages relative to the working directory when they are under it."""
    try:
        return path.resolve().relative_to(Path.cwd())
    except ValueError:
        return path
