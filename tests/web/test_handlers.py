"""The page's handlers called directly with the scripted fake agent: streaming, panels, player, escaping, stop."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

import app
from pipelines.agent.session import SessionState
from pipelines.core.events import FinalResult, Notice, TextDelta, ToolFinished, ToolStarted
from pipelines.core.models import VideoSource
from pipelines.core.settings import Settings
from pipelines.web.handlers import OUTPUTS
from pipelines.web.panels import PageState
from pipelines.web.player import PLACEHOLDER, player_html, youtube_embed
from pipelines.web.runtime import AppRuntime
from pipelines.web.turn_view import TurnView
from tests.support.ui_fakes import HOSTILE, SEGMENTS, FakeAgent, FakeIndex


def make_handlers(agent_kwargs=None, agent_factory=None) -> tuple[app.Handlers, FakeIndex]:
    index = FakeIndex()
    factory = agent_factory or (lambda s, i: FakeAgent(i, **(agent_kwargs or {})))
    runtime = AppRuntime(Settings(), index_factory=lambda s: index, agent_factory=factory)
    return app.Handlers(runtime, stream_interval_s=0.0), index


async def run_turn(handlers: app.Handlers, message: str, session=None, page=None) -> list[dict]:
    return [dict(zip(OUTPUTS, out, strict=True)) async for out in handlers.chat(message, session, page)]


def is_skip(value) -> bool:
    return isinstance(value, dict) and value.get("__type__") == "update" and len(value) == 1


async def test_turn_streams_tokens_tool_steps_and_panels():
    handlers, _ = make_handlers()
    updates = await run_turn(handlers, "台南 2天")
    answers = [u["chatbot"][-1]["content"] for u in updates if u["chatbot"][-1].get("metadata") is None]
    growing = [a for a in answers if a.startswith("推薦")]
    assert len(growing) > 20, "the answer should arrive token by token"
    assert all(len(b) >= len(a) for a, b in zip(growing, growing[1:], strict=False))
    # tool steps appear pending, then done with a duration
    statuses = [m["metadata"]["status"] for u in updates for m in u["chatbot"] if m.get("metadata")]
    assert "pending" in statuses and statuses[-1] == "done"
    final = updates[-1]
    steps = [m for m in final["chatbot"] if m.get("metadata")]
    titles = [s["metadata"]["title"] for s in steps]
    assert titles == ["🔎 搜尋影片片段：台南 2天 · 台南 → 找到 3 個片段", "🗓️ 排行程：2天 → 2 天行程"]
    assert all(s["metadata"]["status"] == "done" and "duration" in s["metadata"] for s in steps)
    # the table arrives in the same turn, before the answer has finished streaming
    first_table = next(i for i, u in enumerate(updates) if isinstance(u["itinerary"], pd.DataFrame))
    assert first_table < len(updates) - 5
    table = final["itinerary"]
    assert list(table["站"]) == ["1-1", "1-2", "2-1"]
    assert list(table["地點"]) == ["安平古堡", "安平樹屋", "四草綠色隧道"]
    assert list(table["日子"]) == ["第1天 · 台南", "第1天 · 台南", "第2天 · 台南"]
    assert list(table["停留／交通"]) == ["60 分", "60 分 · 路上 20 分", "60 分"]
    assert final["hits"][0][:4] == ["[1]", "安平古堡", "台南", "01:17–01:47"]
    assert 'src="/media/tn-anping-01.mp4#t=77.6,107"' in final["player"]  # from its first subtitle cue
    assert final["map"].count('class="aiyo-pin') == 3 and "播放第 2 天" in final["map"]
    assert "/?trip=" in final["share"]["value"]
    assert "✅ 每天不超時" in final["checks"] and "⚠️ 交通合理" in final["checks"]
    note = "<li>第 1 天中午在安平一帶，影片資料沒有介紹順路的餐廳：午餐可以自備。</li>"
    assert note in final["checks"]  # in plain sight, not hover-only
    assert final["csv"]["value"].endswith("aiyo-itinerary.csv") and final["ics"]["value"].endswith(".ics")
    assert "離線模式" in final["header"]
    # intermediate updates skip panels that did not change
    assert is_skip(updates[1]["player"])


async def test_hostile_text_is_escaped_everywhere():
    handlers, _ = make_handlers()
    final = (await run_turn(handlers, f"台南 {HOSTILE}"))[-1]
    rendered = [m["content"] for m in final["chatbot"]] + [final["checks"], final["player"], final["header"]]
    assert all("<img" not in text for text in rendered)
    assert "&lt;img src=x onerror=alert(1)&gt;" in final["chatbot"][-1]["content"]
    assert "&lt;img src=x onerror=alert(1)&gt;" in final["player"]  # the video title in the caption
    assert "<img" not in final["map"] and "<img" not in final["share"]["value"]


async def test_exports_are_written_per_session():
    handlers, _ = make_handlers()
    final = (await run_turn(handlers, "花蓮 1天"))[-1]
    csv_text = Path(final["csv"]["value"]).read_text(encoding="utf-8")
    assert csv_text.startswith("\ufeff天,") and "七星潭" in csv_text and "台南" not in csv_text
    ics = Path(final["ics"]["value"]).read_bytes()
    assert b"BEGIN:VEVENT" in ics and b"/media/hl-hualien-01.mp4#t=10,37" in ics
    assert final["session"].session_id in final["csv"]["value"]


async def test_second_turn_keeps_history_and_session():
    handlers, _ = make_handlers()
    first = (await run_turn(handlers, "台南 1天"))[-1]
    second = (await run_turn(handlers, "花蓮 1天", first["session"], first["page"]))[-1]
    assert second["session"] is first["session"]
    assert [m["content"] for m in second["chatbot"] if m["role"] == "user"] == ["台南 1天", "花蓮 1天"]
    assert list(second["itinerary"]["日子"]) == ["第1天 · 花蓮", "第1天 · 花蓮"]


async def test_empty_message_changes_nothing():
    handlers, _ = make_handlers()
    updates = await run_turn(handlers, "   ")
    assert len(updates) == 1 and updates[0]["chatbot"] == [] and is_skip(updates[0]["itinerary"])


async def test_stop_cancels_and_closes_the_agent_stream():
    handlers, index = make_handlers({"token_delay": 0.05})
    agent_box = {}

    async def consume():
        async for out in handlers.chat("台南 2天", None, None):
            agent_box["last"] = out

    task = asyncio.create_task(consume())
    while "last" not in agent_box or not str(agent_box["last"][0][-1]["content"]).startswith("推"):
        await asyncio.sleep(0.02)
    task.cancel()  # what Gradio does for `cancels=`
    with pytest.raises(asyncio.CancelledError):
        await task
    agent = handlers.runtime.agent
    assert agent.closed == 1 and agent.turns == 1
    assert "（台南 2天）" not in agent_box["last"][0][-1]["content"]  # stopped mid-answer


async def test_warm_up_failure_is_shown_in_zh_tw():
    def broken(settings, index):
        raise RuntimeError("boom")

    handlers, _ = make_handlers(agent_factory=broken)
    final = (await run_turn(handlers, "台南"))[-1]
    assert final["chatbot"][-1]["content"].startswith("⚠️ 啟動失敗")
    assert "啟動失敗" in final["header"]


async def test_agent_error_mid_turn_becomes_a_message():
    from pipelines.core.errors import LLMUnavailableError

    class Failing(FakeAgent):
        async def stream(self, message, session):
            yield ToolStarted(call_id="x", name="search_segments", arguments={"query": message})
            raise LLMUnavailableError("模型沒有回應")

    handlers, _ = make_handlers(agent_factory=lambda s, i: Failing(i))
    final = (await run_turn(handlers, "台南"))[-1]
    step, error = final["chatbot"][-2:]
    assert step["metadata"]["status"] == "done" and "未完成" in step["content"]
    assert error["content"] == "⚠️ 模型沒有回應"


async def test_clicking_rows_plays_segments():
    handlers, _ = make_handlers()
    final = (await run_turn(handlers, "台南 2天"))[-1]
    session = final["session"]
    row = final["itinerary"].iloc[2].tolist()
    html = handlers.play_stop(session, final["page"], SimpleNamespace(index=[2, 3], row_value=row))
    assert 'src="/media/tn-anping-01.mp4#t=46.54,77"' in html and " autoplay" in html
    assert is_skip(handlers.play_stop(session, final["page"], SimpleNamespace(index=[0, 0], row_value=["9-9"])))
    html = handlers.play_hit(final["page"], SimpleNamespace(index=[2, 1], row_value=final["hits"][2]))
    assert 'data-start="107.72" data-end="137"' in html
    assert is_skip(handlers.play_hit(None, SimpleNamespace(index=[0, 0], row_value=["[1]"])))


def test_reset_clears_session_and_panels():
    handlers, _ = make_handlers()
    session = SessionState(hits=SEGMENTS[:1])
    chatbot, kept, page, hits, table, checks, player, plan_map, *_ = handlers.reset(session, None)
    assert kept is session and session.hits == [] and chatbot == [] and hits == [] and table.empty
    assert list(table.columns)[:3] == ["站", "日子", "時間"]  # an empty table keeps its headers, not 「1 2 3」
    assert "排好行程後" in plan_map
    assert page.messages == [] and page.hits == []
    assert player == PLACEHOLDER


def test_turn_view_handles_notices_and_corrected_final_answer():
    view = TurnView([], "hi")
    view.apply(TextDelta(delta="你好[9]"))
    view.apply(Notice(message="改用離線模式"))
    view.apply(ToolStarted(call_id="a", name="other_tool", arguments={"x": [1, 2]}))
    view.apply(ToolFinished(call_id="a", name="other_tool", ok=False, summary="壞了", duration_ms=1500))
    view.apply(FinalResult(answer="你好[1]", backend="offline"))
    contents = [m["content"] for m in view.messages]
    assert contents[1] == "你好[9]" and contents[2] == "ℹ️ 改用離線模式" and contents[-1] == "你好[1]"
    step = view.messages[3]
    assert step["metadata"] == {"title": "🔧 other_tool（失敗） → 壞了", "status": "done", "id": "a", "duration": 1.5}


def test_local_player_plays_exactly_the_segment():
    seg = SEGMENTS[0].model_copy(update={"start_s": 77.6, "end_s": 106.2})
    html = player_html(seg)
    assert 'src="/media/tn-anping-01.mp4#t=77.6,106.2"' in html and 'data-start="77.6" data-end="106.2"' in html
    assert 'data-start="78.25"' in player_html(seg, start_s=78.25)  # where the segment's own footage begins
    assert "autoplay" not in html and "<script" not in html


def test_youtube_player_is_a_nocookie_embed_with_integer_span():
    seg = SEGMENTS[0].model_copy(update={"source": VideoSource(kind="youtube", ref="dQw4w9WgXcQ"), "start_s": 12.7})
    html = player_html(seg)
    assert (
        'src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?start=12&amp;end=107&amp;rel=0&amp;autoplay=1"' in html
    )
    assert 'referrerpolicy="strict-origin-when-cross-origin"' in html
    with pytest.raises(ValueError):
        youtube_embed('abc"><script>', 0, 1, "x")
    # a source that slipped past validation is still refused by the player
    bad = VideoSource.model_construct(kind="local", ref="../../etc/passwd")
    with pytest.raises(ValueError):
        player_html(seg.model_copy(update={"source": bad}))


async def _consume_until(handlers, message, page, until):
    """Run a turn in a task until ``until(last_update)``; returns (task, updates)."""
    updates: list[dict] = []

    async def consume():
        async for out in handlers.chat(message, None, page):
            updates.append(dict(zip(OUTPUTS, out, strict=True)))

    task = asyncio.create_task(consume())
    while not (updates and until(updates[-1])):
        assert not task.done(), "the turn ended before the moment to stop it"
        await asyncio.sleep(0.01)
    return task, updates


async def test_stop_button_ends_the_turn_cleanly_and_the_next_one_works():
    handlers, _ = make_handlers({"token_delay": 0.05, "tool_delay": 0.0})
    page = PageState()
    task, updates = await _consume_until(
        handlers, "台南 2天", page, lambda u: str(u["chatbot"][-1]["content"]).startswith("推薦先")
    )
    await handlers.stop(page)
    await asyncio.wait_for(task, 5)  # the event ends normally: no CancelledError for Gradio to turn into 「錯誤」
    last = updates[-1]["chatbot"]
    agent = handlers.runtime.agent
    assert agent.closed == 1, "the backend stream is closed"
    assert last[0]["content"] == "台南 2天" and last[-1]["content"] == "⏹️ 已停止產生回答。"
    assert "（台南 2天）" not in last[-2]["content"]  # the partial answer stays, cut where it was
    assert all(m["metadata"]["status"] == "done" for m in last if m.get("metadata"))
    # the next message works, with the stopped turn in its history
    final = (await run_turn(handlers, "花蓮 1天", updates[-1]["session"], page))[-1]
    assert final["chatbot"][-1]["content"].endswith("（花蓮 1天）") and "⏹️ 已停止產生回答。" in str(final["chatbot"])


async def test_stop_pressed_before_the_turn_starts_still_stops_it():
    handlers, _ = make_handlers()
    page = PageState()
    handlers.sent("台南", page)  # 送出 ... and 停止 before the queued turn began
    await handlers.stop(page)
    updates = await run_turn(handlers, "台南", None, page)
    assert [m["content"] for m in updates[-1]["chatbot"]] == ["台南", "⏹️ 已停止產生回答。"]
    assert handlers.runtime.agent is None or handlers.runtime.agent.turns == 0
    await handlers.stop(page)  # 停止 with nothing running changes nothing for the next message
    final = (await run_turn(handlers, "台南", None, page))[-1]
    assert final["chatbot"][-1]["content"].endswith("（台南）")


async def test_a_stop_chosen_during_a_turn_is_not_replaced_at_its_end():
    handlers, _ = make_handlers({"token_delay": 0.02})
    page = PageState()
    task, updates = await _consume_until(handlers, "台南 2天", page, lambda u: isinstance(u["itinerary"], pd.DataFrame))
    session = updates[-1]["session"]
    chosen = handlers.play_stop(session, page, SimpleNamespace(index=[2, 0], row_value=["2-1"]))
    assert 'data-segment="tn-anping-01#02"' in chosen
    await task
    assert is_skip(updates[-1]["player"]), "the end of the turn must not replace the traveller's choice"
    assert updates[-1]["chatbot"][-1]["content"].endswith("（台南 2天）")  # the turn itself finished


async def test_too_long_message_gets_a_clear_message():
    handlers, _ = make_handlers()
    page = PageState()
    text = "台南" * 1500
    box, outbox = handlers.sent(text, page)
    assert is_skip(box) and outbox == text  # the text stays in the box to be shortened
    final = (await run_turn(handlers, text, None, page))[-1]
    assert final["chatbot"][-1]["content"].startswith("⚠️ 訊息有 3,000 字，超過上限 2,000 字")
    assert len(final["chatbot"][0]["content"]) <= 300
    assert handlers.runtime.agent is None or handlers.runtime.agent.turns == 0


async def test_a_message_during_warm_up_is_answered_at_once_with_a_notice():
    import threading

    gate = threading.Event()

    def slow_agent(settings, index):
        gate.wait(10)
        return FakeAgent(index)

    handlers, _ = make_handlers(agent_factory=slow_agent)
    handlers.runtime.start()
    seen = []
    async for out in handlers.chat("台南", None, None):
        seen.append(dict(zip(OUTPUTS, out, strict=True)))
        if len(seen) == 2:
            assert "服務還在啟動中" in seen[-1]["chatbot"][-1]["content"]
            gate.set()
    assert seen[-1]["chatbot"][-1]["content"].endswith("（台南）")


async def test_exports_have_dates_and_absolute_links_from_the_request_host():
    import datetime as dt

    from icalendar import Calendar

    handlers, index = make_handlers()
    request = SimpleNamespace(headers={"host": "aiyo.example.tw", "x-forwarded-proto": "https"}, url=None)
    session = SessionState()
    updates = [dict(zip(OUTPUTS, o, strict=True)) async for o in handlers.chat("花蓮 1天", session, None, request)]
    final = updates[-1]
    ics = Calendar.from_ical(Path(final["ics"]["value"]).read_bytes())
    event = next(iter(ics.walk("VEVENT")))
    assert str(event.get("url")) == "https://aiyo.example.tw/media/hl-hualien-01.mp4#t=10,37"
    import csv

    row = list(csv.reader(Path(final["csv"]["value"]).read_text(encoding="utf-8-sig").splitlines()))[1]
    assert dt.date.fromisoformat(row[1]) > dt.date(2020, 1, 1) and row[6].startswith("https://aiyo.example.tw/media/")
    assert final["share"]["value"].startswith("https://aiyo.example.tw/?trip=")
    # a forged host header cannot put markup or a path into links
    bad = SimpleNamespace(headers={"host": 'evil"><script>/x'}, url=None)
    from pipelines.web.links import base_url

    assert base_url(bad) is None and base_url(bad, "https://set.example/") == "https://set.example"


async def test_shared_link_reopens_the_plan_and_refuses_tampering():
    from pipelines.web.share import decode_trip, encode_trip

    handlers, index = make_handlers()
    first = (await run_turn(handlers, "台南 2天"))[-1]
    token = first["share"]["value"].split("trip=")[1]
    handlers2, _ = make_handlers()
    out = dict(zip(OUTPUTS, await handlers2.open_shared(token, None, None), strict=True))
    assert list(out["itinerary"]["地點"]) == list(first["itinerary"]["地點"])
    assert out["map"].count('class="aiyo-pin') == 3 and "已開啟分享的行程：2 天、3 站" in out["chatbot"][-1]["content"]
    # ids not in the index, broken, oversized or bomb-like tokens are refused in zh-TW
    itinerary = out["session"].itinerary
    ghost = itinerary.model_copy(deep=True)
    ghost.days[0].items[0].segment_id = "xx-ghost-01#01"
    for bad, why in [
        (encode_trip(ghost), "已不在影片索引中"),
        ("not*base64", "格式不對"),
        ("A" * 5000, "太長"),
        (token[:-6], "已損壞"),
    ]:
        out = dict(zip(OUTPUTS, await handlers2.open_shared(bad, None, None), strict=True))
        assert why in out["chatbot"][-1]["content"] and is_skip(out["itinerary"])
    import base64
    import zlib

    bomb = base64.urlsafe_b64encode(zlib.compress(b"[" * 200_000, 9)).decode().rstrip("=")
    with pytest.raises(Exception, match="太大|已損壞|太長"):
        decode_trip(bomb, index)
    # a tampered clock time is not trusted: the plan is verified again and says what fails
    late = itinerary.model_copy(deep=True)
    late.days[0].items[0].start, late.days[0].items[0].end = "23:00", "23:30"
    rebuilt, _ = decode_trip(encode_trip(late), index)
    assert not rebuilt.passed and rebuilt.notes


def test_map_draws_numbered_pins_in_day_colours_with_routes():
    from pipelines.web.handlers import OUTLINE
    from pipelines.web.mapview import map_html
    from tests.support.ui_fakes import fake_plan

    itinerary = fake_plan(SEGMENTS[:3], 2)
    html = map_html(itinerary, {s.segment_id: s for s in SEGMENTS}, OUTLINE, now="1-2")
    assert html.count('<g class="aiyo-pin aiyo-d1') == 2 and html.count('<g class="aiyo-pin aiyo-d2') == 1
    assert 'data-stop="1-2"' in html and "aiyo-now" in html and html.count("<polyline") == 1
    assert "style=" not in html and "<script" not in html and "onclick" not in html  # strict-CSP friendly
    assert "播放第 1 天 · 台南" in html


def test_player_starts_at_the_segments_own_footage():
    from pipelines.web.cues import CueStarts
    from pipelines.web.player import playlist_html

    cues = CueStarts(Path(app.RUNTIME.settings.corpus_dir))
    kenting = SEGMENTS[0].model_copy(
        update={"segment_id": "pt-kenting-01#05", "video_id": "pt-kenting-01", "start_s": 117.0, "end_s": 147.0}
    )
    assert cues.start_of(kenting) == pytest.approx(117.8)  # just after its first cue (117.55), not 01:57
    far = kenting.model_copy(update={"start_s": 118.0})
    assert cues.start_of(far) == 118.0  # no cue in the first seconds: the segment's own start
    html = playlist_html(1, [("1-1", SEGMENTS[0], 77.6), ("1-2", SEGMENTS[2], 107.72)])
    assert 'data-playlist="[{&quot;k&quot;: &quot;1-1&quot;' in html and " autoplay" in html
    assert "<img" not in html  # captions are escaped inside the JSON attribute
