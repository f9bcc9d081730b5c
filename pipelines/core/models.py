"""Domain objects shared by ingestion, retrieval, planning, the agent and the UI (contracts in docs/ARCHITECTURE.md)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

BestTime = Literal["sunrise", "morning", "afternoon", "evening", "night", "any"]
Pace = Literal["relaxed", "normal", "packed"]

YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
HOURS = r"^$|^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$"
LOCAL_MEDIA = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*\.(mp4|webm)$")
SEGMENT_ID = re.compile(r"^[a-z0-9][a-z0-9-]*#\d{2,3}$")


class VideoSource(BaseModel):
    """Where a video plays: a YouTube id, or a file name under assets/media."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["youtube", "local"]
    ref: str = Field(description="11-char YouTube id, or a media file name such as tn-anping-01.mp4")

    @model_validator(mode="after")
    def _check_ref(self) -> VideoSource:
        pattern = YOUTUBE_ID if self.kind == "youtube" else LOCAL_MEDIA
        if not pattern.match(self.ref):
            raise ValueError(f"invalid {self.kind} source reference: {self.ref!r}")
        return self

    def url(self, start_s: float, end_s: float | None = None) -> str:
        """A link that plays from start_s (and, for local media, stops at end_s)."""
        start = int(start_s)
        if self.kind == "youtube":
            return f"https://www.youtube.com/watch?v={self.ref}&t={start}"
        frag = f"#t={start},{int(end_s)}" if end_s is not None else f"#t={start}"
        return f"/media/{quote(self.ref)}{frag}"


class Chapter(BaseModel):
    start_s: float = Field(ge=0)
    title: str


class Video(BaseModel):
    video_id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    channel: str
    published: dt.date
    duration_s: float = Field(gt=0)
    source: VideoSource
    description: str = ""
    transcript: str = Field(description="transcript file name under the corpus transcripts folder")


class Place(BaseModel):
    """One gazetteer row."""

    place: str
    aliases: list[str] = Field(default_factory=list)
    city: str
    district: str = ""
    lat: float = Field(ge=21.0, le=26.5)
    lon: float = Field(ge=118.0, le=123.0)
    tags: list[str] = Field(default_factory=list)
    visit_minutes: int = Field(default=60, ge=10, le=600)
    best_time: BestTime = "any"
    area: str = Field(default="", description="where travellers combine stops in one outing (a gorge, an island)")
    hours: str = Field(default="", pattern=HOURS, description="opening hours HH:MM-HH:MM; empty = open all day")


class Segment(BaseModel):
    """A playable part of a video about one place."""

    segment_id: str = Field(description="stable id: <video_id>#<chapter index, 2-3 digits>")
    video_id: str
    title: str = Field(description="chapter title")
    video_title: str = ""
    channel: str = ""
    place: str | None = None
    city: str | None = None
    district: str = ""
    lat: float | None = None
    lon: float | None = None
    start_s: float = Field(ge=0)
    end_s: float = Field(gt=0)
    text: str
    tags: list[str] = Field(default_factory=list)
    visit_minutes: int = 60
    best_time: BestTime = "any"
    area: str = Field(default="", description="the gazetteer area (see Place.area)")
    hours: str = Field(default="", pattern=HOURS, description="opening hours HH:MM-HH:MM; empty = open all day")
    source: VideoSource

    @field_validator("segment_id")
    @classmethod
    def _check_id(cls, v: str) -> str:
        if not SEGMENT_ID.match(v):
            raise ValueError(f"invalid segment id: {v!r}")
        return v

    @model_validator(mode="after")
    def _check_span(self) -> Segment:
        if self.end_s <= self.start_s:
            raise ValueError(f"segment {self.segment_id} ends before it starts")
        return self

    @property
    def url(self) -> str:
        return self.source.url(self.start_s, self.end_s)


class SegmentHit(Segment):
    """A search result: a segment with its fused score and playable url."""

    score: float = 0.0

    def to_contract(self) -> dict:
        """The hit contract (docs/ARCHITECTURE.md) used by the CLI, the agent's tool results and the UI."""
        return {
            "segment_id": self.segment_id,
            "video_id": self.video_id,
            "title": self.title,
            "place": self.place,
            "city": self.city,
            "start_s": self.start_s,
            "end_s": self.end_s,
            "text": self.text,
            "tags": self.tags,
            "score": round(self.score, 6),
            "url": self.url,
        }


