"""An Itinerary as the UI table (pandas), CSV and an iCalendar file (one event per stop)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from zoneinfo import ZoneInfo

import pandas as pd
from icalendar import Calendar, Event

from pipelines.core.models import Itinerary, Segment

TAIPEI = ZoneInfo("Asia/Taipei")
COLUMNS = ["天", "日期", "時間", "地點", "城市", "片段", "停留 (分鐘)", "交通 (分鐘)"]
FREE_DAY = "（自由活動）"


def to_dataframe(itinerary: Itinerary) -> pd.DataFrame:
    """One row per stop, columns ``COLUMNS``; a free day gets one row, in the city the traveller is in."""
    rows = []
    planned = itinerary.stops
    here = planned[0].city if planned else ""
    for day in itinerary.days:
        date = day.date.isoformat() if day.date else ""
        if not day.items:
            rows.append([day.day, date, "", FREE_DAY, here, "", None, None])
        for item in day.items:
            here = item.city
            when = f"{item.start}–{item.end}"
            rows.append(
                [day.day, date, when, item.place, item.city, item.segment_id, item.visit_minutes, item.travel_minutes]
            )
    frame = pd.DataFrame(rows, columns=COLUMNS)
    return frame.astype({"天": "int64", "停留 (分鐘)": "Int64", "交通 (分鐘)": "Int64"})


def to_csv(itinerary: Itinerary) -> str:
    """The table as CSV text, starting with a UTF-8 BOM so Excel reads the Chinese right."""
    return "\ufeff" + to_dataframe(itinerary).to_csv(index=False, lineterminator="\n")


def to_ics(
    itinerary: Itinerary,
    segments_by_id: Mapping[str, Segment],
    start_date: dt.date | None = None,
    *,
    today: dt.date | None = None,
    base_url: str | None = None,
) -> bytes:
    """One VEVENT per stop in Asia/Taipei time, the segment's playable link in the description.

    Day 1 is ``start_date``, else the plan's own dates, else the day after ``today`` (pass it in;
    the system date is used only when it is missing). ``base_url`` makes local /media/… links
    absolute. UIDs derive from the stop and its day, so exporting again updates the same events.
    """
    first = start_date or (itinerary.days[0].date if itinerary.days else None)
    if first is None:
        first = (today or dt.date.today()) + dt.timedelta(days=1)
    stamp = dt.datetime.combine(today or first, dt.time(), tzinfo=dt.UTC)
    cal = Calendar()
    cal.add("prodid", "-//AIYO 愛遊//itinerary//ZH-TW")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "AIYO 愛遊行程")
    cal.add("x-wr-timezone", "Asia/Taipei")
    for day in itinerary.days:
        date = first + dt.timedelta(days=day.day - 1)
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
                link = _absolute(seg.url, base_url)
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
