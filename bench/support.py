"""What the agent benchmarks share: the labelled turns, an index without an embedder, percentiles."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

import yaml

from pipelines.core.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
TURNS = ROOT / "bench" / "real_turns.yaml"


def load_conversations(limit: int | None = None, skip: int = 0) -> list[list[dict[str, Any]]]:
    """The labelled conversations of bench/real_turns.yaml from the ``skip``-th, cut after ``limit`` turns."""
    conversations = yaml.safe_load(TURNS.read_text(encoding="utf-8"))[skip:]
    if limit is None:
        return conversations
    out, left = [], limit
    for conv in conversations:
        if left <= 0:
            break
        out.append(conv[:left])
        left -= len(out[-1])
    return out


def mock_index():
    """The sample corpus in memory with a constant dense vector: ranking from the Chinese sparse branch,
    ingest in seconds; what the agent does is the point, not the embedder."""
    from llama_index.core.embeddings import MockEmbedding
    from qdrant_client import QdrantClient

    from pipelines.index.segment_index import SegmentIndex

    settings = Settings(qdrant_path=Path(":memory:"), qdrant_url=None)
    index = SegmentIndex(QdrantClient(":memory:"), settings, embedder=MockEmbedding(embed_dim=384))
    index.ingest(progress=False)
    return index


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def med(values: list[float]) -> float:
    return statistics.median(values)
