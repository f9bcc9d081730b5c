"""zh-TW text rules every layer shares: input cleaning, normalisation, city names, token estimates, shortening.

A city has one canonical form (台 not 臺, no 市/縣): :func:`canonical_city` maps its spellings, its
English name and its own nicknames (府城, 港都) there. Famous *places* people name instead of a city
(安平, 墾丁) are geography, not spelling: the intent parser owns that map (``intent.lexicon``).
"""

from __future__ import annotations

import re
import unicodedata

# North to south down the west coast, then the east and the islands: how people list them.
CITY_ORDER = (
    "台北", "新北", "基隆", "桃園", "新竹", "苗栗", "台中", "彰化", "南投", "雲林",
    "嘉義", "台南", "高雄", "屏東", "宜蘭", "花蓮", "台東", "澎湖", "金門", "馬祖",
)  # fmt: skip
TAIWAN_CITIES = frozenset(CITY_ORDER)

# English names users (and LLMs) type, spaces and hyphens removed.
_ENGLISH = {
    "taipei": "台北", "newtaipei": "新北", "keelung": "基隆", "yilan": "宜蘭", "hualien": "花蓮",
    "taitung": "台東", "taichung": "台中", "nantou": "南投", "chiayi": "嘉義", "tainan": "台南",
    "kaohsiung": "高雄", "pingtung": "屏東", "penghu": "澎湖", "hsinchu": "新竹", "miaoli": "苗栗",
    "changhua": "彰化", "yunlin": "雲林", "taoyuan": "桃園", "kinmen": "金門", "matsu": "馬祖",
    # Hanyu pinyin spellings
    "taibei": "台北", "xinbei": "新北", "jilong": "基隆", "hualian": "花蓮", "taidong": "台東",
    "taizhong": "台中", "jiayi": "嘉義", "gaoxiong": "高雄", "pingdong": "屏東", "xinzhu": "新竹",
    "zhanghua": "彰化", "jinmen": "金門", "mazu": "馬祖",
}  # fmt: skip

# Other names of a city itself: short forms, the county name, and its own nicknames.
CITY_ALIASES = {
    "北市": "台北", "連江": "馬祖", "府城": "台南", "港都": "高雄", "風城": "新竹", "竹塹": "新竹",
    "雨港": "基隆", "蘭陽": "宜蘭",
}  # fmt: skip

ELLIPSIS = "…"

# zh-TW prose punctuation that NFKC would turn into ASCII (，→ , …→ ...): kept as typed.
_KEEP_WIDTH = re.compile("([，！？：；（）～…])")
_NEWLINES = re.compile("\r\n?|[\u0085\u2028\u2029]")
# Invisible "default ignorable" characters that are not format (Cf) characters: fillers, variation
# selectors, the combining grapheme joiner, Mongolian variation selectors.
_IGNORABLE = frozenset(
    [0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x3164, 0xFFA0, *range(0x180B, 0x1810), *range(0xFE00, 0xFE10)]
    + list(range(0xE0100, 0xE01F0))
)
_ZWJ, _EMOJI_VS = "\u200d", "\ufe0f"


def clean_input(text: str) -> str:
    """A user's message as the rest of the system should see it, applied once where text comes in.

    Surrogate code points (which cannot be encoded, logged or sent as JSON) are dropped; invisible
    format and control characters (zero-width joiners, word joiners, BOMs, bidi controls, \\x05…) are
    removed, so 「花\\u200d蓮」 reads 花蓮, except a joiner or emoji selector inside an emoji sequence;
    line breaks become ``\\n`` and tabs spaces; NFKC folds full-width letters and digits
    (ｔａｉｐｅｉ, ２天) and compatibility ideographs, but the zh-TW punctuation people type (，！？…)
    stays as typed. Idempotent; the length rule is the agent's, not this function's.
    """
    if not isinstance(text, str):
        return ""
    # Surrogate code points cannot be encoded, logged or sent as JSON. A JSON decoder already joins an
    # escaped pair into one character, so any left here are debris: drop them one by one (two that happen
    # to sit side by side must not turn into an unrelated character).
    text = "".join(ch for ch in text if not 0xD800 <= ord(ch) <= 0xDFFF)
    text = _NEWLINES.sub("\n", text).replace("\t", " ")
    for _ in range(3):  # removing a character can let NFKC compose its neighbours: repeat until stable
        pieces = _KEEP_WIDTH.split("".join(_visible(text)))
        cleaned = "".join(p if i % 2 else unicodedata.normalize("NFKC", p) for i, p in enumerate(pieces))
        if cleaned == text:
            break
        text = cleaned
    return text


def _visible(text: str):
    """The characters of ``text`` a reader can see (plus newlines and emoji joiners)."""
    kept = ""
    for i, ch in enumerate(text):
        if ch in (_ZWJ, _EMOJI_VS) or ord(ch) in _IGNORABLE:
            after = text[i + 1 : i + 2]
            show = _is_emoji(kept) and (ch == _EMOJI_VS or _is_emoji(after))
        else:
            show = ch == "\n" or unicodedata.category(ch) not in ("Cc", "Cf")
        if show:
            kept = ch
            yield ch


def _is_emoji(ch: str) -> bool:
    return bool(ch) and (ch == _EMOJI_VS or ord(ch) >= 0x1F000 or unicodedata.category(ch) in ("So", "Sk"))


def normalise_text(text: str) -> str:
    """NFKC, lower case and 臺 → 台, so 臺南/台南 and ｔａｉｐｅｉ/Taipei compare equal."""
    return unicodedata.normalize("NFKC", text).replace("臺", "台").lower()


def canonical_city(name: str) -> str:
    """臺南市 → 台南, 嘉義縣 → 嘉義, ' Taipei City ' → 台北, 府城 → 台南; other names come back cleaned, not mapped."""
    city = normalise_text(name).strip()
    for suffix in (" city", " county", "city", "county"):
        if city.endswith(suffix) and city[: -len(suffix)].strip():
            city = city[: -len(suffix)].strip()
    english = _ENGLISH.get(city.replace(" ", "").replace("-", ""))
    if english:
        return english
    if len(city) > 2 and city[-1] in "市縣":
        city = city[:-1]
    return CITY_ALIASES.get(city, city)


def city_sort_key(city: str) -> tuple[int, str]:
    return (CITY_ORDER.index(city) if city in CITY_ORDER else len(CITY_ORDER), city)


def estimate_tokens(text: str) -> int:
    """Rough token count without a tokenizer: about one token per CJK character, four other characters a token.

    Qwen's tokenizer averages a little over one CJK character per token, so this errs on the safe side.
    """
    cjk = sum(1 for ch in text if ord(ch) >= 0x2E80)
    return cjk + (len(text) - cjk + 3) // 4


def shorten(text: str, limit: int, *, flat: bool = False) -> str:
    """``text`` cut to at most ``limit`` characters, ending in … when cut; ``flat`` joins it into one line."""
    if flat:
        text = " ".join(text.split())
    return text if len(text) <= limit else text[: max(0, limit - 1)] + ELLIPSIS
