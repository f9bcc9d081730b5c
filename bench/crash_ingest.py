"""Crash safety: ``python -m bench.crash_ingest [--kills 20]`` SIGKILLs ingest on each embedded engine.

Each round starts the real ``python -m pipelines ingest`` (half the time ``--rebuild``, so creating and
deleting collections gets killed too) on the fixture corpus with a slow hash embedder, SIGKILLs it at a
random moment, and reopens the folder: it must open, and either say why it needs an ingest or be
exactly the corpus. After the last round one normal start must converge. Writes
bench/reports/crash_ingest.md (the suite runs two rounds per engine: tests/index/test_crash_safety.py).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import pipelines.index.ingest
import pipelines.index.segment_index
from pipelines.core.settings import Settings
from pipelines.index import store
from tests.support.crash import converge, full_run_s, kill_once
from tests.support.embedders import HashEmbedding

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--seed", type=int, default=2025)
    ap.add_argument("--delay", type=float, default=0.4, help="seconds each embedded batch takes in the child")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "reports" / "crash_ingest.md")
    args = ap.parse_args(argv)
    embedder = HashEmbedding()
    pipelines.index.ingest.build_embedder = lambda _settings: embedder  # as the child does
    pipelines.index.segment_index.build_embedder = lambda _settings: embedder
    engines = ["local"] + (["edge"] if importlib.util.find_spec("qdrant_edge") else [])
    lines = [
        "# Crash safety of ingest (issue 13)\n",
        f"`python -m bench.crash_ingest --kills {args.kills} --seed {args.seed} --delay {args.delay}`; load "
        f"average at start {os.getloadavg()[0]:.1f}. Fixture corpus (9 segments), batches of 2, {args.delay} s per "
        "embedded batch; "
        "kill moment uniform between the child being ready and 1.1× the time a whole run takes (measured first, "
        "shown as *run*). *needs* = what the reopened index said (None = complete, and then checked point by point "
        "against the corpus).\n",
        "| engine | kills | landed mid-run | with --rebuild | reopened as | converged | seconds |",
        "|---|---:|---:|---:|---|---|---:|",
    ]
    for engine in engines:
        rng = random.Random(args.seed)
        started = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="aiyo-crash-") as tmp:
            settings = Settings(qdrant_path=Path(tmp) / "qdrant", qdrant_url=None, qdrant_engine=engine,
                                corpus_dir=ROOT / "tests" / "fixtures" / "corpus")  # fmt: skip
            window = full_run_s(settings, args.delay) * 1.1
            kills = []
            for i in range(args.kills):
                kills.append(kill_once(settings, embedder, rng, window_s=window, delay_s=args.delay))
                print(f"{engine} {i + 1}/{args.kills}: {kills[-1]}", file=sys.stderr)
            try:
                converge(settings)
                converged = "yes"
            except AssertionError as err:
                converged = f"NO: {err}"
            finally:
                store.close_client(settings)
        needs = ", ".join(f"{k} ×{v}" for k, v in Counter(str(k.needs) for k in kills).most_common())
        mid = sum(not k.exited_first for k in kills)
        lines.append(
            f"| {engine} (run {window:.1f} s) | {len(kills)} | {mid} | {sum(k.rebuild for k in kills)} | {needs} "
            f"| {converged} | {time.perf_counter() - started:.0f} |"
        )
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0 if all("NO" not in line for line in lines) else 1


if __name__ == "__main__":
    raise SystemExit(main())
