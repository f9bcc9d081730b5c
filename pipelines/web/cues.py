"""Where a local video's narration of a segment begins, so the player's first frame is that place's.

Chapter times in a description are rounded to the second, while the video cuts to the place's
title card at its first subtitle cue: starting at the chapter time shows the previous place for a
moment (and as the paused frame). The transcripts are read once per video, lazily.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from pipelines.core.errors import CorpusError
from pipelines.core.models import Segment
from pipelines.corpus.transcripts import parse_transcript

log = logging.getLogger(__name__)

LEAD_MAX_S = 3.0  # a cue later than this after the chapter mark is not the segment's opening
CUT_SLACK_S = 0.25  # the picture cuts to the place up to this long after its first cue (frames are rounded)


class CueStarts:
    """The first cue start of each segment of a local video, from the corpus folder's transcripts."""

    def __init__(self, corpus_dir: Path):
        self.corpus_dir = corpus_dir
        self._transcripts: dict[str, str] | None = None
        self._starts: dict[str, list[float]] = {}

    def start_of(self, segment: Segment) -> float:
        """Just after the segment's first cue if it begins within ``LEAD_MAX_S`` of the chapter mark, else its start."""
        if segment.source.kind != "local":
            return segment.start_s
        limit = min(segment.start_s + LEAD_MAX_S, segment.end_s - 1.0)
        starts = self._cue_starts(segment.video_id)
        cue = next((s for s in starts if segment.start_s <= s <= limit), None)
        return segment.start_s if cue is None else round(min(cue + CUT_SLACK_S, limit), 2)

    def _cue_starts(self, video_id: str) -> list[float]:
        if video_id not in self._starts:
            name = self._transcript_names().get(video_id)
            try:
                cues = parse_transcript(self.corpus_dir / "transcripts" / name) if name else []
            except (CorpusError, OSError) as err:
                log.warning("no cue times for %s: %s", video_id, err)
                cues = []
            self._starts[video_id] = sorted(c.start for c in cues)
        return self._starts[video_id]

    def _transcript_names(self) -> dict[str, str]:
        if self._transcripts is None:
            try:
                videos = json.loads((self.corpus_dir / "videos.json").read_text(encoding="utf-8"))
                self._transcripts = {
                    str(v["video_id"]): Path(str(v["transcript"])).name
                    for v in videos
                    if isinstance(v, dict) and "video_id" in v and "transcript" in v
                }
            except (OSError, ValueError, TypeError) as err:
                log.warning("videos.json unreadable for cue times: %s", err)
                self._transcripts = {}
        return self._transcripts
