"""The Gradio Blocks of the page: layout and event wiring (the handlers live in ``web.handlers``)."""

from __future__ import annotations

import gradio as gr

from pipelines.web.handlers import Handlers
from pipelines.web.mapview import EMPTY as MAP_EMPTY
from pipelines.web.mapview import MAP_JS
from pipelines.web.panels import TABLE_HEADERS, PageState
from pipelines.web.player import PLACEHOLDER, PLAYER_JS
from pipelines.web.render import HIT_HEADERS, checks_html, header_html
from pipelines.web.runtime import AppRuntime

EXAMPLES = ["幫我找台灣兩天一夜的輕鬆小旅行", "台南美食一日遊", "花蓮三天兩夜親子行程"]
READ_TRIP_JS = "() => new URLSearchParams(window.location.search).get('trip') || ''"


def build_demo(runtime: AppRuntime) -> gr.Blocks:
    h = Handlers(runtime)
    with gr.Blocks(title="愛遊 AIYO", analytics_enabled=False, fill_width=True) as demo:
        session = gr.State(None)
        page = gr.State(lambda: PageState())  # a fresh PageState per browser session, shared by every handler
        header = gr.HTML(header_html(runtime.status()), elem_id="aiyo-header")
        with gr.Row(equal_height=False, elem_classes="aiyo-main"):
            with gr.Column(scale=5, min_width=340, elem_id="aiyo-chat-col"):
                chatbot = gr.Chatbot(
                    label="對話",
                    show_label=False,
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
                        scale=6,
                        elem_id="aiyo-input",
                    )
                    send = gr.Button("送出", variant="primary", scale=1, min_width=70, elem_id="aiyo-send")
                    stop = gr.Button("停止", variant="stop", scale=1, min_width=70, elem_id="aiyo-stop")
                with gr.Row(elem_id="aiyo-examples"):
                    examples = [gr.Button(p, size="sm", elem_classes="aiyo-example") for p in EXAMPLES]
                clear = gr.Button("清除對話", size="sm", variant="secondary", elem_id="aiyo-clear")
            with gr.Column(scale=6, min_width=340, elem_id="aiyo-plan"):
                player = gr.HTML(PLACEHOLDER, js_on_load=PLAYER_JS, elem_id="aiyo-player")
                itinerary = gr.Dataframe(
                    value=None,
                    headers=TABLE_HEADERS,
                    label="行程表（點一列播放那一站）",
                    interactive=False,
                    wrap=True,
                    max_height=380,
                    column_widths=["15%", "22%", "19%", "24%", "20%"],
                    elem_id="aiyo-itinerary",
                )
                checks = gr.HTML(checks_html([]), elem_id="aiyo-checks")
                plan_map = gr.HTML(MAP_EMPTY, js_on_load=MAP_JS, elem_id="aiyo-map")
                with gr.Row(elem_id="aiyo-exports"):
                    csv_btn = gr.DownloadButton("下載 CSV", interactive=False, size="sm", elem_id="aiyo-csv")
                    ics_btn = gr.DownloadButton("下載 ICS 行事曆", interactive=False, size="sm", elem_id="aiyo-ics")
                share = gr.Textbox(
                    label="分享這個行程（複製連結，打開就是同一份行程）",
                    interactive=False,
                    visible=False,
                    lines=1,
                    max_lines=1,
                    buttons=["copy"],
                    elem_id="aiyo-share",
                )
                hits = gr.Dataframe(
                    headers=HIT_HEADERS,
                    label="找到的片段（點一列播放）",
                    interactive=False,
                    wrap=True,
                    max_height=300,
                    elem_id="aiyo-hits",
                )
        trip = gr.Textbox(visible=False, elem_id="aiyo-trip-token")
        timer = gr.Timer(1.0)

        outputs = [chatbot, session, page, hits, itinerary, checks, player, plan_map, share, csv_btn, ics_btn, header]
        # quick handlers skip the queue, so a click is never stuck behind running chat turns
        quick = {"api_name": False, "queue": False, "show_progress": "hidden"}
        # the page runs a trigger's listeners one after another: take the text and clear the box
        # first (outbox), then stream the turn, so the box is empty while the answer comes
        outbox = gr.State("")
        turn = {"concurrency_limit": None}  # chat turns wait in h.gate, which answers a full line in zh-TW
        for trigger in (msg.submit, send.click):
            trigger(h.sent, [msg, page], [msg, outbox], **quick).then(
                h.chat, [outbox, session, page], outputs, api_name=False, **turn
            )
        for b in examples:
            b.click(h.sent_example, [b, page], outbox, **quick).then(
                h.chat, [outbox, session, page], outputs, api_name=False, **turn
            )
        api = gr.Button(visible=False, elem_id="aiyo-api")  # gradio_client: chat(message) as `/chat`
        api.click(h.chat, [msg, session, page], outputs, api_name="chat", **turn)
        stop.click(h.stop, [page], None, **quick)
        clear.click(h.reset, [session, page], outputs[:-1], **quick)
        hits.select(h.play_hit, [page], player, **quick)
        itinerary.select(h.play_stop, [session, page], player, **quick)
        plan_map.select(h.map_select, [session, page], player, **quick)
        player.select(h.now_playing, [session, page], [itinerary, plan_map], **quick)
        timer.tick(h.header, None, [header, timer], **quick)
        demo.load(h.header, None, [header, timer], **quick)
        demo.load(None, None, trip, js=READ_TRIP_JS, **quick)
        trip.change(h.open_shared, [trip, session, page], outputs, api_name=False)
    # Every turn must reach h.gate (which runs, queues or refuses it in zh-TW): Gradio starts at most
    # max_threads events at once, so room for the gate's line plus quick events; its own queue is a backstop.
    s = runtime.settings
    demo.max_threads = s.ui_concurrency + s.ui_queue_size + 16
    backstop = 8 * (s.ui_concurrency + s.ui_queue_size)
    demo.queue(max_size=backstop, default_concurrency_limit=s.ui_concurrency, api_open=False)
    return demo
