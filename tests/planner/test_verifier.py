"""Each verifier check passes on a planned itinerary and fails on a crafted bad one (issue 3)."""

from __future__ import annotations

import datetime as dt

import pytest

from pipelines.core.models import DayPlan, FreeTime, Itinerary, ItineraryItem, Preferences
from pipelines.planner.plan import plan
from pipelines.planner.verifier import CheckName, verify
from tests.support.planner_helpers import seg, segs

SEGMENTS = segs("alishan", "chicken", "wenhua", "anping", "beef", "garden", "tp101", "dihua", "shilin")
PREFS = Preferences(start_date=dt.date(2026, 4, 1), must_include=["赤崁樓"], avoid=["寺"])


def item(key: str, start: str, end: str, travel: int = 0, **changes) -> ItineraryItem:
    s = seg(key)
    data = {"segment_id": s.segment_id, "place": s.place, "city": s.city, "start": start, "end": end}
    data |= {"visit_minutes": _minutes(end) - _minutes(start), "travel_minutes": travel} | changes
    return ItineraryItem(**data)


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def good() -> Itinerary:
    """A hand-made plan that passes every check (a traveller who asked for the sunrise)."""
    rest = FreeTime(start="13:30", end="18:00", reason="下山後回旅館休息")
    wait = FreeTime(start="12:30", end="17:05", label="休息", reason="等花園夜市開始")
    return Itinerary(
        days=[
            DayPlan(
                day=1, items=[item("alishan", "05:30", "10:30"), item("chicken", "13:00", "13:30", 140)], free=[rest]
            ),
            DayPlan(
                day=2,
                items=[
                    item("anping", "10:30", "11:30", 75),
                    item("beef", "12:00", "12:30", 25),
                    item("garden", "17:30", "19:30", 25),
                ],
                free=[wait],
            ),
        ]
    )


def results(itinerary: Itinerary, days: int = 2, prefs: Preferences | None = None, segments=SEGMENTS):
    return {c.name: c for c in verify(itinerary, segments, days, prefs or Preferences(sunrise=True))}


def test_the_hand_made_plan_passes_every_check():
    checks = results(good())
    assert list(checks) == [name.value for name in CheckName]
    assert all(c.passed for c in checks.values()), [c for c in checks.values() if not c.passed]
    assert all(c.detail for c in checks.values())


def test_a_planned_itinerary_passes_every_check():
    itinerary = plan(SEGMENTS, 3, Preferences(start_date=dt.date(2026, 4, 1)))
    assert itinerary.passed
    assert verify(itinerary, SEGMENTS, 3, itinerary.preferences) == itinerary.checks


def _fails(itinerary: Itinerary, name: CheckName, fragment: str, **kwargs) -> None:
    check = results(itinerary, **kwargs)[name.value]
    assert not check.passed, check
    assert fragment in check.detail, check.detail


def test_days_check_fails_on_wrong_count_numbering_or_dates():
    _fails(good(), CheckName.DAYS, "要求是 3 天", days=3)
    bad = good()
    bad.days[1].day = 3
    _fails(bad, CheckName.DAYS, "天數編號")
    bad = good()
    bad.days[0].date, bad.days[1].date = dt.date(2026, 4, 1), dt.date(2026, 4, 3)
    _fails(bad, CheckName.DAYS, "日期應為 2026-04-02")


def test_unique_check_fails_on_a_repeated_place():
    bad = good()
    bad.days[1].items.insert(0, item("chicken", "09:00", "09:30"))
    _fails(bad, CheckName.UNIQUE, "嘉義雞肉飯")


def test_window_check_fails_past_day_end_or_before_day_start():
    bad = good()
    bad.days[1].items[-1] = item("garden", "20:00", "22:00", 25)
    _fails(bad, CheckName.WINDOW, "超出 09:00–21:00")
    bad = good()
    bad.days[1].items[0] = item("anping", "09:10", "10:10", 75)  # leaves 07:55
    _fails(bad, CheckName.WINDOW, "早於 09:00")
    bad = good()
    bad.days[1].items[-1] = item("garden", "17:30", "19:30", 25).model_copy(update={"end": "7:30pm"})
    _fails(bad, CheckName.WINDOW, "時間格式錯誤")


def test_window_check_uses_the_earlier_end_with_kids():
    bad = good()
    bad.days[1].items[-1] = item("garden", "18:30", "20:30", 25)
    _fails(bad, CheckName.WINDOW, "超出 09:00–20:00", prefs=Preferences(with_kids=True))


def test_timeline_check_fails_on_overlap_short_travel_short_visit_or_unknown_segment():
    bad = good()
    bad.days[1].items[-1] = item("garden", "11:20", "13:20", 25)
    _fails(bad, CheckName.TIMELINE, "上一站 12:30 結束、到達要 12:55")
    bad = good()
    bad.days[0].items[1] = item("chicken", "13:00", "13:30", 10)  # 阿里山 → 嘉義市 in 10 minutes
    _fails(bad, CheckName.TIMELINE, "估計需")
    bad = good()
    bad.days[1].items[0] = item("anping", "10:30", "10:50", 75)
    _fails(bad, CheckName.TIMELINE, "建議至少 60 分鐘")
    bad = good()
    bad.days[1].items[0] = item("anping", "10:30", "11:30", 75, segment_id="nope#01")
    _fails(bad, CheckName.TIMELINE, "找不到「安平古堡」的影片片段")


