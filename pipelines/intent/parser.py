"""Deterministic zh-TW request parser: cities, days, pace, interests, must/avoid places, follow-ups.

Pure (text in, Intent out). The offline agent and ``plan --request`` use it; so does the LLM
agent's follow-up hints. Vocabulary lives in ``intent.lexicon`` so this file stays about rules.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, Field

from pipelines.core.models import DayWish, Pace, Preferences
from pipelines.core.text import CITY_ALIASES, TAIWAN_CITIES, canonical_city
from pipelines.intent import english as en
from pipelines.intent.dates import resolve_dates
from pipelines.intent.lexicon import (
    BUDGET_WORDS,
    EARLY_HOME_WORDS,
    ELDER_WORDS,
    INTEREST_WORDS,
    KID_WORDS,
    LATE_START_WORDS,
    NEAR_WORDS,
    PACKED_WORDS,
    PLACE_CITIES,
    PLAN_WORDS,
    QUESTION_WORDS,
    REGION_AREAS,
    RELAXED_WORDS,
    SUNRISE_WORDS,
)

FollowUp = Literal[
    "replace_day", "add_day", "remove_day", "drop_day", "set_days", "only", "more", "refine", "remove_stop",
    "swap_stop", "move_stop",
]  # fmt: skip

EARLY_HOME_END = "15:00"  # 「最後一天早點回台北」: that day ends by then
_NUM = r"(\d+(?:\.\d+)?|[０-９]+|[一二兩三四五六七八九十]+)"
_CN = {"一": 1, "二": 2, "兩": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_STOP = "，,。.!！?？；;：:\n （）()「」『』"
_SPLIT = re.compile(r"[、/／]|和|跟|及|與|還有|或")
_TAIL = re.compile(
    r"(的行程|行程|的景點|景點|的部分|那些|這些|那種|之類的?|等等|啦|啊|喔|哦|吧|呢|了|好了|就好|一下)+$"
)


class Intent(BaseModel):
    """What a request asks for. ``None``/empty means "not said", so follow-ups can keep the old value."""

    text: str
    cities: list[str] = Field(default_factory=list, description="normalised cities the corpus covers")
    unknown_places: list[str] = Field(default_factory=list, description="Taiwan cities mentioned but not covered")
    days: int | None = None
    pace: Pace | None = None
    interests: list[str] = Field(default_factory=list, description="tags from the corpus tag list")
    must_include: list[str] = Field(default_factory=list)
    avoid: list[str] = Field(default_factory=list)
    with_kids: bool = False
    with_elders: bool = False
    day_start: str | None = None
    followup: FollowUp | None = None
    target_day: int | None = Field(default=None, description="1-based; -1 means the last day")
    day_delta: int = Field(default=0, description="for add_day/remove_day")
    wants_plan: bool = False
    start_date: dt.date | None = Field(default=None, description="first day, from date words and ``today``")
    day_wishes: list[DayWish] = Field(default_factory=list)
    near: list[str] = Field(default_factory=list, description="areas the trip stays in or near (region words)")
    budget: Literal["low", "mid", "high"] | None = None
    sunrise: bool = False
    place: str = Field(default="", description="the stop a follow-up removes, swaps or moves")
    problems: list[str] = Field(default_factory=list, description="zh-TW: what in the request could not be read")

    def preferences(self, base: Preferences | None = None) -> Preferences:
        """Preferences for the planner; values this request did not mention come from ``base``."""
        prefs = base.model_copy(deep=True) if base else Preferences()
        if self.pace:
            prefs.pace = self.pace
        if self.day_start:
            prefs.day_start = self.day_start
        if self.interests:
            prefs.interests = (
                list(self.interests) if self.followup == "only" else _merge(prefs.interests, self.interests)
            )
        prefs.must_include = _merge(prefs.must_include, self.must_include)[:20]
        prefs.avoid = _merge(prefs.avoid, self.avoid)[:20]
        prefs.with_kids = prefs.with_kids or self.with_kids
        prefs.with_elders = prefs.with_elders or self.with_elders
        prefs.start_date = self.start_date or prefs.start_date
        prefs.day_wishes = self.day_wishes or prefs.day_wishes
        prefs.near = self.near or prefs.near
        prefs.budget = self.budget or prefs.budget
        prefs.sunrise = prefs.sunrise or self.sunrise
        return prefs

    def search_query(self) -> str:
        """A short query for search_segments built from what was asked."""
        parts = [*self.must_include, *self.interests] or ["景點 推薦"]
        return " ".join(parts)


def parse_request(text: str, known_cities: Iterable[str], today: dt.date | None = None) -> Intent:
    """Parse a zh-TW (or English, or Simplified) travel request; ``known_cities`` are the corpus's normalised
    city names; date words resolve against ``today`` (none: dates are not read)."""
    known = {canonical_city(c) for c in known_cities}
    clean = _normalise_text(text)
    intent = Intent(text=text)
    if en.is_english(clean):
        return _parse_english(clean, intent, known, today)

    rest = _take_pace(clean, intent)
    rest = _take_followup(rest, intent)
    rest, avoid_items = _take_clauses(rest, _AVOID)
    rest, must_items = _take_clauses(rest, _MUST)
    rest, only_items = _take_clauses(rest, _ONLY)
    if only_items and intent.followup is None:
        intent.followup = "only"

    rest = _take_wishes(rest, intent)
    if intent.days is None:
        intent.days = parse_days(rest)
        if re.search(r"-\s*\d+\s*[天日]", rest):
            intent.problems.append("天數不能是負的，先照一般天數幫你排")
    if today is not None:
        intent.start_date, span = resolve_dates(clean, today)
        intent.days = span if span and intent.followup is None else intent.days
    homeward = [m.group(0) for m in re.finditer(r"(?:" + "|".join(EARLY_HOME_WORDS) + r")[^，,。；;]*", clean)]
    named = _without(rest, homeward) + " " + " ".join(must_items)  # not what is avoided, removed or moved
    intent.cities, intent.unknown_places = _find_cities(named, known)
    intent.near = [REGION_AREAS[w] for w in REGION_AREAS if w in _without(rest, homeward)]
    if any(w in clean for w in NEAR_WORDS) and not intent.near:
        intent.near = [m for m in intent.must_include][:1]
    intent.budget = next((b for b, words in BUDGET_WORDS.items() if any(w in clean for w in words)), None)
    intent.sunrise = any(w in clean for w in SUNRISE_WORDS)
    for item in avoid_items:
        intent.avoid.extend(_interests_in(item) or [item])
    for item in must_items:
        tags = _interests_in(item)
        if tags and not _is_place_like(item, tags):
            intent.interests = _merge(intent.interests, tags)
        else:
            intent.must_include.append(item)
    for item in only_items:
        intent.interests = _merge(intent.interests, _interests_in(item) or [])
    intent.interests = _merge(
        intent.interests, [t for t in _interests_in(_blank_cities(rest, known)) if t not in intent.avoid]
    )

    intent.with_kids = any(w in clean for w in KID_WORDS)
    intent.with_elders = any(w in clean for w in ELDER_WORDS)
    if intent.with_kids and "親子" not in intent.avoid:
        intent.interests = _merge(intent.interests, ["親子"])
    if any(w in clean for w in LATE_START_WORDS):
        intent.day_start = "10:00"
    intent.must_include = [m for m in intent.must_include if city_of(m) not in intent.cities]
    asks = any(w in clean for w in QUESTION_WORDS) and not any(w in clean for w in ("行程", "規劃", "安排"))
    intent.wants_plan = bool(intent.days or intent.followup or (any(w in clean for w in PLAN_WORDS) and not asks))
    if intent.followup is None and not intent.cities and not intent.days and _is_refinement(intent):
        intent.followup = "refine"
    return intent


def merge_intent(base: Intent | None, new: Intent) -> Intent:
    """The trip so far updated by a follow-up; a request naming a city without follow-up words starts over."""
    if base is None or (new.cities and new.followup is None):
        return new
    out = new.model_copy(deep=True)
    out.cities = new.cities or list(base.cities)
    out.unknown_places = new.unknown_places
    out.days = new.days if new.followup == "set_days" or (new.days and new.followup is None) else base.days
    out.pace = new.pace or base.pace
    out.day_start = new.day_start or base.day_start
    out.interests = list(new.interests) if new.followup == "only" else _merge(base.interests, new.interests)
    out.must_include = list(new.must_include) if new.followup == "only" else _merge(base.must_include, new.must_include)
    out.avoid = _merge(base.avoid, new.avoid)
    out.interests = [t for t in out.interests if t not in out.avoid]
    out.with_kids = base.with_kids or new.with_kids
    out.with_elders = base.with_elders or new.with_elders
    out.wants_plan = base.wants_plan or new.wants_plan
    return out


def city_of(name: str) -> str:
    """The city a traveller means: 臺南市 / Tainan / 府城 → 台南 (``canonical_city``), and a famous place
    named instead of its city, 墾丁 → 屏東; any other name comes back cleaned."""
    city = canonical_city(name)
    return PLACE_CITIES.get(city, city)


def parse_number(token: str) -> int | None:
    """'3', '３', '三', '兩', '十二' → int; '1.5' → 2 (a day and a half is two calendar days)."""
    token = token.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if token.isdigit():
        return int(token)
    if re.fullmatch(r"\d+\.\d+", token):
        return max(1, math.ceil(float(token)))
    if not token or any(ch not in _CN and ch != "十" for ch in token):
        return None
    if "十" in token:
        tens, _, ones = token.partition("十")
        return (_CN.get(tens, 1) if tens else 1) * 10 + (_CN.get(ones, 0) if ones else 0)
    return _CN.get(token) if len(token) == 1 else None


def parse_days(text: str) -> int | None:
    """Trip length: 一日遊, 兩天一夜, 三天兩夜, 4天, 週末, 一週 … (not 第二天, which names a day)."""
    text = _normalise_text(text)
    if m := re.search(_NUM + r"\s*[天日]\s*" + _NUM + r"\s*夜", text):
        return parse_number(m.group(1))
    if re.search(r"半日遊|半天", text):
        return 1
    if m := re.search(_NUM + r"\s*日遊", text):
        return parse_number(m.group(1))
    if m := re.search(r"(?<![第每前後多加少減延])" + _NUM + r"\s*(?:個)?(?:天|日)(?![夜氣空])", text):
        return parse_number(m.group(1))
    if re.search(r"[一1]\s*(?:週|周|個禮拜|星期)(?!末)", text):
        return 7
    if re.search(r"週末|周末|禮拜六日|六日", text):
        return 2
    if re.search(r"連假", text):
        return 3
    return None


# --- clause extraction -------------------------------------------------------------------------

_AVOID = re.compile(r"(?:不要|不想|不用|不去|別|避開|跳過|排除|略過)(?:再)?(?:去|排|吃|逛|看|走)?")
_MUST = re.compile(r"(?:一定要|必須|務必|記得|必)(?:去|到|排|吃|逛|看|訪)?(?:一下)?")
_ONLY = re.compile(r"只(?:要|想|排|去|吃|逛|看)(?:去|吃|看|排)?")


def _take_clauses(text: str, trigger: re.Pattern[str]) -> tuple[str, list[str]]:
    """Cut "<trigger> X、Y" clauses out of text; return the rest and the items X, Y."""
    items: list[str] = []
    out, pos = [], 0
    for m in trigger.finditer(text):
        if m.start() < pos:
            continue
        end = m.end()
        while end < len(text) and text[end] not in _STOP:
            end += 1
        clause = text[m.end() : end]
        found = [_clean_item(p) for p in _SPLIT.split(clause)]
        found = [f for f in found if f and not f.startswith(("太", "很", "那麼", "這麼", "走太"))]
        if not found:
            continue
        items.extend(found)
        out.append(text[pos : m.start()])
        pos = end
    out.append(text[pos:])
    return "".join(out), items


def _clean_item(item: str) -> str:
    item = item.strip()
    item = re.sub(r"^(去|到|吃|看|逛|排|玩|那個|這個|有)", "", item)
    item = re.sub(r"^(?:第" + _NUM + r"天)", "", item)
    item = _TAIL.sub("", item)
    return item.strip() if len(item) <= 20 else ""


def _take_pace(text: str, intent: Intent) -> str:
    for word in sorted(RELAXED_WORDS, key=len, reverse=True):
        if word in text:
            intent.pace = "relaxed"
            return text.replace(word, " ")
    for word in sorted(PACKED_WORDS, key=len, reverse=True):
        if word in text:
            intent.pace = "packed"
            return text.replace(word, " ")
    if re.search(r"正常|適中|普通", text):
        intent.pace = "normal"
    return text


def _take_followup(text: str, intent: Intent) -> str:
    if m := re.search(r"把(.+?)(?:移到|改到|換到|排到|挪到|放到)(?:第" + _NUM + r"天|最後一天)", text):
        intent.followup, intent.place = "move_stop", _clean_item(m.group(1))
        intent.target_day = parse_number(m.group(2)) if m.group(2) else -1
        return text.replace(m.group(0), " ")
    if m := re.search(r"把(.+?)(?:換掉|拿掉|刪掉|去掉|移除)|(?:換掉|拿掉|刪掉|去掉)(?!第)([^，,。！!？?]+)", text):
        intent.followup, intent.place = "swap_stop", _clean_item(m.group(1) or m.group(2))
        return text.replace(m.group(0), " ")
    if m := re.search(r"(?:第" + _NUM + r"天|最後一天|[Dd]ay\s*(\d+))", text):
        changes = re.search(r"換|改|變|替|調整|不要|只要|排", text)
        if changes:
            intent.target_day = -1 if "最後" in m.group(0) else parse_number(m.group(1) or m.group(2))
            intent.followup = "replace_day"
            return text.replace(m.group(0), " ")
    if m := re.search(r"(?:再|多|加|延長)\s*(?:多|加|玩)?\s*" + _NUM + r"\s*(?:天|日)", text):
        intent.followup, intent.day_delta = "add_day", min(7, parse_number(m.group(1)) or 1)
        return text.replace(m.group(0), " ")
    if m := re.search(r"(?:刪掉|拿掉|取消|不要|去掉)\s*(?:第" + _NUM + r"天|最後一天)", text):
        intent.followup = "drop_day"
        intent.target_day = parse_number(m.group(1)) if m.group(1) else -1
        return text.replace(m.group(0), " ")
    if m := re.search(r"(?:少|減|縮短|刪掉|拿掉)\s*(?:玩)?\s*" + _NUM + r"\s*(?:天|日)", text):
        intent.followup, intent.day_delta = "remove_day", -(parse_number(m.group(1)) or 1)
        return text.replace(m.group(0), " ")
    if re.search(r"(?:改成|變成|換成|改為|調成)\s*" + _NUM + r"\s*[天日]", text):
        intent.followup = "set_days"
        intent.days = parse_days(text)
        return text
    if re.search(r"換一批|換別的|其他的?推薦|還有別的|還有其他|換一些|再推薦", text):
        intent.followup = "more"
    return text


def _city_mentions(text: str, known: set[str]) -> list[tuple[int, int, str]]:
    """(start, end, normalised city) for each city name, alias or nickname; longest names win."""
    names = {**{c: c for c in TAIWAN_CITIES | known}, **CITY_ALIASES, **PLACE_CITIES}
    spans: list[tuple[int, int, str]] = []
    for name in sorted(names, key=len, reverse=True):
        for m in re.finditer(re.escape(name), text):
            if not any(s <= m.start() < e or m.start() <= s < m.end() for s, e, _ in spans):
                spans.append((m.start(), m.end(), names[name]))
    return sorted(spans)


def _find_cities(text: str, known: set[str]) -> tuple[list[str], list[str]]:
    ordered = _merge([], [city for _, _, city in _city_mentions(text, known)])
    return [c for c in ordered if c in known], [c for c in ordered if c not in known]


def _blank_cities(text: str, known: set[str]) -> str:
    """Remove city names so 澎湖 does not read as 湖 (自然)."""
    for start, end, _ in reversed(_city_mentions(text, known)):
        text = text[:start] + " " * (end - start) + text[end:]
    return text


def _interests_in(text: str) -> list[str]:
    found = []
    for tag, words in INTEREST_WORDS.items():
        if any(w in text for w in words):
            found.append(tag)
    return found


def _is_place_like(item: str, tags: list[str]) -> bool:
    """'安平老街' names a place even though it contains the tag word 老街."""
    return all(len(item) > len(w) for t in tags for w in INTEREST_WORDS[t] if w in item) and len(item) >= 4


def _is_refinement(intent: Intent) -> bool:
    return bool(intent.pace or intent.avoid or intent.must_include or (intent.interests and not intent.wants_plan))


def _normalise_text(text: str) -> str:
    """Simplified → Traditional (opencc, Taiwan phrasing), 臺 → 台, full-width spaces."""
    return _to_traditional(text).replace("臺", "台").replace("　", " ")


@lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("s2twp")


@lru_cache(maxsize=512)
def _to_traditional(text: str) -> str:
    return _converter().convert(text)


def _without(text: str, parts: list[str]) -> str:
    for part in parts:
        text = text.replace(part, " ")
    return text


def _take_wishes(text: str, intent: Intent) -> str:
    """「第三天想泡溫泉」「最後一天早點回台北」 in a request (not a follow-up) → per-day wishes."""
    if intent.followup is not None:
        return text
    for m in list(re.finditer(r"(?:第" + _NUM + r"天|最後一天|最後一日)([^，,。；;！!?？]*)", text)):
        day = parse_number(m.group(1)) if m.group(1) else -1
        clause = m.group(2)
        if day is None or day > 14:
            continue
        tags = _interests_in(clause)
        end = EARLY_HOME_END if any(w in clause for w in EARLY_HOME_WORDS) else None
        if tags or end:
            intent.day_wishes.append(DayWish(day=day, interests=tags[:5], day_end=end))
            text = text.replace(m.group(0), " ")
    return text


def _parse_english(text: str, intent: Intent, known: set[str], today: dt.date | None) -> Intent:
    intent.cities = en.english_cities(text, known)
    intent.days = en.english_days(text)
    intent.interests = en.english_interests(text)
    intent.pace = en.english_pace(text)  # type: ignore[assignment]
    intent.with_kids, intent.with_elders = en.english_party(text)
    intent.sunrise = "日出" in intent.interests
    intent.wants_plan = bool(intent.days) or en.english_wants_plan(text)
    return intent


def _merge(a: Iterable[str], b: Iterable[str]) -> list[str]:
    out: list[str] = []
    for x in [*a, *b]:
        if x and x not in out:
            out.append(x)
    return out
