"""``qdrant_engine="edge"``: the same ingest and search behaviour as local mode, on Qdrant Edge shards."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from llama_index.core.embeddings import MockEmbedding
from qdrant_client import QdrantClient

from pipelines.core.errors import IndexUnavailableError, UnknownSegmentError
from pipelines.core.settings import Settings
from pipelines.index import store
from pipelines.index.ingest import ingest
from pipelines.index.points import SparseVectorParams, VectorParams
from pipelines.index.segment_index import SegmentIndex, open_index

pytest.importorskip("qdrant_edge")

ROOT = Path(__file__).resolve().parents[2]


def _edge_settings(folder: Path, corpus: Path) -> Settings:
    return Settings(qdrant_path=folder, qdrant_url=None, corpus_dir=corpus, qdrant_engine="edge")


@pytest.fixture
def edge_settings(tmp_path: Path, corpus_copy: Path):
    settings = _edge_settings(tmp_path / "qdrant", corpus_copy)
    yield settings
    store.close_client(settings)


@pytest.fixture(scope="module")
def edge_index(tmp_path_factory, fixture_corpus: Path):
    """The fixture corpus in an Edge shard, with the real embedder (as the local-mode ``segment_index``)."""
    settings = _edge_settings(tmp_path_factory.mktemp("edge") / "qdrant", fixture_corpus)
    index = open_index(settings, progress=False)
    yield index
    index.close()


def _points(client) -> dict[str, dict]:
    points, _ = client.scroll("segments", limit=1000, with_payload=True)
    return {str(p.id): p.payload for p in points}


def test_edge_client_is_in_process_and_under_its_own_folder(edge_settings: Settings):
    from pipelines.index.edge import EdgeClient

    client = store.get_client(edge_settings)
    assert isinstance(client, EdgeClient) and store.is_local(client)
    assert store.location(edge_settings) == str(edge_settings.qdrant_path / "edge")


def test_reingest_adds_nothing_and_ids_are_stable(edge_settings: Settings):
    client = store.get_client(edge_settings)
    embedder = MockEmbedding(embed_dim=384)
    first = ingest(client, edge_settings, embedder=embedder, progress=False)
    assert (first.added, first.updated, first.deleted, first.skipped, first.segments) == (9, 0, 0, 6, 9)
    before = _points(client)
    assert set(before) == {store.point_id(p["segment_id"]) for p in before.values()}
    assert store.collection_dim(client, "segments") == 384

    second = ingest(client, edge_settings, embedder=embedder, progress=False)
    assert (second.added, second.updated, second.deleted, second.unchanged) == (0, 0, 0, 9)
    assert _points(client) == before

    store.close_client(edge_settings)  # persisted: a new client finds the same points
    reopened = store.get_client(edge_settings)
    assert _points(reopened) == before
    rebuilt = ingest(reopened, edge_settings, rebuild=True, embedder=embedder, progress=False)
    assert (rebuilt.added, rebuilt.segments) == (9, 9)


def test_removed_video_is_deleted(edge_settings: Settings):
    client = store.get_client(edge_settings)
    index = SegmentIndex(client, edge_settings, embedder=MockEmbedding(embed_dim=384))
    index.ingest(progress=False)
    videos_path = edge_settings.corpus_dir / "videos.json"
    videos = [v for v in json.loads(videos_path.read_text(encoding="utf-8")) if v["video_id"] != "hl-coast-01"]
    videos_path.write_text(json.dumps(videos, ensure_ascii=False), encoding="utf-8")
    report = index.ingest(progress=False)
    assert (report.added, report.updated, report.deleted, report.segments) == (0, 0, 2, 7) and index.count() == 7
    assert all(p["video_id"] != "hl-coast-01" for p in _points(client).values())


def test_hybrid_top_hits_match_local_mode(edge_index, segment_index):
    query = "早餐想喝一碗現燙的牛肉清湯"
    hits = edge_index.search(query, limit=3)
    assert hits[0].segment_id == "tn-anping-01#02" == segment_index.search(query, limit=3)[0].segment_id
    assert hits[0].url == "/media/tn-anping-01.mp4#t=35,57"
    assert hits[0].score >= hits[1].score >= hits[2].score
    for mode in ("dense", "sparse", "hybrid"):
        assert edge_index.search("燕子口", limit=3, mode=mode)[0].place == "太魯閣"
    for query in ("夜市 小吃", "看海", "老街散步", "101 夜景"):
        assert edge_index.search(query, limit=1)[0].segment_id == segment_index.search(query, limit=1)[0].segment_id


def test_city_and_tags_filters(edge_index):
    assert {h.city for h in edge_index.search("古蹟", city="臺南市", limit=10)} == {"台南"}
    night = edge_index.search("晚上去哪裡", tags=["夜市", "夜景"], limit=10)
    assert {h.place for h in night} == {"士林夜市", "台北101"}
    assert {h.place for h in edge_index.search("走走", city="台南", tags="文青", limit=10)} == {"神農街", "林百貨"}
    assert edge_index.cities() == ["台北", "台南", "花蓮"] and edge_index.count() == 9


def test_dbsf_fusion(edge_index):
    dbsf = SegmentIndex(edge_index.client, edge_index.settings.model_copy(update={"fusion": "dbsf"}))
    assert dbsf.search("早餐想喝一碗現燙的牛肉清湯", limit=3)[0].segment_id == "tn-anping-01#02"


def test_get_segments_keeps_order_and_reports_unknown(edge_index):
    ids = ["tp-night-01#02", "tn-anping-01#01", "tp-night-01#02"]
    assert [s.segment_id for s in edge_index.get_segments(ids)] == ids
    with pytest.raises(UnknownSegmentError) as err:
        edge_index.get_segments(["tn-anping-01#01", "nope#01", "gone#02"])
    assert err.value.ids == ["nope#01", "gone#02"]
    assert [s.segment_id for s in edge_index.all_segments()] == sorted(s.segment_id for s in edge_index.all_segments())


def test_lock_error_in_process(edge_settings: Settings):
    first = store.open_client(edge_settings)
    first.create_collection("segments", {store.DENSE: VectorParams(size=4, distance="Cosine")})
    first.close()
    first = store.open_client(edge_settings)  # opens (and locks) the existing shard
    try:
        with pytest.raises(IndexUnavailableError, match="正被另一個程式使用"):
            store.open_client(edge_settings)
    finally:
        first.close()
    store.open_client(edge_settings).close()  # released: opens again


def test_locked_folder_gives_a_clear_error_in_a_second_process(edge_settings: Settings):
    holder = store.get_client(edge_settings)
    ingest(holder, edge_settings, embedder=MockEmbedding(embed_dim=384), progress=False)
    env = {**os.environ, "AIYO_QDRANT_PATH": str(edge_settings.qdrant_path), "AIYO_QDRANT_ENGINE": "edge",
           "AIYO_CORPUS_DIR": str(edge_settings.corpus_dir)}  # fmt: skip
    env.pop("AIYO_QDRANT_URL", None)
    run = subprocess.run(
        [sys.executable, "-m", "pipelines", "search", "夜市", "--json"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 2
    assert run.stdout == ""
    assert "正被另一個程式使用" in run.stderr and "AIYO_QDRANT_URL" in run.stderr
    assert "Traceback" not in run.stderr


def test_missing_package_names_the_pip_install(monkeypatch, tmp_path: Path):
    from pipelines.index.edge import EdgeClient

    monkeypatch.setitem(sys.modules, "qdrant_edge", None)
    with pytest.raises(ImportError, match="pip install qdrant-edge-py"):
        EdgeClient(tmp_path / "edge")


# --- issue 13: Edge as the embedded default -------------------------------------------------------
def _sparse_scores(index: SegmentIndex, query: str) -> dict[str, float]:
    return {h.segment_id: round(h.score, 4) for h in index.search(query, limit=10, mode="sparse")}


def test_idf_after_deletes_matches_local_mode(edge_settings: Settings, make_settings):
    """Edge counts deleted points in IDF until a vacuum; ingest optimises, so scores equal local mode's (exact)."""
    embedder = MockEmbedding(embed_dim=384)
    edge = SegmentIndex(store.get_client(edge_settings), edge_settings, embedder=embedder)
    local = SegmentIndex(QdrantClient(":memory:"), make_settings(edge_settings.corpus_dir), embedder=embedder)
    for index in (edge, local):
        index.ingest(progress=False)
    videos_path = edge_settings.corpus_dir / "videos.json"
    videos = [v for v in json.loads(videos_path.read_text(encoding="utf-8")) if v["video_id"] != "tp-night-01"]
    videos_path.write_text(json.dumps(videos, ensure_ascii=False), encoding="utf-8")
    for index in (edge, local):
        assert index.ingest(progress=False).deleted == 2
    for query in ("古蹟 老街", "海邊 日出", "牛肉湯"):
        assert _sparse_scores(edge, query) == _sparse_scores(local, query)
    local.client.close()


