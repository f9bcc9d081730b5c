"""Helpers for the agent tests (issue 4): run a turn and sort its events."""

from __future__ import annotations

import json
import re

from pipelines.agent.session import SessionState
from pipelines.agent.travel_agent import TravelAgent
from pipelines.core.events import AgentEvent, FinalResult, Notice, TextDelta, ToolFinished, ToolStarted

OLLAMA_MODEL = "qwen2.5:7b-instruct"
OPENAI_MODEL = "Qwen/Qwen2.5-7B-Instruct"


async def collect(agent: TravelAgent, message: str, session: SessionState) -> list[AgentEvent]:
    return [ev async for ev in agent.stream(message, session)]


def final_of(events: list[AgentEvent]) -> FinalResult:
    finals = [e for e in events if isinstance(e, FinalResult)]
    assert len(finals) == 1, f"expected exactly one FinalResult, got {len(finals)}"
    assert events[-1] is finals[0], "the FinalResult must be the last event"
    return finals[0]


def text_of(events: list[AgentEvent]) -> str:
    return "".join(e.delta for e in events if isinstance(e, TextDelta))


def started(events: list[AgentEvent]) -> list[ToolStarted]:
    return [e for e in events if isinstance(e, ToolStarted)]


def finished(events: list[AgentEvent]) -> list[ToolFinished]:
    return [e for e in events if isinstance(e, ToolFinished)]


def notices(events: list[AgentEvent]) -> list[Notice]:
    return [e for e in events if isinstance(e, Notice)]


def assert_cites_only_hits(final: FinalResult) -> None:
    """Every [n] in the answer points at a segment the tools returned this turn."""
    numbers = [int(n) for n in re.findall(r"\[(\d+)\]", final.answer)]
    assert all(1 <= n <= len(final.hits) for n in numbers), (numbers, len(final.hits))


def tool_messages(request: dict) -> list[str]:
    return [m.get("content") or "" for m in request["messages"] if m["role"] == "tool"]


def last_log(agent: TravelAgent) -> dict:
    """The agent's last turn-log line."""
    files = sorted(agent.settings.logs_dir.glob("turns-*.jsonl"))
    return json.loads([line for f in files for line in f.read_text("utf-8").splitlines()][-1])
