"""``python -m tests.support.ingest_child``: the real ``python -m pipelines ingest``, with a slow HashEmbedding.

Settings come from the environment (AIYO_*), like the real command; AIYO_TEST_EMBED_DELAY_S sets the
seconds each batch takes; arguments are passed on (``--rebuild``). Prints ``started`` once imported
and ``embedding <n>`` as batch n starts, so a parent can SIGKILL it at a chosen point of the build
(tests/index/test_build_record.py, tests/support/crash.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pipelines.index.ingest
from pipelines.cli.main import main
from pipelines.core.settings import Settings
from tests.support.embedders import HashEmbedding

ROOT = Path(__file__).resolve().parents[2]


def spawn(settings: Settings, *args: str, batch: int = 2, delay_s: float = 0.05) -> subprocess.Popen:
    """Start this module as a child ingesting into ``settings``' folder (stdout and stderr piped, text)."""
    env = {
        **os.environ,
        "AIYO_QDRANT_PATH": str(settings.qdrant_path),
        "AIYO_QDRANT_ENGINE": settings.qdrant_engine,
        "AIYO_CORPUS_DIR": str(settings.corpus_dir),
        "AIYO_INGEST_BATCH": str(batch),
        "AIYO_TEST_EMBED_DELAY_S": str(delay_s),
    }
    env.pop("AIYO_QDRANT_URL", None)
    cmd = [sys.executable, "-m", "tests.support.ingest_child", *args]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def run() -> int:
    delay = float(os.environ.get("AIYO_TEST_EMBED_DELAY_S", "0.05"))
    embedder = HashEmbedding(delay_s=delay, announce=True)
    pipelines.index.ingest.build_embedder = lambda _settings: embedder
    print("started", flush=True)
    return main(["ingest", "--json", *sys.argv[1:]])  # e.g. --rebuild


if __name__ == "__main__":
    sys.exit(run())
