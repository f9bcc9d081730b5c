"""Run the real FastAPI + Gradio app on a free loopback port in a background thread (issue 5 tests)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from gradio_client import Client
from llama_index.core.embeddings import MockEmbedding
from qdrant_client import QdrantClient

import app
from pipelines.core.settings import Settings
from pipelines.index.segment_index import SegmentIndex
from pipelines.web.runtime import AppRuntime
from pipelines.web.server import create_app

ROOT = Path(__file__).resolve().parents[2]
_CLIENTS: list[Client] = []


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def offline_runtime(corpus_dir: Path = ROOT / "assets" / "corpus", **overrides) -> AppRuntime:
    """The real offline agent over a corpus in a private in-memory Qdrant.

    Dense vectors are a constant mock (ranking comes from the Chinese sparse branch), so even the
    real 255-segment sample corpus ingests in seconds; the UI tests test the UI, not retrieval.
    """
    settings = Settings(
        qdrant_path=Path(":memory:"), qdrant_url=None, corpus_dir=corpus_dir, llm_backend="offline", **overrides
    )

    def index_factory(s: Settings) -> SegmentIndex:
        index = SegmentIndex(QdrantClient(":memory:"), s, embedder=MockEmbedding(embed_dim=384))
        index.ingest(progress=False)
        return index

    return AppRuntime(settings, index_factory=index_factory)


def client(url: str) -> Client:
    """A gradio_client session (closed when its server stops)."""
    # ssl_verify=False: plain http on loopback, and it skips a ~0.1 s CA bundle load on every request
    _CLIENTS.append(Client(url, verbose=False, download_files=False, ssl_verify=False))
    return _CLIENTS[-1]


@contextmanager
def serve(runtime: AppRuntime, timeout: float = 120.0) -> Iterator[str]:
    """Serve the page for ``runtime`` and yield its base URL once the app is ready."""
    config = uvicorn.Config(create_app(runtime, app.build_demo(runtime)), host="127.0.0.1", port=free_port())
    config.log_level, config.timeout_graceful_shutdown = "warning", 2
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="aiyo-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    assert runtime.wait(timeout), runtime.error
    try:
        yield f"http://127.0.0.1:{config.port}"
    finally:
        server.should_exit = True
        thread.join(15)
        while _CLIENTS:  # after the server stopped their heartbeat streams, closing is quick
            _CLIENTS.pop().close()
