"""Opt-in: one real turn against a real OpenAI-compatible server (vLLM, llama.cpp server, ...).

Not part of CI (no model can be fetched there). Run, for example, against a llama.cpp server:

    AIYO_TEST_REAL_LLM_URL=http://127.0.0.1:8077/v1 AIYO_TEST_REAL_LLM_MODEL=qwen2.5-coder-1.5b \
        python -m pytest -m real_llm -s tests/test_real_llm.py
"""

import os
import re

import pytest

from pipelines.agent.session import SessionState
from pipelines.agent.travel_agent import build_agent
from pipelines.core.events import FinalResult, Notice, ToolFinished
from tests.support.agent_helpers import assert_cites_only_hits, collect

URL = os.environ.get("AIYO_TEST_REAL_LLM_URL")
pytestmark = [
    pytest.mark.real_llm,
    pytest.mark.skipif(not URL, reason="set AIYO_TEST_REAL_LLM_URL to an OpenAI-compatible /v1 URL"),
]


async def test_a_real_model_answers_a_trip_request(agent_settings, corpus_index):
    settings = agent_settings(
        llm_backend="openai",
        openai_base_url=URL,
        openai_model=os.environ.get("AIYO_TEST_REAL_LLM_MODEL", "local"),
        request_timeout_s=600,
        turn_timeout_s=900,
    )
    agent = build_agent(settings, corpus_index)
    assert agent.backend == "openai"
    events = await collect(agent, "台南一日遊，想吃美食", SessionState())
    final = events[-1]
    assert isinstance(final, FinalResult)
    notices = [e.message for e in events if isinstance(e, Notice)]
    tools = [e for e in events if isinstance(e, ToolFinished)]
    print(f"\nbackend={final.backend} tools={[(t.name, t.ok, t.summary) for t in tools]} notices={notices}")
    print(f"timings={final.timings}\n{final.answer}")
    # whatever the model does, the traveller gets a zh-TW answer that cites only what the tools returned,
    # and no raw tool JSON
    assert re.search(r"[\u4e00-\u9fff]", final.answer)
    assert '"name"' not in final.answer and "<tool_call" not in final.answer
    assert_cites_only_hits(final)
    if final.backend == "openai":
        assert final.error is None
    else:  # the model failed mid-turn: the user was told, and the offline agent finished the turn
        assert notices and final.backend == "offline"
