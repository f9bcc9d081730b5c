"""The LlamaIndex side of an LLM turn: a FunctionAgent with our bounds.

``AiyoFunctionAgent`` caps tool rounds (the round after the last allowed one gets no tools, so the
model must answer), caps reply and tool-argument size while streaming (without re-parsing partial
JSON per chunk, which is quadratic), gives every tool call its own id (Ollama's are the tool name),
accepts tool calls written as text, answers unknown tool names in zh-TW, and turns thinking off on
rounds that offer tools (qwen3 can swallow a tool call while thinking).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from typing import Any

from llama_index.core.agent.workflow import AgentOutput, AgentStream, FunctionAgent, ToolCall, ToolCallResult
from llama_index.core.base.llms.types import ChatResponse, ToolCallBlock
from llama_index.core.llms import ChatMessage, TextBlock
from llama_index.core.llms.llm import ToolSelection
from llama_index.core.tools import ToolOutput
from llama_index.core.workflow import Context, step
from pydantic import BaseModel, Field

from pipelines.agent.llm import ReplyTooLargeError
from pipelines.agent.text_tool_calls import BrokenArguments, parse_arguments, parse_text_tool_calls
from pipelines.core.text import estimate_tokens
from pipelines.tools.schemas import BROKEN_ARGUMENTS_KEY, resolve_tool_name, unknown_tool_message

ROUNDS_KEY = "aiyo_tool_rounds"
CALL_TEXT = " "  # the text of an assistant message that only calls tools
ORDER_KEY = "aiyo_tool_call_order"


class ModelChunk(AgentStream):
    """A streamed chunk; ``progress`` is False for chunks that carry nothing (a role header, a ping)."""

    progress: bool = True


class AiyoFunctionAgent(FunctionAgent):
    max_tool_rounds: int = Field(default=4, ge=0, description="tool rounds per turn; the next LLM call gets no tools")
    max_reply_chars: int = Field(default=8000, description="a longer reply (text and thinking) is given up")
    max_tool_args_chars: int = Field(default=8000, description="longer tool-call arguments are given up unparsed")
    set_thinking: Callable[[Any, bool], None] | None = Field(
        default=None, description="turns the model's thinking on (rounds without tools) or off", exclude=True
    )
    on_unknown_tool: Callable[[str, dict[str, Any], str], None] | None = Field(
        default=None, description="told about calls to tools that do not exist (for the turn log)", exclude=True
    )
    calls: list[dict[str, Any]] = Field(
        default_factory=list, description="per LLM call: estimated prompt tokens, tools offered", exclude=True
    )

    async def take_step(self, ctx, llm_input, tools, memory) -> AgentOutput:
        rounds = await ctx.store.get(ROUNDS_KEY, default=0)
        allowed = list(tools) if rounds < self.max_tool_rounds else []
        if self.set_thinking is not None:
            self.set_thinking(self.llm, not allowed)
        await self._count_call(ctx, llm_input, allowed)
        out = await super().take_step(ctx, llm_input, allowed, memory)
        if self.streaming and not _has_calls(out.response) and not (out.response.content or "").strip():
            # Some OpenAI-compatible servers (llama.cpp's chatml-function-calling) answer a streamed
            # request with tools by an empty body: ask again unstreamed, and stay so for this turn.
            self.streaming = False
            scratchpad: list[ChatMessage] = await ctx.store.get(self.scratchpad_key, default=[])
            await ctx.store.set(self.scratchpad_key, scratchpad[:-1])  # drop the empty reply
            await self._count_call(ctx, llm_input, allowed)
            out = await super().take_step(ctx, llm_input, allowed, memory)
        self._check_size(out.response)
        names = {t.metadata.name for t in tools}
        out.tool_calls = _selections(out.response, rounds, names) if allowed else []
        if not out.tool_calls and allowed:
            parsed = parse_text_tool_calls(out.response.content or "", names)
            if parsed:
                out.tool_calls = [
                    ToolSelection(tool_id=f"text_{rounds}_{i}", tool_name=name, tool_kwargs=args)
                    for i, (name, args) in enumerate(parsed)
                ]
                await self._as_native_call(ctx, out.tool_calls)
        if out.tool_calls:
            await self._give_text(ctx)
            await ctx.store.set(ROUNDS_KEY, rounds + 1)
            await ctx.store.set(ORDER_KEY, [c.tool_id for c in out.tool_calls])
        return out

    async def _get_streaming_response(self, ctx, current_llm_input, tools) -> ChatResponse:
        """The reply, streamed to the event stream chunk by chunk. Unlike FunctionAgent's, tool-call
        arguments are not parsed per chunk (a 60,000-character argument made that quadratic and
        stalled the server); sizes are counted and an oversized reply is given up."""
        response = await self.llm.astream_chat_with_tools(
            chat_history=current_llm_input, tools=tools, allow_parallel_tool_calls=self.allow_parallel_tool_calls
        )
        last = ChatResponse(message=ChatMessage())
        text = 0
        async with contextlib.aclosing(response):  # an oversized reply closes the HTTP stream here
            async for last in response:
                delta = last.delta or ""
                thinking = last.additional_kwargs.get("thinking_delta") or ""
                text += len(delta) + len(thinking)
                args = _arguments_size(last.message)
                if text > self.max_reply_chars:
                    raise ReplyTooLargeError(f"語言模型的回覆太長（超過 {self.max_reply_chars} 字），已中止")
                if args > self.max_tool_args_chars:
                    raise ReplyTooLargeError(f"語言模型的工具參數太長（超過 {self.max_tool_args_chars} 字），已中止")
                raw = last.raw.model_dump() if isinstance(last.raw, BaseModel) else last.raw
                ctx.write_event_to_stream(
                    ModelChunk(
                        delta=delta,
                        response="",
                        raw=raw,
                        current_agent_name=self.name,
                        thinking_delta=thinking or None,
                        progress=bool(delta or thinking or args),
                    )
                )
                # chunks already buffered do not suspend the loop: yield, so a model that streams fast
                # (or a megabyte of arguments) never starves /health or other sessions
                await asyncio.sleep(0)
        return last

    @step
    async def call_tool(self, ctx: Context, ev: ToolCall) -> ToolCallResult:
        """A tool the model named that does not exist gets a zh-TW error it can act on, not
        LlamaIndex's English 「Tool X not found」."""
        known = {t.metadata.name for t in await self.get_tools(ev.tool_name)}
        if ev.tool_name in known:
            return await super().call_tool(ctx, ev)
        ctx.write_event_to_stream(ToolCall(tool_name=ev.tool_name, tool_kwargs=ev.tool_kwargs, tool_id=ev.tool_id))
        message = unknown_tool_message(ev.tool_name, sorted(known))
        if self.on_unknown_tool is not None:
            self.on_unknown_tool(ev.tool_name, dict(ev.tool_kwargs), message)
        output = ToolOutput(
            content=message, tool_name=ev.tool_name, raw_input=ev.tool_kwargs, raw_output=None, is_error=True
        )
        result = ToolCallResult(
            tool_name=ev.tool_name,
            tool_kwargs=ev.tool_kwargs,
            tool_id=ev.tool_id,
            tool_output=output,
            return_direct=False,
        )
        ctx.write_event_to_stream(result)
        return result

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
        blocks: list[Any] = [TextBlock(text=CALL_TEXT)]
        blocks += [
            ToolCallBlock(tool_call_id=c.tool_id, tool_name=c.tool_name, tool_kwargs=c.tool_kwargs) for c in calls
        ]
        if scratchpad:
            scratchpad[-1] = ChatMessage(role="assistant", blocks=blocks)
            await ctx.store.set(self.scratchpad_key, scratchpad)

    async def _give_text(self, ctx) -> None:
        """A tool-call message with empty text goes out with ``content: null``, which llama.cpp's server
        refuses (500, "Input should be a valid string"); a blank keeps every server content."""
        scratchpad: list[ChatMessage] = await ctx.store.get(self.scratchpad_key, default=[])
        if not scratchpad or (scratchpad[-1].content or "").strip():
            return
        message = scratchpad[-1]
        blocks = [b for b in message.blocks if not isinstance(b, TextBlock)]
        scratchpad[-1] = message.model_copy(update={"blocks": [TextBlock(text=CALL_TEXT), *blocks]})
        await ctx.store.set(self.scratchpad_key, scratchpad)

    async def _count_call(self, ctx, llm_input: Sequence[ChatMessage], tools: Sequence[Any]) -> None:
        """What this call puts in the prompt, estimated (servers without usage reports still get a number)."""
        scratchpad: list[ChatMessage] = await ctx.store.get(self.scratchpad_key, default=[])
        text = sum(estimate_tokens(m.content or "") + 4 for m in [*llm_input, *scratchpad])
        schemas = sum(estimate_tokens(str(t.metadata.to_openai_tool(skip_length_check=True))) for t in tools)
        self.calls.append({"prompt_tokens_est": text + schemas, "tools": bool(tools)})

    def _check_size(self, message: ChatMessage) -> None:
        """An unstreamed reply is checked whole."""
        if len(message.content or "") > self.max_reply_chars:
            raise ReplyTooLargeError(f"語言模型的回覆太長（超過 {self.max_reply_chars} 字），已中止")
        if _arguments_size(message) > self.max_tool_args_chars:
            raise ReplyTooLargeError(f"語言模型的工具參數太長（超過 {self.max_tool_args_chars} 字），已中止")


