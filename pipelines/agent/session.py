"""Per-session state: the current itinerary, the last hits, and chat memory within a token budget."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, Field

from pipelines.core.models import Itinerary, SegmentHit
from pipelines.core.text import estimate_tokens
from pipelines.intent.parser import Intent


class ChatTurn(BaseModel):
    role: Literal["user", "assistant"]
    content: str


class SessionState(BaseModel):
    """What a conversation remembers between turns. The system prompt and tool schemas are not
    stored here: they are sent every turn, so the history budget never squeezes them out."""

    session_id: str = Field(default_factory=lambda: uuid.uuid4().hex[:12])
    itinerary: Itinerary | None = None
    hits: list[SegmentHit] = Field(default_factory=list, description="segments of the last turn that found any")
    history: list[ChatTurn] = Field(
        default_factory=list, description="user/assistant messages within the memory budget"
    )
    request: Intent | None = Field(default=None, description="the trip asked for so far (cities, days, preferences)")

    def remember(self, user: str, assistant: str, budget_tokens: int) -> None:
        """Append a turn, then drop the oldest turns until the history fits the budget."""
        self.history += [ChatTurn(role="user", content=user), ChatTurn(role="assistant", content=assistant)]
        self.history = fit_history(self.history, budget_tokens)

    def reset(self) -> None:
        self.itinerary, self.hits, self.history, self.request = None, [], [], None


def fit_history(history: list[ChatTurn], budget_tokens: int) -> list[ChatTurn]:
    """The newest turns whose estimated tokens fit the budget; a user message is never kept without its reply."""
    kept: list[ChatTurn] = []
    used = 0
    for turn in reversed(history):
        cost = estimate_tokens(turn.content) + 4  # role markers
        if used + cost > budget_tokens:
            break
        kept.append(turn)
        used += cost
    kept.reverse()
    while kept and kept[0].role != "user":
        kept.pop(0)
    return kept


def state_note(session: SessionState, max_hits: int = 10, ids: bool = True) -> str:
    """The session state the LLM needs for follow-ups, in zh-TW (before the question). ``ids=False`` for
    small models, which copy ids into answers; plan_itinerary takes place names too."""
    lines: list[str] = []
    if session.itinerary and session.itinerary.days:
        prefs = session.itinerary.preferences
        lines.append("## 目前的行程（修改時用這些 id）" if ids else "## 目前的行程")
        for day in session.itinerary.days:
            stops = "、".join(f"{i.start} {i.place}" + (f"〔{i.segment_id}〕" if ids else "") for i in day.items)
            stops = stops or "自由活動"
            lines.append(f"第 {day.day} 天（{day.city}）：{stops}")
        extra = [f"節奏 {prefs.pace}"]
        if prefs.interests:
            extra.append("興趣 " + "、".join(prefs.interests))
        if prefs.avoid:
            extra.append("避開 " + "、".join(prefs.avoid))
        if prefs.must_include:
            extra.append("必去 " + "、".join(prefs.must_include))
        lines.append("偏好：" + "；".join(extra))
    if session.hits:
        lines.append("## 上一輪找到的片段")
        for hit in session.hits[:max_hits]:
            ref = f"〔{hit.segment_id}〕" if ids else ""
            lines.append(f"{ref}{hit.place or hit.title}（{hit.city or ''}）{'、'.join(hit.tags)}")
    return "\n".join(lines)
