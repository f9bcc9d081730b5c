"""The committed sample corpus: rendered from its authoring files, and big enough for the brief."""

import csv
import importlib.util
import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "assets" / "corpus"


@pytest.fixture(scope="module")
def build_corpus():
    spec = importlib.util.spec_from_file_location("build_corpus", ROOT / "scripts" / "build_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_corpus_matches_its_authoring_files(build_corpus, tmp_path):
    shutil.copytree(CORPUS / "authoring", tmp_path / "authoring")
    assert build_corpus.main(tmp_path) == 0
    for name in ("videos.json", "places.csv"):
        assert (tmp_path / name).read_text(encoding="utf-8") == (CORPUS / name).read_text(encoding="utf-8"), name
    rendered = sorted(p.name for p in (tmp_path / "transcripts").iterdir())
    assert rendered == sorted(p.name for p in (CORPUS / "transcripts").iterdir())
    for name in rendered:
        assert (tmp_path / "transcripts" / name).read_bytes() == (CORPUS / "transcripts" / name).read_bytes(), name


def test_corpus_size_and_formats():
    videos = json.loads((CORPUS / "videos.json").read_text(encoding="utf-8"))
    places = list(csv.DictReader((CORPUS / "places.csv").open(encoding="utf-8")))
    chapters = [line for v in videos for line in v["description"].splitlines() if line[:2].isdigit()]
    place_chapters = [c for c in chapters if not c.endswith(("開場", "結尾"))]
    formats = Counter(Path(v["transcript"]).suffix for v in videos)
    assert len(videos) >= 40
    assert len({p["city"] for p in places}) >= 13
    assert len(place_chapters) >= 200  # plus the chapterless videos' windows: >= 250 segments in all
    assert formats[".vtt"] > formats[".srt"] >= 1 and formats[".json"] >= 1
    assert sum(1 for v in videos if "00:00 開場" not in v["description"]) >= 1


def test_required_places_are_in_the_gazetteer():
    names = set()
    for row in csv.DictReader((CORPUS / "places.csv").open(encoding="utf-8")):
        names |= {row["place"], *row["aliases"].split("|")}
    required = (
        "台北101 故宮 士林夜市 地熱谷 象山步道 迪化街 西門町 中正紀念堂 "
        "九份老街 猴硐 野柳 淡水老街 漁人碼頭 廟口 礁溪溫泉 羅東夜市 燕子口 "
        "七星潭 東大門夜市 伯朗大道 鹿野高台 三仙台 高美濕地 彩虹眷村 宮原眼科 "
        "逢甲夜市 日月潭 清境農場 阿里山 文化路夜市 安平古堡 赤崁樓 林百貨 "
        "奇美博物館 神農街 花園夜市 駁二 蓮池潭 旗津 墾丁大街 鵝鑾鼻燈塔 小琉球 "
        "雙心石滬 "
    ).split()
    missing = [r for r in required if not any(r in n for n in names)]
    assert not missing
