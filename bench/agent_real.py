"""Real-model benchmark (its own command, not a test): labelled zh-TW turns against a real LLM endpoint.

Runs bench/real_turns.yaml (conversations with follow-ups) through ``TravelAgent`` against any
OpenAI-compatible server (llama.cpp, vLLM) or Ollama, once without and once with retrieval first,
and reports per model and mode: how turns ended (LLM answer, after a corrective retry, offline
fallback and why), grounded answers, right day counts, the model's own tool calls that were valid,
LLM rounds and prompt tokens per turn, TTFT and total p50/p95. Raw per-turn results go to
bench/reports/agent_real/*.jsonl; the report is rebuilt from every file there (and ends with
``notes.md`` from that folder, where what a run found is written down).

    python -m bench.agent_real --url http://127.0.0.1:8077/v1 --model qwen2.5-coder-1.5b \\
        [--backend openai|ollama] [--modes before,after] [--limit N] [--context-window 4096]
    python -m bench.agent_real --report-only
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.support import load_conversations, mock_index, pct
from pipelines.agent.grounding import Facts, check_line
from pipelines.agent.session import SessionState
from pipelines.agent.travel_agent import build_agent
from pipelines.core.citations import cited_numbers
from pipelines.core.events import FinalResult
from pipelines.core.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "reports" / "agent_real"
REPORT = ROOT / "bench" / "reports" / "agent_real.md"
NOTES = RESULTS / "notes.md"  # what the runs found and how they ran (machine, load), kept with the rows


def settings_for(args: argparse.Namespace, mode: str, logs: Path) -> Settings:
    common = {
        "llm_backend": args.backend,
        "retrieval_first": mode == "after",
        "context_window": args.context_window,
        "max_tokens": args.max_tokens,
        "request_timeout_s": args.turn_timeout,
        "turn_timeout_s": args.turn_timeout,
        "first_token_timeout_s": args.first_token_timeout,
        "llm_failures_to_skip": 10_000,  # measure the model, not the breaker
        "logs_dir": logs,
        "qdrant_path": Path(":memory:"),
        "qdrant_url": None,
    }
    if args.backend == "ollama":
        return Settings(ollama_host=args.url, ollama_model=args.model, **common)
    return Settings(openai_base_url=args.url, openai_model=args.model, **common)


async def run_mode(args: argparse.Namespace, mode: str, index, out: Path) -> None:
    logs = Path(tempfile.mkdtemp(prefix=f"aiyo-real-{mode}-"))
    agent = build_agent(settings_for(args, mode, logs), index)
    assert agent.backend == args.backend, f"backend not reachable: {agent.reason}"
    conversations = load_conversations(args.limit, skip=args.from_conversation)
    with out.open("a", encoding="utf-8") as fh:
        for c, conv in enumerate(conversations, start=args.from_conversation):
            session = SessionState()
            for t, label in enumerate(conv):
                began = time.perf_counter()
                final = None
                async for ev in agent.stream(label["text"], session):
                    if isinstance(ev, FinalResult):
                        final = ev
                assert final is not None
                record = _last_log(logs)
                seconds = time.perf_counter() - began
                row = _row(args, mode, agent.profile, c, t, label, final, record, seconds, index, session)
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
                fh.flush()
                print(
                    f"[{mode}] {c}.{t} {label['text']} → {row['outcome']} {row['total_ms'] / 1000:.0f}s",
                    file=sys.stderr,
                )


def _row(args, mode, profile, c, t, label, final: FinalResult, record, seconds, index, session) -> dict[str, Any]:
    model_calls = record.get("tool_calls", [])[record.get("retrieval_calls", 0) :]
    plan = final.itinerary or session.itinerary  # the table the traveller sees after the turn
    return {
        "model": args.model,
        "endpoint": args.backend,
        "mode": mode,
        "profile": profile,
        "conversation": c,
        "turn": t,
        "text": label["text"],
        "kind": label["kind"],
        "days_expected": label.get("days"),
        "cities_expected": label.get("cities", []),
        "outcome": record.get("outcome"),
        "final_backend": final.backend,
        "error": record.get("error"),
        "problems": record.get("problems", []),
        "llm_rounds": record.get("llm_rounds", 0),
        "prompt_tokens": record.get("prompt_tokens"),
        "prompt_tokens_est": record.get("prompt_tokens_est"),
        "model_tool_calls": [{"name": r["name"], "ok": r["ok"]} for r in model_calls],
        "ttft_ms": final.timings.get("ttft_ms"),
        "total_ms": final.timings.get("total_ms", seconds * 1000),
        "itinerary_days": len(plan.days) if plan else None,
        "itinerary_cities": sorted({i.city for i in plan.stops}) if plan else [],
        "grounded": not (recheck := recheck_problems(final, index)),
        "recheck_problems": recheck,
        "answer": final.answer,
    }


def recheck_problems(final: FinalResult, index) -> list[str]:
    """Why the answer kept is not grounded ([] when it is): every [n] is a hit of the turn, and no line names
    a place the tools did not return, cites the wrong place or contradicts the plan's days (the answer
    gate's rules, applied again to what was kept; the plan's left-out stops count as returned)."""
    bad = [f"[{n}] 不是這一輪的片段" for n in cited_numbers(final.answer) if not 1 <= n <= len(final.hits)]
    left_out = [s.place for s in index.get_segments(final.itinerary.left_out)] if final.itinerary else []
    facts = Facts(hits=list(final.hits), itinerary=final.itinerary, known_places=[p for p in left_out if p])
    day = None
    for line in final.answer.splitlines():
        problems, day = check_line(line, facts, day)
        bad += [p.text for p in problems]
    return bad


def _last_log(logs: Path) -> dict[str, Any]:
    lines = [line for f in sorted(logs.glob("turns-*.jsonl")) for line in f.read_text(encoding="utf-8").splitlines()]
    return json.loads(lines[-1]) if lines else {}


# --- report --------------------------------------------------------------------------------------------
def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    llm = [r for r in rows if r["outcome"] in ("llm", "llm_retry")]
    plans = [r for r in rows if r["kind"] == "plan"]
    calls = [c for r in rows for c in r["model_tool_calls"]]
    tokens = [r["prompt_tokens"] if r["prompt_tokens"] is not None else r["prompt_tokens_est"] or 0 for r in rows]
    reasons = Counter(_reason(r) for r in rows if r["outcome"] not in ("llm", "llm_retry"))
    ttft = [r["ttft_ms"] for r in rows if r["ttft_ms"] is not None]
    total = [r["total_ms"] for r in rows]
    return {
        "turns": len(rows),
        "llm_first": sum(r["outcome"] == "llm" for r in rows),
        "llm_retry": sum(r["outcome"] == "llm_retry" for r in rows),
        "fallback": len(rows) - len(llm),
        "reasons": reasons,
        "grounded_llm": sum(r["grounded"] for r in llm),
        "grounded_all": sum(r["grounded"] for r in rows),
        "plans": len(plans),
        "days_ok": sum(r["itinerary_days"] == r["days_expected"] for r in plans),
        "cities_ok": sum(
            bool(r["itinerary_cities"]) and set(r["itinerary_cities"]) <= set(r["cities_expected"]) for r in plans
        ),
        "calls": len(calls),
        "calls_ok": sum(c["ok"] for c in calls),
        "rounds": sum(r["llm_rounds"] for r in rows) / max(1, len(rows)),
        "tokens": sum(tokens) / max(1, len(rows)),
        "reported_tokens": all(r["prompt_tokens"] is not None for r in rows),
        "ttft": (pct(ttft, 0.5), pct(ttft, 0.95)) if ttft else (0, 0),
        "total": (pct(total, 0.5), pct(total, 0.95)) if total else (0, 0),
    }


def _reason(row: dict[str, Any]) -> str:
    error = row.get("error") or row["outcome"]
    return "not grounded after the retry" if error == "ungrounded" else error.split(":")[0]


def report(rows: list[dict[str, Any]]) -> str:
    lines = [
        "# Real-model benchmark",
        "",
        "`python -m bench.agent_real` — the labelled zh-TW turns of bench/real_turns.yaml (conversations with "
        "follow-ups) through `TravelAgent` against a real model, without (**before**) and with (**after**) "
        "retrieval first. Every other guard is on in both modes (answer gate, one corrective retry, limits). "
        "Raw per-turn rows: bench/reports/agent_real/*.jsonl.",
        "",
        "- **answered by the LLM**: first attempt grounded + grounded after the corrective retry; the rest got the "
        "labelled offline answer (reasons below).",
        "- **grounded**: every [n] is a hit of the turn and no line names a place the tools did not return, cites "
        "the wrong place or contradicts the plan's days (checked again on the final answer).",
        "- **right days**: plan turns whose itinerary has the labelled number of days; **right cities**: every stop "
        "in a labelled city.",
        "- **model tool calls**: calls the model itself made (retrieval-first calls not counted), valid = accepted "
        "by the tool's validation.",
        "- **prompt tokens / turn**: summed over the turn's LLM calls; reported by the server where it reports "
        "usage, else estimated from the request (`core.text.estimate_tokens`, marked ~).",
        "",
    ]
    groups: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for r in rows:
        groups.setdefault(f"{r['model']} ({r['endpoint']}, {r['profile']} prompt)", {}).setdefault(
            r["mode"], []
        ).append(r)
    for name, modes in groups.items():
        lines += [f"## {name}", "", "| | " + " | ".join(m for m in ("before", "after") if m in modes) + " |"]
        lines.append("|---|" + "---:|" * len([m for m in ("before", "after") if m in modes]))
        stats = {m: summarise(modes[m]) for m in ("before", "after") if m in modes}
        for label, fn in _ROWS:
            lines.append(f"| {label} | " + " | ".join(fn(s) for s in stats.values()) + " |")
        lines.append("")
        for mode, s in stats.items():
            if s["reasons"]:
                why = "；".join(f"{k} × {v}" for k, v in s["reasons"].most_common())
                lines.append(f"- {mode}: offline answers because: {why}")
        lines.append("")
    if NOTES.exists():
        lines += [NOTES.read_text(encoding="utf-8").strip(), ""]
    return "\n".join(lines)


def _frac(a: int, b: int) -> str:
    return f"{a}/{b} ({100 * a / b:.0f}%)" if b else "–"


_ROWS = [
    ("turns", lambda s: str(s["turns"])),
    (
        "answered by the LLM (first try + after retry)",
        lambda s: f"{s['llm_first'] + s['llm_retry']} ({s['llm_first']} + {s['llm_retry']})",
    ),
    ("offline fallback", lambda s: str(s["fallback"])),
    ("grounded LLM answers", lambda s: _frac(s["grounded_llm"], s["llm_first"] + s["llm_retry"])),
    ("grounded answers shown (LLM or offline)", lambda s: _frac(s["grounded_all"], s["turns"])),
    ("right day count (plan turns)", lambda s: _frac(s["days_ok"], s["plans"])),
    ("right cities (plan turns)", lambda s: _frac(s["cities_ok"], s["plans"])),
    ("valid model tool calls", lambda s: _frac(s["calls_ok"], s["calls"])),
    ("LLM rounds / turn", lambda s: f"{s['rounds']:.2f}"),
    ("prompt tokens / turn", lambda s: f"{'' if s['reported_tokens'] else '~'}{s['tokens']:.0f}"),
    ("TTFT p50 / p95 s", lambda s: f"{s['ttft'][0] / 1000:.1f} / {s['ttft'][1] / 1000:.1f}"),
    ("total p50 / p95 s", lambda s: f"{s['total'][0] / 1000:.1f} / {s['total'][1] / 1000:.1f}"),
]


def write_report() -> str:
    rows = [json.loads(line) for f in sorted(RESULTS.glob("*.jsonl")) for line in f.read_text("utf-8").splitlines()]
    text = report(rows)
    REPORT.write_text(text, encoding="utf-8")
    return text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="OpenAI-compatible /v1 URL or Ollama host")
    parser.add_argument("--model", help="model name on that server")
    parser.add_argument("--backend", choices=["openai", "ollama"], default="openai")
    parser.add_argument("--modes", default="before,after")
    parser.add_argument("--limit", type=int, default=None, help="run only the first N turns")
    parser.add_argument("--from-conversation", type=int, default=0, help="start at this conversation (0-based)")
    parser.add_argument("--part", default="", help="name the results file apart (runs of one model and mode add up)")
    parser.add_argument("--context-window", type=int, default=4096)
    parser.add_argument("--max-tokens", type=int, default=384)
    parser.add_argument("--turn-timeout", type=float, default=900.0)
    parser.add_argument("--first-token-timeout", type=float, default=600.0)
    parser.add_argument("--report-only", action="store_true")
    args = parser.parse_args()
    if not args.report_only:
        if not (args.url and args.model):
            parser.error("--url and --model are needed (or --report-only)")
        RESULTS.mkdir(parents=True, exist_ok=True)
        index = mock_index()
        slug = re.sub(r"[^A-Za-z0-9.-]+", "-", args.model).strip("-")
        for mode in args.modes.split(","):
            out = RESULTS / f"{slug}-{mode}{'-' + args.part if args.part else ''}.jsonl"
            out.unlink(missing_ok=True)
            asyncio.run(run_mode(args, mode, index, out))
    print(write_report())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
