"""Scripted conversations through the openai client and LlamaIndex's OpenAILike LLM, over HTTP,
against a fake OpenAI-compatible server (as vLLM serves it)."""

from __future__ import annotations

import json

import pytest

from pipelines.agent.session import SessionState
from pipelines.agent.travel_agent import build_agent
from pipelines.core.errors import LLMUnavailableError
from tests.fakes.fake_ollama import FakeOllama
from tests.fakes.fake_openai import FakeOpenAI, Reply
from tests.support.agent_helpers import (
    OPENAI_MODEL,
    assert_cites_only_hits,
    collect,
    final_of,
    finished,
    notices,
    started,
    text_of,
)


@pytest.fixture
def vllm():
    with FakeOpenAI([OPENAI_MODEL], api_key="secret-key") as server:
        yield server


@pytest.fixture
def agent(vllm, agent_settings, agent_index):
    settings = agent_settings(
        llm_backend="openai", openai_base_url=vllm.base_url, openai_api_key="secret-key", retrieval_first=False
    )
    return build_agent(settings, agent_index)


async def test_two_tools_in_one_round_then_an_answer(agent, vllm):
    vllm.add(
        Reply(
            tool_calls=[
                {"name": "search_segments", "arguments": {"query": "夜市", "city": "台北"}},
                {"name": "search_segments", "arguments": {"query": "海邊", "city": "花蓮"}},
            ]
        ),
        Reply(tool_calls=[{"name": "plan_itinerary", "arguments": {"segments": ["tp-night-01#01"], "days": 1}}]),
        Reply(text="晚上衝 [1] 士林夜市，想看海就去 [3] 七星潭！"),
    )
    session = SessionState()
    events = await collect(agent, "台北夜市跟花蓮海邊", session)
    final = final_of(events)
    assert [e.name for e in started(events)] == ["search_segments", "search_segments", "plan_itinerary"]
    assert all(e.ok for e in finished(events)) and len({e.call_id for e in started(events)}) == 3
    assert final.backend == "openai" and final.model == OPENAI_MODEL
    assert final.answer == text_of(events) and final.itinerary is not None
    assert {h.city for h in final.hits} == {"台北", "花蓮"}
    assert_cites_only_hits(final)
    second = vllm.chat_requests()[1]["messages"]
    calls = [m for m in second if m["role"] == "assistant"][-1]["tool_calls"]
    tool_ids = [m["tool_call_id"] for m in second if m["role"] == "tool"]
    assert [c["id"] for c in calls] == tool_ids  # results answer the calls they belong to


async def test_broken_json_arguments_are_reported_back(agent, vllm):
    vllm.add(
        Reply(tool_calls=[{"name": "search_segments", "arguments": '{"query": "台'}]),
        Reply(tool_calls=[{"name": "search_segments", "arguments": {"query": "台南"}}]),
        Reply(text="[1] 林百貨"),
    )
    events = await collect(agent, "台南", SessionState())
    assert [e.ok for e in finished(events)] == [False, True]
    error = [m for m in vllm.chat_requests()[1]["messages"] if m["role"] == "tool"][0]["content"]
    assert "參數錯誤" in error and "query" in error
    assert final_of(events).backend == "openai"


async def test_tool_json_in_text_is_sent_back_as_a_native_call(agent, vllm):
    call = {"name": "search_segments", "arguments": {"query": "赤崁樓"}}
    vllm.add(Reply(text=json.dumps(call, ensure_ascii=False)), Reply(text="[1] 赤崁樓很美"))
    events = await collect(agent, "赤崁樓", SessionState())
    assert final_of(events).answer == "[1] 赤崁樓很美"
    messages = vllm.chat_requests()[1]["messages"]
    assistant = [m for m in messages if m["role"] == "assistant"][-1]
    tool = [m for m in messages if m["role"] == "tool"][-1]
    assert assistant["tool_calls"][0]["id"] == tool["tool_call_id"]  # vLLM rejects an orphan tool message


async def test_stream_error_and_dead_server_fall_back(agent_settings, agent_index, vllm):
    settings = agent_settings(
        llm_backend="openai", openai_base_url=vllm.base_url, openai_api_key="secret-key", llm_failures_to_skip=10
    )
    agent = build_agent(settings, agent_index)
    vllm.add(Reply(text="好的，我來看看有什麼好玩的", stream_error_after=2, error="CUDA out of memory"))
    events = await collect(agent, "台南一日遊", SessionState())
    assert "語言模型發生錯誤" in notices(events)[0].message and final_of(events).backend == "offline"
    # older vLLM: the error arrives as a bare chunk without choices
    vllm.add(Reply(text="好的，我來看看有什麼好玩的", stream_error_after=2, error="OOM", bare_error=True))
    events = await collect(agent, "台南一日遊", SessionState())
    assert notices(events) and final_of(events).backend == "offline"
    # a proxy ends the body cleanly mid-reply: no finish_reason, no [DONE]
    vllm.add(Reply(text="好的，我來看看有什麼好玩的", truncate_after=2))
    events = await collect(agent, "台南一日遊", SessionState())
    assert "沒有正常結束" in notices(events)[0].message and final_of(events).backend == "offline"
    vllm.add(Reply(text="好的，我來看看有什麼", die_after=2))
    events = await collect(agent, "花蓮一日遊", SessionState())
    assert notices(events) and final_of(events).backend == "offline"
    assert final_of(events).itinerary is not None


