"""Traveller rules on crafted plans: 順路不繞路 (no stop further out of the way than it is worth, no better order),
每天玩得滿 on an empty day, 同一區同一天 counting the moves between an area's stops."""

from __future__ import annotations

from pipelines.core.models import DayPlan, FreeTime, Itinerary, ItineraryItem, Preferences
from pipelines.planner.verifier import CheckName, verify
from tests.support.planner_helpers import hualien_stops, seg


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


def test_a_lunch_in_town_between_two_stops_of_an_area_is_a_detour():
    """Lunch kept at lunch time is no excuse for the drive: 安平 → 國華街 → back to 安平 adds 45 minutes for a
    lunch (``rules.MEAL_DETOUR``); the same lunch on the way from 安平 into town adds nothing."""
    fort, guohua, oldst, chihkan = seg("anping"), seg("guohua"), seg("oldst"), seg("chihkan")
    zigzag = DayPlan(
        day=1,
        items=[
            item(fort, "09:00", "10:00"),
            item(guohua, "11:00", "12:30", 30, note="午餐"),
            item(oldst, "13:00", "14:30", 30),
            item(chihkan, "15:00", "15:45", 30),
        ],
    )
    result = check(Itinerary(days=[zigzag]), [fort, guohua, oldst, chihkan], CheckName.ROUTE)
    assert not result.passed
    assert "為了午餐「國華街」" in result.detail and "安平古堡 → 國華街 → 安平老街" in result.detail
    on_the_way = DayPlan(
        day=1,
        items=[
            item(fort, "09:00", "10:00"),
            item(oldst, "10:05", "11:35", 5),
            item(guohua, "12:00", "13:30", 25, note="午餐"),
            item(chihkan, "13:40", "14:25", 10),
        ],
    )
    assert check(Itinerary(days=[on_the_way]), [fort, guohua, oldst, chihkan], CheckName.ROUTE).passed


CLIFF, SHAKADANG, SWALLOW, WONTON, TEA, ICE, LAKE, RICE, NOODLES, MARKET = HUALIEN = hualien_stops()


def test_a_gorge_day_with_lunch_back_in_town_fails_the_route_and_one_in_a_stretch_passes():
    zigzag = DayPlan(
        day=1,
        items=[
            item(CLIFF, "09:00", "09:40"),
            item(WONTON, "11:00", "11:30", 65, note="午餐"),  # back south to town ...
            item(SHAKADANG, "12:25", "14:25", 55),  # ... and north into the gorge again
            item(SWALLOW, "14:50", "15:35", 25),
            item(MARKET, "17:30", "19:00", 55, note="晚餐"),
        ],
    )
    result = check(Itinerary(days=[zigzag]), HUALIEN, CheckName.ROUTE)
    assert not result.passed and "為了午餐「液香扁食」（停留 30 分鐘）多開約 80 分鐘的路" in result.detail
    stretch = zigzag.model_copy(update={"items": [zigzag.items[0], *zigzag.items[2:]]})
    stretch.items[1] = item(SHAKADANG, "10:20", "12:20", 40)
    assert check(Itinerary(days=[stretch]), HUALIEN, CheckName.ROUTE).passed
    meals = check(Itinerary(days=[stretch]), HUALIEN, CheckName.MEALS)  # no lunch on its way: said, not failed
    assert meals.passed and "第 1 天的午餐沿路沒有影片介紹的餐廳" in meals.detail


def test_a_snack_far_off_the_road_fails_the_route_and_a_day_without_it_passes():
    day = DayPlan(
        day=2,
        items=[
            item(LAKE, "09:00", "11:00"),
            item(TEA, "11:40", "12:10", 40, note="午餐"),
            item(ICE, "13:00", "13:30", 50, note="點心"),  # 50 minutes north for a 30-minute ice ...
            item(RICE, "15:05", "16:35", 95),  # ... then 95 minutes far south
        ],
    )
    result = check(Itinerary(days=[DayPlan(day=1), day]), HUALIEN, CheckName.ROUTE, days=2)
    assert not result.passed and "第 2 天為了點心「佳興冰菓室」" in result.detail
    assert "廟口紅茶" in result.detail  # back north to town for lunch on the way south is one too
    south = [day.items[0], item(NOODLES, "12:20", "12:50", 80, note="午餐"), item(RICE, "13:30", "15:00", 40)]
    direct = day.model_copy(update={"items": south})
    assert check(Itinerary(days=[DayPlan(day=1), direct]), HUALIEN, CheckName.ROUTE, days=2).passed


def test_a_must_see_is_worth_its_detour():
    day = DayPlan(
        day=1,
        items=[
            item(LAKE, "09:00", "11:00"),
            item(ICE, "11:50", "12:20", 50),
            item(RICE, "14:00", "15:30", 95),
        ],
    )
    prefs = Preferences(must_include=["佳興冰菓室"])
    result = next(c for c in verify(Itinerary(days=[day]), HUALIEN, 1, prefs) if c.name == CheckName.ROUTE)
    assert result.passed, result.detail


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


def test_free_time_is_needless_only_while_a_spare_sight_is_on_the_days_way():
    """每天玩得滿 asks to fill free time only with what 順路不繞路 would let the plan add: an ice 50 minutes up the
    coast from town is no reason to fail a free afternoon in town; a garden in town is."""
    day = DayPlan(
        day=1,
        city="花蓮",
        items=[
            item(LAKE, "09:00", "11:00"),
            item(TEA, "11:40", "12:10", 40, note="午餐"),
            item(MARKET, "17:30", "19:00", 5, note="晚餐"),
        ],
        free=[FreeTime(start="12:10", end="17:30", label="自由活動", reason="這一帶沒有更多景點")],
    )
    plan = Itinerary(days=[day])
    assert check(plan, [LAKE, TEA, MARKET, ICE], CheckName.DAY_USE).passed
    garden = seg("hayashi", place="松園別館", city="花蓮", lat=23.9826, lon=121.6154)
    result = check(plan, [LAKE, TEA, MARKET, ICE, garden], CheckName.DAY_USE)
    assert not result.passed and "「松園別館」還沒排也放得進" in result.detail
