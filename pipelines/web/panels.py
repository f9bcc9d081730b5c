"""What the side panels show for a session: itinerary table, export files, the segment to play.

A stop is named by its key 「天-站」 (``1-2`` = day 1, stop 2) in the table, on the map's pins and
in the day playlist, so a click anywhere finds the same item of the session's own plan.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from pipelines.core.citations import cited_numbers
from pipelines.core.errors import AiyoError
from pipelines.core.models import Itinerary, ItineraryItem, Segment, SegmentHit
from pipelines.planner.exports import FREE_DAY, planned_dates, to_csv, to_ics

log = logging.getLogger(__name__)

EXPORT_DIR = Path(tempfile.gettempdir()) / "aiyo-exports"
TABLE_HEADERS = ["站", "日子", "時間", "地點", "停留／交通"]  # five columns fit a 390 px phone
WEEKDAYS = "一二三四五六日"
NOW_MARK = "▶ "
_SESSION_DIR = re.compile(r"[^A-Za-z0-9_-]")
_KEY = re.compile(r"(\d{1,2})-(\d{1,2})")


@dataclass
class PageState:
    """What one browser session's page shows and is doing (the agent's own memory is the SessionState).

    ``run`` is the turn streaming now; ``sent``/``started`` count messages sent and turns begun, so a
    stop pressed between the two still stops the turn that is about to start; ``picks`` counts the
    traveller's own player choices, which the end of a turn must not override.
    """

    messages: list[dict[str, Any]] = field(default_factory=list)
    hits: list[SegmentHit] = field(default_factory=list, repr=False)
    run: Any = field(default=None, repr=False)
    sent: int = 0
    started: int = 0
    stop_pending: bool = False
    picks: int = 0
    base_url: str | None = None


def stop_key(day: int, n: int) -> str:
    return f"{day}-{n}"


def numbered_stops(itinerary: Itinerary | None) -> list[tuple[str, int, ItineraryItem]]:
    """(key, day, item) for every stop, day by day in table order."""
    if not itinerary:
        return []
    return [(stop_key(d.day, n), d.day, item) for d in itinerary.days for n, item in enumerate(d.items, start=1)]


def stop_by_key(key: Any, itinerary: Itinerary | None) -> ItineraryItem | None:
    match = _KEY.search(str(key or ""))
    if not match:
        return None
    wanted = stop_key(int(match.group(1)), int(match.group(2)))
    return next((item for k, _, item in numbered_stops(itinerary) if k == wanted), None)


def day_label(day: int, date: dt.date | None, city: str = "") -> str:
    when = f"第{day}天 {date.month}/{date.day}（{WEEKDAYS[date.weekday()]}）" if date else f"第{day}天"
    return f"{when} · {city}" if city else when


def itinerary_table(itinerary: Itinerary | None, now: str | None = None) -> pd.DataFrame:
    """The plan as the page shows it (text cells, narrow enough for a phone); ``now`` marks the stop playing."""
    if not itinerary or not itinerary.stops:
        return pd.DataFrame(columns=TABLE_HEADERS)
    rows = []
    here = itinerary.stops[0].city
    for day, date in zip(itinerary.days, planned_dates(itinerary), strict=True):
        if not day.items:
            rows.append(["", day_label(day.day, date, here), "", FREE_DAY, ""])
        for n, item in enumerate(day.items, start=1):
            here, key = item.city, stop_key(day.day, n)
            place = f"{item.place}（{item.note}）" if item.note else item.place
            if day.city and item.city and item.city not in day.city:
                place += f"・{item.city}"
            stay = f"{item.visit_minutes} 分" + (f" · 路上 {item.travel_minutes} 分" if item.travel_minutes else "")
            mark = NOW_MARK if key == now else ""
            rows.append([mark + key, day_label(day.day, date, day.city), f"{item.start}–{item.end}", place, stay])
    return pd.DataFrame(rows, columns=TABLE_HEADERS)


def find_segment(segment_id: str, known: Sequence[Segment], index: Any) -> Segment | None:
    """The segment from segments already at hand, else from the index (None if it is gone)."""
    for seg in known:
        if seg.segment_id == segment_id:
            return seg
    if index is None:
        return None
    try:
        found = index.get_segments([segment_id])
    except AiyoError:
        return None
    return found[0] if found else None


def segments_by_id(itinerary: Itinerary, known: Sequence[Segment], index: Any) -> dict[str, Segment]:
    out = {}
    for item in itinerary.stops:
        seg = find_segment(item.segment_id, known, index)
        if seg is not None:
            out[item.segment_id] = seg
    return out


def export_files(
    itinerary: Itinerary | None, session_id: str, segments: dict[str, Segment], base_url: str | None
) -> tuple[str | None, str | None]:
    """CSV and ICS of the plan, written to a per-session temp folder (Gradio copies them to its cache)."""
    if not itinerary or not itinerary.stops:
        return None, None
    folder = EXPORT_DIR / (_SESSION_DIR.sub("", session_id) or "anon")
    folder.mkdir(parents=True, exist_ok=True)
    csv_path, ics_path = folder / "aiyo-itinerary.csv", folder / "aiyo-itinerary.ics"
    today = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=8))).date()  # Taiwan's today
    csv_path.write_text(to_csv(itinerary, segments, today=today, base_url=base_url), encoding="utf-8")
    ics_path.write_bytes(to_ics(itinerary, segments, today=today, base_url=base_url))
    return str(csv_path), str(ics_path)


def cited_segment(answer: str, hits: Sequence[SegmentHit], itinerary: Itinerary | None) -> Segment | None:
    """What the player shows after a turn: the first segment the answer cites, else the first stop or hit."""
    for n in cited_numbers(answer):
        if 1 <= n <= len(hits):
            return hits[n - 1]
    first = itinerary.stops[:1] if itinerary else []
    if first:
        return next((h for h in hits if h.segment_id == first[0].segment_id), None) or (hits[0] if hits else None)
    return hits[0] if hits else None


def hit_for_row(row: Sequence[Any] | None, hits: Sequence[SegmentHit]) -> SegmentHit | None:
    """The hit of a clicked results row; its first cell is 「[n]」."""
    match = re.fullmatch(r"\[(\d+)\]", str(row[0]).strip()) if row else None
    n = int(match.group(1)) if match else 0
    return hits[n - 1] if 1 <= n <= len(hits) else None
