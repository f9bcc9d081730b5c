"""The travel agent: ``build_agent(settings, index)`` and ``TravelAgent.stream(message, session)``.

A turn streams AgentEvents and ends with exactly one FinalResult. With an LLM it runs a LlamaIndex
FunctionAgent over our tools; if the LLM fails, times out or answers with nothing usable, a zh-TW
Notice says so and the offline planner finishes the turn. After a Notice, the text deltas that
follow are a fresh answer: ``FinalResult.answer`` is always the whole answer to keep.
Closing the stream early (``aclose``) cancels the workflow and closes the LLM's HTTP stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pipelines.agent_tools import RESULT_BUDGET_TOKENS, TurnTools
from pipelines.agent_workflow import AiyoFunctionAgent, Done, EventTranslator, Failed, pump_events, stop_run
from pipelines.citations import Citations
from pipelines.events import AgentEvent, FinalResult, Notice, TextDelta, ToolCallRecord, ToolFinished
from pipelines.intent import merge_intent, parse_request
from pipelines.itinerary import MAX_DAYS
from pipelines.llm import LLMChoice, aclose_llm, choose_llm, describe_error
from pipelines.offline import OfflinePlanner, OfflineTurn
from pipelines.prompts import Prompts, load_prompts
from pipelines.session import SessionState, estimate_tokens, fit_history, state_note
from pipelines.settings import Settings
from pipelines.toolcall_text import may_be_tool_call
from pipelines.turnlog import TurnRecord, write_turn

if TYPE_CHECKING:
    from pipelines.retrieval import SegmentIndex

log = logging.getLogger(__name__)

TOOL_SCHEMA_TOKENS = 700  # both tool schemas, measured with estimate_tokens
PLAN_RESULT_TOKENS = 800  # a plan_itinerary result (not counted in the search budget)


@dataclass
class _Turn:
    """What a turn did, for the FinalResult and the turn log."""

    started: float
    records: list[ToolCallRecord] = field(default_factory=list)
    final: FinalResult | None = None
    ttft_ms: float | None = None
    rounds: int = 0
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    error: str | None = None
    fallback: bool = False


class TravelAgent:
    def __init__(self, settings: Settings, index: SegmentIndex, choice: LLMChoice, prompts: Prompts):
        self.settings, self.index, self.choice, self.prompts = settings, index, choice, prompts
        self.offline = OfflinePlanner(index, prompts)

    @property
    def backend(self) -> str:
        return self.choice.backend

    @property
    def model(self) -> str | None:
        return self.choice.model

    @property
    def reason(self) -> str:
        return self.choice.reason

    async def stream(self, message: str, session: SessionState) -> AsyncIterator[AgentEvent]:
        turn = _Turn(started=time.perf_counter())
        inner = self._turn(message, session, turn)
        try:
            async for ev in inner:
                if isinstance(ev, TextDelta) and turn.ttft_ms is None:
                    turn.ttft_ms = _ms(turn.started)
                yield ev
        except GeneratorExit:
            turn.error = turn.error or "cancelled"
            raise
        finally:
            await inner.aclose()
            self._log(message, session, turn)

    # --- one turn ------------------------------------------------------------------------------------
    async def _turn(self, message: str, session: SessionState, turn: _Turn) -> AsyncIterator[AgentEvent]:
        text = message.strip() if isinstance(message, str) else ""
        if problem := self._check_message(text):
            turn.error = "invalid_message"
            async for ev in self._say(problem, session, turn, error="invalid_message"):
                yield ev
            return
        if self.backend == "offline":
            async for ev in self._offline(text, session, turn):
                yield ev
            return
        failure: str | None = None
        tools = TurnTools(self.index, known=Citations(hits=list(session.hits)))
        translator = EventTranslator(turn.started)
        try:
            async with contextlib.aclosing(self._llm(text, session, tools, translator)) as events:
                async for ev in events:
                    if isinstance(ev, ToolFinished) and ev.ok:  # the UI shows hits and plan as soon as they exist
                        _sync_session(session, tools.citations.hits, tools.itinerary)
                    yield ev
        except Exception as err:  # any LLM/transport failure: the offline planner finishes the turn
            log.warning("LLM turn failed (%s): %r", self.backend, err)
            failure = self._failure_text(err)
            turn.error = f"{type(err).__name__}: {err}"[:500]
        turn.records, turn.rounds = list(tools.records), translator.rounds
        turn.prompt_tokens, turn.completion_tokens = translator.prompt_tokens, translator.completion_tokens
        answer = translator.answer
        if failure is None and (not answer or may_be_tool_call(answer)):
            failure, turn.error = "語言模型沒有給出可用的回答", "empty_or_unparsed_answer"
        if failure is not None:
            turn.fallback = True
            yield Notice(message=self.prompts.text("notices.fallback", why=failure))
            async for ev in self._offline(text, session, turn, error=failure):
                yield ev
            return
        final = FinalResult(
            answer=answer,
            backend=self.backend,
            model=self.model,
            tool_calls=turn.records,
            hits=tools.citations.hits,
            itinerary=tools.itinerary,
            timings=self._timings(turn),
        )
        self._update_session(session, text, final)
        if tools.itinerary is not None or final.hits:
            session.request = merge_intent(session.request, parse_request(text, self.index.cities()))
            if tools.itinerary is not None and session.request:
                session.request.days = len(tools.itinerary.days)
        turn.final = final
        yield final

    async def _llm(
        self, text: str, session: SessionState, tools: TurnTools, translator: EventTranslator
    ) -> AsyncIterator[AgentEvent]:
        """Run the FunctionAgent; events are pumped through a queue so the wall-clock limit never
        cancels the consumer's task, and closing this generator cancels the workflow."""
        from llama_index.core.llms import ChatMessage

        llm = self.choice.new_llm()
        system = self._system_prompt(session)
        budget = self._history_budget(system)
        history = [ChatMessage(role=t.role, content=t.content) for t in fit_history(session.history, budget)]
        workflow = AiyoFunctionAgent(
            name="aiyo",
            description="AIYO travel agent",
            llm=llm,
            tools=tools.function_tools(),
            system_prompt=system,
            max_tool_rounds=self.settings.max_tool_rounds,
            streaming=True,
            timeout=None,
        )
        handler = workflow.run(user_msg=text, chat_history=history, max_iterations=self.settings.max_tool_rounds + 2)
        queue: asyncio.Queue[Any] = asyncio.Queue()
        pump = asyncio.create_task(pump_events(handler, queue))
        deadline = translator.started + self.settings.turn_timeout_s
        try:
            while True:
                remaining = deadline - time.perf_counter()
                try:
                    item = await asyncio.wait_for(queue.get(), timeout=max(remaining, 0.001))
                except TimeoutError:
                    raise TurnTimeout(self.settings.turn_timeout_s) from None
                if isinstance(item, Done):
                    return
                if isinstance(item, Failed):
                    raise item.error
                for ev in translator.feed(item):
                    yield ev
        finally:
            await stop_run(handler, pump)
            await aclose_llm(llm)

    async def _offline(
        self, text: str, session: SessionState, turn: _Turn, error: str | None = None
    ) -> AsyncIterator[AgentEvent]:
        result: OfflineTurn = await asyncio.to_thread(self.offline.answer, text, session)
        for ev in result.events:
            if isinstance(ev, ToolFinished) and ev.ok:
                plan = result.itinerary if ev.name == "plan_itinerary" else None
                _sync_session(session, result.citations.hits, plan)
            yield ev
        for line in result.answer.splitlines(keepends=True):
            yield TextDelta(delta=line)
        turn.records = turn.records + result.tools.records
        final = FinalResult(
            answer=result.answer,
            backend="offline",
            model=None,
            tool_calls=turn.records,
            hits=result.citations.hits,
            itinerary=result.itinerary,
            timings=self._timings(turn),
            error=error,
        )
        self._update_session(session, text, final)
        session.request = result.request
        turn.final = final
        yield final

    async def _say(self, answer: str, session: SessionState, turn: _Turn, error: str) -> AsyncIterator[AgentEvent]:
        yield TextDelta(delta=answer)
        turn.final = FinalResult(
            answer=answer, backend=self.backend, model=self.model, timings=self._timings(turn), error=error
        )
        yield turn.final

    # --- helpers -------------------------------------------------------------------------------------
    def _check_message(self, text: str) -> str | None:
        if not text:
            return self.prompts.text("notices.empty_message")
        if len(text) > self.settings.max_message_chars:
            return self.prompts.text("notices.message_too_long", n=len(text), max=self.settings.max_message_chars)
        return None

    def _system_prompt(self, session: SessionState) -> str:
        base = self.prompts.system(
            max_tool_rounds=self.settings.max_tool_rounds, max_days=MAX_DAYS, cities="、".join(self.index.cities())
        )
        note = state_note(session)
        return f"{base}\n{note}" if note else base

    def _history_budget(self, system: str) -> int:
        """History gets what the context window leaves after the fixed parts; system prompt and tool
        schemas are always sent, so they are never the ones squeezed out."""
        s = self.settings
        free = (
            s.context_window
            - s.max_tokens
            - estimate_tokens(system)
            - TOOL_SCHEMA_TOKENS
            - RESULT_BUDGET_TOKENS
            - PLAN_RESULT_TOKENS
        )
        return max(0, min(s.memory_tokens, free))

    def _failure_text(self, err: BaseException) -> str:
        if isinstance(err, TurnTimeout):
            return self.prompts.text("notices.turn_timeout", seconds=f"{err.seconds:g}")
        return describe_error(err, self.choice)

    def _update_session(self, session: SessionState, text: str, final: FinalResult) -> None:
        if final.itinerary is not None:
            session.itinerary = final.itinerary
        if final.hits:
            session.hits = list(final.hits)
        session.remember(text, final.answer, self.settings.memory_tokens)

    def _timings(self, turn: _Turn) -> dict[str, float]:
        timings = {"total_ms": _ms(turn.started)}
        if turn.ttft_ms is not None:
            timings["ttft_ms"] = turn.ttft_ms
        return timings

    def _log(self, message: str, session: SessionState, turn: _Turn) -> None:
        final = turn.final
        record = TurnRecord(
            session_id=session.session_id,
            input=message if isinstance(message, str) else repr(message),
            backend=final.backend if final else self.backend,
            model=final.model if final else self.model,
            tool_calls=turn.records,
            llm_rounds=turn.rounds,
            ttft_ms=turn.ttft_ms,
            total_ms=_ms(turn.started),
            prompt_tokens=turn.prompt_tokens,
            completion_tokens=turn.completion_tokens,
            error=turn.error,
            fallback=turn.fallback,
        )
        write_turn(self.settings.logs_dir, record)


class TurnTimeout(TimeoutError):
    def __init__(self, seconds: float):
        super().__init__(f"turn took longer than {seconds:g} s")
        self.seconds = seconds


def _sync_session(session: SessionState, hits: list, itinerary) -> None:
    if hits:
        session.hits = list(hits)
    if itinerary is not None:
        session.itinerary = itinerary


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 1)


def build_agent(settings: Settings, index: SegmentIndex) -> TravelAgent:
    """The agent for these settings: backend chosen (and probed, for ``auto``) once, here."""
    return TravelAgent(settings, index, choose_llm(settings), load_prompts(settings.prompts_dir))


def run_turn(agent: TravelAgent, message: str, session: SessionState) -> FinalResult:
    """Run one turn to completion (CLI, tests); works whether or not an event loop is running."""

    async def consume() -> FinalResult:
        final: FinalResult | None = None
        async for ev in agent.stream(message, session):
            if isinstance(ev, FinalResult):
                final = ev
        assert final is not None, "an agent turn always ends with a FinalResult"
        return final

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(consume())
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, consume()).result()
