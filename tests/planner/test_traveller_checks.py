"""Traveller rules on crafted plans: 順路不繞路 against the orders a traveller can follow (meals in place),
每天玩得滿 on an empty day, 同一區同一天 counting the moves between an area's stops."""

from __future__ import annotations

from pipelines.core.models import DayPlan, FreeTime, Itinerary, ItineraryItem, Preferences
from pipelines.planner.verifier import CheckName, verify
from tests.support.planner_helpers import seg


def item(s, start: str, end: str, travel: int = 0, note: str = "") -> ItineraryItem:
    (h1, m1), (h2, m2) = (map(int, start.split(":")), map(int, end.split(":")))
    data = {"segment_id": s.segment_id, "place": s.place, "city": s.city, "start": start, "end": end}
    return ItineraryItem(**data, visit_minutes=h2 * 60 + m2 - h1 * 60 - m1, travel_minutes=travel, note=note)


def check(itinerary: Itinerary, segments, name: CheckName, days: int = 1):
    return next(c for c in verify(itinerary, segments, days, Preferences()) if c.name == name)


def test_a_zig_zag_between_old_town_and_centre_fails_the_route():
    fort, hayashi, oldst, chihkan = seg("anping"), seg("hayashi"), seg("oldst"), seg("chihkan")
    day = DayPlan(
        day=1,
        items=[
            item(fort, "09:00", "10:00"),
            item(hayashi, "10:30", "11:30", 30),  # into town ...
            item(oldst, "12:00", "13:30", 30),  # ... back to 安平 ...
            item(chihkan, "14:00", "14:45", 30),  # ... and into town again
        ],
    )
    result = check(Itinerary(days=[day]), [fort, hayashi, oldst, chihkan], CheckName.ROUTE)
    assert not result.passed and "換個順序" in result.detail


def test_a_lunch_kept_at_lunch_time_is_no_detour():
    """The only orders that keep lunch second take the same moves: no better order a traveller could follow."""
    fort, guohua, oldst, chihkan = seg("anping"), seg("guohua"), seg("oldst"), seg("chihkan")
    day = DayPlan(
        day=1,
        items=[
            item(fort, "09:00", "10:00"),
            item(guohua, "11:00", "12:30", 30, note="午餐"),
            item(oldst, "13:00", "14:30", 30),
            item(chihkan, "15:00", "15:45", 30),
        ],
    )
    assert check(Itinerary(days=[day]), [fort, guohua, oldst, chihkan], CheckName.ROUTE).passed
    day.items[1] = day.items[1].model_copy(update={"note": ""})  # the same stop as a snack: 安平 first is better
    assert not check(Itinerary(days=[day]), [fort, guohua, oldst, chihkan], CheckName.ROUTE).passed


def test_an_empty_day_with_a_reason_fails_while_a_sight_fits_it():
    fort, chihkan = seg("anping"), seg("chihkan")
    empty = DayPlan(day=2, city="台南", free=[FreeTime(start="09:00", end="18:00", reason="景點都排進其他天了")])
    plan = Itinerary(days=[DayPlan(day=1, city="台南", items=[item(fort, "09:00", "10:00")]), empty])
    result = check(plan, [fort, chihkan], CheckName.DAY_USE, days=2)
    assert not result.passed and "第 2 天沒有安排" in result.detail and "赤崁樓" in result.detail
    assert check(plan, [fort], CheckName.DAY_USE, days=2).detail.count("第 2 天") == 0  # nothing left to put there


def test_an_area_split_fits_a_day_only_with_the_moves_between_its_stops():
    lake, peak = seg("sunmoon", area="高山"), seg("hehuan", area="高山", best_time="morning")
    plan = Itinerary(
        days=[
            DayPlan(day=1, city="南投", items=[item(lake, "09:00", "13:00")]),
            DayPlan(day=2, city="南投", items=[item(peak, "09:00", "12:00")]),
        ]
    )
    # 4 h + 3 h of visits fit 09:00-18:00 less lunch, the mountain road between them does not
    assert check(plan, [lake, peak], CheckName.OUTING, days=2).passed
    near = seg("hehuan", area="高山", best_time="morning", lat=23.87, lon=120.92)  # the same visit, by the lake
    moved = plan.model_copy(update={"days": [plan.days[0], DayPlan(day=2, items=[item(near, "09:00", "12:00")])]})
    result = check(moved, [lake, near], CheckName.OUTING, days=2)
    assert not result.passed and "一天就走得完" in result.detail


def test_a_day_wish_for_a_region_is_met_by_a_stop_of_that_area():
    """「第一天日月潭」: a day at 向山 and 伊達邵 (area 日月潭) keeps the wish; a day elsewhere does not."""
    from pipelines.core.models import DayWish

    xiangshan = seg("sunmoon", place="向山遊客中心", area="日月潭")
    qingjing = seg("hehuan", place="清境農場", area="清境", best_time="morning")
    prefs = Preferences(day_wishes=[DayWish(day=1, must_include=["日月潭"])])

    def wish(stop):
        day = DayPlan(day=1, items=[item(stop, "09:00", "12:00")])
        return next(c for c in verify(Itinerary(days=[day]), [stop], 1, prefs) if c.name == CheckName.WISHES)

    assert wish(xiangshan).passed
    assert not wish(qingjing).passed and "日月潭" in wish(qingjing).detail
