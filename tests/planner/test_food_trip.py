"""A food trip is built around eating; a stop the traveller asked for keeps its place (the foodtrip brief)."""

from __future__ import annotations

from pipelines.core.models import Itinerary, Preferences
from pipelines.planner.plan import plan
from pipelines.planner.rules import (
    free_meal_slot,
    interest_overlap,
    meal_label,
    meal_slots,
    paced_stops,
    stop_cap,
    to_minutes,
    wants_food,
)
from pipelines.planner.verifier import CheckName, verify
from tests.support.planner_helpers import seg

# 台南 as the sample corpus has it: a morning 牛肉湯 and 碗粿, two 小吃 stalls, a food street, a night market, a
# dessert street, 中西區's 古蹟, 安平's area and a 3-hour museum nobody on a 小吃 trip asked for.
SHRIMP = seg("beef", place="周氏蝦捲", segment_id="t-shrimp#01", lat=22.9982, lon=120.1720, best_time="any")
BOWL = seg("beef", place="富盛號碗粿", segment_id="t-bowl#01", lat=22.9937, lon=120.2003, tags=["小吃"])
NOODLE = seg("beef", place="度小月擔仔麵", segment_id="t-noodle#01", lat=22.9935, lon=120.1989, best_time="any")
SWEETS = seg(
    "guohua",
    place="正興街",
    segment_id="t-sweets#01",
    tags=["文青", "甜點", "咖啡"],
    visit_minutes=60,
    best_time="afternoon",
)
TAINAN = [
    seg("chimei"),
    seg("beef"),
    BOWL,
    SHRIMP,
    NOODLE,
    seg("guohua"),
    seg("garden"),
    SWEETS,
    seg("anping"),
    seg("chihkan"),
    seg("confucius"),
    seg("hayashi"),
    seg("oldst"),
]
FOOD = {"台南牛肉湯", "富盛號碗粿", "周氏蝦捲", "度小月擔仔麵", "國華街", "花園夜市", "正興街", "安平老街"}


def stops(itinerary: Itinerary):
    return [i for d in itinerary.days for i in d.items]


def street_food_trip() -> Itinerary:
    return plan(TAINAN, 2, Preferences(interests=["美食", "小吃"]))


def test_a_food_trip_is_what_美食_小吃_or_夜市_ask_for():
    assert wants_food(Preferences(interests=["小吃"])) and wants_food(Preferences(interests=["夜市", "海邊"]))
    assert not wants_food(Preferences(interests=["博物館"])) and not wants_food(Preferences())
    # on a food trip a dessert street is what was asked for; otherwise only its own tags count
    assert interest_overlap(SWEETS, Preferences(interests=["小吃"])) == 1
    assert interest_overlap(SWEETS, Preferences(interests=["古蹟"])) == 0


def test_a_street_food_trip_is_built_around_eating():
    result = street_food_trip()
    places = [i.place for i in stops(result)]
    assert "奇美博物館" not in places or set(places) >= FOOD  # 3 hours of no interest never push food out
    assert "花園夜市" in places and "正興街" in places
    eaten = [p for p in places if p in FOOD]
    assert len(eaten) >= 7 and len(eaten) * 2 > len(places)  # most stops are food
    notes = [i.note for i in stops(result)]
    assert "早餐" in notes and "點心" in notes  # a 牛肉湯 / 碗粿 breakfast, a snack between meals
    assert result.passed, [c.detail for c in result.checks if not c.passed]


def test_a_food_trips_snack_is_an_afternoon_bite_under_the_pace_cap():
    result = street_food_trip()
    by_id = {s.segment_id: s for s in TAINAN}
    prefs = Preferences(interests=["美食", "小吃"])
    for day in result.days:
        snacks = [
            i for i in day.items if i.note == "點心" and by_id[i.segment_id] in (SHRIMP, BOWL, NOODLE, seg("beef"))
        ]
        assert len(snacks) <= 1
        for item in snacks:
            assert to_minutes("14:00") <= to_minutes(item.start) <= to_minutes("16:30")
        assert paced_stops((by_id[i.segment_id], to_minutes(i.start)) for i in day.items) <= stop_cap(prefs)
        sweets = [i for i in day.items if i.place == "正興街"]
        assert all(to_minutes(i.start) >= to_minutes("12:00") for i in sweets)  # an ice cream after lunch


