"""A turn that always ends, in time, whatever the model server does: streams forever, never answers,
streams a huge tool argument, names tools that do not exist, sends numbers too long to parse."""

from __future__ import annotations

import asyncio
import time

import pytest

from pipelines.agent.session import SessionState
from pipelines.agent.travel_agent import build_agent
from tests.fakes.fake_ollama import FakeOllama, Reply
from tests.fakes.fake_openai import FakeOpenAI
from tests.fakes.models import endless_model, grounded_model, huge_argument_model, hung_model
from tests.support.agent_helpers import (
    OLLAMA_MODEL,
    OPENAI_MODEL,
    collect,
    final_of,
    finished,
    last_log,
    notices,
    started,
    text_of,
    tool_messages,
)


@pytest.fixture
def vllm():
    with FakeOpenAI([OPENAI_MODEL]) as server:
        yield server


async def warm_up(agent, server) -> None:
    """One short turn first (default limits): a process's first turn pays for imports, which is not what
    these tests time."""
    server.add(Reply(text="暖身。"))
    assert final_of(await collect(agent, "你好", SessionState())).backend == "openai"
    server.requests.clear()


def openai_agent(agent_settings, index, server, **overrides):
    settings = agent_settings(llm_backend="openai", openai_base_url=server.base_url, **overrides)
    return build_agent(settings, index)


async def test_the_wall_clock_limit_holds_while_events_keep_coming(agent_settings, agent_index, vllm):
    # the old loop took queued events for ever: a 20 s limit ran 38 s
    await warm_up(openai_agent(agent_settings, agent_index, vllm, retrieval_first=False), vllm)
    agent = openai_agent(agent_settings, agent_index, vllm, turn_timeout_s=3.0, retrieval_first=False)
    vllm.responder = endless_model
    began = time.perf_counter()
    events = await collect(agent, "台南一日遊", SessionState())
    took = time.perf_counter() - began
    [notice] = notices(events)
    assert "台南真的很好玩。" in text_of(events[: events.index(notice)])  # text kept coming until the limit
    assert took < 6.0 and "花太久" in notice.message and final_of(events).backend == "offline"
    assert vllm.wait_for(lambda: vllm.disconnects == 1)  # the endless stream was closed
    assert last_log(agent)["error"].startswith("TurnTimeout")


async def test_a_reply_past_the_size_cap_is_given_up(agent_settings, agent_index, vllm):
    vllm.responder = endless_model
    agent = openai_agent(agent_settings, agent_index, vllm, max_reply_chars=300, retrieval_first=False)
    events = await collect(agent, "台南一日遊", SessionState())
    assert "太長" in notices(events)[0].message and final_of(events).backend == "offline"


async def test_a_huge_tool_argument_neither_stalls_the_server_nor_the_turn(agent_settings, agent_index, vllm):
    agent = openai_agent(agent_settings, agent_index, vllm, retrieval_first=False)
    await warm_up(agent, vllm)
    vllm.responder = huge_argument_model  # 60,000 characters in 12-character fragments
    gaps: list[float] = []

    async def heartbeat() -> None:  # what /health feels: is the event loop free?
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.05)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    beat = asyncio.create_task(heartbeat())
    events = await collect(agent, "台南一日遊", SessionState())
    beat.cancel()
    assert max(gaps) < 1.0  # before: 12–22 s in parse_partial_json, and /health waited with it
    [notice] = notices(events)
    assert "工具參數太長" in notice.message and final_of(events).backend == "offline"
    assert not started(events[: events.index(notice)])  # the call never ran


async def test_a_server_that_never_answers_is_given_up_then_skipped_for_a_while(agent_settings, agent_index):
    with FakeOllama([OLLAMA_MODEL], responder=hung_model) as server:
        settings = agent_settings(
            llm_backend="ollama",
            ollama_host=server.url,
            first_token_timeout_s=0.5,
            llm_skip_s=30,
            retrieval_first=False,
        )
        agent = build_agent(settings, agent_index)
        for _ in range(2):
            began = time.perf_counter()
            events = await collect(agent, "台南一日遊", SessionState())
            assert time.perf_counter() - began < 3.0  # not the 120 s request timeout
            assert "沒有開始回答" in notices(events)[0].message and final_of(events).backend == "offline"
        assert agent.health_status()["state"] == "skipped" and agent.health_status()["retry_in_s"] > 20
        asked = len(server.chat_requests())
        began = time.perf_counter()
        events = await collect(agent, "台南一日遊", SessionState())
        assert time.perf_counter() - began < 1.5 and len(server.chat_requests()) == asked  # not even asked
        assert "暫停使用" in notices(events)[0].message and final_of(events).backend == "offline"
        assert last_log(agent)["outcome"] == "skipped"


