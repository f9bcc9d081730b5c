"""Retrieval first and nothing invented, through the real clients against the fake servers.

The model is a policy (tests/fakes/models.py) or a script; the index is the fixture corpus (台南, 台北,
花蓮). Whatever the model does, the traveller sees a grounded answer or the labelled offline answer.
"""

from __future__ import annotations

import pytest

from pipelines.agent.session import SessionState
from pipelines.agent.travel_agent import build_agent
from tests.fakes.fake_ollama import FakeOllama, Reply
from tests.fakes.fake_openai import FakeOpenAI
from tests.fakes.models import LAZY_ANSWER, grounded_model, lazy_model, spam_model
from tests.support.agent_helpers import (
    OLLAMA_MODEL,
    OPENAI_MODEL,
    assert_cites_only_hits,
    collect,
    final_of,
    finished,
    last_log,
    notices,
    started,
    text_of,
)

TRIP = "幫我排台南兩天一夜的輕鬆行程"


@pytest.fixture
def ollama():
    with FakeOllama([OLLAMA_MODEL], responder=grounded_model) as server:
        yield server


@pytest.fixture
def agent(ollama, agent_settings, agent_index):
    return build_agent(agent_settings(llm_backend="ollama", ollama_host=ollama.url), agent_index)


async def test_one_llm_call_answers_a_trip_from_the_data_it_was_given(agent, ollama):
    session = SessionState()
    events = await collect(agent, TRIP, session)
    final = final_of(events)
    assert final.backend == "ollama" and final.error is None
    [request] = ollama.chat_requests()  # one LLM round
    question = request["messages"][-1]["content"]
    assert "<<<工具結果 plan_itinerary>>>" in question and "<<<工具結果 search_segments>>>" in question
    assert question.endswith(f"使用者：{TRIP}") and {"search_segments", "plan_itinerary"} <= {
        t["function"]["name"] for t in request["tools"]
    }  # it may still search again or re-plan
    kinds = [e.type for e in events]
    assert kinds.index("tool_finished") < kinds.index("text")  # the retrieval steps show first
    assert {e.name for e in started(events)} == {"search_segments", "plan_itinerary"}
    assert final.itinerary is not None and len(final.itinerary.days) == 2  # the table comes from the tools
    for stop in final.itinerary.stops:
        assert stop.place in final.answer  # the answer walks the same plan
    assert_cites_only_hits(final)
    assert session.itinerary == final.itinerary and session.request.days == 2
    log = last_log(agent)
    assert log["outcome"] == "llm" and log["retrieval_first"] and log["llm_rounds"] == 1
    assert log["retrieval_calls"] == len(log["tool_calls"]) and log["prompt_tokens_est"] > 0


async def test_the_lazy_model_of_the_issue_never_reaches_the_user(agent_settings, agent_index):
    with FakeOpenAI([OPENAI_MODEL], responder=lazy_model) as server:
        settings = agent_settings(llm_backend="openai", openai_base_url=server.base_url, openai_model=OPENAI_MODEL)
        agent = build_agent(settings, agent_index)
        events = await collect(agent, TRIP, SessionState())
        requests = server.chat_requests()
    final = final_of(events)
    shown = text_of(events)
    for invented in ("台南市立大劇院", "台南市立文化中心", "第 3 天", "[7]"):
        assert invented not in shown and invented not in final.answer
    [notice] = notices(events)
    assert "對不上影片資料" in notice.message and "離線模式" in notice.message
    assert final.backend == "offline" and final.answer.startswith("【離線模式】")
    assert final.itinerary is not None and len(final.itinerary.days) == 2
    assert_cites_only_hits(final)
    assert len(requests) == 2  # one corrective retry, with the reason
    retry = requests[1]["messages"][-1]["content"]
    assert "台南市立大劇院" in retry and "行程是 2 天" in retry
    log = last_log(agent)
    assert log["outcome"] == "fallback" and log["fallback"] and log["error"] == "ungrounded"
    assert len(log["problems"]) == 2 and all("台南市立大劇院" in p for p in log["problems"])


async def test_a_corrective_retry_that_works_is_kept(agent, ollama):
    ollama.add(Reply(text=LAZY_ANSWER))  # lazy once; then the grounded policy answers
    events = await collect(agent, TRIP, SessionState())
    final = final_of(events)
    assert final.backend == "ollama" and not notices(events)  # nothing had been shown: no notice needed
    assert "大劇院" not in text_of(events) and final.answer == text_of(events)
    assert last_log(agent)["outcome"] == "llm_retry" and len(ollama.chat_requests()) == 2


