"""Property tests: whatever is asked, a returned plan passes its own verifier or says what it could not meet."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.core.errors import PlanningError
from pipelines.core.models import Preferences
from pipelines.planner.plan import plan
from pipelines.planner.rules import day_window, paced_stops, stop_cap, to_minutes
from pipelines.planner.verifier import CheckName
from tests.support.planner_helpers import PLACES, seg

KEYS = [p[0] for p in PLACES]
TAGS = sorted({t for p in PLACES for t in p[5]})
NAMES = [p[1] for p in PLACES]
CITIES = sorted({p[2] for p in PLACES})
TIMES = [f"{h:02d}:{m:02d}" for h in range(5, 24) for m in (0, 30)]

selections = st.lists(st.tuples(st.sampled_from(KEYS), st.integers(1, 3)), min_size=1, max_size=30)
preferences = st.builds(
    Preferences,
    pace=st.sampled_from(["relaxed", "normal", "packed"]),
    day_start=st.sampled_from(TIMES[:12]),
    day_end=st.sampled_from(TIMES[14:]),
    interests=st.lists(st.sampled_from(TAGS), max_size=3),
    must_include=st.lists(st.sampled_from(NAMES + ["不存在的地方"]), max_size=3),
    avoid=st.lists(st.sampled_from(TAGS + CITIES + NAMES), max_size=2),
    with_kids=st.booleans(),
    with_elders=st.booleans(),
    start_date=st.none() | st.dates(dt.date(2025, 1, 1), dt.date(2027, 12, 31)),
)

# These never fail: what the planner controls alone (times, order, pace, opening hours, avoid, early starts).
# The others weigh the request against the corpus (a must-see too far to fit, a lunch a must-see leaves no
# time for, a day visiting more cities than it has days): they may fail, and then the plan names them.
NEVER_FAIL = {
    c.value
    for c in (
        CheckName.DAYS, CheckName.UNIQUE, CheckName.WINDOW, CheckName.TIMELINE, CheckName.PACE, CheckName.NIGHT_MARKET,
        CheckName.SUNRISE, CheckName.AVOID, CheckName.EARLY, CheckName.HOURS, CheckName.NEAR,
    )
}  # fmt: skip
CAN_FAIL = {CheckName.MUST_INCLUDE.value, CheckName.MEALS.value, CheckName.CITY_ROUTE.value, CheckName.ROUTE.value}


# derandomize: CI draws the same examples every run (a random draw found the open bug below once; it is
# kept as its own regression test rather than left to chance)
@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(picked=selections, days=st.integers(1, 14), prefs=preferences)
def test_every_plan_passes_its_verifier_or_names_what_it_could_not_meet(picked, days, prefs):
    segments = [seg(key, chapter) for key, chapter in picked]
    start, end = day_window(prefs)
    try:
        itinerary = plan(segments, days, prefs)
    except PlanningError:
        assert end - start < 60  # the only refusal a valid selection can meet
        return
    assert len(itinerary.days) == days
    planned = [i for d in itinerary.days for i in d.items]
    by_id = {s.segment_id: s for s in segments}
    for d in itinerary.days:
        assert paced_stops((by_id[i.segment_id], to_minutes(i.start)) for i in d.items) <= stop_cap(prefs)
        assert len(d.items) <= stop_cap(prefs) + 2
    for check in itinerary.checks:
        if not check.passed:
            assert check.name not in NEVER_FAIL and check.name in CAN_FAIL, check
            assert any(check.name in note for note in itinerary.notes)
    # every input segment is planned, left out (and then noted), or a duplicate of one of those places
    represented = {i.place for i in planned} | {by_id[i].place for i in itinerary.left_out}
    assert all(s.place in represented for s in segments)
    assert not itinerary.left_out or itinerary.notes


OPEN_FILLER = (  # the regression below (a random draw of the property next to it found it once)
    "planner bug, open: a sight is a day's filler only near the day's outings, so on a one-day trip across "
    "cities whose lunch lands in another city (台南牛肉湯 before 駁二) the sight next to that lunch (林百貨) is "
    "left out while it fits the morning (每天玩得滿 fails)"
)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(picked=st.lists(st.sampled_from(KEYS), min_size=1, max_size=12, unique=True), days=st.integers(1, 5))
def test_feasible_must_includes_are_kept(picked, days):
    """A must-include that fits a day on its own, with room for it, is always planned; anything else the
    trip then cannot meet (a dinner before the train to it) is named."""
    must = seg(picked[0])
    prefs = Preferences(pace="packed", day_start="08:00", day_end="22:00", must_include=[must.place])
    itinerary = plan([seg(k) for k in picked], days, prefs)
    assert must.place in {i.place for d in itinerary.days for i in d.items}
    for check in itinerary.checks:
        assert check.passed or check.name in CAN_FAIL and any(check.name in n for n in itinerary.notes), check


@pytest.mark.xfail(reason=OPEN_FILLER, strict=True)
def test_a_sight_next_to_the_days_lunch_is_not_left_out():
    picked = ["kenting", "beef", "palace", "pier2", "tp101", "hayashi"]
    prefs = Preferences(pace="packed", day_start="08:00", day_end="22:00", must_include=[seg("kenting").place])
    itinerary = plan([seg(k) for k in picked], 1, prefs)
    assert "林百貨" in {i.place for d in itinerary.days for i in d.items} and itinerary.passed


OPEN_CITY_DAYS = (
    "planner bug, open: a city's sights are allotted to one of its days, so when day 2 starts late after the "
    "move from 台北, 奇美博物館 is dropped while day 3 in 台南 is empty (每天玩得滿 fails, honestly)"
)


@pytest.mark.xfail(reason=OPEN_CITY_DAYS, strict=True)
def test_a_citys_sight_moves_to_its_other_day_when_one_is_full():
    segments = [seg(k) for k in ("tp101", "anping", "guohua", "chimei")]
    prefs = Preferences(pace="relaxed", day_start="06:30", day_end="14:00")
    itinerary = plan(segments, 3, prefs)
    assert "奇美博物館" in {i.place for d in itinerary.days for i in d.items} and itinerary.passed


def test_a_long_visit_is_not_left_out_for_a_lunch_elsewhere():
    """A 5-hour visit is the lunch only when it starts by noon: 阿里山 after a 雞肉飯 lunch fits the afternoon."""
    must = seg("chicken")
    prefs = Preferences(pace="packed", day_start="08:00", day_end="22:00", must_include=[must.place])
    itinerary = plan([must, seg("alishan")], 1, prefs)
    assert "阿里山" in {i.place for d in itinerary.days for i in d.items} and itinerary.passed
