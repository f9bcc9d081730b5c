"""The segment player's HTML, built only here from validated fields, never from model-written text.

YouTube: a youtube-nocookie.com embed with integer start/end. Local sample media: an HTML5 video
whose ``#t=S,E`` media fragment (decimals kept, so the first frame is the segment's own) starts and
stops it. :data:`PLAYER_JS` (the component's ``js_on_load``; no inline handlers) also seeks to
``data-start`` once the metadata is in, pauses at ``data-end``, replays from the start in one
click, and walks a day's playlist (``data-playlist`` on the figure), telling the server which stop
plays now (a ``select`` event with ``{stop: "1-2"}``) so the table and the map can follow.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
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
const num = (v, k) => parseFloat(v.dataset ? v.dataset[k] : NaN);
const mark = (key) => document.querySelectorAll('#aiyo-map [data-stop]').forEach(
  (p) => p.classList.toggle('aiyo-now', p.dataset.stop === key));
const show = (fig, v, list, i) => {
  const it = list[i];
  fig.dataset.at = String(i);
  v.dataset.start = String(it.s); v.dataset.end = String(it.e); v.dataset.ended = '';
  if ((v.getAttribute('src') || '').split('#')[0] === it.src) { v.currentTime = it.s; }
  else { v.src = it.src + '#t=' + it.s + ',' + it.e; }
  const cap = fig.querySelector('.aiyo-now-playing');
  if (cap) { cap.textContent = it.c; }
  mark(it.k);
  trigger('select', {stop: it.k});
  const p = v.play(); if (p) { p.catch(() => {}); }
};
const atEnd = (v) => {
  if (v.dataset.ended === '1') { return; }
  v.dataset.ended = '1';
  if (!v.paused) { v.pause(); }
  const fig = v.closest('figure');
  if (!fig || !fig.dataset.playlist) { return; }
  const list = JSON.parse(fig.dataset.playlist), i = Number(fig.dataset.at || 0) + 1;
  if (i < list.length) { show(fig, v, list, i); } else { fig.dataset.done = '1'; }
};
element.addEventListener('loadedmetadata', (e) => {
  const v = e.target, s = num(v, 'start');
  if (!isNaN(s) && Math.abs(v.currentTime - s) > 0.05) { v.currentTime = s; }
}, true);
element.addEventListener('timeupdate', (e) => {
  const v = e.target, end = num(v, 'end');
  if (!isNaN(end) && v.currentTime >= end - 0.05 && !v.seeking) { atEnd(v); }
}, true);
element.addEventListener('ended', (e) => atEnd(e.target), true);
element.addEventListener('play', (e) => {
  const v = e.target, s = num(v, 'start'), end = num(v, 'end');
  if (!isNaN(end) && v.currentTime >= end - 0.3) { v.currentTime = s; }
  v.dataset.ended = '';
}, true);
"""


def span_seconds(segment: Segment, start_s: float | None = None) -> tuple[float, float]:
    """Where playback starts and stops: ``start_s`` (or the segment's start) to its end, to 0.01 s."""
    start = round(max(0.0, segment.start_s if start_s is None else start_s), 2)
    return start, max(round(start + 0.5, 2), round(segment.end_s, 2))


def _num(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def caption_text(segment: Segment) -> str:
    """「安平古堡 · 台南 · 01:17–01:47」 as plain text (escaped by the caller)."""
    where = " · ".join(x for x in (segment.place or segment.title, segment.city or "") if x)
    return f"{where} · {fmt_span(segment)}"


def caption(segment: Segment) -> str:
    where = " · ".join(x for x in (segment.place or segment.title, segment.city or "") if x)
    video = f" — {escape(segment.video_title)}" if segment.video_title else ""
    return f"<figcaption><b>{escape(where)}</b> · {escape(fmt_span(segment))}{video}</figcaption>"


def youtube_embed(video_id: str, start: float, end: float, title: str) -> str:
    if not YOUTUBE_ID.fullmatch(video_id):
        raise ValueError(f"not a YouTube video id: {video_id!r}")
    src = (
        f"https://www.youtube-nocookie.com/embed/{video_id}?start={math.floor(start)}&end={math.ceil(end)}"
        "&rel=0&autoplay=1"
    )
    return (
        f'<iframe class="aiyo-video" src="{escape(src)}" title="{escape(title)}" '
        'allow="autoplay; encrypted-media; picture-in-picture; fullscreen" allowfullscreen '
        'referrerpolicy="strict-origin-when-cross-origin" '
        'sandbox="allow-scripts allow-same-origin allow-presentation allow-popups"></iframe>'
    )


def media_src(file_name: str) -> str:
    if not LOCAL_MEDIA.fullmatch(file_name):
        raise ValueError(f"not a media file name: {file_name!r}")
    return f"/media/{quote(file_name)}"


def local_video(file_name: str, start: float, end: float, title: str, autoplay: bool) -> str:
    src = f"{media_src(file_name)}#t={_num(start)},{_num(end)}"
    play = " autoplay" if autoplay else ""
    return (
        f'<video class="aiyo-video" src="{escape(src)}" data-start="{_num(start)}" data-end="{_num(end)}" '
        f'title="{escape(title)}" controls playsinline preload="metadata"{play}></video>'
    )


def player_html(segment: Segment | None, autoplay: bool = False, start_s: float | None = None) -> str:
    """The player for one segment (or the placeholder); ``autoplay`` when the user asked to play it.

    ``start_s`` is where the segment's own footage begins (see ``web.cues``), if known.
    """
    if segment is None:
        return PLACEHOLDER
    start, end = span_seconds(segment, start_s)
    title = f"{segment.place or segment.title} {fmt_span(segment)}"
    if segment.source.kind == "youtube":
        media = youtube_embed(segment.source.ref, start, end, title)
    else:
        media = local_video(segment.source.ref, start, end, title, autoplay)
    sid = escape(segment.segment_id)
    return f'<figure class="aiyo-player" data-segment="{sid}">{media}{caption(segment)}</figure>'


def playlist_html(day: int, stops: Sequence[tuple[str, Segment, float]]) -> str:
    """A day's stops played back to back: (stop key, segment, start) in itinerary order.

    Only local videos can be chained (a YouTube embed would need its external script); the first
    one plays now, the rest follow in :data:`PLAYER_JS`.
    """
    playable = [(k, s, t) for k, s, t in stops if s.source.kind == "local"]
    if not playable:
        return (
            '<div class="aiyo-player aiyo-player-empty"><p>'
            f"第 {int(day)} 天的片段沒有可以連續播放的影片，請在行程表或地圖上逐站點選。</p></div>"
        )
    items = []
    for key, seg, start_s in playable:
        start, end = span_seconds(seg, start_s)
        items.append({"k": key, "src": media_src(seg.source.ref), "s": start, "e": end, "c": caption_text(seg)})
    key, first, start_s = playable[0]
    start, end = span_seconds(first, start_s)
    video = local_video(first.source.ref, start, end, f"第 {int(day)} 天", autoplay=True)
    data = escape(json.dumps(items, ensure_ascii=False))
    label = f'▶ 第 {int(day)} 天（{len(items)} 站）：<span class="aiyo-now-playing">{escape(items[0]["c"])}</span>'
    return (
        f'<figure class="aiyo-player aiyo-playlist" data-day="{int(day)}" data-at="0" data-playlist="{data}">'
        f"{video}<figcaption>{label}</figcaption></figure>"
    )
