"""`python -m pipelines ingest|search` on a local-mode folder, and the folder lock seen from a second process.

(The same for Qdrant Edge, the default engine, is in tests/index/test_edge.py.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from llama_index.core.embeddings import MockEmbedding
from qdrant_client import QdrantClient

from pipelines.cli.main import main
from pipelines.core.errors import IndexUnavailableError
from pipelines.core.settings import Settings
from pipelines.index import store

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = {"segment_id", "video_id", "title", "place", "city", "start_s", "end_s", "text", "tags", "score", "url"}


@pytest.fixture(autouse=True)
def _fast_embedder(monkeypatch):
    """The CLI's plumbing is under test here, not ranking: a constant embedder keeps it quick."""
    for target in ("pipelines.index.ingest.build_embedder", "pipelines.index.segment_index.build_embedder"):
        monkeypatch.setattr(target, lambda _settings: MockEmbedding(embed_dim=384))


@pytest.fixture
def local_settings(tmp_path: Path, fixture_corpus: Path):
    folder = tmp_path / "qdrant"
    settings = Settings(qdrant_path=folder, qdrant_url=None, corpus_dir=fixture_corpus, qdrant_engine="local")
    yield settings
    store.close_client(settings)


def test_ingest_then_search_json(local_settings: Settings, capsys):
    assert main(["ingest", "--json"], settings_factory=lambda: local_settings) == 0
    counts = json.loads(capsys.readouterr().out)
    assert {k: counts[k] for k in ("added", "updated", "deleted", "skipped", "segments")} == {
        "added": 9, "updated": 0, "deleted": 0, "skipped": 6, "segments": 9,
    }  # fmt: skip
    assert counts["problems"] == []

    assert main(["search", "夜市 小吃", "--city", "台北", "--tags", "美食,夜市", "--limit", "3", "--json"],
                settings_factory=lambda: local_settings) == 0  # fmt: skip
    hits = json.loads(capsys.readouterr().out)
    assert isinstance(hits, list) and 1 <= len(hits) <= 3
    assert all(set(h) == CONTRACT for h in hits)
    assert hits[0]["place"] == "士林夜市" and hits[0]["url"].startswith("/media/tp-night-01.mp4#t=")

    assert main(["ingest"], settings_factory=lambda: local_settings) == 0
    assert "新增 0、更新 0、刪除 0、未變 9、略過 6" in capsys.readouterr().out


def test_search_builds_the_index_on_first_use_and_prints_a_table(local_settings: Settings, capsys):
    assert main(["search", "看日出"], settings_factory=lambda: local_settings) == 0
    out = capsys.readouterr().out
    assert " 1. " in out and "/media/" in out and "[" in out


def test_search_errors_are_zh_tw_on_stderr(local_settings: Settings, capsys):
    assert main(["search", "夜市", "--city", "火星", "--json"], settings_factory=lambda: local_settings) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("錯誤：找不到城市「火星」。目前資料涵蓋：台北、台南、花蓮。")
    assert main(["search", "  ", "--json"], settings_factory=lambda: local_settings) == 2
    assert "請輸入想找的內容" in capsys.readouterr().err


def test_ingest_missing_source_is_an_error(local_settings: Settings, tmp_path: Path, capsys):
    assert main(["ingest", "--source", str(tmp_path / "nowhere")], settings_factory=lambda: local_settings) == 2
    assert "找不到地點表 places.csv" in capsys.readouterr().err


def test_locked_folder_gives_a_clear_error_in_a_second_process(tmp_path: Path, fixture_corpus: Path):
    folder = tmp_path / "qdrant"
    holder = QdrantClient(path=str(folder))  # this process holds the local-mode lock
    try:
        env = {**os.environ, "AIYO_QDRANT_PATH": str(folder), "AIYO_CORPUS_DIR": str(fixture_corpus),
               "AIYO_QDRANT_ENGINE": "local"}  # fmt: skip
        env.pop("AIYO_QDRANT_URL", None)
        run = subprocess.run(
            [sys.executable, "-m", "pipelines", "search", "夜市", "--json"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    finally:
        holder.close()
    assert run.returncode == 2
    assert run.stdout == ""
    assert "正被另一個程式使用" in run.stderr and "AIYO_QDRANT_URL" in run.stderr
    assert "Traceback" not in run.stderr


def test_lock_error_in_process(tmp_path: Path):
    settings = Settings(qdrant_path=tmp_path / "q", qdrant_url=None, qdrant_engine="local")
    first = store.open_client(settings)
    try:
        with pytest.raises(IndexUnavailableError, match="正被另一個程式使用"):
            store.open_client(settings)
    finally:
        first.close()
    store.open_client(settings).close()  # released: opens again


def test_unreachable_server(monkeypatch):
    settings = Settings(qdrant_url="http://127.0.0.1:9", collection="segments")
    with pytest.raises(IndexUnavailableError, match="連不上 Qdrant 伺服器 http://127.0.0.1:9"):
        store.open_client(settings)


def test_shared_client_is_reference_counted(local_settings: Settings):
    from pipelines.index.segment_index import open_index

    first = open_index(local_settings, progress=False)  # builds the index
    second = open_index(local_settings)  # same process, same folder: shares the client
    assert second.client is first.client
    first.close()
    assert second.count() == 9  # still open for the other user
    second.close()
    store.open_client(local_settings).close()  # the last close released the folder lock


def test_failed_open_releases_the_folder(tmp_path: Path, local_settings: Settings):
    from pipelines.core.errors import CorpusError
    from pipelines.index.segment_index import open_index

    empty = local_settings.model_copy(update={"corpus_dir": tmp_path / "no-corpus"})
    with pytest.raises(CorpusError):
        open_index(empty)
    store.open_client(empty).close()