def test_timeline_check_wants_the_overnight_transfer_between_cities():
    bad = good()
    bad.days[1].items[0] = item("anping", "10:30", "11:30", 0)
    _fails(bad, CheckName.TIMELINE, "從嘉義到「安平古堡」")


def test_city_route_check_fails_when_a_city_is_split():
    bad = good()
    bad.days.append(DayPlan(day=3, items=[item("wenhua", "17:30", "19:30", 90)]))
    _fails(bad, CheckName.CITY_ROUTE, "嘉義分成 2 段", days=3)


def test_pace_check_fails_above_the_cap():
    bad = good()  # day 2: 安平古堡 + 花園夜市 (free); two more sights make 3 against a cap of 2
    bad.days[1].items[1:1] = [item("chihkan", "12:00", "12:45", 5), item("beef", "15:00", "15:30", 5)]
    segments = [*SEGMENTS, seg("chihkan")]  # 牛肉湯 at 15:00 is no meal: it counts
    _fails(bad, CheckName.PACE, "超過上限 2 站", prefs=Preferences(pace="relaxed", with_elders=True), segments=segments)


def _day(*stops: tuple[str, str, str]) -> Itinerary:
    return Itinerary(days=[DayPlan(day=1, items=[item(k, b, e, 5) for k, b, e in stops])])


TAINAN_DAY = [("confucius", "09:00", "10:00"), ("chihkan", "10:10", "10:55"), ("beef", "12:00", "12:30")]
TAINAN_SEGS = segs("confucius", "chihkan", "beef", "anping", "garden", "chicken", "guohua")


def test_pace_check_does_not_count_a_lunch_and_a_night_market():
    ok = _day(*TAINAN_DAY, ("anping", "13:00", "14:00"), ("garden", "17:30", "19:30"))
    pace = results(ok, days=1, prefs=Preferences(pace="relaxed"), segments=TAINAN_SEGS)[CheckName.PACE.value]
    assert pace.passed, pace


@pytest.mark.parametrize(
    "extra",
    [
        ("chicken", "12:40", "13:10"),  # a second lunch stop counts as a sight
        ("guohua", "15:00", "16:30"),  # a 90-minute food street is a sight, not a meal
    ],
)
def test_pace_check_fails_on_a_crafted_over_full_day(extra):
    bad = _day(*TAINAN_DAY, ("anping", "13:30", "14:30"), extra, ("garden", "17:30", "19:30"))
    bad.days[0].items.sort(key=lambda i: i.start)
    _fails(bad, CheckName.PACE, "超過上限 3 站", days=1, prefs=Preferences(pace="relaxed"), segments=TAINAN_SEGS)


def test_night_market_check_fails_in_the_morning():
    bad = good()
    bad.days[1].items = [item("garden", "10:30", "12:30", 90), item("anping", "13:00", "14:00", 25)]
    _fails(bad, CheckName.NIGHT_MARKET, "花園夜市")


def test_sunrise_check_fails_when_late_or_not_first():
    bad = good()
    bad.days[0].items[0] = item("alishan", "08:00", "13:00")
    bad.days[0].items[1] = item("chicken", "15:30", "16:00", 140)
    _fails(bad, CheckName.SUNRISE, "看不到日出")
    bad = good()
    bad.days[0].items = [item("chicken", "05:00", "05:30"), item("alishan", "08:00", "13:00", 140)]
    _fails(bad, CheckName.SUNRISE, "第一站")


def test_must_include_check_fails_when_missing():
    _fails(good(), CheckName.MUST_INCLUDE, "缺少必去：赤崁樓", prefs=Preferences(must_include=["赤崁樓"]))
    assert results(good(), prefs=Preferences(must_include=["阿里山", "t-garden#01"]))["必去景點都在"].passed


def test_avoid_check_fails_when_an_avoided_place_tag_or_city_is_planned():
    _fails(good(), CheckName.AVOID, "花園夜市", prefs=Preferences(avoid=["夜市"]))
    _fails(good(), CheckName.AVOID, "安平古堡", prefs=Preferences(avoid=["台南"]))
    assert results(good(), prefs=Preferences(avoid=["台北"]))["避開項目已排除"].passed


def test_avoid_check_lets_a_must_include_through_and_says_so():
    check = results(good(), prefs=Preferences(avoid=["夜市"], must_include=["花園夜市"]))["避開項目已排除"]
    assert check.passed and "例外保留" in check.detail


@pytest.mark.parametrize("name", list(CheckName))
def test_every_check_has_a_zh_tw_detail_when_it_passes(name):
    assert results(good())[name.value].detail