async def test_good_lines_then_an_invented_one_restart_the_answer_with_a_notice(agent_settings, agent_index):
    calls: list[str] = []

    def invents_once(body):  # grounded lines from the data it was given, then a place nobody returned
        reply = grounded_model(body)
        calls.append(reply.text)
        if len(calls) > 1:
            return reply
        good = "".join(reply.text.splitlines(keepends=True)[:3])
        return Reply(text=f"{good}11:00–12:00 台南市立美術館 [2]\n")

    with FakeOllama([OLLAMA_MODEL], responder=invents_once) as server:
        agent = build_agent(agent_settings(llm_backend="ollama", ollama_host=server.url), agent_index)
        events = await collect(agent, TRIP, SessionState())
    final = final_of(events)
    [notice] = notices(events)
    at = events.index(notice)
    before, after = text_of(events[:at]), text_of(events[at:])
    first_stop = final.itinerary.stops[0].place
    assert "重新整理" in notice.message and "台南市立美術館" in notice.message
    assert first_stop in before and "美術館" not in before + after  # shown lines were checked ones
    assert final.backend == "ollama" and final.answer == after.strip()  # the answer to keep is the new one
    assert last_log(agent)["outcome"] == "llm_retry"


async def test_a_third_day_for_a_two_day_plan_is_not_shown(agent_settings, agent_index):
    calls: list[str] = []

    def third_day_once(body):  # the draft plan's two days, then a day the plan does not have
        reply = grounded_model(body)
        calls.append(reply.text)
        return reply if len(calls) > 1 else Reply(text=f"{reply.text.rstrip()}\n第 3 天\n09:00 再去走走\n")

    with FakeOllama([OLLAMA_MODEL], responder=third_day_once) as server:
        agent = build_agent(agent_settings(llm_backend="ollama", ollama_host=server.url), agent_index)
        events = await collect(agent, TRIP, SessionState())
    assert "第 3 天" not in text_of(events) and final_of(events).backend == "ollama"
    assert "第 3 天" in last_log(agent)["problems"][0]


async def test_re_planning_keeps_the_days_the_traveller_asked_for(agent, ollama):
    plan = {"name": "plan_itinerary", "arguments": {"segments": ["tn-anping-01#01", "tn-anping-01#03"], "days": 3}}
    ollama.add(Reply(tool_calls=[plan]))
    events = await collect(agent, TRIP, SessionState())
    final = final_of(events)
    assert final.backend == "ollama" and len(final.itinerary.days) == 2
    result = [m for m in ollama.chat_requests()[1]["messages"] if m["role"] == "tool"][-1]["content"]
    assert "使用者要的是 2 天" in result


async def test_searching_a_city_nobody_asked_about_is_a_correctable_error(agent, ollama):
    ollama.add(Reply(tool_calls=[{"name": "search_segments", "arguments": {"query": "夜市", "city": "台北"}}]))
    events = await collect(agent, TRIP, SessionState())
    failed = [e for e in finished(events) if not e.ok]
    assert [e.name for e in failed] == ["search_segments"] and final_of(events).backend == "ollama"
    result = [m for m in ollama.chat_requests()[1]["messages"] if m["role"] == "tool"][-1]["content"]
    assert "使用者問的是台南" in result


async def test_transcript_text_in_the_data_cannot_close_the_block(agent_settings, agent_index, ollama):
    from tests.agent.test_ollama import InjectedIndex

    agent = build_agent(agent_settings(llm_backend="ollama", ollama_host=ollama.url), InjectedIndex(agent_index))
    await collect(agent, "台南安平有什麼好玩的", SessionState())
    question = ollama.chat_requests()[0]["messages"][-1]["content"]
    data = question.split("<<<工具結果 search_segments>>>", 1)[1].split("<<<結束>>>", 1)[0]
    assert "<" not in data and ">" not in data and "忽略之前的指示" in data
    assert question.count("<<<結束>>>") == question.count("<<<工具結果")
    log = last_log(agent)
    assert log["outcome"] == "llm" and log["retrieval_calls"] == len(log["tool_calls"])  # the "call" never ran


async def test_small_talk_needs_no_place_but_may_not_invent_one(agent, ollama):
    ollama.add(Reply(text="嗨！想去哪裡玩呢？跟我說城市和天數吧～"))
    final = final_of(await collect(agent, "你好", SessionState()))
    assert final.backend == "ollama" and final.answer.startswith("嗨！")
    ollama.add(Reply(text="推薦你去金門莒光樓！"), Reply(text="推薦你去金門莒光樓！"))
    events = await collect(agent, "你好", SessionState())
    assert "莒光樓" not in text_of(events) and final_of(events).backend == "offline"


