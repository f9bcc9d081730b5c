"""scripts/make_media.py on a two-video fixture: timeline, streams, narration inside its cues, idempotence."""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
FONTS = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
pytestmark = pytest.mark.skipif(
    not (shutil.which("ffmpeg") and shutil.which("espeak-ng") and FONTS.exists()),
    reason="needs Debian's ffmpeg, espeak-ng and fonts-noto-cjk",
)


def load(name: str):
    """A module of scripts/ (importable by name, so the process pool can pickle its functions)."""
    if str(ROOT / "scripts") not in sys.path:
        sys.path.insert(0, str(ROOT / "scripts"))
    return importlib.import_module(name)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    corpus = tmp_path_factory.mktemp("media") / "corpus"
    shutil.copytree(ROOT / "tests" / "fixtures" / "media_corpus", corpus)
    load("build_corpus").main(corpus)
    out = corpus.parent / "media"
    make_media = load("make_media")
    assert make_media.main(["--corpus", str(corpus), "--out", str(out)]) == 0
    return corpus, out, make_media


def probe(path: Path) -> dict:
    cmd = ["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", str(path)]
    return json.loads(subprocess.run(cmd, check=True, capture_output=True).stdout)


def pcm(path: Path, rate: int = 8000) -> np.ndarray:
    cmd = ["ffmpeg", "-v", "error", "-i", str(path), "-vn", "-ac", "1", "-ar", str(rate), "-f", "s16le", "-"]
    return np.frombuffer(subprocess.run(cmd, check=True, capture_output=True).stdout, dtype=np.int16)


def test_one_small_mp4_per_local_video_with_matching_duration(rendered):
    corpus, out, _ = rendered
    videos = json.loads((corpus / "videos.json").read_text(encoding="utf-8"))
    assert sorted(p.name for p in out.glob("*.mp4")) == sorted(v["source"]["ref"] for v in videos)
    for v in videos:
        info = probe(out / v["source"]["ref"])
        streams = {s["codec_type"]: s for s in info["streams"]}
        assert streams["video"]["codec_name"] == "h264" and streams["video"]["pix_fmt"] == "yuv420p"
        assert (streams["video"]["width"], streams["video"]["height"]) == (426, 240)
        assert streams["audio"]["codec_name"] == "aac" and streams["audio"]["channels"] == 1
        assert abs(float(info["format"]["duration"]) - v["duration_s"]) < 0.3
        assert (out / v["source"]["ref"]).stat().st_size < 150_000  # ~30 s of video


def test_narration_sits_inside_its_cues(rendered):
    corpus, out, make_media = rendered
    video = make_media.load_authored(corpus)[1]["fx-tainan-01"]
    cues, _, _ = make_media.timeline(video)
    audio = pcm(out / "fx-tainan-01.mp4").astype(np.float64)

    def loudness(a: float, b: float) -> float:
        part = audio[int(a * 8000) : int(b * 8000)]
        return float(np.sqrt(np.mean(part**2))) if len(part) else 0.0

    for (a, b, _), (c, _, _) in zip(cues, cues[1:], strict=False):
        assert loudness(a, b) > 300, "each cue is spoken"
        if c - b > 0.6:  # the pause between chapters stays quiet
            assert loudness(b + 0.15, c - 0.1) < 150


def test_cards_follow_chapters_and_subtitles(rendered):
    corpus, _, make_media = rendered
    places, videos = make_media.load_authored(corpus)
    video = videos["fx-tainan-01"]
    cues, chapters, duration = make_media.timeline(video)
    cards = make_media.card_timeline(video, places, chapters, cues, duration)
    by_place = {card.place: t for t, card in cards if card.place}
    assert set(by_place) == {"安平古堡", "神農街"}
    first_fort = next(card for t, card in cards if card.place == "安平古堡")
    assert (first_fort.city, first_fort.district) == ("台南", "安平區")
    assert {card.subtitle for _, card in cards if card.subtitle} == {text for _, _, text in cues}


def test_rerun_renders_nothing_new(rendered, capsys):
    corpus, out, make_media = rendered
    assert make_media.main(["--corpus", str(corpus), "--out", str(out)]) == 0
    assert capsys.readouterr().out.startswith("0 rendered")


def test_media_of_videos_that_left_the_corpus_is_removed(rendered, capsys):
    corpus, out, make_media = rendered
    (out / "zz-gone-01.mp4").write_bytes(b"stale")
    assert make_media.main(["--corpus", str(corpus), "--out", str(out)]) == 0
    assert "removed zz-gone-01.mp4" in capsys.readouterr().out
    assert not (out / "zz-gone-01.mp4").exists() and (out / "fx-tainan-01.mp4").exists()
