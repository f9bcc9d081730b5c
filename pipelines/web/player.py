"""The segment player's HTML, built only here from validated fields, never from model-written text.

YouTube: a youtube-nocookie.com embed with integer start/end. Local sample media: an HTML5 video
whose ``#t=S,E`` media fragment starts and stops it; the player component's ``js_on_load``
(:data:`PLAYER_JS`) also stops at ``data-end`` and replays from ``data-start``, since the fragment
is honoured only on the first play. Every piece of text is ``html.escape``d.
"""

from __future__ import annotations

import math
from html import escape
from urllib.parse import quote

from pipelines.core.citations import fmt_span
from pipelines.core.models import LOCAL_MEDIA, YOUTUBE_ID, Segment

PLACEHOLDER = (
    '<div class="aiyo-player aiyo-player-empty"><p>🎬 選一個片段或行程中的一站，這裡就會播放影片的那一段。</p></div>'
)

# Runs once per page in the player component; capture-phase listeners see the (non-bubbling) media
# events of whichever <video> the component shows now or later.
PLAYER_JS = """
element.addEventListener('timeupdate', (e) => {
  const v = e.target, end = parseFloat(v.dataset && v.dataset.end);
  if (!isNaN(end) && v.currentTime >= end && !v.paused) { v.pause(); v.dataset.ended = '1'; }
}, true);
element.addEventListener('play', (e) => {
  const v = e.target, start = parseFloat(v.dataset && v.dataset.start), end = parseFloat(v.dataset && v.dataset.end);
  if (v.dataset && v.dataset.ended === '1' && v.currentTime >= end - 0.3) { v.currentTime = start; }
  if (v.dataset) { v.dataset.ended = ''; }
}, true);
"""


def span_seconds(segment: Segment) -> tuple[int, int]:
    """Whole seconds that cover the segment: start rounded down, end rounded up, end > start."""
    start = max(0, math.floor(segment.start_s))
    return start, max(start + 1, math.ceil(segment.end_s))


def caption(segment: Segment) -> str:
    where = " · ".join(x for x in (segment.place or segment.title, segment.city or "") if x)
    video = f" — {escape(segment.video_title)}" if segment.video_title else ""
    return f"<figcaption><b>{escape(where)}</b> · {escape(fmt_span(segment))}{video}</figcaption>"


def youtube_embed(video_id: str, start: int, end: int, title: str) -> str:
    if not YOUTUBE_ID.fullmatch(video_id):
        raise ValueError(f"not a YouTube video id: {video_id!r}")
    src = f"https://www.youtube-nocookie.com/embed/{video_id}?start={int(start)}&end={int(end)}&rel=0&autoplay=1"
    return (
        f'<iframe class="aiyo-video" src="{escape(src)}" title="{escape(title)}" '
        'allow="autoplay; encrypted-media; picture-in-picture; fullscreen" allowfullscreen '
        'referrerpolicy="strict-origin-when-cross-origin" '
        'sandbox="allow-scripts allow-same-origin allow-presentation allow-popups"></iframe>'
    )


def local_video(file_name: str, start: int, end: int, title: str, autoplay: bool) -> str:
    if not LOCAL_MEDIA.fullmatch(file_name):
        raise ValueError(f"not a media file name: {file_name!r}")
    src = f"/media/{quote(file_name)}#t={int(start)},{int(end)}"
    play = " autoplay" if autoplay else ""
    return (
        f'<video class="aiyo-video" src="{escape(src)}" data-start="{int(start)}" data-end="{int(end)}" '
        f'title="{escape(title)}" controls playsinline preload="metadata"{play}></video>'
    )


def player_html(segment: Segment | None, autoplay: bool = False) -> str:
    """The player for one segment (or the placeholder); ``autoplay`` when the user asked to play it."""
    if segment is None:
        return PLACEHOLDER
    start, end = span_seconds(segment)
    title = f"{segment.place or segment.title} {fmt_span(segment)}"
    if segment.source.kind == "youtube":
        media = youtube_embed(segment.source.ref, start, end, title)
    else:
        media = local_video(segment.source.ref, start, end, title, autoplay)
    sid = escape(segment.segment_id)
    return f'<figure class="aiyo-player" data-segment="{sid}">{media}{caption(segment)}</figure>'
