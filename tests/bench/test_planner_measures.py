"""The bench's own traveller rules catch what issue 9 found: an empty day next to a day crossing to 七美 and back."""

from __future__ import annotations

from bench.planner_measures import Corpus, judge
from pipelines.core.models import DayPlan, Itinerary, ItineraryItem
from tests.support.planner_helpers import penghu_stops

STOPS = {s.place: s for s in penghu_stops()}


def _day(number: int, *stops: tuple[str, str, str, int]) -> DayPlan:
    items = [
        ItineraryItem(segment_id=STOPS[p].segment_id, place=p, city="澎湖", start=a, end=b, visit_minutes=1,
                      travel_minutes=t)
        for p, a, b, t in stops
    ]  # fmt: skip
    return DayPlan(day=number, city="澎湖", items=items)


def _crammed(days: list[DayPlan]) -> list[str]:
    verdict = judge(Itinerary(days=days), Corpus({s.segment_id: s for s in STOPS.values()}), {"days": 3})
    return verdict.problems.get("crammed", [])


RING = _day(1, ("大菓葉柱狀玄武岩", "09:00", "09:30", 0), ("二崁聚落", "11:00", "12:00", 15))
TOWN = [("馬公天后宮", "09:00", "09:45", 0), ("馬公中央老街", "11:00", "11:45", 5)]
SEVEN = [("望夫石", "13:30", "13:50", 105), ("小台灣", "14:10", "14:30", 20), ("雙心石滬", "14:50", "15:30", 20)]


def test_an_empty_day_beside_two_ferry_crossings_is_flagged():
    bad = [RING, _day(2, *TOWN, *SEVEN, ("富園百元海鮮", "17:15", "18:15", 105)), _day(3)]
    assert _crammed(bad) == ["第 3 天空著，第 2 天卻坐 2 趟船"]


def test_the_island_on_its_own_day_passes():
    seven = [("望夫石", "10:45", "11:05", 105), *SEVEN[1:], ("富園百元海鮮", "17:00", "18:00", 105)]
    good = [RING, _day(2, *seven), _day(3, *TOWN)]
    assert _crammed(good) == []


def test_two_crossings_with_no_empty_day_are_not_flagged():
    dinner = ("富園百元海鮮", "17:15", "18:15", 105)
    full = [RING, _day(2, *TOWN, *SEVEN, dinner), _day(3, ("觀音亭", "09:00", "09:45", 0))]
    assert _crammed(full) == []