def test_lock_holds_before_any_collection_exists(edge_settings: Settings):
    from pipelines.index.edge import EdgeClient

    first = EdgeClient(edge_settings.qdrant_path / "edge")  # empty folder: nothing for Edge itself to lock yet
    try:
        with pytest.raises(IndexUnavailableError, match="正被另一個程式使用"):
            EdgeClient(edge_settings.qdrant_path / "edge")
    finally:
        first.close()
    EdgeClient(edge_settings.qdrant_path / "edge").close()


def test_killed_create_leaves_no_half_collection(edge_settings: Settings):
    from pipelines.index.edge import CREATING, EdgeClient

    folder = edge_settings.qdrant_path / "edge"
    (folder / f"segments{CREATING}" / "segments").mkdir(parents=True)  # what a kill inside create leaves
    (folder / "segments" / "wal").mkdir(parents=True)  # a shard folder without its config
    client = EdgeClient(folder)
    try:
        assert not (folder / f"segments{CREATING}").exists() and not client.collection_exists("segments")
        store.create_collection(client, "segments", 4)
        assert client.collection_exists("segments") and store.collection_dim(client, "segments") == 4
        assert set(client.get_collection("segments").payload_schema) == set(store.KEYWORD_FIELDS)
    finally:
        client.close()


def test_metadata_is_kept_across_reopening(edge_settings: Settings):
    client = store.open_client(edge_settings)
    store.create_collection(client, "segments", 4)
    client.update_collection("segments", metadata={"a": 1})
    client.update_collection("segments", metadata={"b": {"c": "台南"}})
    client.close()
    client = store.open_client(edge_settings)
    try:
        assert client.get_collection("segments").config.metadata == {"a": 1, "b": {"c": "台南"}}
    finally:
        client.close()


