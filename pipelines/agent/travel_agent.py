"""The travel agent: ``build_agent(settings, index)`` and ``TravelAgent.stream(message, session)``.

A turn streams AgentEvents and ends with exactly one FinalResult. With an LLM:

1. retrieval first: the offline agent runs the searches (and draft plan) the parsed request implies;
   the model gets them as data, so one call can answer (it may still search again or re-plan);
2. the model's text reaches the user only through the answer gate (nothing invented, citations
   that point at hits of this turn, the plan's day count); an ungrounded answer gets one corrective
   retry with the reasons;
3. an LLM failure, a timeout or a second ungrounded answer ends in the labelled offline answer with a
   zh-TW Notice; after repeated failures the backend is skipped for a while.

After a Notice, the text deltas that follow are a fresh answer: ``FinalResult.answer`` is always the
whole answer to keep. Closing the stream early (``aclose``) cancels the workflow and closes the
LLM's HTTP stream. The turn log says how the turn ended and why.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from pipelines.agent.answer_gate import Ungrounded
from pipelines.agent.context import choose_profile
from pipelines.agent.grounding import describe, warm_up
from pipelines.agent.health import BackendHealth
from pipelines.agent.llm import FirstTokenTimeout, LLMChoice, choose_llm, describe_error
from pipelines.agent.offline import OfflineAgent, OfflineTurn
from pipelines.agent.prompts import Prompts, load_prompts
from pipelines.agent.session import SessionState
from pipelines.agent.turnlog import TurnRecord, write_turn
from pipelines.core.events import AgentEvent, FinalResult, Notice, TextDelta, ToolFinished
from pipelines.core.models import Itinerary, SegmentHit
from pipelines.core.ports import SegmentSource
from pipelines.core.settings import Settings
from pipelines.core.text import clean_input
from pipelines.intent.parser import merge_intent, parse_request

log = logging.getLogger(__name__)


@dataclass
class _Turn:
    """A turn in progress: its clock, its log record (filled as it goes) and its final result."""

    started: float
    log: TurnRecord
    final: FinalResult | None = None


class TravelAgent:
    def __init__(
        self,
        settings: Settings,
        index: SegmentSource,
        choice: LLMChoice,
        prompts: Prompts,
        health: BackendHealth | None = None,
    ):
        self.settings, self.index, self.choice, self.prompts = settings, index, choice, prompts
        self.offline = OfflineAgent(index, prompts)
        self.profile = choose_profile(settings, choice.model)
        self.health = health or BackendHealth(
            settings.llm_failures_to_skip, settings.llm_skip_s, settings.llm_max_skip_s
        )

    @property
    def backend(self) -> str:
        return self.choice.backend

    @property
    def model(self) -> str | None:
        return self.choice.model

    @property
    def reason(self) -> str:
        return self.choice.reason

    def health_status(self) -> dict[str, Any] | None:
        """The LLM backend's health for /ready and the header (None when there is no LLM)."""
        return None if self.backend == "offline" else self.health.status()

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
            turn.log.error = turn.log.outcome = "invalid_message"
            async for ev in self._say(problem, session, turn, error="invalid_message"):
                yield ev
            return
        if self.backend == "offline":
            turn.log.outcome = "offline"
            async for ev in self._offline(text, session, turn):
                yield ev
            return
        if skipped := await self._skipped():
            turn.log.outcome, turn.log.fallback, turn.log.error = "skipped", True, "backend_skipped"
            yield Notice(message=self.prompts.text("notices.fallback", why=skipped))
            async for ev in self._offline(text, session, turn, error=skipped):
                yield ev
            return
        kept = (session.itinerary, list(session.hits))
        pre: OfflineTurn | None = None
        if self.settings.retrieval_first:
            try:
                pre = await asyncio.to_thread(self.offline.answer, text, session)
                turn.log.retrieval_first, turn.log.retrieval_calls = True, len(pre.tools.records)
            except Exception:  # a bug in the offline agent must not cost the turn: the model searches itself
                log.exception("retrieval first failed")
        if pre is not None:
            request = pre.request
        else:  # dates read as the offline agent reads them (「這週六」 counts from Taiwan's today)
            request = merge_intent(session.request, parse_request(text, self.index.cities(), self.offline.today()))
        from pipelines.agent.grounded_turn import GroundedTurn  # llama-index: loaded by build_agent with an LLM

        llm = GroundedTurn(
            self.settings, self.choice, self.prompts, self.profile, self.index, text, session, turn.started, pre,
            request,
        )  # fmt: skip
        tools = llm.tools
        _sync_session(session, tools.citations.hits, tools.itinerary)  # retrieval first: shown with its steps
        for ev in pre.events if pre else []:
            yield ev
        failure = answer = None
        try:
            async with contextlib.aclosing(llm.answer()) as events:  # closing the turn closes the HTTP stream
                async for ev in events:
                    if isinstance(ev, str):
                        answer = ev
                        continue
                    if isinstance(ev, ToolFinished) and ev.ok:  # the UI shows hits and plan as soon as they exist
                        _sync_session(session, tools.citations.hits, tools.itinerary)
                    yield ev
        except Ungrounded as err:
            why = describe(err.problems, 2)
            failure, turn.log.error = self.prompts.text("llm.notices.ungrounded", why=why), "ungrounded"
        except Exception as err:  # any LLM/transport failure: the offline agent finishes the turn
            log.warning("LLM turn failed (%s): %r", self.backend, err)
            failure, turn.log.error = self._failure_text(err), f"{type(err).__name__}: {err}"[:500]
            if not isinstance(err, UnicodeError):  # the message, not the backend
                self.health.record_failure(failure)
        llm.record(turn.log)
        if failure is not None or answer is None:
            turn.log.outcome, turn.log.fallback = "fallback", True
            session.itinerary, session.hits = kept
            yield Notice(message=self.prompts.text("notices.fallback", why=failure or "語言模型沒有給出可用的回答"))
            async for ev in self._offline(text, session, turn, error=failure, pre=pre):
                yield ev
            return
        self.health.record_success()
        turn.log.outcome = llm.outcome
        session.request = request
        if tools.itinerary is not None and session.request:
            session.request.days = len(tools.itinerary.days)
        yield self._finish(turn, session, text, answer, tools.citations.hits, tools.itinerary)

    async def _offline(
        self, text: str, session: SessionState, turn: _Turn, error: str | None = None, pre: OfflineTurn | None = None
    ) -> AsyncIterator[AgentEvent]:
        """The offline agent's answer; ``pre`` (retrieval first already ran it) is reused, not run again."""
        result = pre or await asyncio.to_thread(self.offline.answer, text, session)
        for ev in result.events if pre is None else []:
            if isinstance(ev, ToolFinished) and ev.ok:
                plan = result.itinerary if ev.name == "plan_itinerary" else None
                _sync_session(session, result.citations.hits, plan)
            yield ev
        for line in result.answer.splitlines(keepends=True):
            yield TextDelta(delta=line)
        if pre is None:
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
    async def _skipped(self) -> str | None:
        """Why the LLM is skipped this turn (zh-TW), or None to try it. After a skip, probe first."""
        health = self.health
        if not health.should_skip() and health.due_for_probe() and self.choice.probe is not None:
            probe = await asyncio.to_thread(self.choice.probe)
            if not probe.ok:
                health.record_failure(probe.detail)
        if not health.should_skip():
            return None
        return self.prompts.text(
            "llm.notices.skipped", failures=health.failures, seconds=f"{max(1, round(health.retry_in_s()))}"
        )

    def _check_message(self, text: str) -> str | None:
        if not text:
            return self.prompts.text("notices.empty_message")
        if len(text) > self.settings.max_message_chars:
            return self.prompts.text("notices.message_too_long", n=len(text), max=self.settings.max_message_chars)
        return None

    def _failure_text(self, err: BaseException) -> str:
        from pipelines.agent.llm_turn import TurnTimeout  # an LLM turn failed: already imported

        if isinstance(err, TurnTimeout):
            return self.prompts.text("notices.turn_timeout", seconds=f"{err.seconds:g}")
        if isinstance(err, FirstTokenTimeout):
            return self.prompts.text("llm.notices.first_token", seconds=f"{err.seconds:g}")
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


def _sync_session(session: SessionState, hits: list, itinerary) -> None:
    if hits:
        session.hits = list(hits)
    if itinerary is not None:
        session.itinerary = itinerary


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 1)


def build_agent(settings: Settings, index: SegmentSource) -> TravelAgent:
    """The agent for these settings: backend chosen (and probed, for ``auto``) once, here."""
    agent = TravelAgent(settings, index, choose_llm(settings), load_prompts(settings.prompts_dir))
    if agent.backend != "offline":
        import pipelines.agent.grounded_turn  # noqa: F401 - the LLM turn and llama-index, before a turn waits on them

        warm_up()  # the answer gate's word splitter, loaded before a turn waits on it
    return agent


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
