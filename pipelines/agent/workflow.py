"""The LlamaIndex side of an LLM turn: a FunctionAgent with our bounds, and its events → AgentEvents.

- ``AiyoFunctionAgent`` caps tool rounds (the round after the last allowed one gets no tools, so
  the model must answer) and accepts tool calls written as JSON in plain text.
- ``EventTranslator`` turns workflow events into TextDelta / ToolStarted / ToolFinished, holding
  back text that may turn out to be a text tool call so the user never sees raw JSON.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from typing import Any

from llama_index.core.agent.workflow import (
    AgentInput,
    AgentOutput,
    AgentStream,
    FunctionAgent,
    ToolCall,
    ToolCallResult,
)
from llama_index.core.base.llms.types import ToolCallBlock
from llama_index.core.llms import ChatMessage, TextBlock
from llama_index.core.llms.llm import ToolSelection
from pydantic import Field

from pipelines.agent.llm import IncompleteReplyError
from pipelines.agent.text_tool_calls import may_be_tool_call, parse_text_tool_calls
from pipelines.core.events import AgentEvent, TextDelta, ToolFinished, ToolStarted
from pipelines.tools.turn_tools import ToolError, ToolReply, clip

ROUNDS_KEY = "aiyo_tool_rounds"
ORDER_KEY = "aiyo_tool_call_order"
_INLINE_MARKERS = ("<tool_call", "```")


class AiyoFunctionAgent(FunctionAgent):
    max_tool_rounds: int = Field(default=4, ge=1, description="tool rounds per turn; the next LLM call gets no tools")

    async def take_step(self, ctx, llm_input, tools, memory) -> AgentOutput:
        rounds = await ctx.store.get(ROUNDS_KEY, default=0)
        allowed = list(tools) if rounds < self.max_tool_rounds else []
        out = await super().take_step(ctx, llm_input, allowed, memory)
        if self.streaming and not out.tool_calls and not (out.response.content or "").strip():
            # Some OpenAI-compatible servers (llama.cpp's chatml-function-calling) answer a streamed
            # request with tools by an empty body: ask again unstreamed, and stay so for this turn.
            self.streaming = False
            scratchpad: list[ChatMessage] = await ctx.store.get(self.scratchpad_key, default=[])
            await ctx.store.set(self.scratchpad_key, scratchpad[:-1])  # drop the empty reply
            out = await super().take_step(ctx, llm_input, allowed, memory)
        if not out.tool_calls and allowed:
            parsed = parse_text_tool_calls(out.response.content or "", {t.metadata.name for t in allowed})
            if parsed:
                out.tool_calls = [
                    ToolSelection(tool_id=f"text_{rounds}_{i}", tool_name=name, tool_kwargs=args)
                    for i, (name, args) in enumerate(parsed)
                ]
                await self._as_native_call(ctx, out.tool_calls)
        if out.tool_calls:
            await ctx.store.set(ROUNDS_KEY, rounds + 1)
            await ctx.store.set(ORDER_KEY, [c.tool_id for c in out.tool_calls])
        return out

    async def handle_tool_call_results(self, ctx, results: list[ToolCallResult], memory) -> None:
        """Parallel calls finish in any order; answer them in the order the model asked (servers that
        match tool results by position, such as Ollama, need this)."""
        order = await ctx.store.get(ORDER_KEY, default=[])
        rank = {tool_id: i for i, tool_id in enumerate(order)}
        results = sorted(results, key=lambda r: rank.get(r.tool_id, len(rank)))
        await super().handle_tool_call_results(ctx, results, memory)

    async def _as_native_call(self, ctx, calls: list[ToolSelection]) -> None:
        """Replace the JSON-text reply in the scratchpad by a native tool-call message, so the tool
        results that follow are well-formed for OpenAI-compatible servers too."""
        scratchpad: list[ChatMessage] = await ctx.store.get(self.scratchpad_key, default=[])
        blocks: list[Any] = [TextBlock(text="")]
        blocks += [
            ToolCallBlock(tool_call_id=c.tool_id, tool_name=c.tool_name, tool_kwargs=c.tool_kwargs) for c in calls
        ]
        if scratchpad:
            scratchpad[-1] = ChatMessage(role="assistant", blocks=blocks)
            await ctx.store.set(self.scratchpad_key, scratchpad)


class EventTranslator:
    """Feed workflow events in, get AgentEvents out; keeps the visible answer, rounds and token counts."""

    def __init__(self, started: float):
        self.started = started  # the turn's start: the wall-clock limit counts from here
        self.rounds = 0
        self.prompt_tokens: int | None = None
        self.completion_tokens: int | None = None
        self._visible: list[str] = []
        self._round = ""
        self._held = ""
        self._streaming = False
        self._visible_round = 0
        self._raw_seen = self._round_done = False
        self._ids: dict[str, deque[tuple[str, float]]] = defaultdict(deque)
        self._calls = 0

    @property
    def answer(self) -> str:
        return "".join(self._visible).strip()

    def feed(self, ev: Any) -> list[AgentEvent]:
        if isinstance(ev, AgentInput):
            self.rounds += 1
            self._round, self._held, self._streaming = "", "", False
            self._raw_seen = self._round_done = False
            return []
        if isinstance(ev, AgentStream):
            self._count_tokens(ev.raw)
            self._check_done(ev.raw)
            return self._text(ev.delta or "")
        if isinstance(ev, AgentOutput):
            if self._raw_seen and not self._round_done:
                raise IncompleteReplyError("語言模型的回答沒有正常結束")
            held, self._held = self._held, ""
            if not self._round and not ev.tool_calls:  # an unstreamed reply: the text arrives whole
                return self._emit((ev.response.content or "").strip())
            # a round that never started to stream is JSON-like: a tool call (or one we could not run,
            # after the last tool round); the user never sees it
            return self._emit(held) if self._streaming and not ev.tool_calls else []
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

    def _count_tokens(self, raw: Any) -> None:
        usage = raw.get("usage") if isinstance(raw, dict) else None
        if not usage:
            return
        self.prompt_tokens = (self.prompt_tokens or 0) + int(usage.get("prompt_tokens") or 0)
        self.completion_tokens = (self.completion_tokens or 0) + int(usage.get("completion_tokens") or 0)


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
