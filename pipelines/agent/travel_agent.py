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

from pipelines.agent.answer_gate import AnswerGate, Ungrounded
from pipelines.agent.context import choose_profile, seed_tools, user_message
from pipelines.agent.grounding import Facts, describe
from pipelines.agent.health import BackendHealth
from pipelines.agent.llm import FirstTokenTimeout, LLMChoice, choose_llm, describe_error
from pipelines.agent.llm_turn import Attempt, TurnTimeout, run_attempt
from pipelines.agent.offline import OfflineAgent, OfflineTurn
from pipelines.agent.prompts import Prompts, load_prompts
from pipelines.agent.session import SessionState, fit_history
from pipelines.agent.translator import EventTranslator
from pipelines.agent.turnlog import TurnRecord, write_turn
from pipelines.core.citations import Citations
from pipelines.core.events import AgentEvent, FinalResult, Notice, TextDelta, ToolFinished
from pipelines.core.models import Itinerary, SegmentHit
from pipelines.core.ports import SegmentSource
from pipelines.core.settings import Settings
from pipelines.core.text import estimate_tokens
from pipelines.intent.parser import merge_intent, parse_request
from pipelines.planner.plan import MAX_DAYS
from pipelines.tools.turn_tools import RESULT_BUDGET_TOKENS, TripLimits, TurnTools

log = logging.getLogger(__name__)

