"""An island trip gets its own day (issue 9, 「澎湖三天，想看雙心石滬」): 七美 and 馬公 were crammed into one
afternoon with two ferry crossings while the last day was left empty."""

from __future__ import annotations

from pipelines.core.models import Preferences
from pipelines.planner.plan import plan
from tests.support.planner_helpers import penghu_stops

SEVEN = {"雙心石滬", "望夫石", "小台灣"}


def test_penghu_gives_qimei_its_own_day_and_no_day_is_left_empty():
    itinerary = plan(penghu_stops(), 3, Preferences(must_include=["雙心石滬"]))
    assert all(day.items for day in itinerary.days), [d.free for d in itinerary.days]
    qimei = [day for day in itinerary.days if SEVEN & {i.place for i in day.items}]
    assert len(qimei) == 1 and {i.place for i in qimei[0].items} >= SEVEN
    assert qimei[0].day != 1  # the first day starts where the traveller lands, not on the island
    places = [i.place for i in qimei[0].items]
    before = places[: min(places.index(p) for p in SEVEN)]
    assert not [p for p in before if p in {"馬公天后宮", "觀音亭", "馬公中央老街"}]  # no 馬公 sights, then the boat
    last = qimei[0].items[-1]
    assert last.note == "晚餐" and last.place not in SEVEN  # the boat back to dinner in 馬公, the night there too
    assert itinerary.passed, [c for c in itinerary.checks if not c.passed]
