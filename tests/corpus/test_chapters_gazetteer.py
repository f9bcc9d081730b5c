"""Chapter parsing, cutting by chapters or windows, alias matching and city normalisation."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.core.models import Place
from pipelines.corpus.chapters import (
    is_intro_or_outro,
    join_cue_texts,
    parse_chapters,
    split_by_chapters,
    split_by_windows,
)
from pipelines.corpus.gazetteer import Gazetteer, load_gazetteer
from pipelines.corpus.transcripts import Cue


def test_parse_chapters_formats():
    description = (
        "一段介紹，提到 2024 年。\n\n00:00 開場\n0:45 - 安平古堡\n1:02:03｜赤崁樓\n12:05：結尾\n不是章節 00:30"
    )
    chapters, warnings = parse_chapters(description)
    assert [(c.start_s, c.title) for c in chapters] == [(0, "開場"), (45, "安平古堡"), (3723, "赤崁樓")]
    assert len(warnings) == 1 and "12:05" in warnings[0]  # 12:05 < 1:02:03: out of order, dropped


def test_no_chapters():
    assert parse_chapters("只有介紹，沒有章節。\n#台南旅遊") == ([], [])


@pytest.mark.parametrize("title", ["開場", "開場白", "結尾", "片頭", "片尾彩蛋", "Intro", "outro"])
def test_intro_outro(title):
    assert is_intro_or_outro(title)


@pytest.mark.parametrize("title", ["安平古堡", "序章：九份", "Introduction to 台北101", "結束營業的老店"])
def test_not_intro(title):
    assert not is_intro_or_outro(title)


def _cues(*spans: tuple[float, float, str]) -> list[Cue]:
    return [Cue(a, b, t, n) for n, (a, b, t) in enumerate(spans, 1)]


def test_split_by_chapters_uses_cue_midpoints():
    from pipelines.core.models import Chapter

    cues = _cues((0, 4, "大家好。"), (9.5, 14, "安平古堡到了。"), (14, 20, "很漂亮。"), (29, 33, "掰掰。"))
    spans = split_by_chapters(cues, [Chapter(start_s=0, title="開場"), Chapter(start_s=10, title="安平古堡"),
                                     Chapter(start_s=30, title="結尾")], duration_s=40)  # fmt: skip
    assert [len(s.cues) for s in spans] == [1, 2, 1]  # the 9.5–14 s cue belongs to 安平古堡 (midpoint 11.75)
    assert (spans[1].start, spans[1].end, spans[2].end) == (10, 30, 40)
    assert spans[1].text == "安平古堡到了。很漂亮。" and spans[1].line == 2


def test_windows_cut_at_sentence_ends_within_bounds():
    cues = _cues(*[(i * 10.0, i * 10.0 + 9, f"第{i}句。" if i % 3 == 2 else f"第{i}句，") for i in range(30)])
    windows = split_by_windows(cues, min_s=45, max_s=90)
    for w in windows[:-1]:
        assert 45 <= w.end - w.start <= 135 and w.cues[-1].text.endswith("。")
    assert sum(len(w.cues) for w in windows) == 30
    assert [w.index for w in windows] == list(range(len(windows)))


def test_windows_cut_where_a_new_place_starts():
    texts = [
        "今天來台南。",
        "先去林百貨。",
        "林百貨有電梯。",
        "頂樓有神社。",
        "很好拍。",
        "接著到神農街。",
        "神農街有燈籠。",
    ]
    cues = _cues(*[(i * 12.0, i * 12.0 + 11, t) for i, t in enumerate(texts)])

    def place_of(text: str) -> str | None:
        return next((p for p in ("林百貨", "神農街") if p in text), None)

    windows = split_by_windows(cues, min_s=45, max_s=90, place_of=place_of)
    assert [w.cues[0].text for w in windows] == ["今天來台南。", "接著到神農街。"]


def test_join_cue_texts():
    assert join_cue_texts(["台北101到了。", "很高！"]) == "台北101到了。很高！"
    assert join_cue_texts(["we love Taipei", "101 is tall"]) == "we love Taipei 101 is tall"


# --- gazetteer ---------------------------------------------------------------------------------
def _place(name: str, *aliases: str, city: str = "台南") -> Place:
    return Place(place=name, aliases=list(aliases), city=city, lat=23.0, lon=120.2)


def test_longest_alias_wins():
    gaz = Gazetteer([_place("安平老街", "安平"), _place("安平古堡", "熱蘭遮城"), _place("台北101", "101", city="台北")])
    assert gaz.match("安平古堡看夕陽").place == "安平古堡"  # not 安平老街 through "安平"
    assert gaz.match("在安平吃豆花").place == "安平老街"
    assert gaz.match("熱蘭遮城的城牆").place == "安平古堡"
    assert gaz.match("臺北101跨年").place == "台北101"  # 臺 in text matches 台 in the gazetteer
    assert gaz.match("開場") is None


def test_dominant_counts_mentions():
    gaz = Gazetteer([_place("林百貨"), _place("神農街")])
    assert gaz.dominant("神農街很美。林百貨也不錯，林百貨有電梯。").place == "林百貨"
    assert gaz.dominant("神農街。林百貨。").place == "神農街"  # tie: the first mentioned


def test_load_gazetteer_fixture(fixture_corpus: Path):
    gaz, problems = load_gazetteer(fixture_corpus / "places.csv")
    assert problems == []
    assert gaz.cities == ["台北", "台南", "花蓮"]
    assert gaz.by_name["太魯閣"].aliases == ["燕子口", "太魯閣國家公園", "太魯閣峽谷"]
    assert gaz.by_name["安平古堡"].best_time == "morning"


def test_bad_gazetteer_row_is_reported_with_line(tmp_path, fixture_corpus: Path):
    lines = (fixture_corpus / "places.csv").read_text(encoding="utf-8").splitlines()
    lines.insert(3, "壞掉的地點,,臺南市,,not-a-number,120.2,古蹟,60,any")
    lines.append("赤崁樓,,台南,,23.0,120.2,古蹟,60,any")
    path = tmp_path / "places.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    gaz, problems = load_gazetteer(path)
    assert [p.line for p in problems] == [4, len(lines)]
    assert "地點資料錯誤" in str(problems[0]) and "重複" in str(problems[1])
    assert "壞掉的地點" not in gaz.by_name and len(gaz.places) == 9