async def test_after_the_skip_the_backend_is_probed_and_tried_again(agent_settings, agent_index):
    with FakeOllama([OLLAMA_MODEL], responder=grounded_model) as server:
        settings = agent_settings(llm_backend="ollama", ollama_host=server.url, llm_skip_s=0.2)
        agent = build_agent(settings, agent_index)
        agent.health.record_failure("x")
        agent.health.record_failure("y")
        assert agent.health_status()["state"] == "skipped"
        await asyncio.sleep(0.3)
        assert agent.health_status()["state"] == "probing"
        final = final_of(await collect(agent, "台南一日遊", SessionState()))
        assert final.backend == "ollama" and agent.health_status()["state"] == "ok"
        assert any(r["path"] == "/api/tags" for r in server.requests)  # probed before the turn waited on it


async def test_unknown_tool_names_get_a_zh_tw_error_and_misspellings_are_understood(agent_settings, agent_index, vllm):
    vllm.add(
        Reply(tool_calls=[{"name": "get_weather", "arguments": {"city": "台南"}}]),
        Reply(tool_calls=[{"name": "Search-Segments", "arguments": {"query": "安平古堡", "city": "台南"}}]),
        Reply(text="推薦 [1] 安平古堡！"),
    )
    agent = openai_agent(agent_settings, agent_index, vllm, retrieval_first=False)
    events = await collect(agent, "台南安平", SessionState())
    assert [(e.name, e.ok) for e in finished(events)] == [("get_weather", False), ("search_segments", True)]
    assert finished(events)[0].summary == "沒有這個工具"
    [error] = [m["content"] for m in vllm.chat_requests()[1]["messages"] if m["role"] == "tool"]
    assert "沒有名為「get_weather」的工具" in error and "search_segments" in error and "not found" not in error
    assert final_of(events).backend == "openai"
    assert last_log(agent)["tool_calls"][0]["name"] == "get_weather"


async def test_a_5000_digit_limit_is_named_as_the_problem(agent_settings, agent_index, vllm):
    vllm.add(
        Reply(
            tool_calls=[{"name": "search_segments", "arguments": '{"query": "安平古堡", "limit": ' + "9" * 5000 + "}"}]
        ),
        Reply(text="好的。"),
        Reply(text="好的。"),
    )
    agent = openai_agent(agent_settings, agent_index, vllm, retrieval_first=False)
    await collect(agent, "台南安平", SessionState())
    [error] = tool_messages(vllm.chat_requests()[1])
    assert "limit" in error and "1 到 10" in error and "query" not in error


async def test_two_searches_in_one_ollama_message_get_their_own_ids(agent_settings, agent_index):
    calls = [
        {"name": "search_segments", "arguments": {"query": "夜市", "city": "台北"}},
        {"name": "search_segments", "arguments": {"query": "海邊", "city": "花蓮"}},
    ]
    with FakeOllama([OLLAMA_MODEL], [Reply(tool_calls=calls)], responder=grounded_model) as server:
        settings = agent_settings(llm_backend="ollama", ollama_host=server.url, retrieval_first=False)
        events = await collect(build_agent(settings, agent_index), "台北夜市跟花蓮海邊", SessionState())
        second = server.chat_requests()[1]["messages"]
    assert len({e.call_id for e in started(events)}) == 2 and all(e.ok for e in finished(events))
    results = [m["content"] for m in second if m["role"] == "tool"]
    assert "士林夜市" in results[0] and "七星潭" in results[1]  # answered in the order asked


async def test_qwen3_thinks_only_when_no_tool_is_offered_and_think_text_is_never_shown(agent_settings, agent_index):
    script = [
        Reply(text="<think>使用者要台南。我應該編一個台南市立美術館嗎？不行。</think>台南推薦", thinking="思考中"),
        Reply(text="<think>再想想</think>推薦 [1] 神農街！", thinking="思考中"),
    ]
    with FakeOllama(["qwen3:8b"], script, responder=grounded_model) as server:
        settings = agent_settings(
            llm_backend="ollama", ollama_host=server.url, ollama_model="qwen3:8b", ollama_thinking=True
        )
        events = await collect(build_agent(settings, agent_index), "台南有什麼好玩的", SessionState())
        requests = server.chat_requests()
    assert [(bool(r.get("tools")), r["think"]) for r in requests] == [(True, False), (False, True)]
    assert "think" not in text_of(events) and "美術館" not in text_of(events) and "思考" not in text_of(events)
    assert final_of(events).answer == "推薦 [1] 神農街！"


@pytest.mark.parametrize(
    "written",
    [
        '<tools>[{"name": "search_segments", "arguments": {"query": "夜市", "city": "台北"}}]</tools>',
        '好的，我來查一下：{"name": "search_segments", "arguments": {"query": "夜市", "city": "台北"}}',
        '<tool_call>\n{"name": "search_segments", "arguments": {"query": "夜市", "city": "台北"}}\n</tool_call>',
    ],
)
async def test_tool_calls_written_as_text_are_run(agent_settings, agent_index, written):
    with FakeOllama([OLLAMA_MODEL], [Reply(text=written)], responder=grounded_model) as server:
        settings = agent_settings(llm_backend="ollama", ollama_host=server.url, retrieval_first=False)
        events = await collect(build_agent(settings, agent_index), "台北夜市", SessionState())
    assert [(e.name, e.ok) for e in finished(events)] == [("search_segments", True)]
    assert "search_segments" not in text_of(events) and "士林夜市" in final_of(events).answer
