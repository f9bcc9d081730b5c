"""One LLM attempt of a turn: the FunctionAgent run, its clocks, and the answer gate.

Events are pumped out of the workflow through a queue, so the limits never cancel the consumer's
task: the turn's wall-clock limit is checked before every event (a model that streams forever
still stops on time), and a call that has streamed nothing after ``first_token_timeout_s`` is given
up. Text reaches the caller only through the answer gate. Closing the generator cancels the
workflow and closes the LLM's HTTP stream.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from pipelines.agent.answer_gate import AnswerGate
from pipelines.agent.llm import FirstTokenTimeout, LLMChoice, aclose_llm, set_thinking
from pipelines.agent.translator import Done, EventTranslator, Failed, pump_events, stop_run
from pipelines.agent.workflow import AiyoFunctionAgent
from pipelines.core.events import AgentEvent, TextDelta
from pipelines.core.settings import Settings
from pipelines.core.text import estimate_tokens
from pipelines.tools.turn_tools import TurnTools


class TurnTimeout(TimeoutError):
    def __init__(self, seconds: float):
        super().__init__(f"turn took longer than {seconds:g} s")
        self.seconds = seconds


@dataclass
class Attempt:
    """What one LLM attempt needs; ``calls`` collects the per-call estimates of every attempt."""

    settings: Settings
    choice: LLMChoice
    system: str
    tools: TurnTools
    user_msg: str
    history: list[Any]
    translator: EventTranslator
    gate: AnswerGate
    deadline: float  # time.perf_counter() by which the turn must end
    tool_rounds: int
    compact: bool = False
    calls: list[dict[str, Any]] = field(default_factory=list)


async def run_attempt(run: Attempt) -> AsyncIterator[AgentEvent]:
    """Stream one attempt: tool steps as they happen, text as the gate lets it through. Raises the
    LLM's error, ``TurnTimeout``, ``FirstTokenTimeout`` or the gate's ``Ungrounded``."""
    llm = run.choice.new_llm()
    thinking = run.choice.thinking
    workflow = AiyoFunctionAgent(
        name="aiyo",
        description="AIYO travel agent",
        llm=llm,
        tools=run.tools.function_tools(compact=run.compact),
        system_prompt=run.system or None,
        max_tool_rounds=run.tool_rounds,
        max_reply_chars=run.settings.max_reply_chars,
        max_tool_args_chars=run.settings.max_tool_args_chars,
        set_thinking=lambda model, no_tools: set_thinking(model, thinking and no_tools),
        on_unknown_tool=run.tools.record_unknown,
        streaming=True,
        timeout=None,
    )
    handler = workflow.run(
        user_msg=run.user_msg,
        chat_history=list(run.history),
        memory=_memory(run.settings.context_window),
        max_iterations=run.tool_rounds + 2,
    )
    queue: asyncio.Queue[Any] = asyncio.Queue()
    pump = asyncio.create_task(pump_events(handler, queue))
    try:
        while True:
            item = await _next(queue, run, workflow)
            if isinstance(item, Done):
                break
            if isinstance(item, Failed):
                raise item.error
            for ev in run.translator.feed(item):
                if not isinstance(ev, TextDelta):
                    yield ev
                elif shown := run.gate.feed(ev.delta):
                    yield TextDelta(delta=shown)
        if rest := run.gate.finish(cut=run.translator.cut_short):
            yield TextDelta(delta=rest)
    finally:
        run.calls += workflow.calls
        await stop_run(handler, pump)
        await aclose_llm(llm)


def _memory(context_window: int) -> Any:
    """The run's memory, counting tokens with our estimate: LlamaIndex's default loads tiktoken (seconds,
    on the first turn) to trim a history we have already fitted to the context window."""
    from llama_index.core.memory import ChatMemoryBuffer

    return ChatMemoryBuffer.from_defaults(token_limit=2 * context_window, tokenizer_fn=_token_list)


def _token_list(text: str) -> list[int]:
    return [0] * estimate_tokens(text)


async def _next(queue: asyncio.Queue[Any], run: Attempt, workflow: AiyoFunctionAgent) -> Any:
    """The next workflow event, or the timeout that came first. The turn's deadline is checked even
    when events are already queued (``wait_for`` returns a queued item however late it is)."""
    limit = run.settings.first_token_timeout_s
    while True:
        now = time.perf_counter()
        if now >= run.deadline:
            raise TurnTimeout(run.settings.turn_timeout_s)
        wait = run.deadline - now
        translator = run.translator
        if translator.awaiting_first_token and workflow.streaming:
            left = translator.round_started + limit - now
            if left <= 0:
                raise FirstTokenTimeout(limit)
            wait = min(wait, left)
        try:
            return await asyncio.wait_for(queue.get(), timeout=wait)
        except TimeoutError:
            continue
