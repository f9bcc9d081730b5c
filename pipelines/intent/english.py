"""English requests ("Plan me a 2-day trip to Tainan with lots of street food"): the same Intent fields.

City names in English and pinyin go through ``core.text.canonical_city``; tags, pace and party words
come from ``intent.lexicon``.
"""

from __future__ import annotations

import re

from pipelines.core.text import canonical_city
from pipelines.intent.lexicon import (
    ENGLISH_ELDERS,
    ENGLISH_INTERESTS,
    ENGLISH_KIDS,
    ENGLISH_NUMBERS,
    ENGLISH_PACKED,
    ENGLISH_PLACES,
    ENGLISH_PLAN,
    ENGLISH_RELAXED,
)
from pipelines.intent.numbers import checked_days

_DAYS = re.compile(r"\b(\d+|" + "|".join(ENGLISH_NUMBERS) + r")[\s-]*(?:day|days|night|nights)\b")


def is_english(text: str) -> bool:
    letters = sum(ch.isascii() and ch.isalpha() for ch in text)
    return letters >= 6 and letters >= sum(ord(ch) >= 0x2E80 for ch in text)


def english_cities(text: str, known: frozenset[str]) -> list[str]:
    """Known cities named in English or pinyin, single words or two-word names (New Taipei)."""
    words = re.findall(r"[a-z]+", text.lower())
    found: list[str] = []
    i = 0
    while i < len(words):
        for size in (2, 1):
            city = canonical_city(" ".join(words[i : i + size]))
            if city in known:
                found += [] if city in found else [city]
                i += size - 1
                break
        i += 1
    return found


def english_places(text: str, known: frozenset[str]) -> tuple[list[str], list[str]]:
    """(cities, gazetteer areas) of the places named in English ("Kenting" → 屏東, 恆春半島), as written."""
    text = text.lower()
    found = sorted((m.start(), name) for name in ENGLISH_PLACES for m in re.finditer(rf"\b{name}\b", text))
    places = [ENGLISH_PLACES[name] for _, name in found if ENGLISH_PLACES[name][0] in known]
    return list(dict.fromkeys(c for c, _ in places)), list(dict.fromkeys(a for _, a in places))


_EN_WEEKDAYS = {"monday": "一", "tuesday": "二", "wednesday": "三", "thursday": "四", "friday": "五",
                "saturday": "六", "sunday": "日", "weekend": "末"}  # fmt: skip
_EN_DAY = re.compile(r"\b(this |next )?(" + "|".join(_EN_WEEKDAYS) + r")\b")


def english_date_words(text: str) -> str:
    """The zh-TW date words ``intent.dates`` reads for "this weekend", "next Saturday" ('' if none)."""
    if m := _EN_DAY.search(text.lower()):
        return {"next ": "下", "this ": "這"}.get(m.group(1) or "", "") + "週" + _EN_WEEKDAYS[m.group(2)]
    return ""


def english_days(text: str) -> tuple[int | None, list[str]]:
    """("2-day", "three days", "weekend", "day trip") → (days within 1–MAX_DAYS or None, problem keys)."""
    text = text.lower()
    if m := _DAYS.search(text):
        if text[: m.start()].rstrip().endswith("-"):
            return None, ["negative_days"]
        token = m.group(1)
        return checked_days(int(token) if token.isdigit() else ENGLISH_NUMBERS[token])
    if "weekend" in text:
        return 2, []
    if "day trip" in text or "one day" in text:
        return 1, []
    return None, []


def english_interests(text: str) -> list[str]:
    text = text.lower()
    return [tag for tag, words in ENGLISH_INTERESTS.items() if any(re.search(rf"\b{w}", text) for w in words)]


def english_pace(text: str) -> str | None:
    text = text.lower()
    if any(re.search(rf"\b{w}\b", text) for w in ENGLISH_RELAXED):
        return "relaxed"
    if any(w in text for w in ENGLISH_PACKED):
        return "packed"
    return None


def english_party(text: str) -> tuple[bool, bool]:
    text = text.lower()
    return any(re.search(rf"\b{w}\b", text) for w in ENGLISH_KIDS), any(w in text for w in ENGLISH_ELDERS)


def english_wants_plan(text: str) -> bool:
    text = text.lower()
    return any(w in text for w in ENGLISH_PLAN)
