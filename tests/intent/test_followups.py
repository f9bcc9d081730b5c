"""Follow-up words (intent.followups) and how a follow-up updates the trip so far (merge_intent, in_context)."""

from __future__ import annotations

import pytest

from pipelines.intent.parser import in_context, merge_intent, parse_request

KNOWN = ["台北", "新北", "基隆", "台中", "南投", "嘉義", "台南", "高雄", "屏東", "宜蘭", "花蓮", "台東", "澎湖"]


@pytest.mark.parametrize(
    ("text", "followup", "extra"),
    [
        ("第二天換成海邊的行程", "replace_day", {"target_day": 2, "interests": ["海邊"]}),
        ("第2天換成溫泉", "replace_day", {"target_day": 2, "interests": ["溫泉"]}),
        ("Day 2 換成海邊", "replace_day", {"target_day": 2, "interests": ["海邊"]}),
        ("把第二天換成美食", "replace_day", {"target_day": 2, "interests": ["美食"]}),
        ("最後一天改成溫泉", "replace_day", {"target_day": -1, "interests": ["溫泉"]}),
        ("第二天想去海邊", "replace_day", {"target_day": 2, "interests": ["海邊"]}),
        ("第一天改輕鬆一點", "replace_day", {"target_day": 1, "pace": "relaxed"}),
        ("再多一天", "add_day", {"day_delta": 1}),
        ("再多 1 天", "add_day", {"day_delta": 1}),  # the space (the fuzz finding: became a 屏東 trip)
        ("再多1天", "add_day", {"day_delta": 1}),
        ("多玩兩天", "add_day", {"day_delta": 2}),
        ("可以再多待一天嗎", "add_day", {"day_delta": 1}),
        ("延長一天", "add_day", {"day_delta": 1}),
        ("再加一天去墾丁", "add_day", {"day_delta": 1, "cities": ["屏東"], "near": ["恆春半島"]}),
        ("少一天", "remove_day", {"day_delta": -1}),
        ("少玩兩天", "remove_day", {"day_delta": -2}),
        ("刪掉第二天", "drop_day", {"target_day": 2}),
        ("最後一天不要了", "drop_day", {"target_day": -1}),
        ("改成四天", "set_days", {"days": 4}),
        ("縮短成一天", "set_days", {"days": 1}),
        ("改成一日遊", "set_days", {"days": 1}),
        ("把赤崁樓換掉", "swap_stop", {"place": "赤崁樓"}),
        ("換掉赤崁樓", "swap_stop", {"place": "赤崁樓"}),
        ("刪掉第二天的赤崁樓", "swap_stop", {"place": "赤崁樓"}),
        ("把赤崁樓換成安平古堡", "swap_stop", {"place": "赤崁樓", "must_include": ["安平古堡"]}),
        ("把赤崁樓換成海邊", "swap_stop", {"place": "赤崁樓", "interests": ["海邊"]}),
        ("把赤崁樓移到第二天", "move_stop", {"place": "赤崁樓", "target_day": 2}),
        ("赤崁樓移到最後一天", "move_stop", {"place": "赤崁樓", "target_day": -1}),
        ("只要美食", "only", {"interests": ["美食"]}),
        ("只要吃的", "only", {"interests": ["美食"]}),
        ("換一批", "more", {}),
        ("不要去海邊", "refine", {"avoid": ["海邊"]}),
        ("不要去小琉球", "refine", {"avoid": ["小琉球"]}),
        ("赤崁樓不要去了", "refine", {"avoid": ["赤崁樓"]}),
        ("輕鬆一點", "refine", {"pace": "relaxed"}),
    ],
)
def test_follow_ups(text, followup, extra):
    intent = parse_request(text, KNOWN)
    assert intent.followup == followup
    for key, value in extra.items():
        assert getattr(intent, key) == value, key


@pytest.mark.parametrize(
    "text", ["台北三天，第三天想泡溫泉", "台南兩天一夜 第二天去安平", "台南兩天 再多一點美食", "高雄兩天 只要美食"]
)
def test_a_new_request_with_day_words_is_not_an_edit(text):
    assert parse_request(text, KNOWN).followup is None


def test_with_a_plan_a_length_or_a_date_alone_edits_it():
    length = parse_request("兩天就好", KNOWN)
    assert length.followup is None and in_context(length, has_plan=True).followup == "set_days"
    assert in_context(length, has_plan=False).followup is None
    import datetime as dt

    date = parse_request("改成下週六出發", KNOWN, today=dt.date(2025, 12, 10))
    assert in_context(date, has_plan=True).followup == "set_date" and date.start_date == dt.date(2025, 12, 20)
    trip = parse_request("高雄兩天", KNOWN)
    assert in_context(trip, has_plan=True).followup is None  # a city: a new trip


def test_merging_a_follow_up_into_the_trip():
    trip = parse_request("台南兩天一夜 一定要去安平古堡 輕鬆", KNOWN)
    merged = merge_intent(trip, parse_request("只要美食", KNOWN))
    assert merged.cities == ["台南"] and merged.days == 2 and merged.pace == "relaxed"
    assert merged.interests == ["美食"] and merged.must_include == []
    assert merge_intent(trip, parse_request("改成四天", KNOWN)).days == 4
    fresh = merge_intent(trip, parse_request("高雄一日遊", KNOWN))
    assert fresh.cities == ["高雄"] and fresh.days == 1 and fresh.pace is None
    south = merge_intent(parse_request("高雄一日遊", KNOWN), parse_request("再加一天去墾丁", KNOWN))
    assert south.cities == ["高雄", "屏東"] and south.days == 1  # the agent counts the added day


def test_merging_keeps_dates_wishes_and_party():
    import datetime as dt

    trip = parse_request("週末帶爸媽去台北，第二天想泡溫泉，省錢", KNOWN, today=dt.date(2025, 12, 10))
    merged = merge_intent(trip, parse_request("輕鬆一點", KNOWN))
    assert merged.start_date == dt.date(2025, 12, 13) and merged.with_elders and merged.budget == "low"
    assert merged.day_wishes == trip.day_wishes and merged.pace == "relaxed"