def test_a_snack_stall_counts_against_the_cap_and_is_no_meal():
    assert free_meal_slot(SHRIMP, to_minutes("15:00")) == "snack"
    assert meal_label(SHRIMP, to_minutes("15:00")) == "點心"
    assert paced_stops([(SHRIMP, to_minutes("15:00"))]) == 0.5  # a 30-minute stop: half a stop
    assert paced_stops([(SHRIMP, to_minutes("12:00"))]) == 0  # the same stall as lunch is free
    assert free_meal_slot(seg("guohua"), to_minutes("15:30")) == ""  # a 90-minute food street is a meal, not a bite
    assert [m for m, _, _ in meal_slots(SHRIMP, to_minutes("09:00"), snack=True)][-1] == "snack"
    assert "snack" not in [m for m, _, _ in meal_slots(SHRIMP, to_minutes("09:00"))]  # only on a food trip


def test_the_verifier_takes_a_snack_at_15_00_but_not_a_meal():
    snack = plan([SHRIMP], 1, Preferences(interests=["小吃"], day_start="15:00", day_end="17:00"))
    assert [(i.start, i.note) for i in stops(snack)] == [("15:00", "點心")]
    assert _meals(snack, [SHRIMP]).passed, _meals(snack, [SHRIMP]).detail
    street = seg("guohua")  # the same hour at a 90-minute food street is a meal at 15:00
    meal = snack.model_copy(deep=True)
    meal.days[0].items[0] = (
        meal.days[0]
        .items[0]
        .model_copy(
            update={"segment_id": street.segment_id, "place": street.place, "end": "16:30", "visit_minutes": 90}
        )
    )
    assert not _meals(meal, [street]).passed


def _meals(itinerary: Itinerary, segments):
    checks = verify(itinerary, segments, len(itinerary.days), itinerary.preferences)
    return next(c for c in checks if c.name == CheckName.MEALS.value)


def test_an_areas_unasked_stops_do_not_take_the_place_of_asked_ones():
    """古蹟巡禮 in 台南: 安平's 老街 and 漁光島 (no 古蹟) no longer ride along with 安平古堡 and push 祀典武廟 out."""
    anping = [
        seg("anping", area="安平"),
        seg("oldst", area="安平"),
        seg("cijin", segment_id="t-yuguang#01", place="漁光島", city="台南", lat=22.9780, lon=120.1590, area="安平",
            tags=["海邊", "自然"], visit_minutes=90),
        seg("hayashi", segment_id="t-treehouse#01", place="安平樹屋", lat=23.0030, lon=120.1597, area="安平",
            tags=["古蹟", "自然"], visit_minutes=45),
        seg("chihkan", segment_id="t-eternal#01", place="億載金城", lat=22.9876, lon=120.1600, area="安平",
            tags=["古蹟", "歷史"], visit_minutes=45),
    ]  # fmt: skip
    wumiao = seg("chihkan", segment_id="t-wumiao#01", place="祀典武廟", lat=22.9972, lon=120.2020, visit_minutes=30)
    chosen = [
        *anping,
        seg("guohua"),
        seg("garden"),
        seg("beef"),
        seg("chihkan"),
        seg("confucius"),
        seg("chimei"),
        wumiao,
    ]
    result = plan(chosen, 1, Preferences(interests=["古蹟"]))
    places = {i.place for i in stops(result)}
    assert {"安平古堡", "安平樹屋", "億載金城", "祀典武廟", "赤崁樓", "台南孔廟"} <= places
    assert "漁光島" not in places


def test_a_museum_trip_keeps_its_museums_before_a_long_unasked_sight():  # a guard: main kept it too
    chosen = [seg("sunmoon", city="台中", lat=24.16, lon=120.65, visit_minutes=240), seg("museum"), seg("rainbow"),
              seg("fengjia"), seg("chicken", city="台中", lat=24.15, lon=120.66)]  # fmt: skip
    result = plan(chosen, 1, Preferences(interests=["博物館"], pace="relaxed"))
    assert "國立自然科學博物館" in [i.place for i in stops(result)]
