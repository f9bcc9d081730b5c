"""The request parser as a whole (pure: no index, no I/O): the issue's requests, its fuzz findings, and
properties that hold for any text."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.core.models import Preferences
from pipelines.core.text import CITY_ORDER
from pipelines.intent.lexicon import PLACE_CITIES, REGION_AREAS
from pipelines.intent.parser import merge_intent, parse_request

KNOWN = ["台北", "新北", "基隆", "台中", "南投", "嘉義", "台南", "高雄", "屏東", "宜蘭", "花蓮", "台東", "澎湖"]
WED = dt.date(2025, 12, 10)


def test_the_issues_requests():
    nature = parse_request("花蓮三天兩夜，想看大自然跟海邊", KNOWN, today=WED)
    assert (nature.cities, nature.days, nature.sunrise) == (["花蓮"], 3, False)  # no unasked sunrise
    assert {"自然", "海邊"} <= set(nature.interests)
    first = parse_request("幫我找台灣兩天一夜的輕鬆小旅行", KNOWN, today=WED)
    assert (first.cities, first.days, first.pace) == ([], 2, "relaxed")
    taipei = parse_request("台北三天，想看博物館跟夜市，第三天想泡溫泉", KNOWN, today=WED)
    assert taipei.days == 3 and [(w.day, w.interests) for w in taipei.day_wishes] == [(3, ["溫泉"])]
    parents = parse_request("週末想帶爸媽去日月潭附近走走", KNOWN, today=WED)
    assert (parents.cities, parents.days, parents.start_date, parents.near) == (
        ["南投"],
        2,
        WED.replace(day=13),
        ["日月潭"],
    )
    assert parents.with_elders and parents.preferences().with_elders
    penghu = parse_request("澎湖三天，想看雙心石滬", KNOWN, today=WED)
    assert (penghu.cities, penghu.days) == (["澎湖"], 3) and "雙心石滬" in penghu.text
    cafe = parse_request("台中一日遊，文青咖啡跟甜點", KNOWN, today=WED)
    assert cafe.days == 1 and {"文青", "咖啡", "甜點"} <= set(cafe.interests)
    english = parse_request("Plan me a 2-day trip to Tainan with lots of street food", KNOWN, today=WED)
    assert (english.cities, english.days, english.wants_plan) == (["台南"], 2, True)


def test_the_fuzz_findings():
    trip = parse_request("台南兩天", KNOWN)
    more = parse_request("再多 1 天", KNOWN)
    merged = merge_intent(trip, more)
    assert more.followup == "add_day" and more.day_delta == 1 and merged.cities == ["台南"]
    assert parse_request("台南1.5天", KNOWN).days == 2
    negative = parse_request("台南 -3天", KNOWN)
    assert negative.days is None and negative.problems == ["negative_days"] and negative.wants_plan
    assert parse_request("台南两天一夜", KNOWN).days == 2
    for text in ("台南兩天", "台南两天", "Tainan 2 days"):
        assert parse_request(text, KNOWN).cities == ["台南"]
    nowhere = parse_request("幫我排兩天一夜", KNOWN)
    assert nowhere.cities == [] and "屏東" not in nowhere.cities


def test_questions_are_not_plans():
    assert not parse_request("台北有什麼夜市？", KNOWN).wants_plan
    assert parse_request("推薦台南兩天行程", KNOWN).wants_plan


ALPHABET = list(
    "台南北高雄花蓮澎湖墾丁安平九份臺两天一二兩三十夜日遊週末周下這六五到不要只再多加第換成海邊美食輕鬆"
    "緊湊附近爸媽小孩省錢把掉移最後早點回，、和 -./0123456789TaipeiNanDy"
)
KNOWN_OR_NOT = set(CITY_ORDER)


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.text(alphabet=st.sampled_from(ALPHABET), max_size=40), st.dates(dt.date(2024, 1, 1), dt.date(2030, 12, 31)))
def test_any_text_parses_within_bounds(text, today):
    intent = parse_request(text, KNOWN, today=today)
    assert set(intent.cities) <= set(KNOWN)  # only the known list, never a guess
    assert set(intent.unknown_places) <= KNOWN_OR_NOT - set(KNOWN)
    assert intent.days is None or 1 <= intent.days <= 14
    assert intent.start_date is None or intent.start_date >= today
    assert all(1 <= w.day <= 14 or w.day == -1 for w in intent.day_wishes)
    assert set(intent.near) <= set(REGION_AREAS.values()) | set(intent.must_include)
    assert len(intent.must_include) + len(intent.avoid) <= len(text)
    assert isinstance(intent.preferences(), Preferences)  # always valid planner preferences


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.sampled_from(sorted(PLACE_CITIES)), st.integers(1, 14))
def test_a_famous_place_and_a_length_plan_its_city(place, days):
    intent = parse_request(f"{place}{days}天", KNOWN)
    city = PLACE_CITIES[place]
    assert intent.days == days
    assert (intent.cities, intent.unknown_places) == (([city], []) if city in KNOWN else ([], [city]))


@pytest.mark.parametrize(
    ("text", "start", "days"),
    [
        ("A relaxed weekend in Hualien with my parents", WED.replace(day=13), 2),  # was no date at all
        ("Taipei next Saturday, 2 days", WED.replace(day=20), 2),
        ("Plan me a 2-day trip to Tainan", None, 2),
    ],
)
def test_english_date_words_give_the_trip_its_dates(text, start, days):
    intent = parse_request(text, KNOWN, today=WED)
    assert (intent.start_date, intent.days) == (start, days)
