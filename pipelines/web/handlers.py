"""The page's event handlers; each returns (or streams) values in the order of its outputs (``OUTPUTS``).

A turn's agent stream runs in a :class:`TurnRun`, so 停止 ends it cleanly (see ``web.turn_run``).
Handlers that only show something (a row, a pin, a day's playlist) skip the queue; they count as
the traveller's own choice of what plays, which the end of a running turn leaves alone.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import gradio as gr

from pipelines.agent.session import SessionState
from pipelines.core.errors import AiyoError
from pipelines.core.events import FinalResult, Notice, TextDelta
from pipelines.core.models import Itinerary
from pipelines.core.settings import ROOT
from pipelines.core.text import clean_input, shorten
from pipelines.web import links
from pipelines.web.cues import CueStarts
from pipelines.web.gate import TurnGate
from pipelines.web.mapview import map_html
from pipelines.web.panels import (
    PageState,
    cited_segment,
    export_files,
    itinerary_table,
    segments_by_id,
)
from pipelines.web.player import PLACEHOLDER
from pipelines.web.plays import PlayHandlers
from pipelines.web.render import checks_html, header_html, hit_rows
from pipelines.web.runtime import AppRuntime
from pipelines.web.share import ShareError, decode_trip, share_link
from pipelines.web.turn_run import TurnRun
from pipelines.web.turn_view import TurnView

log = logging.getLogger(__name__)

OUTPUTS = [
    "chatbot",
    "session",
    "page",
    "hits",
    "itinerary",
    "checks",
    "player",
    "map",
    "share",
    "csv",
    "ics",
    "header",
]
OUTLINE = ROOT / "assets" / "ui" / "taiwan-outline.json"
READY_TIMEOUT_S = 600.0
STREAM_INTERVAL_S = 0.1  # text updates closer together than this go out in one (each costs the browser a render)
PIECE_CHARS = 24  # a long text delta (the offline answer comes in paragraphs) is typed out in pieces this size
SHOWN_MESSAGE_CHARS = 300


def downloads(csv_path: str | None, ics_path: str | None) -> list[dict]:
    """Updates of the two download buttons: enabled only when there is a file."""
    return [gr.update(value=path, interactive=path is not None) for path in (csv_path, ics_path)]


def pieces(delta: str, size: int = PIECE_CHARS) -> list[str]:
    return [delta[i : i + size] for i in range(0, len(delta), size)] or [""]


class Handlers(PlayHandlers):
    def __init__(self, runtime: AppRuntime, stream_interval_s: float = STREAM_INTERVAL_S, outline: Path = OUTLINE):
        self.runtime = runtime
        self.stream_interval_s = stream_interval_s
        self.outline = outline
        self.cues = CueStarts(runtime.settings.corpus_dir)
        self.gate = TurnGate(runtime.settings.ui_concurrency, runtime.settings.ui_queue_size)

    # --- a turn ---------------------------------------------------------------------------------
    def _out(self, messages: list, session: SessionState, page: PageState, **panels: Any) -> tuple[Any, ...]:
        values = {"chatbot": messages, "session": session, "page": page, **panels}
        return tuple(values.get(name, gr.skip()) for name in OUTPUTS)

    def sent(self, message: str, page: PageState | None) -> tuple[Any, str]:
        """送出/Enter (skips the queue): count the message and move it out of the box, which is cleared
        unless the text is too long to send (then it stays there to be shortened, nothing lost)."""
        if page is not None:
            page.sent += 1
        too_long = len((message or "").strip()) > self.runtime.settings.max_message_chars
        return (gr.skip() if too_long else ""), message or ""

    def sent_example(self, example: str, page: PageState | None) -> str:
        if page is not None:
            page.sent += 1
        return example

    async def stop(self, page: PageState | None) -> None:
        """停止: end the running turn now, or the one about to start if it has not yet."""
        if page is None:
            return
        if page.run is not None and page.run.running:
            self._stop_run(page, "stop")
        elif page.sent > page.started:
            page.stop_pending = True

    def _stop_run(self, page: PageState, reason: str) -> None:
        run = page.run
        run.stop(reason)
        if reason != "clear" and run.view is not None:
            run.view.stopped()

    async def chat(
        self, message: str, session: SessionState | None, page: PageState | None, request: gr.Request | None = None
    ) -> AsyncIterator[tuple[Any, ...]]:
        """One turn: streams the chat, then each panel as soon as its result is in."""
        session, page = session or SessionState(), page or PageState()
        text = clean_input(message).strip()  # the edge: invisible characters and lone surrogates stop here
        page.started += 1
        pending_stop, page.stop_pending = page.stop_pending, False
        if not text:
            yield self._out(page.messages, session, page)
            return
        if page.run is not None and page.run.running:  # a new message replaces the turn still streaming
            self._stop_run(page, "superseded")
        page.base_url = links.base_url(request, self.runtime.settings.public_base_url) or page.base_url
        limit = self.runtime.settings.max_message_chars
        turn = TurnView(page.messages, shorten(text, SHOWN_MESSAGE_CHARS))
        page.messages = turn.messages
        if len(text) > limit:
            turn.fail(f"訊息有 {len(text):,} 字，超過上限 {limit:,} 字；原文還在輸入框，請縮短後再送出。")
            yield self._out(turn.snapshot(), session, page)
            return
        if pending_stop:
            turn.stopped()
            yield self._out(turn.snapshot(), session, page)
            return
        picks = page.picks
        yield self._out(turn.snapshot(), session, page)
        run = page.run = TurnRun(self._events(text, session), view=turn)
        try:
            async for update in self._stream(run, turn, session, page, picks):
                yield update
        except asyncio.CancelledError:  # Gradio cancelled the event (the page closed): end the backend stream too
            run.stop("cancelled")
            raise
        except AiyoError as err:
            turn.fail(str(err))
            yield self._out(turn.snapshot(), session, page, header=header_html(self.runtime.status()))
        except Exception:
            log.exception("chat turn failed")
            turn.fail("發生未預期的錯誤，請再試一次。")
            yield self._out(turn.snapshot(), session, page)
        finally:
            await run.close()
            if page.run is run:
                page.run = None
        if run.reason == "stop":
            yield self._out(turn.snapshot(), session, page)

    async def _events(self, text: str, session: SessionState) -> AsyncIterator[Any]:
        """The agent's events, after the warm-up if the app is still starting (said at once, not after minutes),
        once the turn gate lets this turn in (a full line is answered at once, in zh-TW, with a retry hint)."""
        if not self.runtime.ready:
            status = self.runtime.status()
            if not status["error"]:
                yield Notice(message=f"服務還在啟動中（{status['phase']}），準備好就會回答；不想等可以按「停止」。")
            if not await self.runtime.wait_async(READY_TIMEOUT_S):
                raise AiyoError(self.runtime.error or "服務還在啟動中，請稍後再試。")
        ticket = await self.gate.enter()  # 停止 while waiting cancels this: nothing was taken
        if ticket is None:
            raise AiyoError(self.gate.busy_message())
        stream = self.runtime.agent.stream(text, session)
        try:
            async for event in stream:
                yield event
        finally:
            self.gate.leave(ticket)
            if hasattr(stream, "aclose"):  # closing the generator stops the backend request
                await stream.aclose()

    async def _stream(
        self, run: TurnRun, turn: TurnView, session: SessionState, page: PageState, picks: int
    ) -> AsyncIterator[tuple[Any, ...]]:
        hits, itinerary, last = session.hits, session.itinerary, 0.0
        async for event in run.events():
            parts = [TextDelta(delta=p) for p in pieces(event.delta)] if isinstance(event, TextDelta) else [event]
            for i, part in enumerate(parts):
                if i:  # type a long delta out, so an offline answer streams like a model's
                    await asyncio.sleep(self.stream_interval_s)
                if run.reason is not None:
                    return
                turn.apply(part)
                now = time.monotonic()
                if isinstance(part, TextDelta) and now - last < self.stream_interval_s and i == 0:
                    continue
                last, panels = now, {}
                if session.hits is not hits:  # a search finished: show its hits now
                    hits = page.hits = session.hits
                    panels["hits"] = hit_rows(hits)
                if session.itinerary is not itinerary:  # a plan finished: table, map, badges and exports now
                    itinerary = session.itinerary
                    panels |= self._plan_panels(itinerary, session, page)
                if isinstance(part, FinalResult):
                    panels = self._final_panels(part, session, page, chose=page.picks != picks)
                yield self._out(turn.snapshot(), session, page, **panels)

    def _plan_panels(self, itinerary: Itinerary | None, session: SessionState, page: PageState) -> dict[str, Any]:
        known = [*page.hits, *session.hits]
        segments = segments_by_id(itinerary, known, self.runtime.index) if itinerary else {}
        csv_path, ics_path = export_files(itinerary, session.session_id, segments, page.base_url)
        link = share_link(itinerary, page.base_url) if itinerary and itinerary.stops else ""
        csv, ics = downloads(csv_path, ics_path)
        return {
            "itinerary": itinerary_table(itinerary),
            "checks": checks_html(itinerary.checks, itinerary.notes) if itinerary else checks_html([]),
            "map": map_html(itinerary, segments, self.outline),
            "share": gr.update(value=link, visible=bool(link)),
            "csv": csv,
            "ics": ics,
        }

    def _final_panels(self, final: FinalResult, session: SessionState, page: PageState, chose: bool) -> dict[str, Any]:
        """Every panel at the end of a turn (so API clients see the whole result in the last update).

        The results list shows ``final.hits``, numbered as the answer cites them ([n] = hits[n-1]);
        the player shows the cited segment unless the traveller picked one during the turn.
        """
        page.hits = final.hits or page.hits
        itinerary = final.itinerary or session.itinerary
        status = {**self.runtime.status(), "backend": final.backend, "model": final.model}
        panels = {"hits": hit_rows(page.hits), **self._plan_panels(itinerary, session, page)}
        if not chose:
            panels["player"] = self._player(cited_segment(final.answer, page.hits, itinerary))
        return {**panels, "header": header_html(status)}

    # --- page life ------------------------------------------------------------------------------
    async def open_shared(
        self, token: str, session: SessionState | None, page: PageState | None, request: gr.Request | None = None
    ) -> tuple[Any, ...]:
        """The page was opened from a shared-trip link: rebuild, verify and show that plan."""
        session, page = session or SessionState(), page or PageState()
        if not (token or "").strip():
            return self._out(page.messages, session, page)
        page.base_url = links.base_url(request, self.runtime.settings.public_base_url) or page.base_url
        if not self.runtime.ready and not await self.runtime.wait_async(READY_TIMEOUT_S):
            note = f"⚠️ 無法開啟分享的行程：{self.runtime.error or '服務還在啟動中'}"
            page.messages = [*page.messages, {"role": "assistant", "content": note}]
            return self._out(page.messages, session, page)
        try:
            itinerary, segments = decode_trip(token, self.runtime.index)
        except ShareError as err:
            page.messages = [*page.messages, {"role": "assistant", "content": f"⚠️ {err}"}]
            return self._out(page.messages, session, page)
        session.itinerary = itinerary
        stops = len(itinerary.stops)
        note = f"📎 已開啟分享的行程：{len(itinerary.days)} 天、{stops} 站。點地圖上的站或行程表的一列就能播放那一段。"
        page.messages = [*page.messages, {"role": "assistant", "content": note}]
        first = segments[0] if segments else None
        return self._out(
            page.messages, session, page, player=self._player(first), **self._plan_panels(itinerary, session, page)
        )

    def reset(self, session: SessionState | None, page: PageState | None) -> tuple[Any, ...]:
        if page is not None and page.run is not None:
            self._stop_run(page, "clear")
        if session is not None:
            session.reset()
        fresh = PageState(sent=page.sent if page else 0, started=page.started if page else 0)
        empty = self._plan_panels(None, session or SessionState(), fresh)
        return self._out([], session, fresh, hits=hit_rows([]), player=PLACEHOLDER, **empty)[:-1]

    def header(self) -> tuple[str, Any]:
        """Header while warming up; the timer stops once the index and agent are ready (or failed)."""
        status = self.runtime.start().status()
        done = status["ready"] or bool(status["error"])
        return header_html(status), gr.Timer(active=not done)