HHMM = r"^([01]\d|2[0-3]):[0-5]\d$"


class DayWish(BaseModel):
    """What the traveller asked of one day (「第三天想泡溫泉」「最後一天早點回台北」)."""

    day: int = Field(ge=-1, le=14, description="1-based day; -1 = the last day")
    interests: list[str] = Field(default_factory=list, max_length=5, description="tags that day should have")
    must_include: list[str] = Field(default_factory=list, max_length=5, description="places that day should have")
    day_end: str | None = Field(default=None, pattern=HHMM, description="that day ends by this time")

    def applies_to(self, day: int, days: int) -> bool:
        return self.day == day or (self.day == -1 and day == days)


class Preferences(BaseModel):
    """What the traveller wants; validated, so bad values fail with a clear message."""

    pace: Pace = "normal"
    day_start: str = Field(default="09:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    day_end: str = Field(default="21:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    interests: list[str] = Field(default_factory=list, max_length=20)
    must_include: list[str] = Field(default_factory=list, max_length=20, description="place names or segment ids")
    avoid: list[str] = Field(default_factory=list, max_length=20, description="place names, cities or tags")
    with_kids: bool = False
    with_elders: bool = False
    start_date: dt.date | None = None
    sunrise: bool = Field(default=False, description="the traveller asked to see a sunrise (early starts allowed)")
    day_wishes: list[DayWish] = Field(default_factory=list, max_length=14, description="per-day wishes")
    near: list[str] = Field(
        default_factory=list, max_length=5, description="areas or places the trip stays near (墾丁 → 恆春半島)"
    )
    near_minutes: int = Field(default=45, ge=10, le=240, description="how far from `near` a stop may be, in minutes")
    budget: Literal["low", "mid", "high"] | None = Field(default=None, description="budget words (省錢, 奢華)")


class ItineraryItem(BaseModel):
    segment_id: str
    place: str
    city: str
    start: str = Field(description="HH:MM")
    end: str = Field(description="HH:MM")
    visit_minutes: int
    travel_minutes: int = Field(default=0, description="travel from the previous stop")
    note: str = ""


class FreeTime(BaseModel):
    """A stretch of a day without a stop, and why (a traveller reads it as 自由活動 / 休息)."""

    start: str = Field(description="HH:MM")
    end: str = Field(description="HH:MM")
    label: Literal["自由活動", "休息"] = "自由活動"
    reason: str = Field(description="zh-TW: why nothing is planned here")


class DayPlan(BaseModel):
    day: int = Field(ge=1)
    date: dt.date | None = None
    city: str = Field(default="", description="main city (or cities joined with ・) of the day")
    items: list[ItineraryItem] = Field(default_factory=list)
    free: list[FreeTime] = Field(default_factory=list, description="gaps over ~2 h, with what to do and why")


class Check(BaseModel):
    name: str
    passed: bool
    detail: str = ""


class Itinerary(BaseModel):
    days: list[DayPlan]
    checks: list[Check] = Field(default_factory=list)
    left_out: list[str] = Field(default_factory=list, description="segment ids that did not fit")
    notes: list[str] = Field(default_factory=list, description="zh-TW notes for the traveller")
    preferences: Preferences = Field(default_factory=Preferences)

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def stops(self) -> list[ItineraryItem]:
        """Every item, day by day, in table order."""
        return [item for day in self.days for item in day.items]

    @property
    def segment_ids(self) -> list[str]:
        """The planned segments, day by day."""
        return [item.segment_id for item in self.stops]

    def to_contract(self) -> dict:
        """The plan contract (docs/ARCHITECTURE.md) used by the CLI and the agent's JSON output."""
        return {
            "days": [
                {
                    "day": d.day,
                    "city": d.city,
                    "items": [
                        i.model_dump(
                            include={"segment_id", "place", "city", "start", "end", "visit_minutes", "travel_minutes"}
                        )
                        for i in d.items
                    ],
                }
                for d in self.days
            ],
            "checks": [c.model_dump() for c in self.checks],
        }
