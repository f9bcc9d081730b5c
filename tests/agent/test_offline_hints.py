"""Every suggestion an answer offers works on that plan: each one is sent as the next turn and must change
the plan as it says (not a greeting, not another city, not a no-op, the days it did not name unchanged),
and never name a day the plan does not have."""

from __future__ import annotations

import datetime as dt

import pytest

from pipelines.agent.session import SessionState
from pipelines.agent.travel_agent import build_agent, run_turn
from pipelines.intent.parser import in_context, parse_request
from tests.support.followups import copy_session, days_named, edit_problems, hints_of, new_failures

WED = dt.date(2025, 12, 10)
PLANS = [
    "台南一日遊",
    "高雄一日遊",
    "高雄兩天一夜",
    "花蓮三天兩夜，想看大自然跟海邊",
    "台北跟新北兩天一夜",
    "宜蘭三天 泡湯",
    "幫我找台灣兩天一夜的輕鬆小旅行",  # the example plan for a city the traveller did not name
    "Plan me a 2-day trip to Tainan with lots of street food",
]


@pytest.fixture(scope="module")
def hint_agent(corpus_index, tmp_path_factory):
    from pipelines.core.settings import Settings

    agent = build_agent(Settings(llm_backend="offline", logs_dir=tmp_path_factory.mktemp("logs")), corpus_index)
    agent.offline.today = lambda: WED
    return agent


@pytest.mark.parametrize("request_text", PLANS)
def test_every_suggestion_works_on_its_plan(hint_agent, corpus_index, request_text):
    session = SessionState()
    first = run_turn(hint_agent, request_text, session)
    before = first.itinerary
    assert before is not None, first.answer
    hints = hints_of(first.answer)
    assert len(hints) >= 2, first.answer
    assert all(n <= len(before.days) for h in hints for n in days_named(h)), hints
    problems: dict[str, list[str]] = {}
    for hint in hints:
        trial = copy_session(session)
        final = run_turn(hint_agent, hint, trial)
        intent = in_context(parse_request(hint, corpus_index.cities(), today=WED), has_plan=True)
        after = final.itinerary
        plans = [before, *([after] if after else [])]
        segments = {s.segment_id: s for s in corpus_index.get_segments({x for p in plans for x in p.segment_ids})}
        found = edit_problems(intent, before, after, segments)
        found += new_failures(before, after, intent) if after else []
        found += ["answered with a greeting"] if "嗨！我是愛遊" in final.answer else []
        if found:
            problems[hint] = found
    assert problems == {}, problems


def test_a_one_day_plan_never_offers_another_day(hint_agent):
    final = run_turn(hint_agent, "台南一日遊", SessionState())
    hints = hints_of(final.answer)
    assert hints and not any(days_named(h) for h in hints), hints
    assert "再多一天" in hints
