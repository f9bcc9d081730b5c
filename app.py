"""愛遊 AIYO web app: chat pane, segment results, player, itinerary table (thin: results → component updates).

``python app.py`` serves the page with /health, /ready, /api/info and /media on
GRADIO_SERVER_NAME:GRADIO_SERVER_PORT (default 0.0.0.0:7860); ``gradio app.py`` reloads ``demo``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import gradio as gr

from pipelines.agent.session import SessionState
from pipelines.core.errors import AiyoError
from pipelines.core.events import FinalResult, TextDelta
from pipelines.core.models import Itinerary
from pipelines.core.settings import get_settings
from pipelines.core.text import clean_input
from pipelines.web.gate import TurnGate
from pipelines.web.panels import (
    PageState,
    cited_segment,
    export_files,
    find_segment,
    hit_for_row,
    itinerary_table,
    stop_for_row,
)
from pipelines.web.player import PLAYER_JS, player_html
from pipelines.web.render import HIT_HEADERS, checks_html, header_html, hit_rows
from pipelines.web.runtime import AppRuntime
from pipelines.web.turn_view import TurnView

log = logging.getLogger(__name__)

EXAMPLES = ["幫我找台灣兩天一夜的輕鬆小旅行", "台南美食一日遊", "花蓮三天兩夜親子行程"]
READY_TIMEOUT_S = 600.0
STREAM_INTERVAL_S = 0.04  # text deltas closer together than this go out in one update (each costs ~10 ms)


def downloads(csv_path: str | None, ics_path: str | None) -> list[dict]:
    """Updates of the two download buttons: enabled only when there is a file."""
    return [gr.update(value=path, interactive=path is not None) for path in (csv_path, ics_path)]


class Handlers:
    """The page's event handlers; each returns (or streams) values in the order of its outputs."""

    def __init__(self, runtime: AppRuntime, stream_interval_s: float = STREAM_INTERVAL_S):
        self.runtime = runtime
        self.stream_interval_s = stream_interval_s
        self.gate = TurnGate(runtime.settings.ui_concurrency, runtime.settings.ui_queue_size)

    async def chat(
        self, message: str, session: SessionState | None, page: PageState | None
    ) -> AsyncIterator[tuple[Any, ...]]:
        """One turn: streams chatbot, session, page, hits, itinerary, checks, player, csv, ics, header."""
        session, page = session or SessionState(), page or PageState()
        text = clean_input(message).strip()  # the edge: invisible characters and lone surrogates go here
        turn = TurnView(page.messages, text)
        skip = gr.skip()
        if not text:
            yield (page.messages, session, page, *[skip] * 7)
            return
        page.messages = turn.messages
        yield (turn.snapshot(), session, page, *[skip] * 7)
        if not await self.runtime.wait_async(READY_TIMEOUT_S):
            turn.fail(self.runtime.error or "服務還在啟動中，請稍後再試。")
            yield (turn.snapshot(), session, page, *[skip] * 6, header_html(self.runtime.status()))
            return
        hits, itinerary = session.hits, session.itinerary
        stream = self.runtime.agent.stream(text, session)
        last, ticket = 0.0, None
        try:
            if (ticket := await self.gate.enter()) is None:  # the line is full: say so, the message stays on screen
                turn.fail(self.gate.busy_message())
                yield (turn.snapshot(), session, page, *[skip] * 7)
                return
            async for event in stream:
                turn.apply(event)
                now = time.monotonic()
                if isinstance(event, TextDelta) and now - last < self.stream_interval_s:
                    continue
                last = now
                panels = [skip] * 7
                if session.hits is not hits:  # a search finished: show its hits now
                    hits = page.hits = session.hits
                    panels[0] = hit_rows(hits)
                if session.itinerary is not itinerary:  # a plan finished: table, badges and exports now
                    itinerary = session.itinerary
                    panels[1:3] = [itinerary_table(itinerary), checks_html(itinerary.checks if itinerary else [])]
                    panels[4:6] = self._downloads(itinerary, session, page)
                if isinstance(event, FinalResult):
                    panels = self._final_panels(event, session, page)
                yield (turn.snapshot(), session, page, *panels)
        except asyncio.CancelledError:  # the stop button: close the backend stream below, then re-raise
            turn.stopped()
            raise
        except AiyoError as err:
            turn.fail(str(err))
            yield (turn.snapshot(), session, page, *[skip] * 7)
        except Exception:
            log.exception("chat turn failed")
            turn.fail("發生未預期的錯誤，請再試一次。")
            yield (turn.snapshot(), session, page, *[skip] * 7)
        finally:
            if ticket is not None:
                self.gate.leave(ticket)
            if hasattr(stream, "aclose"):  # closing the generator stops the backend request
                await stream.aclose()

    def _final_panels(self, final: FinalResult, session: SessionState, page: PageState) -> list[Any]:
        """Every panel at the end of a turn (so API clients see the whole result in the last update).

        The results list shows ``final.hits``, numbered as the answer cites them ([n] = hits[n-1]).
        """
        page.hits = final.hits or page.hits
        itinerary = final.itinerary or session.itinerary
        status = {**self.runtime.status(), "backend": final.backend, "model": final.model}
        return [
            hit_rows(page.hits),
            itinerary_table(itinerary),
            checks_html(itinerary.checks if itinerary else []),
            player_html(cited_segment(final.answer, page.hits, itinerary)),
            *self._downloads(itinerary, session, page),
            header_html(status),
        ]

    def _downloads(self, itinerary: Itinerary | None, session: SessionState, page: PageState) -> list[dict]:
        known = [*page.hits, *session.hits]
        return downloads(*export_files(itinerary, session.session_id, known, self.runtime.index))

    def play_hit(self, page: PageState | None, evt: gr.SelectData) -> str:
        """A results row was clicked: play that segment."""
        hit = hit_for_row(evt.row_value, page.hits) if page else None
        return player_html(hit, autoplay=True) if hit else gr.skip()

    def play_stop(self, session: SessionState | None, page: PageState | None, evt: gr.SelectData) -> str:
        """An itinerary row was clicked: play that stop's segment."""
        item = stop_for_row(evt.row_value, session.itinerary) if session else None
        known = [*(page.hits if page else []), *session.hits] if session else []
        seg = find_segment(item.segment_id, known, self.runtime.index) if item else None
        return player_html(seg, autoplay=True) if seg else gr.skip()

    def reset(self, session: SessionState | None) -> tuple[Any, ...]:
        if session is not None:
            session.reset()
        empty = hit_rows([]), itinerary_table(None), checks_html([]), player_html(None), *downloads(None, None)
        return [], session, PageState(), *empty

    def header(self) -> tuple[str, Any]:
        """Header while warming up; the timer stops once the index and agent are ready (or failed)."""
        status = self.runtime.start().status()
        done = status["ready"] or bool(status["error"])
        return header_html(status), gr.Timer(active=not done)