def _has_calls(message: ChatMessage) -> bool:
    return any(isinstance(b, ToolCallBlock) for b in message.blocks)


def _arguments_size(message: ChatMessage) -> int:
    """Characters of tool-call arguments so far: O(1) for the strings OpenAI-compatible servers stream;
    Ollama sends a call whole, as a dict, once."""
    size = 0
    for block in message.blocks:
        if isinstance(block, ToolCallBlock):
            kwargs = block.tool_kwargs
            size += len(kwargs) if isinstance(kwargs, str) else len(str(kwargs))
    return size


def _selections(message: ChatMessage, rounds: int, names: set[str]) -> list[ToolSelection]:
    """The message's tool calls, parsed once: each with an id of its own (Ollama gives the tool name, so
    two searches in one message shared one), a known tool name where the model misspelt one, and
    arguments that failed to parse marked so the tool can say so."""
    selections: list[ToolSelection] = []
    seen: set[str] = set()
    for i, block in enumerate(b for b in message.blocks if isinstance(b, ToolCallBlock)):
        try:
            kwargs = parse_arguments(block.tool_kwargs)
        except BrokenArguments as err:
            kwargs = {BROKEN_ARGUMENTS_KEY: err.raw}
        call_id = block.tool_call_id
        if not call_id or call_id in seen or call_id == block.tool_name:
            call_id = block.tool_call_id = f"call_{rounds}_{i}"
        seen.add(call_id)
        block.tool_name = resolve_tool_name(block.tool_name, names)
        selections.append(ToolSelection(tool_id=call_id, tool_name=block.tool_name, tool_kwargs=kwargs))
    return selections
