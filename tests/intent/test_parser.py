"""The deterministic zh-TW request parser (pure: no index, no I/O)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.intent.parser import city_of, merge_intent, parse_days, parse_number, parse_request

KNOWN = ["台北", "新北", "基隆", "台中", "南投", "嘉義", "台南", "高雄", "屏東", "宜蘭", "花蓮", "台東", "澎湖"]


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("一日遊", 1), ("半日遊", 1), ("兩天一夜", 2), ("三天兩夜", 3), ("4天3夜", 4), ("５天", 5), ("十天", 10),
        ("十二天", 12), ("2日遊", 2), ("週末", 2), ("周末小旅行", 2), ("一週", 7), ("一個禮拜", 7), ("連假", 3),
        ("第二天換成海邊", None), ("每天都要吃", None), ("天氣好的話", None), ("台南", None),
    ],
)  # fmt: skip
def test_trip_length(text, days):
    assert parse_days(text) == days


@pytest.mark.parametrize(("token", "value"), [("3", 3), ("３", 3), ("兩", 2), ("十", 10), ("二十一", 21), ("x", None)])
def test_numbers(token, value):
    assert parse_number(token) == value


@pytest.mark.parametrize(
    ("name", "city"),
    [
        ("臺南市", "台南"),
        ("台北市", "台北"),
        ("嘉義縣", "嘉義"),
        ("府城", "台南"),
        ("Kaohsiung", "高雄"),
        ("墾丁", "屏東"),
    ],
)
def test_city_of(name, city):
    assert city_of(name) == city


def test_a_full_request():
    intent = parse_request("臺南兩天一夜輕鬆玩，一定要去安平古堡和赤崁樓，不要夜市", KNOWN)
    assert intent.cities == ["台南"] and intent.days == 2 and intent.pace == "relaxed"
    assert intent.must_include == ["安平古堡", "赤崁樓"] and intent.avoid == ["夜市"]
    assert "夜市" not in intent.interests and intent.wants_plan and intent.followup is None
    prefs = intent.preferences()
    assert prefs.pace == "relaxed" and prefs.avoid == ["夜市"] and prefs.must_include == ["安平古堡", "赤崁樓"]


@pytest.mark.parametrize(
    ("text", "pace"),
    [
        ("緊湊一點", "packed"),
        ("不要太緊湊", "relaxed"),
        ("不要太趕", "relaxed"),
        ("特種兵行程", "packed"),
        ("隨便", None),
    ],
)
def test_pace(text, pace):
    assert parse_request(f"台北兩天 {text}", KNOWN).pace == pace


def test_people_and_start_time():
    intent = parse_request("帶爸媽和小孩去高雄，不要太早出門", KNOWN)
    assert intent.with_kids and intent.with_elders and "親子" in intent.interests and intent.day_start == "10:00"
    assert intent.avoid == []  # 「不要太早」 is about time, not a place


def test_cities_aliases_and_unknown_places():
    assert parse_request("台北跟新北還有基隆", KNOWN).cities == ["台北", "新北", "基隆"]
    assert parse_request("九份老街", KNOWN).cities == ["新北"]
    intent = parse_request("金門三天", KNOWN)
    assert intent.cities == [] and intent.unknown_places == ["金門"] and intent.days == 3
    assert parse_request("澎湖5天", KNOWN).interests == []  # 澎湖 is a place, not a lake (湖 → 自然)


@pytest.mark.parametrize(
    ("text", "followup", "extra"),
    [
        ("第二天換成海邊的行程", "replace_day", {"target_day": 2, "interests": ["海邊"]}),
        ("最後一天改成溫泉", "replace_day", {"target_day": -1, "interests": ["溫泉"]}),
        ("再多一天", "add_day", {"day_delta": 1}),
        ("多玩兩天", "add_day", {"day_delta": 2}),
        ("少一天", "remove_day", {"day_delta": -1}),
        ("改成四天", "set_days", {"days": 4}),
        ("只要美食", "only", {"interests": ["美食"]}),
        ("換一批", "more", {}),
        ("不要去海邊", "refine", {"avoid": ["海邊"]}),
        ("輕鬆一點", "refine", {"pace": "relaxed"}),
    ],
)
def test_follow_ups(text, followup, extra):
    intent = parse_request(text, KNOWN)
    assert intent.followup == followup
    for key, value in extra.items():
        assert getattr(intent, key) == value


def test_merging_a_follow_up_into_the_trip():
    trip = parse_request("台南兩天一夜 一定要去安平古堡 輕鬆", KNOWN)
    merged = merge_intent(trip, parse_request("只要美食", KNOWN))
    assert merged.cities == ["台南"] and merged.days == 2 and merged.pace == "relaxed"
    assert merged.interests == ["美食"] and merged.must_include == []
    assert merge_intent(trip, parse_request("改成四天", KNOWN)).days == 4
    fresh = merge_intent(trip, parse_request("高雄一日遊", KNOWN))
    assert fresh.cities == ["高雄"] and fresh.days == 1 and fresh.pace is None


def test_questions_are_not_plans():
    assert not parse_request("台北有什麼夜市？", KNOWN).wants_plan
    assert parse_request("推薦台南兩天行程", KNOWN).wants_plan


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(
            list("台南北高雄花蓮一二兩三天夜日遊不要只再多第換成海邊美食輕鬆緊湊，、和 0123456789")
        ),
        max_size=40,
    )
)
def test_never_crashes_and_stays_in_range(text):
    intent = parse_request(text, KNOWN)
    assert set(intent.cities) <= set(KNOWN)
    assert intent.days is None or intent.days >= 0
    assert len(intent.must_include) + len(intent.avoid) <= len(text)
    intent.preferences()  # always valid Preferences
