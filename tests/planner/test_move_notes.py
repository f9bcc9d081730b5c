"""The morning move between days says where from and to, never 「從花蓮移動到花蓮」 (issue 9)."""

from __future__ import annotations

import re

from pipelines.core.models import DayPlan, DayWish, Itinerary, ItineraryItem, Preferences, Segment
from pipelines.planner.notes import day_notes
from pipelines.planner.plan import plan
from tests.support.planner_helpers import seg

SAME_CITY_TWICE = re.compile(r"從(\S+?)移動到\1")

# 花蓮 as the gazetteer has it: the city seat, and 玉里・富里 (an area) 1.5 h south
MARKET = seg("dongdamen", lat=23.9737, lon=121.6114, district="花蓮市")
VILLA = seg("magong", segment_id="t-villa#01", place="松園別館", city="花蓮", lat=23.9826, lon=121.6154,
            district="花蓮市", tags=["古蹟", "景觀"], visit_minutes=60)  # fmt: skip
FIELDS = seg("chishang", segment_id="t-sixty#01", place="六十石山", city="花蓮", lat=23.2389, lon=121.3065,
             district="富里鄉", area="玉里・富里", visit_minutes=90)  # fmt: skip
NOODLE = seg("chicken", segment_id="t-yuli#01", place="玉里麵", city="花蓮", lat=23.3357, lon=121.3117,
             district="玉里鎮", area="玉里・富里")  # fmt: skip
RANCH = seg("chishang", segment_id="t-ranch#01", place="瑞穗牧場", city="花蓮", lat=23.5035, lon=121.3864,
            district="瑞穗鄉", tags=["農場", "親子"], visit_minutes=90)  # fmt: skip


def two_days(first: Segment, second: Segment, travel: int = 90) -> Itinerary:
    def item(s: Segment, start: str, end: str, minutes: int) -> ItineraryItem:
        return ItineraryItem(segment_id=s.segment_id, place=s.place or "", city=s.city or "", start=start, end=end,
                             visit_minutes=60, travel_minutes=minutes)  # fmt: skip

    days = [
        DayPlan(day=1, items=[item(first, "18:00", "19:00", 0)]),
        DayPlan(day=2, items=[item(second, "10:30", "11:30", travel)]),
    ]
    return Itinerary(days=days)


def move_note(itinerary: Itinerary, segments: list[Segment]) -> str:
    return next(n for n in day_notes(itinerary, {s.segment_id: s for s in segments}) if "一早" in n)


def test_a_move_within_a_city_names_the_areas():
    note = move_note(two_days(MARKET, FIELDS), [MARKET, FIELDS])
    assert note == "第 2 天一早從花蓮市區移到玉里・富里一帶，交通約 1 小時 30 分。"
    back = move_note(two_days(NOODLE, VILLA), [NOODLE, VILLA])
    assert back == "第 2 天一早從玉里・富里一帶移到花蓮市區，交通約 1 小時 30 分。"
    assert "從瑞穗鄉移到花蓮市區" in move_note(two_days(RANCH, MARKET), [RANCH, MARKET])


def test_a_long_drive_within_one_place_says_so():
    same = seg("chishang", segment_id="t-far#01", place="安通溫泉", city="花蓮", lat=23.28, lon=121.35,
               district="玉里鎮", area="玉里・富里")  # fmt: skip
    assert "在花蓮境內長途移動到玉里・富里一帶" in move_note(two_days(NOODLE, same), [NOODLE, same])
    bare = [s.model_copy(update={"district": "", "area": ""}) for s in (MARKET, FIELDS)]
    assert "一早在花蓮境內長途移動到「六十石山」，" in move_note(two_days(*bare), bare)
    unnamed = day_notes(two_days(MARKET, FIELDS))  # no segments given: the place it goes to
    assert "第 2 天一早在花蓮境內長途移動到「六十石山」，交通約 1 小時 30 分。" in unnamed


def test_a_move_between_cities_names_the_cities():
    tainan = seg("anping")
    assert "第 2 天一早從花蓮移動到台南" in move_note(two_days(MARKET, tainan), [MARKET, tainan])


def test_a_planned_trip_never_moves_from_a_city_to_itself():
    """Day 1 eats in 花蓮市, day 2 (a wish) is 六十石山: the plan's own note names both ends."""
    wonton = seg("chicken", segment_id="t-wonton#01", place="液香扁食", city="花蓮", lat=23.9760, lon=121.6050,
                 district="花蓮市")  # fmt: skip
    wish = DayWish(day=2, must_include=["六十石山"])
    result = plan([MARKET, wonton, FIELDS, NOODLE], 2, Preferences(day_wishes=[wish]))
    moves = [n for n in result.notes if "一早" in n]
    assert moves == ["第 2 天一早從花蓮市區移到玉里・富里一帶，交通約 1 小時 30 分。"]
    assert not any(SAME_CITY_TWICE.search(n) for n in result.notes)
