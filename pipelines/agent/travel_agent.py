"""The travel agent: ``build_agent(settings, index)`` and ``TravelAgent.stream(message, session)``.

A turn streams AgentEvents and ends with exactly one FinalResult. With an LLM it runs a LlamaIndex
FunctionAgent over our tools; if the LLM fails, times out or answers with nothing usable, a zh-TW
Notice says so and the offline agent finishes the turn. After a Notice, the text deltas that
follow are a fresh answer: ``FinalResult.answer`` is always the whole answer to keep.
Closing the stream early (``aclose``) cancels the workflow and closes the LLM's HTTP stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from pipelines.agent.llm import LLMChoice, aclose_llm, choose_llm, describe_error
from pipelines.agent.offline import OfflineAgent, OfflineTurn
from pipelines.agent.prompts import Prompts, load_prompts
from pipelines.agent.session import SessionState, fit_history, state_note
from pipelines.agent.text_tool_calls import may_be_tool_call
from pipelines.agent.turnlog import TurnRecord, write_turn
from pipelines.agent.workflow import AiyoFunctionAgent, Done, EventTranslator, Failed, pump_events, stop_run
from pipelines.core.citations import Citations
from pipelines.core.events import AgentEvent, FinalResult, Notice, TextDelta, ToolFinished
from pipelines.core.models import Itinerary, SegmentHit
from pipelines.core.ports import SegmentSource
from pipelines.core.settings import Settings
from pipelines.core.text import clean_input, estimate_tokens
from pipelines.intent.parser import merge_intent, parse_request
from pipelines.planner.plan import MAX_DAYS
from pipelines.tools.turn_tools import RESULT_BUDGET_TOKENS, TurnTools

log = logging.getLogger(__name__)

TOOL_SCHEMA_TOKENS = 700  # both tool schemas, measured with estimate_tokens
PLAN_RESULT_TOKENS = 800  # a plan_itinerary result (not counted in the search budget)


@dataclass
class _Turn:
    """A turn in progress: its clock, its log record (filled as it goes) and its final result."""

    started: float
    log: TurnRecord
    final: FinalResult | None = None


class TravelAgent:
    def __init__(self, settings: Settings, index: SegmentSource, choice: LLMChoice, prompts: Prompts):
        self.settings, self.index, self.choice, self.prompts = settings, index, choice, prompts
        self.offline = OfflineAgent(index, prompts)

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
        if isinstance(message, str):
            message = clean_input(message)  # the agent's own edge: lone surrogates and invisible characters go
        turn = _Turn(
            started=time.perf_counter(),
            log=TurnRecord(
                session_id=session.session_id,
                input=message if isinstance(message, str) else repr(message),
                backend=self.backend,
                model=self.model,
            ),
        )
        inner = self._turn(message, session, turn)
        try:
            async for ev in inner:
                if isinstance(ev, TextDelta) and turn.log.ttft_ms is None:
                    turn.log.ttft_ms = _ms(turn.started)
                yield ev
        except GeneratorExit:
            turn.log.error = turn.log.error or "cancelled"
            raise
        finally:
            await inner.aclose()
            self._log(turn)

    # --- one turn ------------------------------------------------------------------------------------
    async def _turn(self, message: str, session: SessionState, turn: _Turn) -> AsyncIterator[AgentEvent]:
        text = message.strip() if isinstance(message, str) else ""
        if problem := self._check_message(text):
            turn.log.error = "invalid_message"
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
        except Exception as err:  # any LLM/transport failure: the offline agent finishes the turn
            log.warning("LLM turn failed (%s): %r", self.backend, err)
            failure = self._failure_text(err)
            turn.log.error = f"{type(err).__name__}: {err}"[:500]
        turn.log.tool_calls, turn.log.llm_rounds = list(tools.records), translator.rounds
        turn.log.prompt_tokens, turn.log.completion_tokens = translator.prompt_tokens, translator.completion_tokens
        answer = translator.answer
        if failure is None and (not answer or may_be_tool_call(answer)):
            failure, turn.log.error = "語言模型沒有給出可用的回答", "empty_or_unparsed_answer"
        if failure is not None:
            turn.log.fallback = True
            yield Notice(message=self.prompts.text("notices.fallback", why=failure))
            async for ev in self._offline(text, session, turn, error=failure):
                yield ev
            return
        if tools.itinerary is not None or tools.citations.hits:
            session.request = merge_intent(session.request, parse_request(text, self.index.cities()))
            if tools.itinerary is not None and session.request:
                session.request.days = len(tools.itinerary.days)
        yield self._finish(turn, session, text, answer, tools.citations.hits, tools.itinerary)

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
        turn.log.tool_calls = turn.log.tool_calls + result.tools.records
        session.request = result.request
        yield self._finish(
            turn, session, text, result.answer, result.citations.hits, result.itinerary, error=error, offline=True
        )

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

    def _finish(
        self,
        turn: _Turn,
        session: SessionState,
        text: str,
        answer: str,
        hits: list[SegmentHit],
        itinerary: Itinerary | None,
        error: str | None = None,
        offline: bool = False,
    ) -> FinalResult:
        """The turn's one FinalResult; the session remembers its plan, hits and the exchange."""
        final = FinalResult(
            answer=answer,
            backend="offline" if offline else self.backend,
            model=None if offline else self.model,
            tool_calls=turn.log.tool_calls,
            hits=hits,
            itinerary=itinerary,
            timings=self._timings(turn),
            error=error,
        )
        if itinerary is not None:
            session.itinerary = itinerary
        if hits:
            session.hits = list(hits)
        session.remember(text, answer, self.settings.memory_tokens)
        turn.final = final
        return final

    def _timings(self, turn: _Turn) -> dict[str, float]:
        timings = {"total_ms": _ms(turn.started)}
        if turn.log.ttft_ms is not None:
            timings["ttft_ms"] = turn.log.ttft_ms
        return timings

    def _log(self, turn: _Turn) -> None:
        if turn.final is not None:
            turn.log.backend, turn.log.model = turn.final.backend, turn.final.model
        turn.log.total_ms = _ms(turn.started)
        write_turn(self.settings.logs_dir, turn.log)


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


def build_agent(settings: Settings, index: SegmentSource) -> TravelAgent:
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