def build_demo(runtime: AppRuntime) -> gr.Blocks:
    h = Handlers(runtime)
    with gr.Blocks(title="愛遊 AIYO", analytics_enabled=False, fill_width=True) as demo:
        session = gr.State(None)
        page = gr.State(None)
        header = gr.HTML(header_html(runtime.status()), elem_id="aiyo-header")
        with gr.Row(equal_height=False, elem_classes="aiyo-main"):
            with gr.Column(scale=5, min_width=340):
                chatbot = gr.Chatbot(
                    label="對話",
                    elem_id="aiyo-chat",
                    height=560,
                    buttons=["copy"],
                    feedback_options=None,
                    placeholder="**想去哪裡玩？** 說說城市、天數和喜好，或點下面的範例。",
                )
                with gr.Row(elem_id="aiyo-compose"):
                    msg = gr.Textbox(
                        show_label=False,
                        placeholder="例如：台南兩天一夜，想吃小吃、看古蹟",
                        max_length=runtime.settings.max_message_chars,
                        scale=6,
                        elem_id="aiyo-input",
                    )
                    send = gr.Button("送出", variant="primary", scale=1, min_width=70, elem_id="aiyo-send")
                    stop = gr.Button("停止", variant="stop", scale=1, min_width=70, elem_id="aiyo-stop")
                with gr.Row(elem_id="aiyo-examples"):
                    examples = [gr.Button(p, size="sm", elem_classes="aiyo-example") for p in EXAMPLES]
                clear = gr.Button("清除對話", size="sm", variant="secondary", elem_id="aiyo-clear")
            with gr.Column(scale=6, min_width=340):
                player = gr.HTML(player_html(None), js_on_load=PLAYER_JS, elem_id="aiyo-player")
                itinerary = gr.Dataframe(
                    label="行程表（點一列播放那一站）",
                    interactive=False,
                    wrap=True,
                    max_height=360,
                    elem_id="aiyo-itinerary",
                )
                checks = gr.HTML(checks_html([]), elem_id="aiyo-checks")
                with gr.Row():
                    csv_btn = gr.DownloadButton("下載 CSV", interactive=False, size="sm", elem_id="aiyo-csv")
                    ics_btn = gr.DownloadButton("下載 ICS 行事曆", interactive=False, size="sm", elem_id="aiyo-ics")
                hits = gr.Dataframe(
                    headers=HIT_HEADERS,
                    label="找到的片段（點一列播放）",
                    interactive=False,
                    wrap=True,
                    max_height=300,
                    elem_id="aiyo-hits",
                )
        timer = gr.Timer(1.0)

        outputs = [chatbot, session, page, hits, itinerary, checks, player, csv_btn, ics_btn, header]
        chat_in = [msg, session, page]
        turn = {"concurrency_limit": None}  # chat turns wait in h.gate, which answers a full line in zh-TW
        runs = [msg.submit(h.chat, chat_in, outputs, api_name="chat", **turn)]
        runs.append(send.click(h.chat, chat_in, outputs, api_name=False, **turn))
        runs += [b.click(h.chat, [b, session, page], outputs, api_name=False, **turn) for b in examples]
        for trigger in (msg.submit, send.click):
            trigger(lambda: "", None, msg, api_name=False, queue=False)
        stop.click(None, cancels=runs, api_name=False)
        clear.click(h.reset, [session], outputs[:-1], cancels=runs, api_name=False)
        # quick handlers skip the queue, so a click is never stuck behind running chat turns
        quick = {"api_name": False, "queue": False, "show_progress": "hidden"}
        hits.select(h.play_hit, [page], player, **quick)
        itinerary.select(h.play_stop, [session, page], player, **quick)
        timer.tick(h.header, None, [header, timer], **quick)
        demo.load(h.header, None, [header, timer], **quick)
    # Every turn must reach h.gate (which runs, queues or refuses it in zh-TW): Gradio starts at most
    # max_threads events at once, so room for the gate's line plus quick events; its own queue is a backstop.
    s = runtime.settings
    demo.max_threads = s.ui_concurrency + s.ui_queue_size + 16
    backstop = 8 * (s.ui_concurrency + s.ui_queue_size)
    demo.queue(max_size=backstop, default_concurrency_limit=s.ui_concurrency, api_open=False)
    return demo


RUNTIME = AppRuntime(get_settings())
demo = build_demo(RUNTIME)

if __name__ == "__main__":
    from pipelines.web.server import serve

    serve(RUNTIME, demo)
