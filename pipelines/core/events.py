"""Events streamed by an agent turn; consumed by the UI and the CLI."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from pipelines.core.models import Itinerary, SegmentHit


class TextDelta(BaseModel):
    type: Literal["text"] = "text"
    delta: str


class ToolStarted(BaseModel):
    type: Literal["tool_started"] = "tool_started"
    call_id: str
    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)


class ToolFinished(BaseModel):
    type: Literal["tool_finished"] = "tool_finished"
    call_id: str
    name: str
    ok: bool
    summary: str = Field(description="short zh-TW summary, e.g. 找到 8 個片段")
    duration_ms: float = 0.0


class Notice(BaseModel):
    """Something the user should know mid-turn, e.g. switching to 離線模式 after an LLM failure."""

    type: Literal["notice"] = "notice"
    message: str


class ToolCallRecord(BaseModel):
    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    ok: bool
    duration_ms: float = 0.0
    error: str | None = None


class FinalResult(BaseModel):
    type: Literal["final"] = "final"
    answer: str
    backend: str = Field(description="ollama | openai | offline")
    model: str | None = None
    tool_calls: list[ToolCallRecord] = Field(default_factory=list)
    hits: list[SegmentHit] = Field(default_factory=list, description="segments cited/used this turn")
    itinerary: Itinerary | None = None
    timings: dict[str, float] = Field(default_factory=dict, description="ttft_ms, total_ms, ...")
    error: str | None = None

    def to_contract(self) -> dict:
        """The `chat --json` contract (docs/ARCHITECTURE.md)."""
        return {
            "answer": self.answer,
            "backend": self.backend,
            "tool_calls": [{"name": c.name, "arguments": c.arguments, "ok": c.ok} for c in self.tool_calls],
            "segments": [h.to_contract() for h in self.hits],
            "itinerary": self.itinerary.to_contract() if self.itinerary else None,
        }


AgentEvent = TextDelta | ToolStarted | ToolFinished | Notice | FinalResult
