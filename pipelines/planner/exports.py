"""An Itinerary as a table (pandas), CSV and an iCalendar file (one event per stop).

Dates come from the plan (``DayPlan.date``, else ``Preferences.start_date`` counted on by day);
only a plan with neither starts "tomorrow" (``today`` is passed in: this module reads no clock
unless it is missing). ``base_url`` turns the local ``/media/…`` links into absolute ones, so a
calendar app or a spreadsheet can open the stop's video segment.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from zoneinfo import ZoneInfo

import pandas as pd

from pipelines.core.models import Itinerary, Segment

TAIPEI = ZoneInfo("Asia/Taipei")
COLUMNS = ["天", "日期", "時間", "地點", "城市", "片段", "影片連結", "停留 (分鐘)", "交通 (分鐘)"]
FREE_DAY = "（自由活動）"


def planned_dates(itinerary: Itinerary) -> list[dt.date | None]:
    """Each day's date as the plan gives it (its own date, else counted from the first dated day or
    the start date the traveller asked for); None for every day of a plan without dates."""
    anchor = next(((d.date, d.day) for d in itinerary.days if d.date), None)
    if anchor is None and itinerary.preferences.start_date:
        anchor = (itinerary.preferences.start_date, 1)
    if anchor is None:
        return [None for _ in itinerary.days]
    first, first_day = anchor
    return [d.date or first + dt.timedelta(days=d.day - first_day) for d in itinerary.days]


def trip_dates(itinerary: Itinerary, today: dt.date | None = None) -> list[dt.date]:
    """Each day's calendar date: the plan's own, else day 1 is the day after ``today``."""
    dates = planned_dates(itinerary)
    if dates and dates[0] is not None:
        return [d for d in dates if d is not None]
    tomorrow = (today or dt.date.today()) + dt.timedelta(days=1)
    return [tomorrow + dt.timedelta(days=d.day - 1) for d in itinerary.days]


def segment_link(seg: Segment | None, base_url: str | None) -> str:
    """The playable link of a stop's segment, absolute when ``base_url`` is known ('' without a segment)."""
    return _absolute(seg.url, base_url) if seg is not None else ""


def to_dataframe(
    itinerary: Itinerary,
    segments_by_id: Mapping[str, Segment] | None = None,
    *,
    today: dt.date | None = None,
    base_url: str | None = None,
) -> pd.DataFrame:
    """One row per stop, columns ``COLUMNS``; a free day gets one row, in the city the traveller is in."""
    rows = []
    segments_by_id = segments_by_id or {}
    planned = itinerary.stops
    here = planned[0].city if planned else ""
    for day, date in zip(itinerary.days, trip_dates(itinerary, today), strict=True):
        when = date.isoformat()
        if not day.items:
            rows.append([day.day, when, "", FREE_DAY, here, "", "", None, None])
        for item in day.items:
            here = item.city
            link = segment_link(segments_by_id.get(item.segment_id), base_url)
            rows.append(
                [
                    day.day,
                    when,
                    f"{item.start}–{item.end}",
                    item.place,
                    item.city,
                    item.segment_id,
                    link,
                    item.visit_minutes,
                    item.travel_minutes,
                ]
            )
    frame = pd.DataFrame(rows, columns=COLUMNS)
    return frame.astype({"天": "int64", "停留 (分鐘)": "Int64", "交通 (分鐘)": "Int64"})


def to_csv(
    itinerary: Itinerary,
    segments_by_id: Mapping[str, Segment] | None = None,
    *,
    today: dt.date | None = None,
    base_url: str | None = None,
) -> str:
    """The table as CSV text, starting with a UTF-8 BOM so Excel reads the Chinese right."""
    frame = to_dataframe(itinerary, segments_by_id, today=today, base_url=base_url)
    return "\ufeff" + frame.to_csv(index=False, lineterminator="\n")


def to_ics(
    itinerary: Itinerary,
    segments_by_id: Mapping[str, Segment],
    start_date: dt.date | None = None,
    *,
    today: dt.date | None = None,
    base_url: str | None = None,
) -> bytes:
    """One VEVENT per stop in Asia/Taipei time, the segment's playable link in the description.

    Day 1 is ``start_date`` if given, else the plan's own dates (see :func:`trip_dates`). UIDs
    derive from the stop and its day, so exporting again updates the same events.
    """
    from icalendar import Calendar, Event  # ~0.1 s: off the app's start (the web runtime loads it after /ready)

    dates = trip_dates(itinerary, today)
    if start_date is not None:
        dates = [start_date + dt.timedelta(days=d.day - 1) for d in itinerary.days]
    stamp_day = today or (dates[0] if dates else dt.date(2000, 1, 1))
    stamp = dt.datetime.combine(stamp_day, dt.time(), tzinfo=dt.UTC)
    cal = Calendar()
    cal.add("prodid", "-//AIYO 愛遊//itinerary//ZH-TW")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "AIYO 愛遊行程")
    cal.add("x-wr-timezone", "Asia/Taipei")
    for day, date in zip(itinerary.days, dates, strict=True):
        for item in day.items:
            seg = segments_by_id.get(item.segment_id)
            event = Event()
            event.add("uid", _uid(item.segment_id, day.day))
            event.add("dtstamp", stamp)
            event.add("dtstart", _at(date, item.start))
            event.add("dtend", _at(date, item.end))
            event.add("summary", f"{item.place}（{item.note}）" if item.note else item.place)
            event.add("location", f"{item.place}, {item.city}" if item.city else item.place)
            lines = [f"第 {day.day} 天・{item.city}", f"停留約 {item.visit_minutes} 分鐘"]
            if item.travel_minutes:
                lines.append(f"從上一站過來約 {item.travel_minutes} 分鐘")
            if seg is not None:
                link = segment_link(seg, base_url)
                lines += [f"影片片段：{seg.title}", link]
                event.add("url", link)
                if seg.lat is not None and seg.lon is not None:
                    event.add("geo", (seg.lat, seg.lon))
            event.add("description", "\n".join(lines))
            cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()


def _at(date: dt.date, hhmm: str) -> dt.datetime:
    hours, minutes = (int(x) for x in hhmm.split(":"))
    return dt.datetime.combine(date, dt.time(hours, minutes), tzinfo=TAIPEI)


def _uid(segment_id: str, day: int) -> str:
    digest = hashlib.sha1(f"{segment_id}|{day}".encode()).hexdigest()[:16]
    return f"{digest}@aiyo"


def _absolute(url: str, base_url: str | None) -> str:
    if base_url and url.startswith("/"):
        return base_url.rstrip("/") + url
    return url
