"""What a request asks for (``Intent``), how it becomes planner ``Preferences``, and how a follow-up
updates the trip so far (``merge_intent``, ``in_context``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, Field

from pipelines.core.models import DayWish, Pace, Preferences
from pipelines.intent.followups import FollowUp

# Follow-ups that can only edit a plan that exists (with no plan they get 「還沒有排好的行程」).
EDITS: tuple[FollowUp, ...] = (
    "replace_day", "add_day", "remove_day", "drop_day", "set_days", "set_date", "swap_stop", "move_stop",
)  # fmt: skip


class Intent(BaseModel):
    """What a request asks for. ``None``/empty means "not said", so follow-ups can keep the old value."""

    text: str
    cities: list[str] = Field(default_factory=list, description="canonical cities the corpus covers")
    unknown_places: list[str] = Field(default_factory=list, description="Taiwan cities mentioned but not covered")
    days: int | None = Field(default=None, ge=1, le=14, description="trip length; None when not said")
    pace: Pace | None = None
    interests: list[str] = Field(default_factory=list, description="tags from the corpus tag list")
    must_include: list[str] = Field(default_factory=list)
    avoid: list[str] = Field(default_factory=list)
    with_kids: bool = False
    with_elders: bool = False
    day_start: str | None = None
    followup: FollowUp | None = None
    target_day: int | None = Field(default=None, description="1-based; -1 means the last day")
    day_delta: int = Field(default=0, description="for add_day/remove_day")
    wants_plan: bool = False
    start_date: dt.date | None = Field(default=None, description="first day, from date words and ``today``")
    day_wishes: list[DayWish] = Field(default_factory=list)
    near: list[str] = Field(default_factory=list, description="gazetteer areas the trip stays in or near")
    budget: Literal["low", "mid", "high"] | None = None
    sunrise: bool = False
    place: str = Field(default="", description="the stop a follow-up removes, swaps or moves")
    wanted: list[str] = Field(
        default_factory=list,
        description="names after 想去/想看/要吃 (「想看雙心石滬」): must-sees once the corpus is found to have them",
    )
    named_places: list[str] = Field(
        default_factory=list,
        description="famous places named instead of their city (綠島 → 台東) that are no gazetteer area: the "
        "agent says when the corpus lacks them",
    )
    problems: list[str] = Field(
        default_factory=list, description="keys of what could not be read (offline prompts ``problems.<key>``)"
    )

    def preferences(self, base: Preferences | None = None) -> Preferences:
        """Preferences for the planner; values this request did not mention come from ``base``."""
        prefs = base.model_copy(deep=True) if base else Preferences()
        overlay(prefs, self)
        return prefs

    def search_query(self) -> str:
        """A short query for search_segments built from what was asked."""
        return " ".join([*self.must_include, *self.interests] or ["景點 推薦"])


def merge_intent(base: Intent | None, new: Intent) -> Intent:
    """The trip so far updated by a follow-up; a request naming a city without follow-up words starts over."""
    if base is None or (new.cities and new.followup is None):
        return new
    out = new.model_copy(deep=True)
    out.cities = merged(base.cities, new.cities)  # 「再加一天去墾丁」 adds 屏東 to a 高雄 trip
    out.days = new.days if new.followup == "set_days" or (new.days and new.followup is None) else base.days
    overlay(out, new, base=base)
    out.wants_plan = base.wants_plan or new.wants_plan
    return out


def in_context(new: Intent, has_plan: bool) -> Intent:
    """With a plan on the table, 「兩天就好」 changes its length and 「改成下週六出發」 its dates."""
    if not has_plan or new.followup is not None or new.cities or new.unknown_places:
        return new
    if new.days:
        return new.model_copy(update={"followup": "set_days"})
    if new.start_date:
        return new.model_copy(update={"followup": "set_date"})
    return new


def overlay(target: Preferences | Intent, new: Intent, base: Preferences | Intent | None = None) -> None:
    """What ``new`` says laid over ``base`` (default: ``target`` itself), into ``target``: stated values win,
    lists merge (「只要美食」 replaces interests and must-sees), flags add up, what is avoided is no interest."""
    old = base or target
    only = new.followup == "only"
    target.pace = new.pace or old.pace  # type: ignore[assignment]
    target.day_start = new.day_start or old.day_start  # type: ignore[assignment]
    target.interests = list(new.interests) if only else merged(old.interests, new.interests)
    target.must_include = (list(new.must_include) if only else merged(old.must_include, new.must_include))[:20]
    target.avoid = merged(old.avoid, new.avoid)[:20]
    target.interests = [t for t in target.interests if t not in target.avoid][:20]
    target.with_kids, target.with_elders = old.with_kids or new.with_kids, old.with_elders or new.with_elders
    target.sunrise = old.sunrise or new.sunrise
    target.start_date = new.start_date or old.start_date
    target.day_wishes = new.day_wishes or old.day_wishes
    target.near = new.near or old.near
    target.budget = new.budget or old.budget


def merged(a: Iterable[str], b: Iterable[str]) -> list[str]:
    """``a`` then the new items of ``b``, without blanks or repeats."""
    return list(dict.fromkeys(x for x in [*a, *b] if x))
