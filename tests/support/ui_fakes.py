"""A scripted fake agent and a fake index for the UI tests (issue 5): no LLM, no Qdrant.

The fake agent plays the event sequence a real turn produces (search → plan → streamed answer →
final result), updating the session like the real agent does, and records when its stream is
closed so tests can prove the stop button reaches the backend.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import AsyncIterator

from pipelines.agent.session import SessionState
from pipelines.core.errors import UnknownSegmentError
from pipelines.core.events import AgentEvent, FinalResult, TextDelta, ToolCallRecord, ToolFinished, ToolStarted
from pipelines.core.models import Check, DayPlan, Itinerary, ItineraryItem, Segment, SegmentHit, VideoSource

HOSTILE = "<img src=x onerror=alert(1)>"


def _hit(
    sid: str, place: str, city: str, start: float, end: float, text: str, video: str, where: tuple[float, float]
) -> SegmentHit:
    return SegmentHit(
        lat=where[0],
        lon=where[1],
        segment_id=sid,
        video_id=video,
        title=place,
        video_title=f"{city}散步 {HOSTILE}",
        place=place,
        city=city,
        start_s=start,
        end_s=end,
        text=text,
        source=VideoSource(kind="local", ref=f"{video}.mp4"),
        score=1.0,
    )


SEGMENTS = [
    _hit(
        "tn-anping-01#03",
        "安平古堡",
        "台南",
        77.0,
        107.0,
        f"荷蘭時期的紅磚城牆 {HOSTILE} 很好拍。",
        "tn-anping-01",
        (23.0016, 120.1606),
    ),
    _hit(
        "tn-anping-01#02",
        "四草綠色隧道",
        "台南",
        46.0,
        77.0,
        "搭竹筏穿越紅樹林隧道。",
        "tn-anping-01",
        (23.0197, 120.1407),
    ),
    _hit("tn-anping-01#04", "安平樹屋", "台南", 107.0, 137.0, "榕樹包住老倉庫。", "tn-anping-01", (23.0021, 120.1598)),
    _hit("hl-hualien-01#01", "七星潭", "花蓮", 10.0, 37.0, "騎腳踏車吹海風。", "hl-hualien-01", (24.0268, 121.6213)),
    _hit("hl-hualien-01#04", "鯉魚潭", "花蓮", 95.0, 120.0, "划船看湖景。", "hl-hualien-01", (23.9291, 121.5054)),
]


class FakeIndex:
    def __init__(self, segments: list[SegmentHit] = SEGMENTS):
        self.segments = {s.segment_id: s for s in segments}
        self.closed = False

    def search(self, query: str, city: str | None = None, tags=None, limit: int = 10) -> list[SegmentHit]:
        return [s for s in self.segments.values() if city is None or s.city == city][:limit]

    def get_segments(self, ids):
        missing = [i for i in ids if i not in self.segments]
        if missing:
            raise UnknownSegmentError(missing)
        return [self.segments[i] for i in ids]

    def cities(self) -> list[str]:
        return sorted({s.city for s in self.segments.values()})

    def count(self) -> int:
        return len(self.segments)

    def close(self) -> None:
        self.closed = True


def itinerary_of(days: list[list[Segment]], first_date: dt.date | None = None) -> Itinerary:
    """A simple plan: the given segments per day, one an hour-long stop every two hours from 09:00."""
    plans = []
    for d, segs in enumerate(days, start=1):
        items = [
            ItineraryItem(
                segment_id=s.segment_id,
                place=s.place or s.title,
                city=s.city or "",
                start=f"{9 + 2 * i:02d}:00",
                end=f"{10 + 2 * i:02d}:00",
                visit_minutes=60,
                travel_minutes=0 if i == 0 else 20,
            )
            for i, s in enumerate(segs)
        ]
        date = first_date + dt.timedelta(days=d - 1) if first_date else None
        plans.append(DayPlan(day=d, date=date, city=items[0].city if items else "", items=items))
    return Itinerary(days=plans)


def fake_plan(hits: list[SegmentHit], days: int) -> Itinerary:
    itinerary = itinerary_of([hits[d - 1 :: days] or hits[:1] for d in range(1, days + 1)])
    itinerary.checks = [
        Check(name="每天不超時", passed=True, detail="ok"),
        Check(name="交通合理", passed=False, detail=HOSTILE),
    ]
    itinerary.notes = ["第 1 天中午在安平一帶，影片資料沒有介紹順路的餐廳：午餐可以自備。", f"備註 {HOSTILE}"]
    return itinerary


class FakeAgent:
    """Scripted turn: city from the message (花蓮 or 台南), days from 「N天」, token by token answer."""

    backend, model, reason = "offline", None, "假的代理（測試用）"

    def __init__(self, index: FakeIndex, token_delay: float = 0.0, tool_delay: float = 0.0):
        self.index, self.token_delay, self.tool_delay = index, token_delay, tool_delay
        self.turns = 0
        self.closed = 0  # streams closed (finished, failed or cancelled)

    async def stream(self, message: str, session: SessionState) -> AsyncIterator[AgentEvent]:
        self.turns += 1
        try:
            city = "花蓮" if "花蓮" in message else "台南"
            days = int(m.group(1)) if (m := re.search(r"(\d)\s*天", message)) else 1
            yield ToolStarted(call_id="c1", name="search_segments", arguments={"query": message, "city": city})
            await asyncio.sleep(self.tool_delay)
            session.hits = self.index.search(message, city=city)
            yield ToolFinished(
                call_id="c1", name="search_segments", ok=True, summary=f"找到 {len(session.hits)} 個片段"
            )
            yield ToolStarted(call_id="c2", name="plan_itinerary", arguments={"days": days})
            await asyncio.sleep(self.tool_delay)
            session.itinerary = fake_plan(session.hits, days)
            yield ToolFinished(call_id="c2", name="plan_itinerary", ok=True, summary=f"{days} 天行程")
            first = session.hits[0]
            answer = f"推薦先去{first.place}[1]，{HOSTILE} 再看看其他景點[2]。（{message}）"
            for ch in answer:
                await asyncio.sleep(self.token_delay)
                yield TextDelta(delta=ch)
            yield FinalResult(
                answer=answer,
                backend="offline",
                tool_calls=[
                    ToolCallRecord(name="search_segments", ok=True),
                    ToolCallRecord(name="plan_itinerary", ok=True),
                ],
                hits=session.hits,
                itinerary=session.itinerary,
            )
        finally:
            self.closed += 1
