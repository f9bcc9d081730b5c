"""Opt-in: real turns against a real OpenAI-compatible server (vLLM, llama.cpp server, ...).

Not part of CI (no model can be fetched there). Run, for example, against a llama.cpp server (README,
"A real model on a CPU"):

    AIYO_TEST_REAL_LLM_URL=http://127.0.0.1:8077/v1 AIYO_TEST_REAL_LLM_MODEL=qwen2.5-coder-1.5b \\
        python -m pytest -m real_llm -s tests/agent/test_real_llm.py

Whatever the model does, the traveller gets a grounded answer (every [n] a hit of this turn, no place
the tools did not return, the plan's day count) or the labelled offline answer with a zh-TW notice,
and the turn log says which and why. On a busy 2-core CPU a turn takes minutes.
"""

import os
import re

import pytest

from pipelines.agent.grounding import Facts, check_line
from pipelines.agent.session import SessionState
from pipelines.agent.travel_agent import build_agent
from pipelines.core.events import FinalResult, Notice, ToolFinished
from tests.support.agent_helpers import assert_cites_only_hits, collect, last_log

URL = os.environ.get("AIYO_TEST_REAL_LLM_URL")
pytestmark = [
    pytest.mark.real_llm,
    pytest.mark.skipif(not URL, reason="set AIYO_TEST_REAL_LLM_URL to an OpenAI-compatible /v1 URL"),
]


@pytest.mark.timeout(1800)
@pytest.mark.parametrize(("message", "days"), [("幫我排台南兩天一夜的輕鬆行程", 2), ("台南有哪些古蹟？", None)])
async def test_a_real_model_answers_grounded_or_the_offline_answer_says_so(agent_settings, corpus_index, message, days):
    settings = agent_settings(
        llm_backend="openai",
        openai_base_url=URL,
        openai_model=os.environ.get("AIYO_TEST_REAL_LLM_MODEL", "local"),
        context_window=int(os.environ.get("AIYO_TEST_REAL_LLM_CONTEXT", "4096")),
        max_tokens=256,
        request_timeout_s=900,
        turn_timeout_s=900,
        first_token_timeout_s=600,
    )
    agent = build_agent(settings, corpus_index)
    assert agent.backend == "openai"
    events = await collect(agent, message, SessionState())
    final = events[-1]
    assert isinstance(final, FinalResult)
    notices = [e.message for e in events if isinstance(e, Notice)]
    tools = [e for e in events if isinstance(e, ToolFinished)]
    record = last_log(agent)
    print(f"\noutcome={record['outcome']} problems={record['problems']} error={record['error']}")
    print(f"tools={[(t.name, t.ok, t.summary) for t in tools]} notices={notices}")
    print(f"timings={final.timings}\n{final.answer}")
    assert re.search(r"[\u4e00-\u9fff]", final.answer)
    assert '"name"' not in final.answer and "<tool_call" not in final.answer
    assert_cites_only_hits(final)
    if days is not None:
        assert final.itinerary is not None and len(final.itinerary.days) == days  # the table: from the tools
    if final.backend == "openai":
        assert record["outcome"] in ("llm", "llm_retry") and final.error is None
        facts, day = Facts(hits=list(final.hits), itinerary=final.itinerary), None
        for line in final.answer.splitlines():
            problems, day = check_line(line, facts, day)
            assert not problems, (line, problems)
    else:  # the model failed or answered ungrounded twice: the user was told, and the log says why
        assert notices and final.answer.startswith("【離線模式】")
        assert record["outcome"] in ("fallback", "skipped") and record["error"]
