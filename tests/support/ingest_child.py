"""``python -m tests.support.ingest_child``: the real ``python -m pipelines ingest``, with a slow HashEmbedding.

Settings come from the environment (AIYO_*), like the real command; AIYO_TEST_EMBED_DELAY_S sets the
seconds each batch takes; arguments are passed on (``--rebuild``). Prints ``started`` once imported
and ``embedding <n>`` as batch n starts, so a parent can SIGKILL it at a chosen point of the build
(tests/index/test_build_record.py, tests/support/crash.py).
"""

from __future__ import annotations

import os
import sys

import pipelines.index.ingest
from pipelines.cli.main import main
from tests.support.embedders import HashEmbedding


def run() -> int:
    delay = float(os.environ.get("AIYO_TEST_EMBED_DELAY_S", "0.05"))
    embedder = HashEmbedding(delay_s=delay, announce=True)
    pipelines.index.ingest.build_embedder = lambda _settings: embedder
    print("started", flush=True)
    return main(["ingest", "--json", *sys.argv[1:]])  # e.g. --rebuild


if __name__ == "__main__":
    sys.exit(run())
