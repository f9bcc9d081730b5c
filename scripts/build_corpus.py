"""Render the authored corpus (assets/corpus/authoring/*.yaml) into the files ingestion reads.

Writes assets/corpus/videos.json, places.csv and transcripts/<video_id>.{vtt,srt,json}.
Timestamps come from the text length at a natural vlog speaking rate, so authors write no
timestamps and every transcript is consistent with its chapter list (and with the generated
sample media). Run: python scripts/build_corpus.py [CORPUS_DIR]
"""

from __future__ import annotations

import csv
import json
import re
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from pipelines.core.models import Place, Video, VideoSource  # noqa: E402

CORPUS = Path(__file__).resolve().parent.parent / "assets" / "corpus"
COLUMNS = ("place", "aliases", "city", "district", "lat", "lon", "tags", "visit_minutes", "best_time", "area", "hours")
CHARS_PER_S = 4.2  # spoken Mandarin in vlogs runs ~4-5 characters a second
CUE_GAP_S = 0.2
CHAPTER_GAP_S = 0.8
MAX_CUE_CHARS = 30  # caption-sized cues, as YouTube auto-splits them
PUNCT = re.compile(r"[，。！？、；：「」『』（）《》…—,.!?;:()\s]")


def split_cues(sentence: str) -> list[str]:
    """Split a long sentence at commas into caption-sized cues."""
    sentence = sentence.strip()
    if len(sentence) <= MAX_CUE_CHARS:
        return [sentence]
    parts, buf = [], ""
    for piece in re.split(r"(?<=[，；：])", sentence):
        if buf and len(buf) + len(piece) > MAX_CUE_CHARS:
            parts.append(buf)
            buf = ""
        buf += piece
    if buf:
        parts.append(buf)
    return parts


def speak_seconds(text: str) -> float:
    return max(1.6, len(PUNCT.sub("", text)) / CHARS_PER_S + 0.4)


def timeline(video: dict) -> tuple[list[tuple[float, float, str]], list[tuple[float, str]], float]:
    """Cues (start, end, text) and chapters (start, title) for one authored video."""
    blocks = [("開場", video["intro"])] + [(s["title"], s["sentences"]) for s in video["segments"]]
    blocks.append(("結尾", video["outro"]))
    t, cues, chapters = 0.0, [], []
    for title, sentences in blocks:
        chapters.append((round(t, 1), title))
        for sentence in sentences:
            for text in split_cues(sentence):
                dur = speak_seconds(text)
                cues.append((round(t, 2), round(t + dur, 2), text))
                t += dur + CUE_GAP_S
        t += CHAPTER_GAP_S
    return cues, chapters, round(t + 1.0, 1)


def clock(seconds: float, sep: str = ".") -> str:
    ms = int(round(seconds * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def chapter_stamp(seconds: float) -> str:
    m, s = divmod(int(seconds), 60)
    return f"{m // 60}:{m % 60:02d}:{s:02d}" if m >= 60 else f"{m:02d}:{s:02d}"


def write_transcript(path: Path, fmt: str, cues: list[tuple[float, float, str]]) -> None:
    if fmt == "vtt":
        body = "".join(f"{clock(a)} --> {clock(b)}\n{text}\n\n" for a, b, text in cues)
        path.write_text("WEBVTT\nKind: captions\nLanguage: zh-TW\n\n" + body, encoding="utf-8")
    elif fmt == "srt":
        body = "".join(
            f"{i}\n{clock(a, ',')} --> {clock(b, ',')}\n{text}\n\n" for i, (a, b, text) in enumerate(cues, 1)
        )
        path.write_text(body, encoding="utf-8")
    elif fmt == "json":
        rows = [{"text": text, "start": a, "duration": round(b - a, 2)} for a, b, text in cues]
        path.write_text(json.dumps(rows, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    else:
        raise ValueError(f"unknown transcript format {fmt!r}")


def describe(video: dict, places: dict[str, Place], chapters: list[tuple[float, str]]) -> str:
    names = list(dict.fromkeys(s["place"] for s in video["segments"]))
    cities = list(dict.fromkeys(places[n].city for n in names))
    lines = [f"這集帶大家走{'、'.join(names)}！", " ".join(f"#{c}旅遊" for c in cities)]
    if video.get("chapters", True):
        lines += [""] + [f"{chapter_stamp(t)} {title}" for t, title in chapters]
    return "\n".join(lines)


def main(corpus: Path = CORPUS) -> int:
    places: dict[str, Place] = {}
    videos: list[dict] = []
    for path in sorted((corpus / "authoring").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for row in data["places"]:
            place = Place.model_validate(row)
            if place.place in places:
                raise SystemExit(f"{path.name}: duplicate place {place.place}")
            places[place.place] = place
        videos += data["videos"]
    out_dir = corpus / "transcripts"
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.iterdir():
        old.unlink()
    records = []
    for v in videos:
        missing = [s["place"] for s in v["segments"] if s["place"] not in places]
        if missing:
            raise SystemExit(f"{v['video_id']}: places not in the gazetteer: {missing}")
        cues, chapters, duration = timeline(v)
        fmt = v.get("format", "vtt")
        write_transcript(out_dir / f"{v['video_id']}.{fmt}", fmt, cues)
        video = Video(
            video_id=v["video_id"],
            title=v["title"],
            channel=v["channel"],
            published=v["published"],
            duration_s=duration,
            source=VideoSource(kind="local", ref=f"{v['video_id']}.mp4"),
            description=describe(v, places, chapters),
            transcript=f"{v['video_id']}.{fmt}",
        )
        records.append(video.model_dump(mode="json"))
    (corpus / "videos.json").write_text(json.dumps(records, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    with (corpus / "places.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        for p in places.values():
            writer.writerow(
                [
                    p.place,
                    "|".join(p.aliases),
                    p.city,
                    p.district,
                    p.lat,
                    p.lon,
                    "|".join(p.tags),
                    p.visit_minutes,
                    p.best_time,
                    p.area,
                    p.hours,
                ]
            )
    segs = sum(len(v["segments"]) for v in videos)
    cities = sorted({p.city for p in places.values()})
    print(
        f"{len(records)} videos, {segs} place segments, {len(places)} places, {len(cities)} cities: {' '.join(cities)}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS))
