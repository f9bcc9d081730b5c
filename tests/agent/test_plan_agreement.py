"""What the model writes agrees with the plan in the table, over HTTP through the real clients (issue 10).

A reply cut by the token limit shows only whole lines; times that are not the plan's are refused; a
model that re-plans the draft's own stops does not reshuffle the table under its answer, so a later
offline follow-up keeps the days the traveller saw; the model's plan keeps the dates the traveller said.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from pipelines.agent.session import SessionState
from pipelines.agent.travel_agent import build_agent
from tests.fakes._server import Reply
from tests.fakes.fake_ollama import FakeOllama
from tests.fakes.fake_openai import FakeOpenAI
from tests.fakes.models import _answer_from_context, grounded_model, lazy_model, truncating
from tests.support.agent_helpers import (
    OLLAMA_MODEL,
    OPENAI_MODEL,
    collect,
    final_of,
    last_log,
    notices,
    text_of,
)

TRIP = "幫我排台南兩天一夜的輕鬆行程"
CUT_NOTE = "完整的行程請看行程表"
ROOT = Path(__file__).resolve().parents[2]


def _agent(kind: str, server, agent_settings, index, **overrides):
    if kind == "openai":
        settings = agent_settings(
            llm_backend="openai", openai_base_url=server.base_url, openai_model=OPENAI_MODEL, **overrides
        )
    else:
        settings = agent_settings(llm_backend="ollama", ollama_host=server.url, **overrides)
    return build_agent(settings, index)


def _server(kind: str, responder):
    return (
        FakeOpenAI([OPENAI_MODEL], responder=responder)
        if kind == "openai"
        else FakeOllama([OLLAMA_MODEL], responder=responder)
    )


def _first_then(first, then=grounded_model):
    """A model that answers its first request as ``first`` does, and the rest as ``then``."""
    calls = []

    def model(body):
        calls.append(body)
        return first(body) if len(calls) == 1 else then(body)

    return model


def _plan_lines(itinerary) -> list[str]:
    return [f"{i.start}–{i.end} {i.place}" for i in itinerary.stops]


# --- 1. a reply cut by the token limit ----------------------------------------------------------------
@pytest.mark.parametrize("kind", ["openai", "ollama"])
async def test_a_reply_cut_by_the_token_limit_shows_only_whole_lines(kind, agent_settings, agent_index):
    model = truncating(grounded_model, line=4)  # 「行程幫你排好囉！」, 第 1 天, two stops, then 3 characters
    with _server(kind, model) as server:
        agent = _agent(kind, server, agent_settings, agent_index)
        events = await collect(agent, TRIP, SessionState())
    final = final_of(events)
    full = model.full[0].splitlines()
    shown = text_of(events)
    assert final.backend == kind and final.error is None and not notices(events)
    assert shown.strip() == final.answer and CUT_NOTE in final.answer
    written = [line for line in final.answer.splitlines() if line.strip() and CUT_NOTE not in line]
    assert written == full[:4]  # the whole lines, in order; nothing of the half line
    assert full[4][:3] not in final.answer.replace(full[2], "").replace(full[3], "")
    assert final.itinerary is not None and len(final.itinerary.days) == 2  # the table is whole
    log = last_log(agent)
    assert log["cut_short"] and log["outcome"] == "llm"


async def test_a_cut_reply_with_nothing_whole_to_show_is_asked_again(agent_settings, agent_index):
    once = _first_then(truncating(grounded_model, line=1, chars=2))  # 「行程幫你排好囉！\n第 」: no stop at all
    with FakeOpenAI([OPENAI_MODEL], responder=once) as server:
        agent = _agent("openai", server, agent_settings, agent_index)
        events = await collect(agent, TRIP, SessionState())
        retry = server.chat_requests()[1]["messages"][-1]["content"]
    final = final_of(events)
    assert "截斷" in retry and "寫短一點" in retry  # the corrective message says why
    assert final.backend == "openai" and not notices(events) and CUT_NOTE not in final.answer
    assert last_log(agent)["outcome"] == "llm_retry" and not last_log(agent)["cut_short"]


# --- 2. times the plan does not have ------------------------------------------------------------------
def _shifted(body):
    """Answers from the draft it was given, every stop three hours later (a night market from 14:40)."""
    reply = grounded_model(body)
    shift = lambda m: f"{int(m.group(1)) + 3:02d}:{m.group(2)}"  # noqa: E731
    return Reply(text=re.sub(r"\b(\d\d):(\d\d)\b", shift, reply.text), prompt_tokens=reply.prompt_tokens)


async def test_times_the_plan_does_not_have_are_asked_again_then_fall_back(agent_settings, agent_index):
    with FakeOpenAI([OPENAI_MODEL], responder=_shifted) as server:
        agent = _agent("openai", server, agent_settings, agent_index)
        events = await collect(agent, TRIP, SessionState())
        requests = server.chat_requests()
    final = final_of(events)
    first = final.itinerary.stops[0]
    retry = requests[1]["messages"][-1]["content"]
    assert len(requests) == 2 and f"「{first.place}」在行程裡是 {first.start}–{first.end}" in retry
    assert final.backend == "offline" and final.answer.startswith("【離線模式】")
    assert all(line in final.answer for line in _plan_lines(final.itinerary))  # chat and table agree
    assert last_log(agent)["error"] == "ungrounded"


async def test_a_corrected_answer_with_the_plans_times_is_kept(agent_settings, agent_index):
    shifted_once = _first_then(_shifted)
    with FakeOpenAI([OPENAI_MODEL], responder=shifted_once) as server:
        agent = _agent("openai", server, agent_settings, agent_index)
        events = await collect(agent, TRIP, SessionState())
        assert len(server.chat_requests()) == 2
    final = final_of(events)
    assert final.backend == "openai" and last_log(agent)["outcome"] == "llm_retry"
    assert all(line in final.answer for line in _plan_lines(final.itinerary))


# --- 3. an LLM-made plan, then an offline follow-up --------------------------------------------------------
def _replans_the_draft(body):
    """Qwen2.5-Coder-1.5B's turn: calls plan_itinerary with the draft's stops (「安平樹屋 [1]」…), then
    answers with the draft's lines from its message, not the tool's result; 「再多一天」 it answers lazily."""
    messages = body["messages"]
    last = max(i for i, m in enumerate(messages) if m["role"] == "user")
    user = messages[last]["content"]
    if "使用者：再多一天" in user:
        return lazy_model(body)
    if body.get("tools") and not any(m["role"] == "tool" for m in messages[last:]):
        names = re.findall(r"^\d\d:\d\d–\d\d:\d\d (.+ \[\d+\])$", user, re.M)
        call = {
            "name": "plan_itinerary",
            "arguments": {"segments": names, "days": 2, "preferences": {"pace": "relaxed"}},
        }
        return Reply(tool_calls=[call])
    return Reply(text=_answer_from_context(user))


async def test_an_offline_follow_up_after_an_llm_plan_keeps_the_days_the_traveller_saw(agent_settings, corpus_index):
    with FakeOpenAI([OPENAI_MODEL], responder=_replans_the_draft) as server:
        agent = _agent("openai", server, agent_settings, corpus_index, corpus_dir=ROOT / "assets" / "corpus")
        session = SessionState()
        first = final_of(await collect(agent, TRIP, session))
        plan_result = [m["content"] for m in server.chat_requests()[1]["messages"] if m["role"] == "tool"][-1]
        assert first.backend == "openai" and "plan_itinerary" in last_log(agent)["tool_calls"][-1]["name"]
        shown = _plan_lines(first.itinerary)
        assert all(line in first.answer for line in shown)  # the table is the plan the answer walks
        assert "行程不變" in plan_result  # re-planning the same stops kept the plan, and the model was told
        events = await collect(agent, "再多一天", session)
    then = final_of(events)
    assert then.backend == "offline" and "前面幾天照舊" in then.answer
    assert then.itinerary.days[:2] == first.itinerary.days  # exactly as they were: stops and times
    assert all(line in then.answer for line in shown) and len(then.itinerary.days) == 3


# --- 4. dates when the model plans itself ------------------------------------------------------------------
TODAY = dt.date(2025, 12, 1)


def _plans_with(start_date: str | None):
    """Searches, then plans the days asked for with this start_date (None: leaves it out), then answers."""

    def model(body):
        messages = body["messages"]
        last = max(i for i, m in enumerate(messages) if m["role"] == "user")
        if any(m["role"] == "tool" and "plan_itinerary" in m["content"][:40] for m in messages[last:]):
            return grounded_model(body)
        reply = grounded_model(body)
        for call in reply.tool_calls:
            if call["name"] == "plan_itinerary" and start_date:
                call["arguments"]["preferences"] = {"start_date": start_date}
        return reply

    return model


@pytest.mark.parametrize("model_date", [None, "2024-12-19"])
async def test_the_models_plan_keeps_the_dates_the_traveller_said(model_date, agent_settings, agent_index):
    with FakeOllama([OLLAMA_MODEL], responder=_plans_with(model_date)) as server:
        agent = _agent("ollama", server, agent_settings, agent_index, retrieval_first=False)
        agent.offline.today = lambda: TODAY
        session = SessionState()
        final = final_of(await collect(agent, "12/19 出發，台南兩天一夜", session))
        calls = [c for c in last_log(agent)["tool_calls"] if c["name"] == "plan_itinerary"]
    assert (
        final.backend == "ollama"
        and calls
        and calls[0]["arguments"].get("preferences", {}).get("start_date") == model_date
    )
    assert [d.date for d in final.itinerary.days] == [dt.date(2025, 12, 19), dt.date(2025, 12, 20)]
    assert session.request.start_date == dt.date(2025, 12, 19)


async def test_a_follow_up_the_model_replans_keeps_the_trips_dates(agent_settings, agent_index):
    with FakeOllama([OLLAMA_MODEL], responder=_plans_with(None)) as server:
        agent = _agent("ollama", server, agent_settings, agent_index, retrieval_first=False)
        agent.offline.today = lambda: TODAY
        session = SessionState()
        await collect(agent, "這週六出發，台南兩天一夜", session)
        assert session.itinerary.days[0].date == dt.date(2025, 12, 6)
        final = final_of(await collect(agent, "改成三天", session))
    assert final.backend == "ollama" and len(final.itinerary.days) == 3
    assert [d.date for d in final.itinerary.days] == [dt.date(2025, 12, 6) + dt.timedelta(days=k) for k in range(3)]
