"""A default (Edge) index never imports qdrant-client or llama-index-core: each costs ~1 CPU s at start.

bench/reports/startup.md has the figures. Each check runs in a fresh interpreter, since this one
has both loaded by other tests.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("qdrant_edge")

ROOT = Path(__file__).resolve().parents[2]

# Ingest, reopen, search in every mode with filters, look-ups: every call the app and CLI make on Edge.
SCRIPT = """
import json, sys, zlib
from pathlib import Path
import numpy as np
from pipelines.core.settings import Settings
from pipelines.index import store
from pipelines.index.embeddings import BatchEmbedding
from pipelines.index.segment_index import SegmentIndex, open_index

class Tiny(BatchEmbedding):
    model_name = "tiny"
    def _vector(self, text):
        v = np.random.default_rng(zlib.crc32(text.encode())).standard_normal(384)
        return (v / np.linalg.norm(v)).tolist()
    def _query(self, query):
        return self._vector("query: " + query)
    def _passages(self, texts):
        return [self._vector(t) for t in texts]

settings = Settings(qdrant_path=Path(sys.argv[1]), qdrant_url=None, corpus_dir=Path(sys.argv[2]),
                    qdrant_engine="edge", shipped_vectors=False)
index = SegmentIndex(store.get_client(settings), settings, embedder=Tiny(), owns_client=True)
report = index.ingest(progress=False)
index.close()
index = SegmentIndex(store.get_client(settings), settings, embedder=Tiny(), owns_client=True)
out = {
    "segments": report.segments,
    "needs_ingest": index.needs_ingest(),
    "hybrid": [h.city for h in index.search("牛肉湯", city="台南", limit=3)],
    "dense": len(index.search("夜市", mode="dense", limit=2)),
    "sparse": [h.segment_id for h in index.search("夜市", tags=index.tags(), mode="sparse", limit=2)],
    "lookup": [s.segment_id for s in index.get_segments([index.all_segments()[0].segment_id])],
    "loaded": sorted(m for m in ("llama_index", "qdrant_client") if m in sys.modules),
}
index.close()
print(json.dumps(out, ensure_ascii=False))
"""


def test_an_edge_index_is_built_and_searched_without_qdrant_client_or_llamaindex(tmp_path: Path, fixture_corpus):
    run = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "qdrant"), str(fixture_corpus)],
        capture_output=True, text=True, cwd=ROOT, timeout=300, env={"PYTHONPATH": str(ROOT), "PATH": ""},
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    out = json.loads(run.stdout.splitlines()[-1])
    assert out["segments"] > 0 and out["needs_ingest"] is None
    assert out["hybrid"] and set(out["hybrid"]) == {"台南"}
    assert out["dense"] == 2 and out["sparse"] and out["lookup"]
    assert out["loaded"] == []
