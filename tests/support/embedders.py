"""A deterministic, optionally slow stand-in for the dense embedder (index tests and the crash benchmark).

Vectors come from a hash of the text, so the same passage always gets the same vector in every
process, and different passages get unrelated ones; ``delay_s`` per batch makes an ingest last long
enough to be killed in the middle; ``texts`` and ``queries`` list what was embedded, for tests that assert it.
"""

from __future__ import annotations

import sys
import time
import zlib

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr


class HashEmbedding(BaseEmbedding):
    model_name: str = "hash-embedding"
    dim: int = 384
    salt: str = ""  # another salt, another "model": unrelated vectors for the same text
    delay_s: float = 0.0
    announce: bool = False  # print "embedding <n>" to stdout when batch n starts (for a parent process)
    _texts: list[str] = PrivateAttr(default_factory=list)
    _queries: list[str] = PrivateAttr(default_factory=list)
    _batches: int = PrivateAttr(default=0)

    @property
    def texts(self) -> list[str]:
        """Every passage embedded so far (queries excluded)."""
        return list(self._texts)

    @property
    def queries(self) -> list[str]:
        """Every query embedded so far."""
        return list(self._queries)

    def vector(self, text: str) -> list[float]:
        rng = np.random.default_rng(zlib.crc32((self.salt + text).encode("utf-8")))
        v = rng.standard_normal(self.dim)
        return (v / np.linalg.norm(v)).tolist()

    def _get_query_embedding(self, query: str) -> list[float]:
        self._queries.append(query)
        return self.vector("query: " + query)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embeddings([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        self._batches += 1
        if self.announce:
            print(f"embedding {self._batches}", flush=True, file=sys.stdout)
        if self.delay_s:
            time.sleep(self.delay_s)
        self._texts += texts
        return [self.vector("passage: " + t) for t in texts]
