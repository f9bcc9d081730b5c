"""The LLM part of a turn, held to the tool results: the tools it starts with, its attempts, its record.

``GroundedTurn.answer()`` runs the first attempt and, for an answer that is not grounded, a
corrective one that names the problems; it yields the events, then the grounded answer (a str), or
raises the last ``Ungrounded`` or the LLM's error. What it did goes into the turn's log record.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from pipelines.agent.answer_gate import AnswerGate, Ungrounded
from pipelines.agent.context import seed_tools, user_message
from pipelines.agent.grounding import Facts, describe, instructions
from pipelines.agent.llm import LLMChoice
from pipelines.agent.llm_turn import Attempt, run_attempt
from pipelines.agent.offline import OfflineTurn
from pipelines.agent.prompts import Profile, Prompts
from pipelines.agent.session import SessionState, fit_history
from pipelines.agent.translator import EventTranslator
from pipelines.agent.turnlog import TurnRecord
from pipelines.core.citations import Citations
from pipelines.core.events import AgentEvent, Notice
from pipelines.core.ports import SegmentSource
from pipelines.core.settings import Settings
from pipelines.core.text import estimate_tokens
from pipelines.intent.parser import Intent
from pipelines.planner.plan import MAX_DAYS
from pipelines.tools.turn_tools import RESULT_BUDGET_TOKENS, TripLimits, TurnTools

TOOL_SCHEMA_TOKENS = {"full": 700, "compact": 250}  # both tool schemas, measured with estimate_tokens
RESULT_BUDGET = {"full": RESULT_BUDGET_TOKENS, "compact": 1200}  # tool results a turn may add


@dataclass
class GroundedTurn:
    settings: Settings
    choice: LLMChoice
    prompts: Prompts
    profile: Profile
    index: SegmentSource
    text: str
    session: SessionState
    started: float  # the turn's clock: its wall-clock limit counts from here
    pre: OfflineTurn | None = None  # what retrieval first found (None: the model searches itself)
    request: Intent | None = None  # the trip asked for so far, this message included (its dates read)
    tools: TurnTools = field(init=False)
    translators: list[EventTranslator] = field(default_factory=list)
    calls: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    removed_citations: list[int] = field(default_factory=list)
    outcome: str = "llm"
    cut_short: bool = False  # the answer kept stopped at the token limit

    def __post_init__(self) -> None:
        self._instructions = ""  # set by answer(): what the answer must not copy
        if self.pre is not None:
            self.tools = seed_tools(self.index, self.session, self.pre, self.profile)
        else:  # the model plans itself, held to the trip asked for (its days, cities, dates and pace)
            limits = TripLimits.asked(self.request, self.session.itinerary)
            self.tools = TurnTools(self.index, known=Citations(hits=list(self.session.hits)), limits=limits)
        self.tools.result_budget = RESULT_BUDGET[self.profile]

    async def answer(self) -> AsyncIterator[AgentEvent | str]:
        system = self._system()
        user_msg = self._user_message()
        self._instructions = instructions(system, "、".join(self.index.cities()))
        history = self._history(system, user_msg)
        if self._system_in_user():  # the model has no system role: its rules open the message instead
            system, user_msg = "", f"{system}\n\n{user_msg}"
        first_call = len(self.pre.events) // 2 if self.pre else 0
        retries = self.settings.grounding_retries
        for attempt in range(1 + retries):
            translator = EventTranslator(self.started, first_call=first_call)
            self.translators.append(translator)
            # an answer must be about the data when this turn found hits or there is a plan (made, edited or
            # kept): gemma-3-270m answered a plan edit with 【訂閱】 and links, which no line rule names
            gate = AnswerGate(self.facts, self._needs_places, self._cut_note)
            # a corrective attempt answers from what the tools found; it searches only if they found nothing
            rounds = self.settings.max_tool_rounds if attempt == 0 or not self.tools.citations.hits else 0
            run = Attempt(
                self.settings, self.choice, system, self.tools, user_msg, history, translator, gate,
                deadline=self.started + self.settings.turn_timeout_s, tool_rounds=rounds,
                compact=self.profile == "compact", calls=self.calls,
            )  # fmt: skip
            try:
                async with contextlib.aclosing(run_attempt(run)) as events:
                    async for ev in events:
                        yield ev
            except Ungrounded as err:
                self.problems.append(describe(err.problems, 5))
                self.removed_citations += gate.removed_citations
                if attempt == retries:
                    raise
                if err.shown:
                    yield Notice(message=self.prompts.text("llm.notices.regrounding", why=describe(err.problems, 1)))
                first_call = translator.calls_made
                user_msg = f"{self._user_message()}\n\n{self._retry_text(err)}"
                if not system:
                    user_msg = f"{self._system()}\n\n{user_msg}"
                continue
            self.removed_citations += gate.removed_citations
            self.outcome = "llm" if attempt == 0 else "llm_retry"
            self.cut_short = translator.cut_short
            yield gate.answer
            return

    def _needs_places(self) -> bool:
        return bool(self.tools.citations.hits) or self.tools.itinerary is not None or self.session.itinerary is not None

    def facts(self) -> Facts:
        """What the answer may name: this turn's hits and plan (else the plan kept from earlier turns),
        places seen earlier in the session, and the trip length asked for."""
        known = [h.place for h in self.session.hits if h.place]
        if self.pre is not None:
            known += [h.place for h in self.pre.tools.citations.hits if h.place]
        itinerary = self.tools.itinerary or self.session.itinerary
        hits = list(self.tools.citations.hits)
        return Facts(
            hits=hits, itinerary=itinerary, known_places=known, days=self.tools.limits.days, prompt=self._instructions
        )

    def record(self, log: TurnRecord) -> None:
        """What the LLM part did, for the turn log."""
        log.tool_calls, log.prompt_profile = list(self.tools.records), self.profile
        log.problems, log.removed_citations = list(self.problems), list(self.removed_citations)
        log.cut_short = self.cut_short
        log.llm_rounds = sum(t.rounds for t in self.translators)
        log.prompt_tokens = _sum(t.prompt_tokens for t in self.translators)
        log.completion_tokens = _sum(t.completion_tokens for t in self.translators)
        log.prompt_tokens_est = _sum(c["prompt_tokens_est"] for c in self.calls)

    def _cut_note(self) -> str:
        """Said under an answer cut at the token limit: where the rest is."""
        plan = self.tools.itinerary or self.session.itinerary
        return self.prompts.text("llm.cut_note_plan" if plan is not None else "llm.cut_note")

    def _system(self) -> str:
        return self.prompts.system(
            self.profile,
            max_tool_rounds=self.settings.max_tool_rounds,
            max_days=MAX_DAYS,
            cities="、".join(self.index.cities()),
        )

    def _system_in_user(self) -> bool:
        if self.settings.system_in_user is not None:
            return self.settings.system_in_user
        return "gemma" in (self.choice.model or "").lower()

    def _user_message(self) -> str:
        return user_message(self.prompts, self.text, self.tools, self.session, self.pre, self.profile)

    def _retry_text(self, err: Ungrounded) -> str:
        days = self.facts().days
        hint = self.prompts.text("llm.retry_days", days=days) if days else ""
        return self.prompts.text("llm.retry", problems=describe(err.problems, 3), days=hint)

    def _history(self, system: str, user_msg: str) -> list[Any]:
        """History gets what the context window leaves after the fixed parts; the system prompt, tool
        schemas and this turn's data are always sent, so they are never the ones squeezed out."""
        from llama_index.core.llms import ChatMessage

        s = self.settings
        fixed = estimate_tokens(system) + estimate_tokens(user_msg) + TOOL_SCHEMA_TOKENS[self.profile]
        free = s.context_window - s.max_tokens - fixed - RESULT_BUDGET[self.profile]
        budget = max(0, min(s.memory_tokens, free))
        return [ChatMessage(role=t.role, content=t.content) for t in fit_history(self.session.history, budget)]


def _sum(values) -> int | None:
    present = [v for v in values if v is not None]
    return sum(present) if present else None
