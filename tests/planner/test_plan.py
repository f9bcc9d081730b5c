"""The itinerary planner, rule by rule (issue 3)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from pipelines.core.errors import AiyoError, PlanningError
from pipelines.core.models import Preferences
from pipelines.planner.plan import plan
from pipelines.planner.rules import paced_stops, to_minutes
from pipelines.planner.travel import Point, travel_minutes
from pipelines.planner.verifier import CheckName
from tests.support.planner_helpers import BY_KEY, hualien_stops, seg, segs

TAINAN = ("anping", "beef", "chihkan", "confucius", "guohua", "garden", "chimei")


def items(itinerary):
    return [i for d in itinerary.days for i in d.items]


def places(itinerary):
    return [i.place for i in items(itinerary)]


def paced(day) -> int:
    """Stops of a day that count against the pace cap (a lunch and an evening meal are free)."""
    by_id = {s.segment_id: s for s in (seg(k) for k in BY_KEY)}
    return paced_stops((by_id[i.segment_id], to_minutes(i.start)) for i in day.items)


def check(itinerary, name: CheckName):
    return next(c for c in itinerary.checks if c.name == name.value)


# --- validation ---------------------------------------------------------------------------------
@pytest.mark.parametrize("days", [0, -1, 15, 100])
def test_days_outside_1_to_14_is_a_zh_tw_planning_error(days):
    with pytest.raises(PlanningError, match="天數需介於 1 到 14 天"):
        plan(segs("anping"), days, Preferences())


def test_days_must_be_an_integer():
    with pytest.raises(PlanningError):
        plan(segs("anping"), True, Preferences())  # type: ignore[arg-type]


def test_no_segment_with_a_place_is_an_error():
    with pytest.raises(PlanningError, match="沒有可以排進行程的地點"):
        plan([seg("anping", place=None)], 1, Preferences())
    with pytest.raises(AiyoError):
        plan([], 1, Preferences())


def test_a_day_window_under_an_hour_is_an_error():
    with pytest.raises(PlanningError, match="每天可用時間太短"):
        plan(segs("anping"), 1, Preferences(day_start="20:30", day_end="21:00"))


# --- selection ----------------------------------------------------------------------------------
def test_duplicate_places_keep_one_segment_and_say_so():
    chosen = [seg("anping", 1), seg("anping", 2), seg("beef")]
    result = plan(chosen, 1, Preferences())
    assert places(result).count("安平古堡") == 1
    assert "t-anping#02" not in result.left_out  # a duplicate is not "left out": its place is in the plan
    assert any("同一地點有多個影片片段" in n for n in result.notes)


def test_duplicate_named_by_id_in_must_include_is_the_one_kept():
    chosen = [seg("anping", 1), seg("anping", 2)]
    result = plan(chosen, 1, Preferences(must_include=["t-anping#02"]))
    assert [i.segment_id for i in items(result)] == ["t-anping#02"]


def test_more_than_fits_keeps_interests_and_lists_the_rest():
    chosen = segs("tp101", "palace", "dihua", "longshan", "huashan", "yongkang", "shilin")
    result = plan(chosen, 1, Preferences(pace="relaxed", interests=["夜市", "美食"]))
    assert paced(result.days[0]) <= 3
    assert {"士林夜市", "永康街"} <= set(places(result))
    assert len(result.left_out) == len(chosen) - len(items(result))
    assert any("放不下全部" in n and "未排入" in n for n in result.notes)
    assert result.passed


def test_too_few_segments_leave_free_days_not_padding():
    result = plan(segs("anping", "beef"), 4, Preferences())
    assert len(result.days) == 4
    assert len(items(result)) == 2
    assert any(not d.items for d in result.days)
    assert any("自由活動" in n for n in result.notes)
    assert result.passed


def test_segment_without_coordinates_borrows_its_city_centre():
    result = plan([seg("anping"), seg("beef", lat=None, lon=None)], 1, Preferences())
    assert set(places(result)) == {"安平古堡", "台南牛肉湯"}
    assert result.passed


def test_segment_without_coordinates_or_city_peers_is_left_out_with_a_note():
    result = plan([seg("anping"), seg("alishan", lat=None, lon=None)], 1, Preferences())
    assert "t-alishan#01" in result.left_out
    assert any("缺少座標" in n for n in result.notes)


def test_a_place_that_cannot_fit_any_day_is_left_out_with_the_reason():
    result = plan(segs("anping", "garden"), 1, Preferences(day_end="18:00"))
    assert "花園夜市" not in places(result)
    assert any("單獨排一天也放不下" in n and "花園夜市" in n for n in result.notes)
    assert result.passed


# --- geography ----------------------------------------------------------------------------------
def test_cities_are_visited_in_one_block_each_and_along_the_island():
    chosen = segs("anping", "tp101", "liuhe", "beef", "raohe", "pier2", "fengjia", "yongkang", "chimei")
    result = plan(chosen, 4, Preferences(pace="normal"))
    cities = [i.city for i in items(result)]
    blocks = [c for k, c in enumerate(cities) if k == 0 or cities[k - 1] != c]
    assert len(blocks) == len(set(blocks))
    assert blocks in (["台北", "台中", "台南", "高雄"], ["高雄", "台南", "台中", "台北"])
    assert check(result, CheckName.CITY_ROUTE).passed


def test_stops_within_a_day_follow_geography():
    keys = ("tp101", "longshan", "huashan", "dihua", "yongkang")
    chosen = [seg(k, best_time="any", tags=[]) for k in keys]
    result = plan(chosen, 1, Preferences(pace="packed"))
    points = {s.place: Point.at(s.lat, s.lon) for s in chosen}

    def length(order):
        return sum(travel_minutes(points[a], points[b]) for a, b in zip(order, order[1:], strict=False))

    best = min(length(p) for p in itertools.permutations(points))
    assert length(places(result)) == best
    assert sum(i.travel_minutes for i in items(result)) == best


def test_travel_minutes_follow_the_speed_model():
    result = plan(segs("anping", "chimei"), 1, Preferences())
    first, second = items(result)
    assert first.travel_minutes == 0
    assert 20 <= second.travel_minutes <= 40  # ~9 km across Tainan by road


def test_moving_city_overnight_counts_the_morning_transfer():
    result = plan(segs("tp101", "palace", "dihua", "anping", "chimei", "confucius"), 2, Preferences())
    day2 = result.days[1].items
    assert day2[0].city == "台南" and day2[0].travel_minutes >= 120
    assert any("一早從台北移動到台南" in n for n in result.notes)
    assert result.passed


# --- time of day --------------------------------------------------------------------------------
def test_sunrise_spot_opens_the_day_before_day_start():
    result = plan(segs("alishan", "chicken", "wenhua"), 1, Preferences(sunrise=True))
    first = result.days[0].items[0]
    assert first.place == "阿里山" and first.start == "05:30"
    assert "日出" in first.note
    assert any("日出時間" in n for n in result.notes)
    assert result.passed


def test_two_sunrise_spots_go_to_different_days():
    result = plan(segs("alishan", "hehuan"), 2, Preferences(sunrise=True))
    assert [d.items[0].start for d in result.days] == ["05:30", "05:30"]
    result = plan(segs("alishan", "hehuan"), 1, Preferences(sunrise=True))
    assert len(items(result)) == 1 and len(result.left_out) == 1


def test_night_market_is_in_the_evening_and_last():
    result = plan(segs("garden", "anping", "confucius"), 1, Preferences())
    market = result.days[0].items[-1]
    assert market.place == "花園夜市"
    assert to_minutes(market.start) >= to_minutes("17:30")
    assert market.note == "晚餐"


def test_food_stop_lands_at_lunch():
    result = plan(segs("confucius", "chihkan", "guohua", "chimei"), 1, Preferences(pace="normal"))
    lunch = next(i for i in items(result) if i.place == "國華街")
    assert to_minutes("11:00") <= to_minutes(lunch.start) <= to_minutes("13:30")
    assert lunch.note == "午餐"


def test_second_food_stop_is_dinner_when_no_night_market():
    result = plan(segs("guohua", "yongkang"), 2, Preferences())  # different cities: one per day
    assert result.passed
    result = plan(segs("guohua", "chicken", "anping"), 1, Preferences(pace="normal"))  # 嘉義 + 台南
    assert result.passed


def test_the_only_restaurant_near_a_day_is_its_lunch_and_the_night_market_further_off_its_dinner():
    """A 礁溪 day: its one restaurant (open for lunch and dinner) is the lunch, so dinner is the night market
    in 宜蘭市 a little further; it used to be left out and the day had no dinner (宜蘭兩天一夜)."""
    jiaoxi = dict(city="宜蘭", area="礁溪")
    day = [
        seg("anping", place="林美石磐步道", lat=24.8195, lon=121.7338, tags=["步道", "自然"], visit_minutes=90,
            best_time="morning", **jiaoxi),
        seg("chihkan", place="五峰旗瀑布", lat=24.833, lon=121.7425, tags=["自然", "景觀"], visit_minutes=90,
            best_time="morning", **jiaoxi),
        seg("confucius", place="礁溪溫泉", lat=24.8277, lon=121.7713, tags=["溫泉"], visit_minutes=120,
            best_time="evening", **jiaoxi),
        seg("beef", place="礁溪甕窯雞", lat=24.8308, lon=121.7624, tags=["美食"], visit_minutes=60,
            best_time="any", hours="11:00-20:00", **jiaoxi),
        seg("garden", place="東門夜市", lat=24.754, lon=121.7617, city="宜蘭", hours="17:00-24:00"),
    ]  # fmt: skip
    result = plan(day, 1, Preferences())
    notes = {i.place: i.note for i in items(result)}
    assert notes.get("礁溪甕窯雞") == "午餐" and notes.get("東門夜市") == "晚餐", notes


def test_no_meal_is_worth_a_two_hour_drive_to_another_valley():
    """A 太魯閣 day eats in 花蓮市 (under an hour away), never at 玉里 two hours south and back (a relaxed
    Hualien weekend had lunch at 玉里麵 between 清水斷崖 and 長春祠)."""
    gorge = dict(city="花蓮", area="太魯閣峽谷", best_time="morning")
    day = [
        seg("taroko", place="砂卡礑步道", lat=24.1631, lon=121.6127, visit_minutes=120, **gorge),
        seg("anping", place="長春祠", lat=24.1633, lon=121.6027, tags=["古蹟", "景觀"], visit_minutes=40, **gorge),
        seg("chihkan", place="清水斷崖", lat=24.2188, lon=121.6932, tags=["景觀"], visit_minutes=40, **gorge),
        seg("beef", place="公正包子", city="花蓮", lat=23.9773, lon=121.6053, hours="06:00-21:00"),
        seg("guohua", place="玉里麵", city="花蓮", lat=23.3357, lon=121.3117, visit_minutes=30, hours="09:00-19:00"),
    ]  # fmt: skip
    result = plan(day, 1, Preferences(with_elders=True))
    assert "玉里麵" not in places(result), [(i.place, i.start) for i in items(result)]


def test_evening_spot_comes_later_in_the_day_but_is_not_idled_for():
    result = plan(segs("elephant", "dihua"), 1, Preferences())
    walk, hike = items(result)
    assert (walk.place, hike.place) == ("迪化街", "象山步道")  # best_time still orders the day
    assert walk.start == "09:00"
    assert to_minutes(hike.start) - to_minutes(walk.end) - hike.travel_minutes <= 60


# The flagship demo: 台南兩天一夜輕鬆行程, sights first in search order, food from a second search.
FLAGSHIP = ("chimei", "confucius", "shennong", "hayashi", "anping", "chihkan", "oldst", "guohua", "beef", "garden")


def flagship(interests=()):
    chosen = [seg(k, score=1.0 - n / 20) for n, k in enumerate(FLAGSHIP)]
    return plan(chosen, 2, Preferences(pace="relaxed", interests=list(interests)))


def test_a_relaxed_tainan_weekend_flows_from_the_morning_without_holes():
    result = flagship()
    assert result.passed, [c for c in result.checks if not c.passed]
    for day in result.days:
        assert day.items[0].start == "09:00"  # no day starting at noon
        for a, b in itertools.pairwise(day.items):
            idle = to_minutes(b.start) - to_minutes(a.end) - b.travel_minutes
            assert idle <= 60 or b.place == "花園夜市", (day.day, a.place, b.place, idle)
        assert any(seg(k).place == i.place for i in day.items for k in ("beef", "guohua", "garden", "oldst"))


def test_meals_and_a_night_market_do_not_use_the_pace_cap():
    result = plan(segs("confucius", "hayashi", "chihkan", "beef", "garden"), 1, Preferences(pace="relaxed"))
    assert len(items(result)) == 5  # 3 sights + lunch + night market
    notes = {i.place: i.note for i in items(result)}
    assert notes["台南牛肉湯"] in ("早餐", "午餐") and notes["花園夜市"] == "晚餐"
    assert result.passed


def test_without_interests_a_citys_food_is_not_all_left_out():
    result = flagship()
    for day in result.days:  # every day eats: a lunch, and the full day a dinner, from the city's food
        notes = {i.note for i in day.items}
        assert "午餐" in notes and (day.day == len(result.days) or "晚餐" in notes), day
    # a short day that sights alone would fill: the best food stop still gets in, unless interests rank it out
    chosen = [seg(k, score=1.0 - n / 20) for n, k in enumerate(("chimei", "anping", "confucius", "hayashi", "beef"))]
    assert "台南牛肉湯" in places(plan(chosen, 1, Preferences(pace="relaxed", day_end="15:00")))
    museum_day = plan(chosen, 1, Preferences(pace="relaxed", day_end="15:00", interests=["博物館"]))
    assert "台南牛肉湯" in places(museum_day)  # a day still eats when the traveller cares for museums


def test_a_day_starts_at_day_start_even_with_afternoon_spots():
    result = plan(segs("chimei", "anping"), 1, Preferences())
    assert items(result)[0].start == "09:00"
    assert result.passed


def test_an_evening_stroll_is_waited_for_only_with_a_reason():
    result = plan(segs("confucius", "chihkan", "shennong"), 1, Preferences(pace="relaxed"))
    if "神農街" in places(result):
        assert any("神農街" in f.reason for f in result.days[0].free)
    else:
        assert any("神農街" in n for n in result.notes)
    must = plan(segs("confucius", "chihkan", "shennong"), 1, Preferences(pace="relaxed", must_include=["神農街"]))
    assert "神農街" in places(must) and must.passed


# --- pace and travellers ------------------------------------------------------------------------
@pytest.mark.parametrize(("pace", "cap"), [("relaxed", 3), ("normal", 4), ("packed", 6)])
def test_pace_caps_stops_per_day(pace, cap):
    chosen = segs("tp101", "palace", "dihua", "longshan", "huashan", "yongkang", "shilin", "raohe", "elephant")
    result = plan(chosen, 1, Preferences(pace=pace, day_start="08:00", day_end="23:00"))
    assert 1 <= paced(result.days[0]) <= cap
    assert len(items(result)) <= cap + 2  # a lunch and an evening meal on top
    assert check(result, CheckName.PACE).passed


def test_kids_or_elders_mean_fewer_stops_and_an_earlier_end():
    chosen = segs("tp101", "palace", "dihua", "longshan", "huashan", "yongkang", "shilin")
    result = plan(chosen, 1, Preferences(pace="normal", with_kids=True, day_end="22:00"))
    assert paced(result.days[0]) <= 3
    assert all(to_minutes(i.end) <= to_minutes("20:00") for i in items(result))
    assert result.passed


# --- must-include, avoid, dates -----------------------------------------------------------------
def test_must_include_beats_interests_when_space_is_short():
    chosen = segs("shilin", "raohe", "yongkang", "palace")
    result = plan(chosen, 1, Preferences(pace="relaxed", interests=["夜市"], must_include=["故宮"]))
    assert "國立故宮博物院" in places(result)
    assert check(result, CheckName.MUST_INCLUDE).passed


def test_must_include_missing_from_selection_is_named_with_the_reason():
    result = plan(segs("anping"), 1, Preferences(must_include=["九份老街"]))
    failing = check(result, CheckName.MUST_INCLUDE)
    assert not failing.passed and "九份老街" in failing.detail
    assert any("不在這次選的片段中" in n for n in result.notes)
    assert any(CheckName.MUST_INCLUDE.value in n for n in result.notes)


def test_too_many_must_includes_name_what_did_not_fit():
    chosen = segs("tp101", "palace", "dihua", "longshan", "huashan")
    result = plan(chosen, 1, Preferences(pace="relaxed", must_include=[s.place for s in chosen]))
    assert not check(result, CheckName.MUST_INCLUDE).passed
    assert any("排不下" in n for n in result.notes)
    assert all(c.passed for c in result.checks if c.name != CheckName.MUST_INCLUDE.value)


@pytest.mark.parametrize("term", ["夜市", "士林夜市", "t-shilin#01"])
def test_avoid_by_tag_place_or_id(term):
    result = plan(segs("shilin", "tp101", "dihua"), 1, Preferences(avoid=[term]))
    assert "士林夜市" not in places(result)
    assert "t-shilin#01" in result.left_out
    assert any("避開清單" in n for n in result.notes)
    assert check(result, CheckName.AVOID).passed


def test_avoid_a_city():
    result = plan(segs("tp101", "anping", "beef"), 2, Preferences(avoid=["臺南市"]))
    assert set(i.city for i in items(result)) == {"台北"}


def test_must_include_wins_over_a_general_avoid_and_says_so():
    result = plan(segs("shilin", "raohe", "tp101"), 1, Preferences(avoid=["夜市"], must_include=["士林夜市"]))
    assert "士林夜市" in places(result) and "饒河街夜市" not in places(result)
    avoid = check(result, CheckName.AVOID)
    assert avoid.passed and "例外保留" in avoid.detail
    assert any("仍排入" in n for n in result.notes)


def test_dates_fill_from_start_date():
    result = plan(segs("anping", "tp101"), 3, Preferences(start_date=dt.date(2026, 2, 27)))
    assert [d.date for d in result.days] == [dt.date(2026, 2, 27), dt.date(2026, 2, 28), dt.date(2026, 3, 1)]


def test_no_dates_without_start_date():
    assert all(d.date is None for d in plan(segs("anping"), 2, Preferences()).days)


def test_day_city_names_the_day():
    result = plan(segs("anping", "beef"), 1, Preferences())
    assert result.days[0].city == "台南"


def test_plan_is_deterministic():
    chosen = segs(*TAINAN, "tp101", "shilin", "fengjia")
    a = plan(chosen, 3, Preferences(interests=["美食"]))
    b = plan(list(chosen), 3, Preferences(interests=["美食"]))
    assert a.model_dump() == b.model_dump()


def test_outlying_island_is_reached_by_ferry_or_flight():
    result = plan(segs("magong", "bridge", "anping"), 2, Preferences())
    assert result.passed
    transfer = next(i for d in result.days for i in d.items[:1] if d.day == 2)
    assert transfer.travel_minutes >= 90


def test_to_contract_has_the_design_shape():
    data = plan(segs("anping", "beef"), 1, Preferences()).to_contract()
    assert set(data) == {"days", "checks"}
    assert set(data["days"][0]) == {"day", "city", "items"}
    assert set(data["days"][0]["items"][0]) == {
        "segment_id", "place", "city", "start", "end", "visit_minutes", "travel_minutes"
    }  # fmt: skip
    assert set(data["checks"][0]) == {"name", "passed", "detail"}


def test_a_relaxed_hualien_weekend_never_zigzags_for_a_meal_or_a_snack():
    """花蓮兩天一夜 輕鬆玩 (issue 9): lunch in town between 清水斷崖 and the gorge, a 30-minute ice at 新城 between
    town and 六十石山 were in the plan. Now no stop is further out of the way than it is worth, and a gorge day
    with no food on its way says how to eat instead of inventing a restaurant."""
    stops = hualien_stops()
    result = plan(stops, 2, Preferences(pace="relaxed"))
    assert result.passed, [c.detail for c in result.checks if not c.passed]
    gorge = {"清水斷崖", "砂卡礑步道", "燕子口"}
    for day in result.days:
        names = [i.place for i in day.items]
        inside = [k for k, p in enumerate(names) if p in gorge]
        if inside:  # the gorge in one stretch: nothing from town between two of its stops
            assert set(names[inside[0] : inside[-1] + 1]) <= gorge, names
    lunches = {d.day for d in result.days for i in d.items if "午餐" in i.note}
    for day in result.days:
        if day.day not in lunches and day.items and day.day < len(result.days):
            assert any(f"第 {day.day} 天中午" in n and "自備" in n for n in result.notes), result.notes
