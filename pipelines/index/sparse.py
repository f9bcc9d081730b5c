"""Chinese-aware sparse vectors: jieba words (search mode) plus character bigrams.

jieba's bundled dictionary is Simplified-leaning, so it splits some Traditional words badly
(博物館 → 博物/館); character bigrams catch what it misses, and jieba's multi-character words
add weight to real words. Token ids are a fixed hash (CRC-32) so they are stable across processes
and machines without a stored vocabulary; Qdrant's IDF modifier supplies the document
frequencies, so documents carry only term frequencies.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import zlib
from collections import Counter

import jieba

from pipelines.core.text import normalise_text

log = logging.getLogger(__name__)

# Part of every content hash: changing the recipe below must re-encode the whole index.
SPARSE_VERSION = "jieba-search+bigram/crc32/logtf-v1"

_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"^[\w\u3400-\u9fff]+$")
_STOPWORDS = frozenset(
    "我們 你們 他們 大家 這個 那個 這裡 那裡 一個 一下 就是 然後 因為 所以 真的 非常 還有 可以 "  # noqa: SIM905
    "什麼 怎麼 哪裡 哪些 有沒有 是不是 推薦 想要 一點 一些 今天 這邊 那邊 其實 覺得".split()
)

_tokenizer: jieba.Tokenizer | None = None
_lock = threading.Lock()


def _jieba() -> jieba.Tokenizer:
    """A private jieba tokenizer (the global one may be customised by other code)."""
    global _tokenizer
    with _lock:
        if _tokenizer is None:
            jieba.setLogLevel(logging.WARNING)  # its "Building prefix dict" chatter is not ours to print
            tokenizer = jieba.Tokenizer()
            tokenizer.initialize()
            _tokenizer = tokenizer
    return _tokenizer


def tokens(text: str) -> list[str]:
    """Namespaced tokens: ``w:`` jieba words (2+ chars, or Latin/digits), ``b:`` CJK bigrams."""
    norm = normalise_text(text)
    out = []
    for word in _jieba().cut_for_search(norm):
        word = word.strip()
        if not word or not _WORD.match(word) or word in _STOPWORDS:
            continue
        if len(word) >= 2 or word.isascii():
            out.append("w:" + word)
    for run in _CJK_RUN.findall(norm):
        if len(run) == 1:
            out.append("u:" + run)  # a lone character between punctuation, e.g. 「湯」
        out.extend("b:" + run[i : i + 2] for i in range(len(run) - 1))
    return out


def token_id(token: str) -> int:
    return zlib.crc32(token.encode("utf-8"))


def encode_document(text: str) -> tuple[list[int], list[float]]:
    """Indices and damped term frequencies (1 + ln tf) of a passage."""
    return _encode(Counter(tokens(text)), lambda tf: 1.0 + math.log(tf))


def encode_query(text: str) -> tuple[list[int], list[float]]:
    """Indices with weight 1 per distinct token: IDF decides what matters in a query."""
    return _encode(Counter(tokens(text)), lambda _tf: 1.0)


def _encode(counts: Counter[str], weight) -> tuple[list[int], list[float]]:
    merged: dict[int, float] = {}
    for tok, tf in counts.items():
        tid = token_id(tok)
        merged[tid] = merged.get(tid, 0.0) + weight(tf)  # a CRC collision just adds up
    indices = sorted(merged)
    return indices, [merged[i] for i in indices]
