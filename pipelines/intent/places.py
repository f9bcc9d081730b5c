"""Cities and places in a request: city names and nicknames, famous places named instead of their city
(墾丁 → 屏東), and region words that mean an area of the gazetteer (墾丁 → 恆春半島, not 小琉球)."""

from __future__ import annotations

import re
from functools import lru_cache

from pipelines.core.text import CITY_ALIASES, TAIWAN_CITIES, canonical_city
from pipelines.intent.lexicon import ELDER_WORDS, INTEREST_WORDS, KID_WORDS, PLACE_CITIES, REGION_AREAS
from pipelines.intent.numbers import NUM

# The destination's slot of a trip request, for a name no list here has: 「東京三天兩夜」「去火星玩三天」
_TRIP_AFTER = r"\s*(?:玩|旅行|旅遊|走走|逛逛|度假|自由行|之旅|" + NUM + r"\s*[天日])"
_SLOT_START = re.compile(
    r"^\s*(?:幫我|請|我想|我們想|想要|想)?\s*(?:排|規劃|安排|找)?\s*(?:一個|一下|個)?\s*[去到]?\s*([\u4e00-\u9fff]{2,6}?)"
    + _TRIP_AFTER
)
_SLOT_GO = re.compile(r"[去到]\s*([\u4e00-\u9fff]{2,6}?)" + _TRIP_AFTER)
# words that fill the slot without naming a destination: the whole island, a direction, time, company
_NOT_A_PLACE = re.compile(
    r"台灣|臺灣|國內|全台|環島|北部|中部|南部|東部|西部|外島|國外|出國|附近|哪裡|哪邊|那裡|這裡|一起|出去|出門|"
    r"一下|一趟|朋友|同學|同事|家人|老婆|老公|男友|女友|情侶|閨蜜|[週周月日號年天夜假我你他帶些個去玩跟吃]"
)


def city_of(name: str) -> str:
    """The city a traveller means: 臺南市 / Tainan / 府城 → 台南 (``canonical_city``), and a famous place
    named instead of its city, 墾丁 → 屏東; any other name comes back cleaned."""
    city = canonical_city(name)
    return PLACE_CITIES.get(city, city)


def city_mentions(text: str, known: frozenset[str]) -> list[tuple[int, int, str]]:
    """(start, end, canonical city) for each city name, alias or famous place; longest names win."""
    names = _names(known)
    spans: list[tuple[int, int, str]] = []
    for name in sorted(names, key=len, reverse=True):
        for m in re.finditer(re.escape(name), text):
            if not any(s < m.end() and m.start() < e for s, e, _ in spans):
                spans.append((m.start(), m.end(), names[name]))
    return sorted(spans)


def find_cities(text: str, known: frozenset[str]) -> tuple[list[str], list[str]]:
    """(cities the corpus covers, Taiwan cities it does not) named in ``text``, in the order written."""
    ordered = list(dict.fromkeys(city for _, _, city in city_mentions(text, known)))
    return [c for c in ordered if c in known], [c for c in ordered if c not in known]


def blank_cities(text: str, known: frozenset[str]) -> str:
    """``text`` with city names blanked, so 澎湖 does not read as 湖 (自然)."""
    for start, end, _ in reversed(city_mentions(text, known)):
        text = text[:start] + " " * (end - start) + text[end:]
    return text


def destination_slot(text: str) -> str:
    """The name in a trip request's destination slot when it is no date, company or topic word: the
    caller checks it against the corpus and says so when it is not there (「東京」), instead of
    reading the request as one that named no place."""
    for pattern in (_SLOT_START, _SLOT_GO):
        m = pattern.search(text)
        name = m.group(1) if m else ""
        topic = any(w in name for words in INTEREST_WORDS.values() for w in words)
        company = any(w in name for w in (*KID_WORDS, *ELDER_WORDS))
        if name and not (topic or company or _NOT_A_PLACE.search(name)):
            return name
    return ""


def famous_places(text: str) -> list[str]:
    """Famous places named instead of their city that are no area of the gazetteer (綠島, 蘭嶼, 駁二):
    the caller checks the corpus has them, so 「綠島兩天」 never silently becomes a trip elsewhere in 台東."""
    return [name for name in PLACE_CITIES if name in text and name not in REGION_AREAS]


def regions_in(text: str) -> list[str]:
    """Gazetteer areas named by region words (墾丁 → 恆春半島), in the order written, at most five."""
    found = sorted((m.start(), REGION_AREAS[w]) for w in REGION_AREAS for m in re.finditer(re.escape(w), text))
    return list(dict.fromkeys(area for _, area in found))[:5]


@lru_cache(maxsize=8)
def _names(known: frozenset[str]) -> dict[str, str]:
    return {**{c: c for c in TAIWAN_CITIES | known}, **CITY_ALIASES, **PLACE_CITIES}