async def test_unknown_model_and_auto_choice(agent_settings, agent_index, vllm):
    settings = agent_settings(
        llm_backend="openai", openai_base_url=vllm.base_url, openai_api_key="secret-key", openai_model="nope"
    )
    events = await collect(build_agent(settings, agent_index), "台南", SessionState())
    assert "找不到模型 nope" in notices(events)[0].message
    with FakeOllama([]) as ollama:  # Ollama up but without the model: auto moves on to the OpenAI URL
        auto = build_agent(
            agent_settings(ollama_host=ollama.url, openai_base_url=vllm.base_url, openai_api_key="secret-key"),
            agent_index,
        )
    assert auto.backend == "openai" and "ollama pull" in auto.reason and "OpenAI 相容伺服器" in auto.reason
    wrong_key = agent_settings(ollama_host="http://127.0.0.1:9", openai_base_url=vllm.base_url, openai_api_key="bad")
    offline = build_agent(wrong_key, agent_index)
    assert (
        offline.backend == "offline" and "找不到 Ollama" in offline.reason and offline.reason.endswith("改用離線模式")
    )
    assert "bad" not in offline.reason


def test_openai_backend_needs_a_url(agent_settings, agent_index):
    with pytest.raises(LLMUnavailableError, match="AIYO_OPENAI_BASE_URL"):
        build_agent(agent_settings(llm_backend="openai"), agent_index)


async def test_stop_button_closes_the_sse_stream(agent, vllm):
    vllm.add(Reply(text="慢慢說一段很長的話。" * 200, chunk_delay=0.02))
    stream = agent.stream("台南", SessionState())
    async for ev in stream:
        if ev.type == "text":
            break
    await stream.aclose()
    assert vllm.wait_for(lambda: vllm.disconnects == 1, timeout=3) and vllm.completed == 0


async def test_a_server_that_cannot_stream_tool_calls_is_asked_unstreamed(agent, vllm):
    # llama.cpp's server with --chat_format chatml-function-calling: a streamed request with tools
    # gets an empty 200 body (seen with a real Qwen2.5 1.5B there); unstreamed, the same call works
    vllm.streams_tool_calls = False
    vllm.add(
        Reply(tool_calls=[{"name": "search_segments", "arguments": {"query": "安平古堡", "city": "台南"}}]),
        Reply(text="推薦 [1] 安平古堡，傍晚去看夕陽最棒！"),
    )
    events = await collect(agent, "台南看夕陽", SessionState())
    final = final_of(events)
    assert final.backend == "openai" and final.error is None
    assert [e.name for e in started(events)] == ["search_segments"] and all(e.ok for e in finished(events))
    assert final.answer == "推薦 [1] 安平古堡，傍晚去看夕陽最棒！" == text_of(events)
    assert_cites_only_hits(final)
    streamed = [r.get("stream", False) for r in vllm.chat_requests()]
    assert streamed == [True, False, False]  # one empty streamed try, then unstreamed for the turn


async def test_a_llama_cpp_server_gets_a_string_for_every_message(agent_settings, agent_index):
    # llama.cpp's server answers a message with "content": null by a 500: seen with Qwen2.5-Coder-1.5B,
    # whose <tool_call> text AIYO turned into a native call with empty text
    with FakeOpenAI([OPENAI_MODEL], strict_messages=True) as server:
        plan = {"name": "plan_itinerary", "arguments": {"segments": ["[1]", "赤崁樓 [3]"], "days": 1}}
        call = f"<tool_call>\n{json.dumps(plan, ensure_ascii=False)}\n</tool_call>"
        server.add(
            Reply(tool_calls=[{"name": "search_segments", "arguments": {"query": "安平 古蹟", "city": "台南"}}]),
            Reply(text=call),
            Reply(text="先去安平古堡 [1]，接著去赤崁樓 [3]。"),
        )
        settings = agent_settings(llm_backend="openai", openai_base_url=server.base_url, retrieval_first=False)
        events = await collect(build_agent(settings, agent_index), "台南一日遊", SessionState())
        assert all(r.get("content") is not None for q in server.chat_requests() for r in q["messages"])
    final = final_of(events)
    assert final.backend == "openai" and [e.ok for e in finished(events)] == [True, True]
    # the plan took citation numbers and names as the answer writes them
    assert {s.place for s in final.itinerary.stops} == {"安平古堡", "赤崁樓"}
