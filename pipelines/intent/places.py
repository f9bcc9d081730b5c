"""Cities and places in a request: city names and nicknames, famous places named instead of their city
(墾丁 → 屏東), and region words that mean an area of the gazetteer (墾丁 → 恆春半島, not 小琉球)."""

from __future__ import annotations

import re
from functools import lru_cache

from pipelines.core.text import CITY_ALIASES, TAIWAN_CITIES, canonical_city
from pipelines.intent.lexicon import PLACE_CITIES, REGION_AREAS


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


def regions_in(text: str) -> list[str]:
    """Gazetteer areas named by region words (墾丁 → 恆春半島), in the order written, at most five."""
    found = sorted((m.start(), REGION_AREAS[w]) for w in REGION_AREAS for m in re.finditer(re.escape(w), text))
    return list(dict.fromkeys(area for _, area in found))[:5]


@lru_cache(maxsize=8)
def _names(known: frozenset[str]) -> dict[str, str]:
    return {**{c: c for c in TAIWAN_CITIES | known}, **CITY_ALIASES, **PLACE_CITIES}
