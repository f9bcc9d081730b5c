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
    assert list(table["日子"]) == ["第1天", "第1天", "第2天"]
    assert final["hits"][0][:4] == ["[1]", "安平古堡", "台南", "01:17–01:47"]
    assert 'src="/media/tn-anping-01.mp4#t=77.35,107"' in final["player"]  # from its first subtitle cue
    assert final["map"].count('class="aiyo-pin') == 3 and "播放第 2 天" in final["map"]
    assert "/?trip=" in final["share"]["value"]
    assert "✅ 每天不超時" in final["checks"] and "⚠️ 交通合理" in final["checks"]
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
    assert list(second["itinerary"]["城市"]) == ["花蓮", "花蓮"]


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
    assert 'src="/media/tn-anping-01.mp4#t=46.29,77"' in html and " autoplay" in html
    assert is_skip(handlers.play_stop(session, final["page"], SimpleNamespace(index=[0, 0], row_value=["9-9"])))
    html = handlers.play_hit(final["page"], SimpleNamespace(index=[2, 1], row_value=final["hits"][2]))
    assert 'data-start="107.47" data-end="137"' in html
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
