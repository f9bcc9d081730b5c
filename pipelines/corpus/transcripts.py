"""Transcript parsers: WebVTT (webvtt-py), SRT (srt) and YouTube JSON, each to a list of cues.

Every failure is a :class:`TranscriptError` naming the file and the line, so ingestion can report
it and go on with the other videos.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import srt
import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError

from pipelines.core.errors import CorpusError, TranscriptError

log = logging.getLogger(__name__)

_VTT_TIMING = re.compile(r"^\s*(\d+:)?\d{2}:\d{2}\.\d{3}\s+-->\s+(\d+:)?\d{2}:\d{2}\.\d{3}(\s.*)?$")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Cue:
    """One caption: seconds from the start of the video, its text, and where it sits in the file."""

    start: float
    end: float
    text: str
    line: int


def read_text(path: Path) -> str:
    """The file as text; anything but UTF-8 (e.g. Big5 from an old editor) is a TranscriptError."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise TranscriptError(str(path), line, "不是 UTF-8 編碼（可能是 Big5/CP950），請另存為 UTF-8") from None


def parse_transcript(path: Path) -> list[Cue]:
    """Parse a ``.vtt``, ``.srt`` or ``.json`` transcript by its suffix."""
    match path.suffix.lower():
        case ".vtt":
            cues = parse_vtt(path)
        case ".srt":
            cues = parse_srt(path)
        case ".json":
            cues = parse_youtube_json(path)
        case other:
            raise TranscriptError(str(path), 0, f"不支援的字幕格式「{other}」（支援 .vtt、.srt、.json）")
    return _checked(path, cues)


def parse_vtt(path: Path) -> list[Cue]:
    text = read_text(path)
    lines = text.splitlines()
    bad = next((n for n, ln in enumerate(lines, 1) if "-->" in ln and not _VTT_TIMING.match(ln)), None)
    if bad is not None:
        raise TranscriptError(str(path), bad, f"時間碼格式錯誤：{lines[bad - 1].strip()!r}")
    try:
        captions = webvtt.from_string(text, strict=True).captions
    except MalformedFileError:
        raise TranscriptError(str(path), 1, "不是 WebVTT 檔（第一行應為 WEBVTT）") from None
    except MalformedCaptionError as err:
        raise TranscriptError(str(path), 0, f"WebVTT 字幕區塊錯誤：{err}") from None
    timing_lines = [n for n, ln in enumerate(lines, 1) if "-->" in ln]
    cues = []
    for caption, line in zip(captions, timing_lines, strict=False):
        start = caption.start_time.in_milliseconds() / 1000
        end = caption.end_time.in_milliseconds() / 1000
        cues.append(Cue(start, end, clean_text(caption.text), line))
    return cues


def parse_srt(path: Path) -> list[Cue]:
    text = read_text(path)
    try:
        subs = list(srt.parse(text, ignore_errors=False))
    except srt.SRTParseError as err:
        line = text[: err.expected_start].count("\n") + 1
        snippet = err.unmatched_content.strip().splitlines()[0] if err.unmatched_content.strip() else ""
        raise TranscriptError(str(path), line, f"SRT 格式錯誤（時間碼或編號）：{snippet!r}") from None
    except ValueError as err:  # srt raises plain ValueError for e.g. an hour field it cannot read
        raise TranscriptError(str(path), 0, f"SRT 格式錯誤：{err}") from None
    lines = _srt_timing_lines(text)
    return [
        Cue(sub.start.total_seconds(), sub.end.total_seconds(), clean_text(sub.content), line)
        for sub, line in zip(subs, lines, strict=False)
    ]


def parse_youtube_json(path: Path) -> list[Cue]:
    """The YouTube transcript shape: ``[{"text": ..., "start": s, "duration": s}, ...]``."""
    text = read_text(path)
    cues = []
    for item, line in json_items_with_lines(text, str(path)):
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise TranscriptError(str(path), line, "每一筆都要是含 text、start、duration 的物件")
        start, duration = item.get("start"), item.get("duration")
        if not _is_number(start) or not _is_number(duration) or start < 0 or duration <= 0:
            raise TranscriptError(str(path), line, f"start/duration 必須是正數秒數：{start!r}/{duration!r}")
        cues.append(Cue(float(start), float(start) + float(duration), clean_text(item["text"]), line))
    return cues


def json_items_with_lines(text: str, file: str, error: type[CorpusError] = TranscriptError) -> list[tuple[object, int]]:
    """Items of a top-level JSON array, each with the line it starts on (for error messages)."""
    decoder = json.JSONDecoder()
    pos = _skip_ws(text, 0)
    if not text.startswith("[", pos):
        raise error(file, text[:pos].count("\n") + 1, "JSON 最外層必須是陣列 [...]")
    pos = _skip_ws(text, pos + 1)
    items: list[tuple[object, int]] = []
    while not text.startswith("]", pos):
        try:
            item, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as err:
            raise error(file, err.lineno, f"JSON 格式錯誤：{err.msg}") from None
        items.append((item, text.count("\n", 0, pos) + 1))
        pos = _skip_ws(text, end)
        if text.startswith(",", pos):
            pos = _skip_ws(text, pos + 1)
        elif not text.startswith("]", pos):
            raise error(file, text.count("\n", 0, pos) + 1, "JSON 格式錯誤：項目之間缺少逗號")
    if text[pos + 1 :].strip():
        raise error(file, text.count("\n", 0, pos) + 1, "JSON 陣列結束後還有多餘內容")
    return items


def clean_text(text: str) -> str:
    """One line, single spaces; caption line breaks inside a sentence are not meaningful."""
    return _SPACES.sub(" ", text).strip()


def _checked(path: Path, cues: list[Cue]) -> list[Cue]:
    """Drop empty cues; reject backwards or overlapping-in-reverse timestamps."""
    kept = []
    for cue in cues:
        if cue.end <= cue.start:
            raise TranscriptError(str(path), cue.line, f"結束時間早於開始時間（{cue.start:.3f} → {cue.end:.3f}）")
        if kept and cue.start < kept[-1].start:
            raise TranscriptError(str(path), cue.line, "時間碼倒退：這句比上一句還早開始")
        if cue.text:
            kept.append(cue)
    if not kept:
        raise TranscriptError(str(path), 0, "字幕檔裡沒有任何文字")
    return kept


def _srt_timing_lines(text: str) -> list[int]:
    return [n for n, ln in enumerate(text.splitlines(), 1) if "-->" in ln]


def _skip_ws(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
