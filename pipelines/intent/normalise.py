"""Text as the rules read it: Traditional characters, 台 not 臺, half-width digits and punctuation.

Simplified requests (「台南两天一夜」) are converted with OpenCC's Taiwan phrasing (``s2twp``); text that
already holds Traditional characters is left alone, because converting it again changes real Taiwanese
words (干貝 → 幹貝).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache


def normalise(text: str) -> str:
    """NFKC (３ → 3, ， → ,), Simplified → Traditional when the text is Simplified, 臺 → 台."""
    text = unicodedata.normalize("NFKC", text)
    if _is_simplified(text):
        text = _convert("s2twp", text)
    return text.replace("臺", "台")


_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")


def traditional(text: str) -> str:
    """Each run of Chinese characters that is Simplified, in Taiwan's Traditional (a small model's
    「希望你喜欢！」 → 「希望你喜歡！」); Traditional runs (place names, 干貝) are left as written."""
    return _CJK_RUN.sub(
        lambda m: _convert("s2twp", m.group(0)).replace("臺", "台") if _is_simplified(m.group(0)) else m.group(0), text
    )


def _is_simplified(text: str) -> bool:
    """Some character changes to Traditional and none would change to Simplified."""
    return _convert("s2t", text) != text and _convert("t2s", text) == text


@lru_cache(maxsize=1024)
def _convert(config: str, text: str) -> str:
    return _converter(config).convert(text)


@lru_cache(maxsize=3)
def _converter(config: str):
    import opencc  # lazy: ~0.4 s to load its dictionaries, paid once per process

    return opencc.OpenCC(config)
