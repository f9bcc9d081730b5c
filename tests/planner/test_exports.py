"""The itinerary table, CSV and ICS exports (issue 3)."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
from icalendar import Calendar

from pipelines.core.models import Preferences, VideoSource
from pipelines.planner.exports import COLUMNS, FREE_DAY, to_csv, to_dataframe, to_ics
from pipelines.planner.plan import plan
from tests.support.planner_helpers import seg, segs

SEGMENTS = segs("anping", "beef", "garden")
BY_ID = {s.segment_id: s for s in SEGMENTS}


def planned(days: int = 2, **prefs):
    return plan(SEGMENTS, days, Preferences(**prefs))


def events(ics: bytes):
    return [c for c in Calendar.from_ical(ics).walk("VEVENT")]


def test_dataframe_has_the_ui_columns_and_one_row_per_stop():
    itinerary = planned(1, start_date=dt.date(2026, 5, 1))
    frame = to_dataframe(itinerary)
    assert list(frame.columns) == COLUMNS
    assert len(frame) == 3
    first = frame.iloc[0]
    item = itinerary.days[0].items[0]
    assert first["天"] == 1 and first["日期"] == "2026-05-01"
    assert first["時間"] == f"{item.start}–{item.end}"
    assert (first["地點"], first["城市"], first["片段"]) == (item.place, item.city, item.segment_id)
    assert first["停留 (分鐘)"] == item.visit_minutes and first["交通 (分鐘)"] == item.travel_minutes


def test_free_day_shows_as_one_row():
    frame = to_dataframe(plan(segs("anping"), 2, Preferences()))
    free = frame[frame["天"] == 2]
    assert len(free) == 1 and free.iloc[0]["地點"] == FREE_DAY
    assert free.iloc[0]["城市"] == "台南"  # where the traveller still is
    assert pd.isna(free.iloc[0]["停留 (分鐘)"])


def test_csv_starts_with_a_bom_and_round_trips():
    text = to_csv(planned(1))
    assert text.startswith("\ufeff天,日期,時間")
    back = pd.read_csv(io.StringIO(text.removeprefix("\ufeff")))
    assert list(back.columns) == COLUMNS and len(back) == 3


def test_ics_has_one_event_per_stop_in_taipei_time_with_the_link():
    itinerary = planned(start_date=dt.date(2026, 5, 1))
    found = events(to_ics(itinerary, BY_ID))
    stops = [i for d in itinerary.days for i in d.items]
    assert len(found) == len(stops)
    for event, item in zip(found, stops, strict=True):
        start = event.decoded("dtstart")
        assert str(start.tzinfo) == "Asia/Taipei"
        assert start.strftime("%H:%M") == item.start
        assert event.decoded("dtend").strftime("%H:%M") == item.end
        assert BY_ID[item.segment_id].url in str(event.get("description"))
        assert item.place in str(event.get("summary"))
    assert found[0].decoded("dtstart").date() == dt.date(2026, 5, 1)
    assert b"BEGIN:VTIMEZONE" in to_ics(itinerary, BY_ID) and b"TZID:Asia/Taipei" in to_ics(itinerary, BY_ID)


def test_ics_starts_tomorrow_without_a_date_and_respects_an_explicit_one():
    itinerary = planned()
    first = events(to_ics(itinerary, BY_ID, today=dt.date(2026, 12, 31)))[0]
    assert first.decoded("dtstart").date() == dt.date(2027, 1, 1)
    first = events(to_ics(itinerary, BY_ID, dt.date(2026, 7, 7), today=dt.date(2026, 1, 1)))[0]
    assert first.decoded("dtstart").date() == dt.date(2026, 7, 7)


def test_ics_uids_are_stable_and_unique():
    itinerary = planned()
    a = to_ics(itinerary, BY_ID, today=dt.date(2026, 1, 1))
    b = to_ics(itinerary, BY_ID, today=dt.date(2026, 1, 1))
    assert a == b
    uids = [str(e.get("uid")) for e in events(a)]
    assert len(set(uids)) == len(uids)


def test_ics_makes_local_media_links_absolute_with_a_base_url():
    ics = to_ics(planned(), BY_ID, today=dt.date(2026, 1, 1), base_url="http://localhost:7860/")
    event = events(ics)[0]
    assert str(event.get("url")).startswith("http://localhost:7860/media/t-")
    youtube = seg("anping", source=VideoSource(kind="youtube", ref="dQw4w9WgXcQ"))
    itinerary = plan([youtube], 1, Preferences())
    event = events(to_ics(itinerary, {youtube.segment_id: youtube}, base_url="http://x"))[0]
    assert str(event.get("url")) == "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=10"


def test_ics_without_segment_details_still_exports_the_stop():
    ics = to_ics(planned(1), {}, today=dt.date(2026, 1, 1))
    assert len(events(ics)) == 3
