"""load_segments: corpus → Segments without embedding; problems carry file:line and never stop the rest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.core.errors import CorpusError
from pipelines.corpus.loader import load_segments, parse_corpus


def test_fixture_corpus_segments(fixture_corpus: Path):
    segments, problems = load_segments(fixture_corpus)
    assert problems == []
    by_id = {s.segment_id: s for s in segments}
    assert sorted(by_id) == [
        "hl-coast-01#01", "hl-coast-01#02", "tn-anping-01#01", "tn-anping-01#02", "tn-anping-01#03",
        "tn-walk-02#00", "tn-walk-02#01", "tp-night-01#01", "tp-night-01#02",
    ]  # fmt: skip
    anping = by_id["tn-anping-01#01"]
    assert (anping.place, anping.city, anping.district, anping.start_s, anping.end_s) == (
        "安平古堡",
        "台南",
        "安平區",
        10,
        35,
    )
    assert anping.tags == ["古蹟", "歷史"] and anping.best_time == "morning"
    assert anping.url == "/media/tn-anping-01.mp4#t=10,35"
    assert by_id["hl-coast-01#02"].place == "太魯閣"  # chapter "燕子口步道" matched through an alias
    assert by_id["tn-anping-01#02"].place == "台南牛肉湯"  # "早餐吃什麼" names no place: found in the text


def test_window_fallback_attaches_places(fixture_corpus: Path):
    segments, _ = load_segments(fixture_corpus)
    walk = [s for s in segments if s.video_id == "tn-walk-02"]
    assert [(s.place, s.title) for s in walk] == [("林百貨", "林百貨"), ("神農街", "神農街")]
    assert walk[0].end_s <= walk[1].start_s
    assert walk[1].text.startswith("晚上我們來到神農街")


def test_intro_and_outro_are_skipped_not_problems(fixture_corpus: Path):
    parsed = parse_corpus(fixture_corpus)
    assert parsed.skipped == 6 and parsed.problems == []  # 開場/結尾, 片頭/片尾 ×2


def _edit_videos(corpus: Path, edit) -> None:
    path = corpus / "videos.json"
    videos = json.loads(path.read_text(encoding="utf-8"))
    edit(videos)
    path.write_text(json.dumps(videos, ensure_ascii=False, indent=2), encoding="utf-8")


def test_chapter_with_unknown_place_is_reported_and_skipped(corpus_copy: Path):
    def rename(videos):
        videos[1]["description"] = videos[1]["description"].replace("士林夜市", "神秘景點")

    _edit_videos(corpus_copy, rename)
    vtt = corpus_copy / "transcripts" / "tp-night-01.srt"
    vtt.write_text(vtt.read_text(encoding="utf-8").replace("士林夜市", "這個夜市"), encoding="utf-8")
    parsed = parse_corpus(corpus_copy)
    assert len(parsed.problems) == 1
    problem = parsed.problems[0]
    assert problem.file.endswith("tp-night-01.srt") and problem.line == 6
    assert "章節「神秘景點」對不到地點表裡的任何地名" in str(problem)
    assert "tp-night-01#01" not in {s.segment_id for s in parsed.segments}
    assert "tp-night-01#02" in {s.segment_id for s in parsed.segments}


def test_bad_transcript_skips_only_that_video(corpus_copy: Path):
    path = corpus_copy / "transcripts" / "tp-night-01.srt"
    path.write_bytes(path.read_text(encoding="utf-8").encode("big5"))
    parsed = parse_corpus(corpus_copy)
    assert [p.file.rsplit("/", 1)[-1] for p in parsed.problems] == ["tp-night-01.srt"]
    assert "不是 UTF-8" in str(parsed.problems[0]) and parsed.problems[0].line >= 1
    assert parsed.failed_videos == {"tp-night-01"}
    assert len(parsed.segments) == 7


def test_bad_video_entry_and_missing_transcript(corpus_copy: Path):
    def breaks(videos):
        videos[0]["duration_s"] = -5
        videos[2]["transcript"] = "missing.vtt"

    _edit_videos(corpus_copy, breaks)
    parsed = parse_corpus(corpus_copy)
    messages = [str(p) for p in parsed.problems]
    assert any("videos.json:2: 影片資料錯誤（duration_s）" in m for m in messages)
    assert any("missing.vtt:0: 找不到影片 hl-coast-01 的字幕檔" in m for m in messages)
    assert parsed.failed_videos == {"tn-anping-01", "hl-coast-01"}
    assert {s.video_id for s in parsed.segments} == {"tp-night-01", "tn-walk-02"}


def test_unreadable_videos_json_stops(corpus_copy: Path):
    (corpus_copy / "videos.json").write_text('[{"video_id": "a",}]', encoding="utf-8")
    with pytest.raises(CorpusError, match=r"videos\.json:1: JSON 格式錯誤"):
        parse_corpus(corpus_copy)


def test_sample_corpus_parses_cleanly():
    corpus = Path(__file__).resolve().parents[2] / "assets" / "corpus"
    if not (corpus / "videos.json").exists():
        pytest.skip("sample corpus not rendered yet")
    segments, problems = load_segments(corpus)
    assert [str(p) for p in problems] == []
    assert len(segments) >= 250 and len({s.city for s in segments}) >= 13
    assert len({s.segment_id for s in segments}) == len(segments)


def test_out_of_order_chapter_is_reported_on_its_videos_json_line(corpus_copy: Path):
    def shuffle(videos):
        videos[0]["description"] += "\n00:20 亂入的章節"

    _edit_videos(corpus_copy, shuffle)
    parsed = parse_corpus(corpus_copy)
    assert [(p.file.rsplit("/", 1)[-1], p.line) for p in parsed.problems] == [("videos.json", 2)]
    assert "章節時間沒有遞增，略過：00:20 亂入的章節" in str(parsed.problems[0])
    assert len(parsed.segments) == 9
