"""Date words against a fixed ``today`` (intent.dates and parse_request): the plan's dates, table and .ics
start from these, so each case is a real calendar check."""

from __future__ import annotations

import datetime as dt

import pytest

from pipelines.intent.dates import resolve_dates
from pipelines.intent.normalise import normalise
from pipelines.intent.parser import parse_request

WED = dt.date(2025, 12, 10)  # a Wednesday
SAT = dt.date(2025, 12, 13)
SUN = dt.date(2025, 12, 14)
NEW_YEAR_EVE_EVE = dt.date(2025, 12, 30)  # a Tuesday
KNOWN = ["台北", "台南", "高雄", "花蓮", "南投"]


def d(month: int, day: int, year: int = 2025) -> dt.date:
    return dt.date(year, month, day)


@pytest.mark.parametrize(
    ("text", "today", "start", "days"),
    [
        ("週末", WED, d(12, 13), 2),  # Saturday, two days
        ("這個週末去台南", WED, d(12, 13), 2),
        ("周末", WED, d(12, 13), 2),  # 周 as well as 週
        ("週末", SAT, d(12, 13), 2),  # said on Saturday: today
        ("週末", SUN, d(12, 20), 2),  # said on Sunday: the next one
        ("這週六", WED, d(12, 13), None),
        ("禮拜六", WED, d(12, 13), None),
        ("下週六", WED, d(12, 20), None),
        ("下下週六", WED, d(12, 27), None),
        ("下週五到週日", WED, d(12, 19), 3),  # Friday to Sunday of next week, three days
        ("下週五到週日", NEW_YEAR_EVE_EVE, d(1, 9, 2026), 3),
        ("這週五到下週一", WED, d(12, 12), 4),
        ("12/19 出發", WED, d(12, 19), None),
        ("12月19日出發", WED, d(12, 19), None),
        ("12月19號", WED, d(12, 19), None),
        ("12/19-12/21", WED, d(12, 19), 3),
        ("12月19日到21日", WED, d(12, 19), 3),
        ("1/2 出發", NEW_YEAR_EVE_EVE, d(1, 2, 2026), None),  # the year boundary
        ("12/31到1/2", NEW_YEAR_EVE_EVE, d(12, 31), 3),  # a span across it
        ("2026/1/3", WED, d(1, 3, 2026), None),
        ("明天出發", WED, d(12, 11), None),
        ("後天", NEW_YEAR_EVE_EVE, d(1, 1, 2026), None),
        ("大後天", WED, d(12, 13), None),
        ("台南兩天一夜", WED, None, None),
    ],
)
def test_dates(text, today, start, days):
    dates = resolve_dates(normalise(text), today)
    assert (dates.start, dates.days, dates.problems) == (start, days, [])


def test_a_month_day_already_past_is_next_years_and_says_so():
    dates = resolve_dates("12/5 出發", WED)
    assert dates.start == d(12, 5, 2026) and dates.problems == ["date_next_year"]


@pytest.mark.parametrize(("text", "problem"), [("2024/12/5 出發", "date_past"), ("2/30 出發", "date_invalid")])
def test_dates_that_cannot_be_used(text, problem):
    dates = resolve_dates(text, WED)
    assert dates.start is None and dates.problems == [problem]


def test_the_request_carries_the_dates():
    weekend = parse_request("週末想帶爸媽去日月潭附近走走", KNOWN, today=WED)
    assert weekend.start_date == SAT and weekend.days == 2 and weekend.preferences().start_date == SAT
    span = parse_request("下週五到週日去花蓮", KNOWN, today=WED)
    assert span.cities == ["花蓮"] and span.start_date == d(12, 19) and span.days == 3
    said = parse_request("12/19 出發 台南兩天", KNOWN, today=WED)
    assert said.start_date == d(12, 19) and said.days == 2  # the stated length wins over none
    both = parse_request("下週五到週日 台南兩天", KNOWN, today=WED)
    assert both.days == 2 and both.start_date == d(12, 19)  # a stated length wins over the span
    past = parse_request("12/5 出發 台南兩天", KNOWN, today=WED)
    assert past.start_date == d(12, 5, 2026) and past.problems == ["date_next_year"]


def test_without_today_dates_are_not_read():
    """The parser has no clock: the caller passes ``today`` (the offline agent reads Taiwan's date)."""
    intent = parse_request("這週六去台中一日遊", ["台中"])
    assert intent.start_date is None and intent.days == 1
