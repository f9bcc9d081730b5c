"""A trip as a link (``/?trip=TOKEN``): the plan's skeleton, zlib-compressed and base64url-encoded.

The token holds only ids, clock times, minutes, dates and preferences, never text to show: reopening
it is untrusted input, so its size is capped before and after decompression, its shape validated,
every segment id looked up in the index (places and cities come from there), and the plan verified
again, so a tampered time shows up as a failed check rather than as a promise.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
import zlib
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pipelines.core.errors import AiyoError
from pipelines.core.models import DayPlan, Itinerary, ItineraryItem, Preferences, Segment
from pipelines.planner.verifier import verify

MAX_TOKEN_CHARS = 4_000
MAX_JSON_BYTES = 20_000
MAX_DAYS, MAX_STOPS_A_DAY = 14, 16
_TOKEN = re.compile(r"^[A-Za-z0-9_-]+$")
_CLOCK = r"^([01]\d|2[0-3]):[0-5]\d$"
_PREFS = {
    "pace",
    "day_start",
    "day_end",
    "with_kids",
    "with_elders",
    "start_date",
    "interests",
    "avoid",
    "must_include",
}

Clock = Annotated[str, Field(pattern=_CLOCK)]
Minutes = Annotated[int, Field(ge=0, le=24 * 60)]
SegmentId = Annotated[str, Field(max_length=80, pattern=r"^[a-z0-9][a-z0-9-]*#\d{2,3}$")]


class ShareError(AiyoError, ValueError):
    """A shared-trip link that cannot be opened (zh-TW message)."""


class _Day(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date: dt.date | None = None
    stops: list[tuple[SegmentId, Clock, Clock, Minutes, Minutes]] = Field(max_length=MAX_STOPS_A_DAY)


class _Trip(BaseModel):
    model_config = ConfigDict(extra="forbid")
    v: int = Field(ge=1, le=1)
    days: list[_Day] = Field(min_length=1, max_length=MAX_DAYS)
    prefs: Preferences = Field(default_factory=Preferences)


def encode_trip(itinerary: Itinerary) -> str:
    trip = {
        "v": 1,
        "days": [
            {
                "date": day.date.isoformat() if day.date else None,
                "stops": [[i.segment_id, i.start, i.end, i.visit_minutes, i.travel_minutes] for i in day.items],
            }
            for day in itinerary.days
        ],
        "prefs": itinerary.preferences.model_dump(mode="json", include=_PREFS, exclude_defaults=True),
    }
    raw = json.dumps(trip, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(zlib.compress(raw, 9)).rstrip(b"=").decode("ascii")


def share_link(itinerary: Itinerary, base_url: str | None) -> str:
    return f"{(base_url or '').rstrip('/')}/?trip={encode_trip(itinerary)}"


def _decode(token: str) -> _Trip:
    token = (token or "").strip()
    if len(token) > MAX_TOKEN_CHARS:
        raise ShareError(f"分享連結太長（{len(token):,} 字元），無法開啟。")
    if not _TOKEN.match(token):
        raise ShareError("分享連結的格式不對，可能複製時少了一段。")
    try:
        packed = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        inflater = zlib.decompressobj()
        raw = inflater.decompress(packed, MAX_JSON_BYTES)
        if inflater.unconsumed_tail:
            raise ShareError("分享連結的內容太大，無法開啟。")
        if not inflater.eof:  # cut short when it was copied
            raise ShareError("分享連結已損壞，無法開啟這個行程。")
        return _Trip.model_validate(json.loads(raw.decode("utf-8")))
    except (binascii.Error, zlib.error, UnicodeDecodeError, json.JSONDecodeError, ValidationError) as err:
        raise ShareError("分享連結已損壞，無法開啟這個行程。") from err


def decode_trip(token: str, source: Any) -> tuple[Itinerary, list[Segment]]:
    """The shared itinerary, rebuilt from the index's own segments and verified again."""
    trip = _decode(token)
    ids = list(dict.fromkeys(stop[0] for day in trip.days for stop in day.stops))
    if not ids:
        raise ShareError("這個分享的行程沒有任何一站。")
    try:
        segments = source.get_segments(ids)
    except AiyoError as err:
        raise ShareError(f"分享的行程有站點已不在影片索引中，無法開啟（{err}）。") from err
    by_id = {s.segment_id: s for s in segments}
    days = []
    for n, day in enumerate(trip.days, start=1):
        items = [
            ItineraryItem(
                segment_id=sid,
                place=by_id[sid].place or by_id[sid].title,
                city=by_id[sid].city or "",
                start=start,
                end=end,
                visit_minutes=visit,
                travel_minutes=travel,
            )
            for sid, start, end, visit, travel in day.stops
        ]
        cities = list(dict.fromkeys(i.city for i in items if i.city))
        days.append(DayPlan(day=n, date=day.date, city="・".join(cities), items=items))
    itinerary = Itinerary(days=days, preferences=trip.prefs)
    itinerary.checks = verify(itinerary, segments, len(days), trip.prefs)
    itinerary.notes = [f"未通過「{c.name}」：{c.detail}" for c in itinerary.checks if not c.passed]
    return itinerary, segments
