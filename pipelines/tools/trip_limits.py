"""What the traveller asked for, as limits on the model's tool calls (issue 10).

The intent parser reads the trip from the words (「台南兩天一夜」「12/19 出發」「輕鬆一點」); a model calling
``plan_itinerary`` may forget or change any of it. The days, cities, first date and pace the traveller
said win; the preferences the model leaves out come from the trip so far, not the schema's defaults
(a model that omits ``pace`` does not turn a relaxed trip into a normal one).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pydantic import BaseModel

from pipelines.core.models import Itinerary, Preferences
from pipelines.intent.model import Intent

_RESIZE = ("add_day", "remove_day", "drop_day")  # follow-ups whose length is the plan's, changed


@dataclass(frozen=True)
class TripLimits:
    """What the traveller asked for (from the intent parser); the model's tool calls are held to it: the
    days, cities, first date and pace they said win over the model's, and a plan's preferences the model
    leaves out come from ``preferences`` (the trip so far), not from the schema's defaults."""

    days: int | None = None
    cities: tuple[str, ...] = ()
    start_date: dt.date | None = None
    pace: str | None = None
    preferences: Preferences | None = None

    @classmethod
    def asked(cls, request: Intent | None, plan: Itinerary | None, days: int | None = None) -> TripLimits:
        """The limits of a turn: ``request`` (the parsed, merged trip), ``plan`` the one on the table."""
        if request is None:
            return cls(days=days, preferences=plan.preferences if plan else None)
        if request.cities and request.followup is None:
            plan = None  # 「台北一日遊」 after a 台南 plan starts over: none of its dates or wishes carry over
        prefs = request.preferences(base=plan.preferences if plan else None)
        if days is None and plan is not None and request.followup in _RESIZE:  # 「再多一天」: the new length
            days = max(1, len(plan.days) + (request.day_delta if request.followup != "drop_day" else -1))
        return cls(
            days=days or request.days,
            cities=tuple(request.cities),
            start_date=prefs.start_date,
            pace=request.pace,
            preferences=prefs,
        )

    def preferences_for(self, said: BaseModel) -> tuple[Preferences, list[str]]:
        """The model's plan preferences laid over the trip asked for: what it set wins, lists add up, and the
        traveller's own first date and pace win over the model's; zh-TW notes for the model say so."""
        notes: list[str] = []
        base = self.preferences or Preferences()
        given = {k: v for k, v in said.model_dump(include=said.model_fields_set).items() if v is not None}
        for key in ("interests", "avoid", "must_include"):
            if key in given:
                given[key] = list(dict.fromkeys([*getattr(base, key), *given[key]]))[:20]
        prefs = Preferences.model_validate({**base.model_dump(), **given})
        if self.start_date is not None:
            if prefs.start_date not in (None, self.start_date):
                notes.append(f"使用者說的第一天是 {self.start_date.isoformat()}，已照這天排。")
            prefs.start_date = self.start_date
        if self.pace is not None:
            prefs.pace = self.pace  # type: ignore[assignment]
        return prefs, notes
