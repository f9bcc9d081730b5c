"""Our dense embedders as a LlamaIndex ``BaseEmbedding``: ``as_llama_embedding(index.embedder)``.

The index itself never needs this (see :mod:`pipelines.index.embeddings`), so nothing on the app's
start imports this module or llama-index-core; LlamaIndex code that embeds text (a ``VectorStoreIndex``,
a query engine, an agent) does, beside ``pipelines.index.retriever.SegmentRetriever(index)``.
"""

from __future__ import annotations

from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

from pipelines.index.embeddings import Embedder


class LlamaEmbedding(BaseEmbedding):
    """Delegates to an :class:`~pipelines.index.embeddings.Embedder` (E5 prefixes and locks stay with it)."""

    _inner: Any = PrivateAttr()

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._inner.get_query_embedding(query)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._inner.get_text_embedding(text)

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._inner.get_text_embedding_batch(list(texts))


def as_llama_embedding(embedder: Embedder) -> BaseEmbedding:
    """``embedder`` as a BaseEmbedding: a LlamaIndex embedding already is one, ours get wrapped."""
    if isinstance(embedder, BaseEmbedding):
        return embedder
    wrapped = LlamaEmbedding(model_name=embedder.model_name, embed_batch_size=getattr(embedder, "embed_batch_size", 10))
    wrapped._inner = embedder
    return wrapped
