"""Issue 12, finding 3 at the agent's own edge: ``TravelAgent.stream`` cleans what it is given."""

from __future__ import annotations

import json

from pipelines.agent.session import SessionState
from pipelines.agent.travel_agent import build_agent, run_turn


def test_a_lone_surrogate_and_a_bom_still_make_a_logged_plan(agent_settings, agent_index, tmp_path):
    settings = agent_settings(llm_backend="offline")
    final = run_turn(build_agent(settings, agent_index), "\ud800台南兩\ufeff天一夜", SessionState())
    assert final.itinerary is not None and len(final.itinerary.days) == 2
    assert {stop.city for stop in final.itinerary.stops} == {"台南"}
    lines = [line for p in (tmp_path / "logs").glob("turns-*.jsonl") for line in p.read_text("utf-8").splitlines()]
    logged = [json.loads(line) for line in lines]
    assert [entry["input"] for entry in logged] == ["台南兩天一夜"]