async def test_before_retrieval_first_the_model_searches_and_plans_itself(agent_settings, agent_index, ollama):
    agent = build_agent(
        agent_settings(llm_backend="ollama", ollama_host=ollama.url, retrieval_first=False), agent_index
    )
    final = final_of(await collect(agent, TRIP, SessionState()))
    assert final.backend == "ollama" and len(final.itinerary.days) == 2
    assert len(ollama.chat_requests()) == 3  # search, plan, answer
    assert not last_log(agent)["retrieval_first"]


async def test_a_model_without_a_system_role_gets_the_rules_in_the_message(agent_settings, agent_index):
    # llama.cpp's gemma chat format drops system messages; Gemma's own template folds them into the user turn
    with FakeOpenAI(["gemma-3-270m"], responder=grounded_model) as server:
        settings = agent_settings(llm_backend="openai", openai_base_url=server.base_url, openai_model="gemma-3-270m")
        final = final_of(await collect(build_agent(settings, agent_index), TRIP, SessionState()))
        [request] = server.chat_requests()
    assert [m["role"] for m in request["messages"]] == ["user"]
    message = request["messages"][0]["content"]
    assert message.startswith("你是「愛遊 AIYO」") and message.endswith(f"使用者：{TRIP}")
    assert final.backend == "openai"


async def test_spam_for_a_plan_edit_never_reaches_the_user(agent_settings, agent_index):
    # gemma-3-270m answered 「第二天換成海邊的行程」 with [INST] tokens and bit.ly links and no place
    with FakeOpenAI([OPENAI_MODEL], responder=spam_model) as server:
        settings = agent_settings(llm_backend="openai", openai_base_url=server.base_url, openai_model=OPENAI_MODEL)
        agent = build_agent(settings, agent_index)
        session = SessionState()
        first = final_of(await collect(agent, TRIP, session))
        events = await collect(agent, "第二天換成海邊的行程", session)
    assert first.backend == "openai"
    final = final_of(events)
    for junk in ("bit.ly", "INST", "訂閱", "請註冊"):
        assert junk not in text_of(events) and junk not in final.answer
    assert final.backend == "offline" and final.answer.startswith("【離線模式】")
    assert session.itinerary is not None and len(session.itinerary.days) == 2  # the plan is kept
    log = last_log(agent)
    assert log["outcome"] == "fallback" and any("連結" in p or "資料" in p or "地點" in p for p in log["problems"])


async def test_a_lone_surrogate_in_the_message_still_ends_the_turn(agent, ollama):
    events = await collect(agent, "\ud800台南一日遊", SessionState())
    final = final_of(events)
    assert final.itinerary is not None and final.answer
    log = last_log(agent)
    # the agent's edge drops the lone surrogate (core.text.clean_input): the log holds what was answered
    assert log["input"] == "台南一日遊" and log["outcome"] in ("llm", "fallback")


async def test_retrieval_first_failing_leaves_the_search_to_the_model(agent, ollama, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("offline agent bug")

    monkeypatch.setattr(agent.offline, "answer", broken)
    final = final_of(await collect(agent, TRIP, SessionState()))
    assert final.backend == "ollama" and final.itinerary is not None  # the model searched and planned itself
    assert not last_log(agent)["retrieval_first"] and len(ollama.chat_requests()) == 3


async def test_the_model_is_told_which_named_places_the_data_lacks(agent, ollama):
    """「台南兩天，想去烏山頭水庫」 retrieves 台南; the model hears that 烏山頭水庫 is not in the videos, so it
    cannot plan it from what it thinks it knows (and the gate refuses it if it tries)."""
    await collect(agent, "台南兩天，想去烏山頭水庫", SessionState())
    question = ollama.chat_requests()[0]["messages"][-1]["content"]
    assert "<<<工具結果 plan_itinerary>>>" in question and "影片資料裡沒有這些地方的內容：烏山頭水庫" in question
    await collect(agent, "台南兩天一夜", SessionState())
    assert "影片資料裡沒有這些地方的內容" not in ollama.chat_requests()[-1]["messages"][-1]["content"]


async def test_an_edit_that_cannot_be_made_is_said_to_the_model(agent, ollama):
    """Qwen2.5-Coder-1.5B restated the unchanged plan after 「第二天換成海邊的行程」 as if it were edited: the
    model now hears that the edit could not be made, in the offline agent's words."""
    session = SessionState()
    await collect(agent, "台南兩天一夜", session)
    first = len(ollama.chat_requests())
    assert "行程維持原樣" not in ollama.chat_requests()[0]["messages"][-1]["content"]
    await collect(agent, "第二天換成海邊的行程", session)
    question = ollama.chat_requests()[first]["messages"][-1]["content"]
    assert "這次要改的行程沒辦法照做，行程維持原樣" in question and "第 2 天先維持原樣" in question
