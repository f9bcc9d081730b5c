"""Numerals and trip lengths (intent.numbers): what a traveller writes → days, or a problem key."""

from __future__ import annotations

import pytest

from pipelines.intent.numbers import MAX_DAYS, checked_days, parse_days, parse_number, parse_trip_days
from pipelines.planner.plan import MAX_DAYS as PLANNER_MAX_DAYS


@pytest.mark.parametrize(
    ("token", "value"),
    [
        ("3", 3), ("兩", 2), ("两", 2), ("十", 10), ("十二", 12), ("二十一", 21), ("廿", 20),
        ("1.5", 2), ("一點五", 2), ("兩三", 3), ("一兩", 2), ("x", None), ("", None), ("百", None),
    ],
)  # fmt: skip
def test_numbers(token, value):
    assert parse_number(token) == value


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("一日遊", 1), ("半日遊", 1), ("半天", 1), ("兩天一夜", 2), ("三天兩夜", 3), ("4天3夜", 4), ("5天", 5),
        ("十天", 10), ("十二天", 12), ("2日遊", 2), ("週末", 2), ("周末小旅行", 2), ("一週", 7), ("一個禮拜", 7),
        ("連假", 3), ("玩個兩三天", 3), ("1.5天", 2), ("一點五天", 2),
        ("第二天換成海邊", None), ("每天都要吃", None), ("天氣好的話", None), ("台南", None), ("多一天", None),
    ],
)  # fmt: skip
def test_trip_length(text, days):
    assert parse_days(text) == days


@pytest.mark.parametrize(
    ("text", "days", "problems"),
    [
        ("台南 -3天", None, ["negative_days"]),  # not 3 days (the fuzz finding)
        ("台南負2天", None, ["negative_days"]),
        ("台南0天", None, ["no_days"]),
        ("台南 99 天", MAX_DAYS, ["days_clamped"]),
        ("台南1.5天", 2, []),  # not 5 days (the fuzz finding)
        ("台南兩天一夜", 2, []),
        ("台南", None, []),
    ],
)
def test_trip_days_are_one_to_fourteen_or_none(text, days, problems):
    assert parse_trip_days(text) == (days, problems)


def test_the_cap_is_the_planners():
    assert MAX_DAYS == PLANNER_MAX_DAYS
    assert checked_days(MAX_DAYS) == (MAX_DAYS, []) and checked_days(MAX_DAYS + 1) == (MAX_DAYS, ["days_clamped"])
