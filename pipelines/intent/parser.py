"""Deterministic request parser: zh-TW (or Simplified, or English) text in, ``Intent`` out. Pure: no I/O.

The offline agent, ``plan --request`` and the LLM agent's session use it. The order matters: follow-up
words, then avoid / must / only clauses and per-day wishes are cut out before cities, interests and the
trip length are read from what is left, so 「不要夜市」 is not an interest and 「最後一天早點回台北」 does
not add 台北 to a 花蓮 trip. Vocabulary lives in ``intent.lexicon``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from pipelines.core.text import TAIWAN_CITIES, canonical_city
from pipelines.intent import english as en
from pipelines.intent.clauses import (
    AVOID,
    MUST,
    ONLY,
    avoided,
    interests_in,
    is_place_like,
    take_avoid_after,
    take_clauses,
    take_pace,
    take_wishes,
    wanted_places,
)
from pipelines.intent.dates import resolve_dates
from pipelines.intent.followups import take_followup
from pipelines.intent.lexicon import (
    BUDGET_WORDS,
    EARLY_HOME_WORDS,
    ELDER_WORDS,
    KID_WORDS,
    LATE_START_WORDS,
    NEAR_WORDS,
    PLAN_WORDS,
    QUESTION_WORDS,
    REGION_AREAS,
    SUNRISE_WORDS,
)
from pipelines.intent.model import Intent, in_context, merge_intent, merged
from pipelines.intent.normalise import normalise
from pipelines.intent.numbers import checked_days, parse_days, parse_number, parse_trip_days
from pipelines.intent.places import blank_cities, city_of, destination_slot, famous_places, find_cities, regions_in

__all__ = ["Intent", "city_of", "in_context", "merge_intent", "parse_days", "parse_number", "parse_request"]

LATE_START = "10:00"
_HOMEWARD = re.compile(r"(?:" + "|".join(EARLY_HOME_WORDS) + r")[^,。;]*")


def parse_request(text: str, known_cities: Iterable[str], today: dt.date | None = None) -> Intent:
    """Parse a travel request; ``known_cities`` are the corpus's cities; date words resolve against ``today``
    (without it, dates are not read)."""
    known = frozenset(canonical_city(c) for c in known_cities)
    clean = normalise(text)
    intent = Intent(text=text)
    if en.is_english(clean):
        return _parse_english(clean, intent, known, today)

    edit = take_followup(clean)
    intent.followup, intent.target_day, intent.day_delta, intent.place = (
        edit.kind, edit.target_day, edit.day_delta, edit.place
    )  # fmt: skip
    rest, pace = take_pace(edit.text)
    intent.pace = pace
    rest, avoid_items, _ = take_clauses(rest, AVOID)
    rest, after_items = take_avoid_after(rest)
    rest, must_items, _ = take_clauses(rest, MUST)
    must_items += [edit.instead] if edit.instead else []  # 「把赤崁樓換成安平古堡」
    rest, only_items, only_text = take_clauses(rest, ONLY)
    if intent.followup is None:
        rest, intent.day_wishes, wished = take_wishes(rest)
        must_items += [p for p in wished if city_of(p) not in TAIWAN_CITIES and p not in REGION_AREAS]

    _read_length_and_dates(intent, clean, blank_cities(rest, known), edit.days, today)  # 駁二一日遊: 1 day
    rest = _HOMEWARD.sub(" ", rest)  # 「早點回台北」 is the way home, not a destination
    intent.cities, intent.unknown_places = find_cities(rest + " " + " ".join(must_items), known)
    intent.near = regions_in(rest)  # 「一定要去安平古堡」 names a place, not the area the trip keeps to
    wanted, also = wanted_places(rest)
    intent.wanted = [w for w in merged(wanted, also) if canonical_city(w) not in TAIWAN_CITIES][:10]
    intent.named_places = famous_places(rest)
    if not (intent.cities or intent.unknown_places or intent.wanted or intent.near or must_items):
        intent.wanted = [slot] if (slot := destination_slot(rest)) else []  # 「東京三天」: say it is not here
    listed = regions_in(" ".join(also))  # 「小琉球也想去」: not only there
    if (intent.days or 1) > 1 and any(c in rest for c in intent.cities):  # 「台東三天，想去池上跟鐵花村」: stops
        listed += regions_in(" ".join(wanted))  # on a trip of that city, each a must-see, not the trip's fence
    intent.near = [a for a in intent.near if a not in listed]
    if not intent.near and any(w in clean for w in NEAR_WORDS):
        intent.near = must_items[:1]
    intent.budget = next((b for b, words in BUDGET_WORDS.items() if any(w in clean for w in words)), None)
    intent.sunrise = any(w in clean for w in SUNRISE_WORDS)
    for item in [*avoid_items, *after_items]:
        intent.avoid.extend(avoided(item))
    for item in must_items:
        tags = interests_in(item)
        if tags and not is_place_like(item, tags):
            intent.interests = merged(intent.interests, tags)
        else:
            intent.must_include.append(item)
    intent.interests = merged(intent.interests, interests_in(only_text))
    found = interests_in(blank_cities(rest, known))
    intent.interests = merged(intent.interests, [t for t in found if t not in intent.avoid])

    intent.with_kids = any(w in clean for w in KID_WORDS)
    intent.with_elders = any(w in clean for w in ELDER_WORDS)
    if intent.with_kids and "親子" not in intent.avoid:
        intent.interests = merged(intent.interests, ["親子"])
    if any(w in clean for w in LATE_START_WORDS):
        intent.day_start = LATE_START
    intent.must_include = [m for m in intent.must_include if canonical_city(m) not in TAIWAN_CITIES]  # 「一定要去台南」
    asks = any(w in clean for w in QUESTION_WORDS) and not any(w in clean for w in ("行程", "規劃", "安排"))
    plan_words = any(w in clean for w in PLAN_WORDS) and not asks
    new_trip = bool(intent.cities or intent.days)  # 「高雄兩天 只要美食」 is a trip, 「只要美食」 an edit of this one
    if intent.followup is None and only_items and not new_trip:
        intent.followup = "only"
    intent.wants_plan = bool(intent.days or intent.followup or plan_words or intent.problems)
    if intent.followup is None and not new_trip and _is_refinement(intent):
        intent.followup = "refine"
    return intent


def _read_length_and_dates(intent: Intent, clean: str, rest: str, edit_days: int | None, today: dt.date | None):
    """Trip length from the words (or the follow-up's 「改成四天」), first day and span from date words."""
    if intent.followup == "set_days":
        days, problems = checked_days(edit_days)
    elif intent.followup is None:
        days, problems = parse_trip_days(rest)
    else:
        days, problems = None, []
    if today is not None:
        dates = resolve_dates(clean, today)
        intent.start_date = dates.start
        problems += dates.problems
        if days is None and intent.followup is None and dates.days:
            days = dates.days
    intent.days, intent.problems = days, problems


def _is_refinement(intent: Intent) -> bool:
    return bool(intent.pace or intent.avoid or intent.must_include or (intent.interests and not intent.wants_plan))


def _parse_english(text: str, intent: Intent, known: frozenset[str], today: dt.date | None) -> Intent:
    cities, intent.near = en.english_places(text, known)
    intent.cities = merged(en.english_cities(text, known), cities)
    intent.days, intent.problems = en.english_days(text)
    intent.interests = en.english_interests(text)
    intent.pace = en.english_pace(text)  # type: ignore[assignment]
    intent.with_kids, intent.with_elders = en.english_party(text)
    intent.sunrise = "日出" in intent.interests
    intent.wants_plan = bool(intent.days) or en.english_wants_plan(text)
    if today is not None and (words := en.english_date_words(text)):  # "a weekend in Hualien": its dates
        dates = resolve_dates(words, today)
        intent.start_date, intent.problems = dates.start, [*intent.problems, *dates.problems]
        intent.days = intent.days or dates.days
    return intent
