"""Issue 12, findings 3, 4 and 6 through the served page: hostile characters, messages users should
never see, and a crowd larger than the app serves at once."""

from __future__ import annotations

import asyncio
import json
import socket
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

import app
from pipelines.agent.travel_agent import build_agent
from pipelines.core.settings import Settings
from pipelines.web.handlers import OUTPUTS
from pipelines.web.runtime import AppRuntime
from tests.support.ui_fakes import FakeAgent, FakeIndex
from tests.support.ui_server import client, offline_runtime, serve


def text(message: dict) -> str:
    content = message["content"]
    return content if isinstance(content, str) else "".join(p.get("text", "") for p in content)


@pytest.fixture(scope="module")
def logged_app(tmp_path_factory):
    """(url, logs folder): the real offline page whose turn log goes to a private folder."""
    logs = tmp_path_factory.mktemp("logs")
    with serve(offline_runtime(logs_dir=logs)) as url:
        yield url, logs


def call_chat(url: str, message: str) -> tuple[str, list]:
    """The documented HTTP API (POST then read the event stream), as curl would use it."""
    body = json.dumps({"data": [message]})  # ensure_ascii: a lone surrogate travels as \ud800
    event_id = httpx.post(f"{url}/gradio_api/call/chat", content=body, headers={"Content-Type": "application/json"})
    event_id.raise_for_status()
    stream = httpx.get(f"{url}/gradio_api/call/chat/{event_id.json()['event_id']}", timeout=60).text
    last_event = [line[len("event: ") :] for line in stream.splitlines() if line.startswith("event: ")][-1]
    last_data = [line[len("data: ") :] for line in stream.splitlines() if line.startswith("data: ")][-1]
    return last_event, json.loads(last_data) or []


def test_a_lone_surrogate_gets_an_answer_and_a_log_line(logged_app):
    url, logs = logged_app
    event, data = call_chat(url, "\ud800台南一日遊")
    assert event == "complete", data
    chatbot = data[0]
    assert [text(m) for m in chatbot if m["role"] == "user"] == ["台南一日遊"]
    assert text(chatbot[-1]).startswith("【離線模式】") and "台南" in text(chatbot[-1])
    lines = [json.loads(line) for p in logs.glob("turns-*.jsonl") for line in p.read_text("utf-8").splitlines()]
    assert any(line["input"] == "台南一日遊" and line["error"] is None for line in lines)


@pytest.mark.parametrize(("hostile", "city"), [("花\u200d蓮一日遊", "花蓮"), ("台\x05南一日遊", "台南")])
def test_invisible_characters_inside_a_city_still_plan_that_city(logged_app, hostile, city):
    url, _ = logged_app
    chatbot, _hits, table, *_ = client(url).predict(hostile, api_name="/chat")
    days = [row[1] for row in table["data"] if row[0]]  # a stop's row: 站, 日子 (day, date, city), 時間, 地點…
    assert days and all(city in day for day in days), days
    assert text(chatbot[0]) == hostile.replace("\u200d", "").replace("\x05", "")


def test_an_overlong_message_gets_one_zh_tw_answer(logged_app):
    url, _ = logged_app
    chatbot, *_ = client(url).predict("台南一日遊" * 500, api_name="/chat")  # 2,500 characters, past the limit
    shown = [text(m) for m in chatbot if m["role"] == "assistant"]
    assert shown == ["⚠️ 訊息有 2,500 字，超過上限 2,000 字；原文還在輸入框，請縮短後再送出。"]
    assert not any("invalid_message" in text(m) for m in chatbot)


async def test_the_fallback_reason_is_said_once(corpus_index, tmp_path):
    with socket.socket() as sock:  # a port nothing listens on: the LLM is down mid-setup
        sock.bind(("127.0.0.1", 0))
        down = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = Settings(llm_backend="ollama", ollama_host=down, logs_dir=tmp_path, qdrant_url=None)
    runtime = AppRuntime(settings, index_factory=lambda s: corpus_index, agent_factory=build_agent)
    handlers = app.Handlers(runtime, stream_interval_s=0.0)
    final = [dict(zip(OUTPUTS, out, strict=True)) async for out in handlers.chat("台南一日遊", None, None)][-1]
    shown = [text(m) for m in final["chatbot"] if m["role"] == "assistant"]
    assert sum("連不上語言模型伺服器" in s for s in shown) == 1, shown
    assert any(s.startswith("【離線模式】") for s in shown) and not any(s.startswith("⚠️") for s in shown)


def test_a_full_line_answers_in_zh_tw_with_a_retry_hint():
    """One turn runs, one waits, the rest hear at once when to come back; nobody sees an English error."""
    settings = Settings(ui_concurrency=1, ui_queue_size=1)

    def slow_agent(s, index):  # ~6 s a turn: all four sessions arrive while the first still runs
        return FakeAgent(index, token_delay=0.1, tool_delay=1.0)

    runtime = AppRuntime(settings, index_factory=lambda s: FakeIndex(), agent_factory=slow_agent)
    with serve(runtime) as url:
        sessions = [client(url) for _ in range(4)]
        with ThreadPoolExecutor(max_workers=4) as pool:
            jobs = [pool.submit(c.predict, f"台南 {i}天", api_name="/chat") for i, c in enumerate(sessions, 1)]
            results = [job.result(timeout=60)[0] for job in jobs]
    served = [r for r in results if text(r[-1]).startswith("推薦先去")]
    refused = [r for r in results if "秒再送出一次" in text(r[-1])]
    assert len(served) == 2 and len(refused) == 2
    for chatbot in refused:
        assert text(chatbot[-1]).startswith("⚠️ 現在同時使用的人很多") and chatbot[0]["role"] == "user"
    assert runtime.agent.turns == 2


async def test_the_gate_lets_turns_in_order_and_frees_a_cancelled_wait():
    from pipelines.web.gate import TurnGate

    gate = TurnGate(running=1, waiting=1)
    first = await gate.enter()
    waiter = asyncio.create_task(gate.enter())
    await asyncio.sleep(0.01)
    assert gate.waiting == 1 and await gate.enter() is None  # the line is full: refused at once
    waiter.cancel()  # the stop button while waiting
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert gate.waiting == 0
    second = asyncio.create_task(gate.enter())
    await asyncio.sleep(0.01)
    assert not second.done()
    gate.leave(first)
    ticket = await asyncio.wait_for(second, 1)
    assert gate.running == 1 and ticket is not None
    gate.leave(ticket)
    assert gate.running == 0 and 5 <= gate.retry_after_s() <= 120
    assert "秒再送出一次" in gate.busy_message()
