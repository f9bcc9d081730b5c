"""Qdrant Edge (the default) against qdrant-client local mode on the real sample corpus and the labelled queries.

Both engines get the same points (the shipped vectors, so no embedding) and the same query vectors;
they may order tied scores differently at the cut-off, nothing else.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import yaml
from qdrant_client import QdrantClient

from pipelines.core.settings import ROOT, Settings
from pipelines.index import store
from pipelines.index.embeddings import build_embedder
from pipelines.index.segment_index import SegmentIndex

pytestmark = pytest.mark.skipif(importlib.util.find_spec("qdrant_edge") is None, reason="qdrant-edge-py not installed")

CORPUS = ROOT / "assets" / "corpus"
QUERIES = yaml.safe_load((ROOT / "bench" / "queries.yaml").read_text(encoding="utf-8"))["queries"]


@pytest.fixture(scope="module")
def engines(tmp_path_factory):
    embedder = build_embedder(Settings())
    local_settings = Settings(qdrant_path=Path(":memory:"), qdrant_url=None, corpus_dir=CORPUS, qdrant_engine="local")
    edge_settings = local_settings.model_copy(
        update={"qdrant_path": tmp_path_factory.mktemp("parity") / "qdrant", "qdrant_engine": "edge"}
    )
    local = SegmentIndex(QdrantClient(":memory:"), local_settings, embedder=embedder)
    edge = SegmentIndex(store.open_client(edge_settings), edge_settings, embedder=embedder)
    for index in (local, edge):
        report = index.ingest(progress=False)
        assert report.embedded == 0  # the shipped vectors: both engines hold exactly the same points
    yield local, edge
    local.client.close()
    edge.client.close()


def _ids(hits) -> list[str]:
    return [h.segment_id for h in hits]


def assert_same_up_to_ties(a, b) -> None:
    """Same scores rank by rank; a segment in only one list scores exactly what the last kept one scores."""
    assert [h.score for h in a] == pytest.approx([h.score for h in b], rel=1e-5)
    for hit in [h for h in a if h.segment_id not in _ids(b)] + [h for h in b if h.segment_id not in _ids(a)]:
        assert hit.score == pytest.approx(a[-1].score, rel=1e-5), f"{hit.segment_id} is not a tie at the cut-off"


@pytest.mark.parametrize("mode", ["dense", "sparse"])
def test_each_branch_scores_the_same_on_the_labelled_queries(engines, mode):
    local, edge = engines
    for q in QUERIES:
        assert_same_up_to_ties(local.search(q["q"], limit=10, mode=mode), edge.search(q["q"], limit=10, mode=mode))


def test_hybrid_top10_overlap_and_quality(engines):
    """RRF fuses ranks, so ties broken differently in a branch move fused scores: compare overlap and quality."""
    local, edge = engines
    overlaps, same_top, found = [], 0, {"local": 0, "edge": 0}
    for q in QUERIES:
        a, b = local.search(q["q"], limit=10), edge.search(q["q"], limit=10)
        overlaps.append(len(set(_ids(a)) & set(_ids(b))) / 10)
        same_top += a[0].segment_id == b[0].segment_id
        for name, hits in (("local", a), ("edge", b)):
            found[name] += any(h.place in q["places"] or h.segment_id in q.get("segments", []) for h in hits[:5])
    assert sum(overlaps) / len(overlaps) >= 0.9 and min(overlaps) >= 0.5, sorted(overlaps)[:5]
    assert same_top / len(QUERIES) >= 0.9
    assert abs(found["local"] - found["edge"]) <= 2, found  # recall@5 within 2 queries of 104


def test_filters_give_the_same_segments(engines):
    local, edge = engines
    assert local.cities() == edge.cities() and local.tags() == edge.tags()
    for city in local.cities():
        a, b = local.search("值得去的地方", city=city, limit=20), edge.search("值得去的地方", city=city, limit=20)
        assert {h.city for h in a} == {h.city for h in b} == {city}
        assert_same_up_to_ties(local.search("老街 小吃", city=city, limit=10, mode="sparse"),
                               edge.search("老街 小吃", city=city, limit=10, mode="sparse"))  # fmt: skip
        assert _ids(local.search("看海", city=city, limit=10, mode="dense")) == _ids(
            edge.search("看海", city=city, limit=10, mode="dense")
        )
    for tags in (["夜市"], ["美食", "老街"]):
        a, b = (
            local.search("晚上", tags=tags, limit=20, mode="dense"),
            edge.search("晚上", tags=tags, limit=20, mode="dense"),
        )
        assert _ids(a) == _ids(b) and a and all(set(h.tags) & set(tags) for h in b)


def test_payloads_are_identical(engines):
    local, edge = engines
    assert [s.model_dump() for s in local.all_segments()] == [s.model_dump() for s in edge.all_segments()]
    ids = [s.segment_id for s in local.all_segments()][::17]
    assert edge.get_segments(ids) == local.get_segments(ids)
    hit_a, hit_b = local.search("安平古堡", limit=1)[0], edge.search("安平古堡", limit=1)[0]
    assert hit_a.to_contract() | {"score": 0} == hit_b.to_contract() | {"score": 0}