def test_local_mode_folder_is_migrated_with_a_message_and_left_alone(edge_settings: Settings, caplog):
    local = edge_settings.model_copy(update={"qdrant_engine": "local"})
    client = store.open_client(local)
    ingest(client, local, embedder=MockEmbedding(embed_dim=384), progress=False)
    client.close()
    before = sorted(p.name for p in edge_settings.qdrant_path.iterdir())
    reasons: list[str] = []
    with open_index(edge_settings, on_build=reasons.append, progress=False) as index:
        assert reasons == ["migrating"] and index.count() == 9
    assert "改用 Qdrant Edge 重新建立" in caplog.text
    assert sorted(p.name for p in edge_settings.qdrant_path.iterdir()) == sorted([*before, "edge"])
    with open_index(edge_settings, on_build=reasons.append) as index:  # migrated once: no second build
        assert reasons == ["migrating"] and index.needs_ingest() is None
    client = store.open_client(local)  # the old folder still opens in local mode, untouched
    try:
        assert client.count("segments").count == 9
    finally:
        client.close()


def test_a_collection_without_payload_indexes_opens_and_ingest_adds_them(edge_settings: Settings):
    client = store.get_client(edge_settings)
    client.create_collection(  # what an older AIYO left, or a run killed between creating and indexing
        "segments",
        {store.DENSE: VectorParams(size=384, distance="Cosine")},
        {store.SPARSE: SparseVectorParams(modifier="idf")},
    )
    index = SegmentIndex(client, edge_settings, embedder=MockEmbedding(embed_dim=384))
    assert index.cities() == [] and index.needs_ingest() == "empty"
    index.ingest(progress=False)
    assert set(client.get_collection("segments").payload_schema) == set(store.KEYWORD_FIELDS)
    assert index.cities() == ["台北", "台南", "花蓮"] and index.needs_ingest() is None


@pytest.mark.parametrize("kind", ["own types", "qdrant-client models"])
def test_the_adapter_reads_our_types_and_qdrant_client_models_alike(tmp_path: Path, kind: str):
    """The index sends its own types; the benchmarks hand the adapter qdrant-client models (same fields)."""
    from qdrant_client import models as qm

    from pipelines.index import points
    from pipelines.index.edge import EdgeClient

    m = points if kind == "own types" else qm
    client = EdgeClient(tmp_path / "edge")
    try:
        client.create_collection(
            "segments",
            {store.DENSE: m.VectorParams(size=2, distance="Cosine")},
            {store.SPARSE: m.SparseVectorParams(modifier="idf")},
        )
        rows = [("a", [1.0, 0.0], [1], "台南", ["美食"]), ("b", [0.0, 1.0], [2], "台北", ["美食"]),
                ("c", [0.7, 0.7], [1, 2], "台南", ["夜市"]), ("d", [0.9, 0.1], [1], "台南", ["美食"])]  # fmt: skip
        client.upsert("segments", [
            m.PointStruct(id=store.point_id(sid), payload={"segment_id": sid, "city": city, "tags": tags},
                          vector={store.DENSE: dense, store.SPARSE: m.SparseVector(indices=ix, values=[1.0] * len(ix))})
            for sid, dense, ix, city, tags in rows
        ])  # fmt: skip
        gone = [store.point_id("d")]
        client.delete("segments", gone if m is points else qm.PointIdsList(points=gone))
        flt = m.Filter(must=[m.FieldCondition(key="city", match=m.MatchValue(value="台南")),
                             m.FieldCondition(key="tags", match=m.MatchAny(any=["美食", "住宿"]))])  # fmt: skip
        res = client.query_points("segments", query=m.FusionQuery(fusion="rrf"), limit=5, prefetch=[
            m.Prefetch(query=[1.0, 0.1], using=store.DENSE, filter=flt, limit=5),
            m.Prefetch(query=m.SparseVector(indices=[1], values=[1.0]), using=store.SPARSE, filter=flt, limit=5),
        ])  # fmt: skip
        assert [p.payload["segment_id"] for p in res.points] == ["a"]
        assert store.collection_dim(client, "segments") == 2 and client.count("segments").count == 3
    finally:
        client.close()
