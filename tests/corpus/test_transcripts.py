"""Transcript parsers: the three formats on real fixture files, and malformed input with file:line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.core.errors import TranscriptError
from pipelines.corpus.transcripts import json_items_with_lines, parse_transcript


def test_webvtt_youtube_style(fixture_corpus: Path):
    cues = parse_transcript(fixture_corpus / "transcripts" / "tn-anping-01.vtt")
    assert cues[0].start == 0.0 and cues[0].end == pytest.approx(6.7)
    assert cues[0].text.startswith("哈囉大家好")
    assert cues[0].line == 5  # the timing line, after the WEBVTT/Kind/Language header
    assert all(a.start <= b.start for a, b in zip(cues, cues[1:], strict=False))


def test_srt(fixture_corpus: Path):
    cues = parse_transcript(fixture_corpus / "transcripts" / "tp-night-01.srt")
    assert cues[1].text.startswith("士林夜市") and cues[1].start == pytest.approx(5.2)
    assert cues[1].line == 6


def test_youtube_json(fixture_corpus: Path):
    cues = parse_transcript(fixture_corpus / "transcripts" / "hl-coast-01.json")
    assert cues[1].start == pytest.approx(5.2) and cues[1].end == pytest.approx(10.8)
    assert cues[1].line == 7  # the line where that object starts


def _write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


VTT = "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\n第一句。\n\n{timing}\n第二句。\n"


@pytest.mark.parametrize(
    "timing",
    ["00:00:02,000 --> 00:00:04.000", "00:00:0x.000 --> 00:00:04.000", "00:00:02.000 -> 00:00:04.000 -->"],
)
def test_vtt_bad_timestamp_names_file_and_line(tmp_path, timing):
    path = _write(tmp_path, "bad.vtt", VTT.format(timing=timing))
    with pytest.raises(TranscriptError) as err:
        parse_transcript(path)
    assert err.value.line == 6
    assert str(err.value).startswith(f"{path}:6: 時間碼格式錯誤")


_FIELDS_JSON = json.dumps(
    [{"text": "一", "start": 0, "duration": 2}, {"text": "二", "start": "0:02", "duration": 2}],
    ensure_ascii=False,
    indent=1,
)
_SRT_BAD = "1\n00:00:00,000 --> 00:00:02,000\n第一句。\n\n2\n00:00:02,000 --> 00:0x:04,000\n第二句。\n"


@pytest.mark.parametrize(
    ("name", "content", "where", "reason"),
    [
        ("back.vtt", VTT.format(timing="00:00:05.000 --> 00:00:03.000"), 6, "結束時間早於開始時間"),
        ("nohead.vtt", "00:00:00.000 --> 00:00:02.000\n第一句。\n", 1, "不是 WebVTT"),
        (
            "big5.vtt",
            "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\n安平古堡很漂亮。\n".encode("big5"),
            4,
            "不是 UTF-8 編碼",
        ),
        ("bad.srt", _SRT_BAD, 5, "SRT 格式錯誤"),  # line 5: the cue block whose timing is broken
        (
            "bad.json",
            '[\n {"text": "一", "start": 0, "duration": 2},\n {"text": "二" "start": 2}\n]',
            3,
            "JSON 格式錯誤",
        ),
        ("fields.json", _FIELDS_JSON, 7, "start/duration 必須是正數"),
        ("obj.json", '{"events": []}', 1, "JSON 最外層必須是陣列"),
        ("empty.json", "[]", 0, "沒有任何文字"),
        ("x.sbv", "0:00:00.000,0:00:02.000\nhi\n", 0, "不支援的字幕格式"),
    ],
)
def test_malformed_transcript_names_file_and_line(tmp_path, name, content, where, reason):
    path = _write(tmp_path, name, content)
    with pytest.raises(TranscriptError) as err:
        parse_transcript(path)
    assert (err.value.file, err.value.line) == (str(path), where)
    assert str(err.value).startswith(f"{path}:{where}: ") and reason in str(err.value)


def test_utf8_bom_is_fine(tmp_path):
    path = _write(tmp_path, "bom.vtt", "\ufeffWEBVTT\n\n00:00:00.000 --> 00:00:02.000\n第一句。\n".encode())
    assert parse_transcript(path)[0].text == "第一句。"


def test_json_items_with_lines_tracks_lines():
    items = json_items_with_lines('[\n  1,\n  {"a":\n 2},\n  3\n]', "x.json")
    assert [line for _, line in items] == [2, 3, 5]
