"""Workflow events → AgentEvents, and the queue that carries them out of the workflow.

``EventTranslator`` turns workflow events into TextDelta / ToolStarted / ToolFinished, holding back
text that may turn out to be a text tool call (so the user never sees raw JSON) and <think> blocks.
It also keeps the clock of the current LLM call, for the first-token timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from typing import Any

from llama_index.core.agent.workflow import AgentInput, AgentOutput, AgentStream, ToolCall, ToolCallResult
from pydantic import BaseModel

from pipelines.agent.llm import IncompleteReplyError
from pipelines.agent.text_tool_calls import ThinkFilter, may_be_tool_call, strip_think
from pipelines.agent.workflow import ModelChunk
from pipelines.core.events import AgentEvent, TextDelta, ToolFinished, ToolStarted
from pipelines.tools.turn_tools import ToolError, ToolReply, clip

_INLINE_MARKERS = ("<tool_call", "<tools>", "<function_call", "```", '{"name"')


class EventTranslator:
    """Feed workflow events in, get AgentEvents out; keeps the visible text, rounds and token counts.

    ``first_call`` numbers this turn's tool steps after the ones already shown (retrieval first)."""

    def __init__(self, started: float, first_call: int = 0):
        self.started = started  # the turn's start: the wall-clock limit counts from here
        self.rounds = 0
        self.prompt_tokens: int | None = None
        self.completion_tokens: int | None = None
        self.round_started = started
        self.awaiting_first_token = False
        self.cut_short = False  # the current round's reply stopped at the token limit (max_tokens / num_predict)
        self._visible: list[str] = []
        self._round = ""
        self._held = ""
        self._streaming = False
        self._visible_round = 0
        self._raw_seen = self._round_done = False
        self._ids: dict[str, deque[tuple[str, float]]] = defaultdict(deque)
        self._calls = first_call
        self._think = ThinkFilter()

    @property
    def answer(self) -> str:
        return "".join(self._visible).strip()

    @property
    def calls_made(self) -> int:
        """Tool steps numbered so far (the next attempt numbers after them)."""
        return self._calls

    def feed(self, ev: Any) -> list[AgentEvent]:
        if isinstance(ev, AgentInput):
            self.rounds += 1
            self._round, self._held, self._streaming = "", "", False
            self._raw_seen = self._round_done = self.cut_short = False
            self.round_started, self.awaiting_first_token = time.perf_counter(), True
            self._think = ThinkFilter()
            return []
        if isinstance(ev, AgentStream):
            if ev.delta or ev.thinking_delta or (isinstance(ev, ModelChunk) and ev.progress):
                self.awaiting_first_token = False
            self._count_tokens(ev.raw)
            self._check_done(ev.raw)
            return self._text(self._think.feed(ev.delta or ""))
        if isinstance(ev, AgentOutput):
            self.awaiting_first_token = False
            raw = ev.raw
            raw = raw.model_dump() if isinstance(raw, BaseModel) else raw
            if not self._raw_seen and isinstance(raw, dict):  # an unstreamed reply says how it ended here
                self.cut_short = _stopped_at_limit(raw)
            if self._raw_seen and not self._round_done:
                raise IncompleteReplyError("語言模型的回答沒有正常結束")
            out = self._text(self._think.flush())
            held, self._held = self._held, ""
            if not self._round and not ev.tool_calls:  # an unstreamed reply: the text arrives whole
                text = strip_think(ev.response.content or "").strip()
                return [] if may_be_tool_call(text) else self._emit(text)
            # a round that never started to stream is JSON-like: a tool call (or one we could not run,
            # after the last tool round); the user never sees it
            return out + (self._emit(held) if self._streaming and not ev.tool_calls else [])
        if isinstance(ev, ToolCallResult):
            return [self._finished(ev)]
        if isinstance(ev, ToolCall):
            self._calls += 1
            call_id = f"{ev.tool_name}-{self._calls}"
            self._ids[ev.tool_id].append((call_id, time.perf_counter()))
            return [ToolStarted(call_id=call_id, name=ev.tool_name, arguments=clip(dict(ev.tool_kwargs)))]
        return []

    def _text(self, delta: str) -> list[AgentEvent]:
        if not delta:
            return []
        self._round += delta
        self._held += delta
        if not self._streaming:
            if may_be_tool_call(self._round):
                return []  # undecided: this round may be a tool call written as text
            self._streaming = True
        if any(m in self._round for m in _INLINE_MARKERS):
            return []  # a tool call may start mid-reply: hold the rest of the round
        held, self._held = self._held, ""
        return self._emit(held)

    def _emit(self, text: str) -> list[AgentEvent]:
        if not text:
            return []
        out: list[AgentEvent] = []
        if self._visible and self._visible_round != self.rounds:
            out.append(TextDelta(delta="\n\n"))  # text of an earlier round (a preamble) stays; separate it
            self._visible.append("\n\n")
        self._visible.append(text)
        self._visible_round = self.rounds
        out.append(TextDelta(delta=text))
        return out

    def _finished(self, ev: ToolCallResult) -> ToolFinished:
        ids = self._ids.get(ev.tool_id)
        call_id, since = ids.popleft() if ids else (f"{ev.tool_name}-{self._calls}", time.perf_counter())
        output = ev.tool_output
        raw = output.raw_output
        if isinstance(raw, ToolReply):
            summary = raw.summary
        elif isinstance(getattr(output, "exception", None), ToolError):
            summary = output.exception.summary  # type: ignore[union-attr]
        elif output.is_error and raw is None:
            summary = "沒有這個工具"
        else:
            summary = str(output.content or "")[:60]
        ms = (time.perf_counter() - since) * 1000
        return ToolFinished(call_id=call_id, name=ev.tool_name, ok=not output.is_error, summary=summary, duration_ms=ms)

    def _check_done(self, raw: Any) -> None:
        """Ollama ends a reply with ``done: true``, OpenAI-compatible servers with a finish_reason."""
        if not isinstance(raw, dict):
            return
        self._raw_seen = True
        choices = raw.get("choices") or []
        if raw.get("done") is True or any(isinstance(c, dict) and c.get("finish_reason") for c in choices):
            self._round_done = True
            self.cut_short = self.cut_short or _stopped_at_limit(raw)

    def _count_tokens(self, raw: Any) -> None:
        usage = raw.get("usage") if isinstance(raw, dict) else None
        if not usage:
            return
        self.prompt_tokens = (self.prompt_tokens or 0) + int(usage.get("prompt_tokens") or 0)
        self.completion_tokens = (self.completion_tokens or 0) + int(usage.get("completion_tokens") or 0)


def _stopped_at_limit(raw: dict[str, Any]) -> bool:
    """The reply ended because it ran out of tokens: Ollama's ``done_reason``, OpenAI's ``finish_reason``."""
    choices = raw.get("choices") or []
    reasons = [raw.get("done_reason"), *(c.get("finish_reason") for c in choices if isinstance(c, dict))]
    return "length" in reasons


@dataclass
class Done:
    result: Any


@dataclass
class Failed:
    error: BaseException


async def pump_events(handler, queue: asyncio.Queue[Any]) -> None:
    """Move the workflow's events into a queue, then Done(result) or Failed(error)."""
    try:
        async for ev in handler.stream_events():
            await queue.put(ev)
        await queue.put(Done(await handler))
    except asyncio.CancelledError:
        raise
    except Exception as err:
        await queue.put(Failed(err))


async def stop_run(handler, pump: asyncio.Task) -> None:
    """Cancel the workflow (its step tasks close their HTTP streams) and the pump."""
    if not handler.is_done():
        await handler.cancel_run(timeout=2.0)
    if not pump.done():
        pump.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await pump
