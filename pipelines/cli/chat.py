"""`python -m pipelines chat "<message>"`: one agent turn; streams to the terminal, or prints JSON."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from pipelines.agent.session import SessionState
from pipelines.core.events import FinalResult, Notice, TextDelta, ToolFinished, ToolStarted
from pipelines.core.settings import Settings


def run_chat(args: argparse.Namespace, settings: Settings) -> int:
    from pipelines.agent.travel_agent import build_agent, run_turn
    from pipelines.index.segment_index import open_index

    if args.backend:
        settings = settings.model_copy(update={"llm_backend": args.backend})
    with open_index(settings) as index:
        agent = build_agent(settings, index)
        if args.json:
            final = run_turn(agent, args.message, SessionState())
            if final.error == "invalid_message":
                print(f"錯誤：{final.answer}", file=sys.stderr)
                return 2
            json.dump(final.to_contract(), sys.stdout, ensure_ascii=False, indent=2)
            sys.stdout.write("\n")
            return 0
        print(f"［{agent.backend}］{agent.reason}", file=sys.stderr)
        final = asyncio.run(_stream_to_terminal(agent, args.message))
    return 2 if final.error == "invalid_message" else 0


async def _stream_to_terminal(agent, message: str) -> FinalResult:
    """The answer on stdout as it streams; tool steps and notices on stderr."""
    final: FinalResult | None = None
    async for ev in agent.stream(message, SessionState()):
        if isinstance(ev, TextDelta):
            sys.stdout.write(ev.delta)
            sys.stdout.flush()
        elif isinstance(ev, ToolStarted):
            args = json.dumps(ev.arguments, ensure_ascii=False)
            print(f"\n… {ev.name} {args[:120]}", file=sys.stderr)
        elif isinstance(ev, ToolFinished):
            print(f"{'✔' if ev.ok else '✘'} {ev.name}：{ev.summary}（{ev.duration_ms:.0f} ms）", file=sys.stderr)
        elif isinstance(ev, Notice):
            print(f"\n⚠ {ev.message}\n", file=sys.stderr)
        elif isinstance(ev, FinalResult):
            final = ev
    sys.stdout.write("\n")
    assert final is not None
    return final