TOOL_SCHEMA_TOKENS = {"full": 700, "compact": 250}  # both tool schemas, measured with estimate_tokens
RESULT_BUDGET = {"full": RESULT_BUDGET_TOKENS, "compact": 1200}  # tool results a turn may add


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
            pre = await asyncio.to_thread(self.offline.answer, text, session)
            turn.log.retrieval_first = True
            tools = seed_tools(self.index, session, pre, self.profile)
            _sync_session(session, tools.citations.hits, tools.itinerary)  # the UI shows them with the steps
            for ev in pre.events:
                yield ev
        else:
            tools = TurnTools(self.index, known=Citations(hits=list(session.hits)), limits=self._limits(text, session))
        tools.result_budget = RESULT_BUDGET[self.profile]
        translators: list[EventTranslator] = []
        calls: list[dict[str, Any]] = []
        failure = answer = None
        try:
            attempts = self._attempts(text, session, turn, tools, pre, translators, calls)
            async with contextlib.aclosing(attempts):  # closing the turn closes the HTTP stream, now
                async for ev in attempts:
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
            if not isinstance(err, UnicodeError):
                self.health.record_failure(failure)
        self._count(turn, tools, translators, calls)
        if failure is not None or answer is None:
            turn.log.outcome, turn.log.fallback = "fallback", True
            session.itinerary, session.hits = kept
            yield Notice(message=self.prompts.text("notices.fallback", why=failure or "語言模型沒有給出可用的回答"))
            async for ev in self._offline(text, session, turn, error=failure, pre=pre):
                yield ev
            return
        self.health.record_success()
        asked = parse_request(text, self.index.cities())
        session.request = pre.request if pre is not None else merge_intent(session.request, asked)
        if tools.itinerary is not None and session.request:
            session.request.days = len(tools.itinerary.days)
        yield self._finish(turn, session, text, answer, tools.citations.hits, tools.itinerary)

    async def _attempts(
        self, text, session, turn, tools: TurnTools, pre, translators: list[EventTranslator], calls: list
    ) -> AsyncIterator[AgentEvent | str]:
        """The first attempt and, for an ungrounded answer, the corrective ones; yields the events, then
        the grounded answer (a str). Raises the last ``Ungrounded`` or the LLM's error."""
        system = self.prompts.system(
            self.profile,
            max_tool_rounds=self.settings.max_tool_rounds,
            max_days=MAX_DAYS,
            cities="、".join(self.index.cities()),
        )
        user_msg = user_message(self.prompts, text, tools, session, pre, self.profile)
        history = self._history(session, system, user_msg)
        first_call = len(pre.events) // 2 if pre else 0
        for attempt in range(1 + self.settings.grounding_retries):
            translator = EventTranslator(turn.started, first_call=first_call)
            translators.append(translator)
            gate = AnswerGate(lambda: self._facts(tools, session, pre), lambda: bool(tools.citations.hits))
            rounds = self.settings.max_tool_rounds if attempt == 0 or not tools.citations.hits else 0
            run = Attempt(
                self.settings, self.choice, system, tools, user_msg, history, translator, gate,
                deadline=turn.started + self.settings.turn_timeout_s, tool_rounds=rounds,
                compact=self.profile == "compact", calls=calls,
            )  # fmt: skip
            try:
                async with contextlib.aclosing(run_attempt(run)) as events:
                    async for ev in events:
                        yield ev
            except Ungrounded as err:
                turn.log.problems.append(describe(err.problems, 5))
                turn.log.removed_citations += gate.removed_citations
                if attempt == self.settings.grounding_retries:
                    raise
                if err.shown:
                    yield Notice(message=self.prompts.text("llm.notices.regrounding", why=describe(err.problems, 1)))
                first_call = translator.calls_made
                retry = self._retry_text(err, tools, session, pre)
                user_msg = f"{user_message(self.prompts, text, tools, session, pre, self.profile)}\n\n{retry}"
                continue
            turn.log.removed_citations += gate.removed_citations
            turn.log.outcome = "llm" if attempt == 0 else "llm_retry"
            yield gate.answer
            return

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

    def _limits(self, text: str, session: SessionState) -> TripLimits:
        request = merge_intent(session.request, parse_request(text, self.index.cities()))
        return TripLimits(days=request.days, cities=tuple(request.cities))

    def _facts(self, tools: TurnTools, session: SessionState, pre: OfflineTurn | None) -> Facts:
        known = [h.place for h in session.hits if h.place]
        if pre is not None:
            known += [h.place for h in pre.tools.citations.hits if h.place]
        itinerary = tools.itinerary or session.itinerary
        return Facts(hits=list(tools.citations.hits), itinerary=itinerary, known_places=known, days=tools.limits.days)

    def _retry_text(self, err: Ungrounded, tools: TurnTools, session: SessionState, pre) -> str:
        days = self._facts(tools, session, pre).days
        hint = self.prompts.text("llm.retry_days", days=days) if days else ""
        return self.prompts.text("llm.retry", problems=describe(err.problems, 3), days=hint)

    def _history(self, session: SessionState, system: str, user_msg: str) -> list[Any]:
        """History gets what the context window leaves after the fixed parts; the system prompt, tool
        schemas and this turn's data are always sent, so they are never the ones squeezed out."""
        from llama_index.core.llms import ChatMessage

        s = self.settings
        fixed = estimate_tokens(system) + estimate_tokens(user_msg) + TOOL_SCHEMA_TOKENS[self.profile]
        free = s.context_window - s.max_tokens - fixed - RESULT_BUDGET[self.profile]
        budget = max(0, min(s.memory_tokens, free))
        return [ChatMessage(role=t.role, content=t.content) for t in fit_history(session.history, budget)]

    def _failure_text(self, err: BaseException) -> str:
        if isinstance(err, TurnTimeout):
            return self.prompts.text("notices.turn_timeout", seconds=f"{err.seconds:g}")
        if isinstance(err, FirstTokenTimeout):
            return self.prompts.text("llm.notices.first_token", seconds=f"{err.seconds:g}")
        return describe_error(err, self.choice)

    def _count(self, turn: _Turn, tools: TurnTools, translators: list[EventTranslator], calls: list) -> None:
        log_ = turn.log
        log_.tool_calls, log_.prompt_profile = list(tools.records), self.profile
        log_.llm_rounds = sum(t.rounds for t in translators)
        reported = [t.prompt_tokens for t in translators if t.prompt_tokens is not None]
        log_.prompt_tokens = sum(reported) if reported else None
        done = [t.completion_tokens for t in translators if t.completion_tokens is not None]
        log_.completion_tokens = sum(done) if done else None
        log_.prompt_tokens_est = sum(c["prompt_tokens_est"] for c in calls) if calls else None

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
