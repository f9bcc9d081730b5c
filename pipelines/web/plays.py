"""The page's showing-and-playing handlers (they skip the queue): a results row, an itinerary row, a map
pin, a day's playlist, and the playlist telling which stop plays now.

Each counts as the traveller's own choice of what plays (``PageState.picks``), which the end of a
running turn leaves alone. Stops are looked up in the session's own plan by key, segments in the
index: nothing a click sends is shown as it came.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr

from pipelines.agent.session import SessionState
from pipelines.web.cues import CueStarts
from pipelines.web.mapview import map_html
from pipelines.web.panels import (
    PageState,
    find_segment,
    hit_for_row,
    itinerary_table,
    numbered_stops,
    segments_by_id,
    stop_by_key,
)
from pipelines.web.player import PLACEHOLDER, player_html, playlist_html
from pipelines.web.runtime import AppRuntime


def event_data(evt: Any) -> dict[str, Any]:
    """What a component's ``trigger(name, data)`` sent (a dict), or {}."""
    data = getattr(evt, "_data", None)
    return data if isinstance(data, dict) else {}


class PlayHandlers:
    runtime: AppRuntime
    cues: CueStarts
    outline: Path

    def _player(self, seg: Any, autoplay: bool = False) -> str:
        return player_html(seg, autoplay=autoplay, start_s=self.cues.start_of(seg)) if seg else PLACEHOLDER

    def _segment_of(self, item: Any, session: SessionState | None, page: PageState | None) -> Any:
        known = [*(page.hits if page else []), *(session.hits if session else [])]
        return find_segment(item.segment_id, known, self.runtime.index) if item else None

    def play_hit(self, page: PageState | None, evt: gr.SelectData) -> Any:
        """A results row was clicked: play that segment."""
        hit = hit_for_row(evt.row_value, page.hits) if page else None
        if not hit:
            return gr.skip()
        page.picks += 1
        return self._player(hit, autoplay=True)

    def play_stop(self, session: SessionState | None, page: PageState | None, evt: gr.SelectData) -> Any:
        """An itinerary row was clicked: play that stop's segment."""
        return self._play_key(session, page, evt.row_value[0] if evt.row_value else None)

    def _play_key(self, session: SessionState | None, page: PageState | None, key: Any) -> Any:
        item = stop_by_key(key, session.itinerary) if session else None
        seg = self._segment_of(item, session, page)
        if seg is None or page is None:
            return gr.skip()
        page.picks += 1
        return self._player(seg, autoplay=True)

    def map_select(self, session: SessionState | None, page: PageState | None, evt: gr.EventData) -> Any:
        """A pin (``{stop: "1-2"}``) or a day's play button (``{day: 1}``) on the map was clicked."""
        data = event_data(evt)
        if "stop" in data:
            return self._play_key(session, page, data["stop"])
        return self.play_day(session, page, data.get("day"))

    def play_day(self, session: SessionState | None, page: PageState | None, day: Any) -> Any:
        """「▶ 播放第 N 天」: the day's stops back to back, in itinerary order."""
        itinerary = session.itinerary if session else None
        if not isinstance(day, int) or itinerary is None or page is None:
            return gr.skip()
        stops = []
        for key, d, item in numbered_stops(itinerary):
            seg = self._segment_of(item, session, page) if d == day else None
            if seg is not None:
                stops.append((key, seg, self.cues.start_of(seg)))
        if not stops:
            return gr.skip()
        page.picks += 1
        return playlist_html(day, stops)

    def now_playing(self, session: SessionState | None, page: PageState | None, evt: gr.EventData) -> tuple[Any, Any]:
        """The day playlist moved on: mark that stop in the table and on the map."""
        data = event_data(evt)
        itinerary = session.itinerary if session else None
        key = str(data.get("stop") or "")
        if stop_by_key(key, itinerary) is None:
            return gr.skip(), gr.skip()
        known = [*(page.hits if page else []), *session.hits]
        segments = segments_by_id(itinerary, known, self.runtime.index)
        return itinerary_table(itinerary, now=key), map_html(itinerary, segments, self.outline, now=key)
