"""Render the sample videos the app plays offline: assets/media/<video_id>.mp4.

Per local video in videos.json: a title card per chapter (place, city) with the transcript
burned in as subtitles, and espeak-ng Mandarin narration of each cue fitted into the cue's
time span, so the media timeline matches the transcript the index was built from. Cues and
chapters come from the same authoring files and `build_corpus.timeline()` that wrote the
transcripts. Needs ffmpeg, espeak-ng and fonts-noto-cjk (Debian) at build time only.

Run: python scripts/make_media.py [--corpus DIR] [--out DIR] [--only ID ...] [--jobs N] [--force]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
import wave
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_corpus import CORPUS, timeline  # noqa: E402
from media_cards import Card, render_card  # noqa: E402

MEDIA = CORPUS.parent / "media"
VOICE = "cmn-latn-pinyin"  # espeak-ng 1.51's plain `cmn` reads the dictionary's pinyin tone digits in English
RATE = 22050  # espeak-ng's output rate
BASE_SPEED, MAX_SPEED = 175, 450  # espeak-ng words per minute
FPS = 2  # still cards: two frames a second keeps subtitle changes within half a second
ENCODE = [
    *("-c:v", "libx264", "-preset", "veryslow", "-tune", "stillimage", "-crf", "34", "-g", "120"),
    *("-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "10k", "-ac", "1", "-ar", "12000"),
    *("-movflags", "+faststart", "-map_metadata", "-1", "-fflags", "+bitexact"),
    *("-flags:v", "+bitexact", "-flags:a", "+bitexact"),
]
VERSION = 1  # bump to force a re-render when the rendering changes


def synthesize(text: str, speed: int) -> np.ndarray:
    """espeak-ng narration of one cue as int16 samples, silence trimmed at both ends."""
    wav = subprocess.run(
        ["espeak-ng", "-v", VOICE, "-s", str(speed), "-b", "1", "--stdout", text], check=True, capture_output=True
    ).stdout
    with tempfile.NamedTemporaryFile(suffix=".wav") as fh:
        fh.write(wav)
        fh.flush()
        with wave.open(fh.name) as w:
            samples = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
    loud = np.flatnonzero(np.abs(samples) > 300)
    return samples[loud[0] : loud[-1] + 1] if loud.size else samples[:0]


def fit_cue(text: str, span_s: float) -> tuple[np.ndarray, int]:
    """Narration that fits span_s: speak faster as needed, cut (with a fade) only past MAX_SPEED."""
    limit = int(span_s * RATE * 0.97)
    speed = BASE_SPEED
    for _ in range(4):
        voice = synthesize(text, speed)
        if len(voice) <= limit or speed >= MAX_SPEED:
            break
        speed = min(MAX_SPEED, int(speed * len(voice) / limit * 1.03) + 1)
    if len(voice) > limit:
        voice = voice[:limit].copy()
        fade = min(len(voice), RATE // 20)
        voice[-fade:] = (voice[-fade:] * np.linspace(1, 0, fade)).astype(np.int16)
    return voice, speed


def narration(cues: list[tuple[float, float, str]], duration_s: float) -> tuple[np.ndarray, list[int]]:
    track = np.zeros(int(duration_s * RATE) + 1, dtype=np.int16)
    speeds = []
    for start, end, text in cues:
        voice, speed = fit_cue(text, end - start)
        at = int(start * RATE)
        voice = voice[: len(track) - at]
        track[at : at + len(voice)] = voice
        speeds.append(speed)
    return track, speeds


def write_wav(path: Path, samples: np.ndarray) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(samples.tobytes())


def card_timeline(video: dict, places: dict[str, dict], chapters, cues, duration_s: float) -> list[tuple[float, Card]]:
    """(start time, card) for every change of chapter or subtitle."""
    segs = {s["title"]: s["place"] for s in video["segments"]}
    marks = sorted({0.0, *(t for t, _ in chapters), *(a for a, _, _ in cues), *(b for _, b, _ in cues)})
    out: list[tuple[float, Card]] = []
    for t in (m for m in marks if m < duration_s):
        title = [c for s, c in chapters if s <= t + 1e-6][-1] if chapters[0][0] <= t + 1e-6 else chapters[0][1]
        subtitle = next((text for a, b, text in cues if a <= t + 1e-6 < b), "")
        place = places.get(segs.get(title, ""), {})
        card = Card(
            video_title=video["title"],
            channel=video["channel"],
            chapter=title,
            place=place.get("place", ""),
            city=place.get("city", ""),
            district=place.get("district", ""),
            subtitle=subtitle,
        )
        if not out or out[-1][1] != card:
            out.append((t, card))
    return out


def render_video(job: dict) -> dict:
    video, places, out = job["video"], job["places"], Path(job["out"])
    cues, chapters, duration_s = timeline(video)
    with tempfile.TemporaryDirectory(prefix="aiyo-media-") as tmp_dir:
        tmp = Path(tmp_dir)
        track, speeds = narration(cues, duration_s)
        write_wav(tmp / "voice.wav", track)
        cards = card_timeline(video, places, chapters, cues, duration_s)
        lines = ["ffconcat version 1.0"]
        for i, (t, card) in enumerate(cards):
            render_card(card).save(tmp / f"c{i:04d}.png")
            end = cards[i + 1][0] if i + 1 < len(cards) else duration_s
            lines += [f"file c{i:04d}.png", f"duration {end - t:.3f}"]
        lines.append(f"file c{len(cards) - 1:04d}.png")  # the concat demuxer drops the last duration otherwise
        (tmp / "cards.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        cmd = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "concat", "-safe", "0"]
        cmd += ["-i", str(tmp / "cards.txt"), "-i", str(tmp / "voice.wav"), "-vf", f"fps={FPS},format=yuv420p"]
        cmd += [*ENCODE, "-t", f"{duration_s:.3f}", str(out)]
        subprocess.run(cmd, check=True)
    return {"video_id": video["video_id"], "bytes": out.stat().st_size, "cues": len(cues), "max_speed": max(speeds)}


def load_authored(corpus: Path) -> tuple[dict[str, dict], dict[str, dict]]:
    places, videos = {}, {}
    for path in sorted((corpus / "authoring").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        places |= {p["place"]: p for p in data["places"]}
        videos |= {v["video_id"]: v for v in data["videos"]}
    return places, videos


NOT_DRAWN = ("area", "hours")  # gazetteer fields no card shows: editing them re-renders nothing


def fingerprint(video: dict, places: dict[str, dict]) -> str:
    used = [{k: v for k, v in (places.get(s["place"]) or {}).items() if k not in NOT_DRAWN} for s in video["segments"]]
    blob = json.dumps([VERSION, FPS, ENCODE, video, used], ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--out", type=Path, default=MEDIA)
    ap.add_argument("--only", nargs="*", help="video ids to render (default: every local video)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--force", action="store_true", help="re-render even when the inputs did not change")
    args = ap.parse_args(argv)
    places, authored = load_authored(args.corpus)
    listed = json.loads((args.corpus / "videos.json").read_text(encoding="utf-8"))
    args.out.mkdir(parents=True, exist_ok=True)
    manifest_path = args.out / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else {}
    if not args.only:  # videos that left the corpus take their media with them
        wanted = {rec["source"]["ref"] for rec in listed if rec["source"]["kind"] == "local"}
        for old in args.out.glob("*.mp4"):
            if old.name not in wanted:
                old.unlink()
                manifest.pop(old.stem, None)
                print(f"removed {old.name} (no longer in videos.json)")
    jobs = []
    for rec in listed:
        vid = rec["video_id"]
        if rec["source"]["kind"] != "local" or (args.only and vid not in args.only):
            continue
        if vid not in authored:
            raise SystemExit(f"{vid}: not in {args.corpus / 'authoring'}; cannot render its media")
        if abs(timeline(authored[vid])[2] - rec["duration_s"]) > 0.05:
            raise SystemExit(f"{vid}: videos.json is stale; run scripts/build_corpus.py first")
        out = args.out / rec["source"]["ref"]
        stamp = fingerprint(authored[vid], places)
        if out.exists() and manifest.get(vid, {}).get("fingerprint") == stamp and not args.force:
            continue
        jobs.append({"video": authored[vid], "places": places, "out": str(out), "stamp": stamp})
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for job, result in zip(jobs, pool.map(render_video, jobs), strict=True):
            manifest[result["video_id"]] = {"fingerprint": job["stamp"], **result}
            kib, cues, speed = result["bytes"] / 1024, result["cues"], result["max_speed"]
            print(f"{result['video_id']}: {kib:.0f} KiB, {cues} cues, espeak speed ≤ {speed}")
    text = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    manifest_path.write_text(text, encoding="utf-8")
    total = sum(p.stat().st_size for p in args.out.glob("*.mp4"))
    print(f"{len(jobs)} rendered, {len(list(args.out.glob('*.mp4')))} videos, {total / 2**20:.1f} MiB in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
