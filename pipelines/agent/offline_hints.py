"""Follow-up suggestions that work on the plan they close: each is offered only when the index has what
the edit will look for, found the way the edit will look for it.

「第N天換成<topic>的行程」 needs two stops with that tag the plan does not hold, in the last day's city
and outside an outing another day holds whole; 「再多一天」 needs a day's worth of such stops with a meal
among them; 「只要美食」 needs a lunch and a dinner (or a night market) for every day. Look-ups that fail
only drop a suggestion.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipelines.agent import offline_edits as edits
from pipelines.agent.offline_answer import follow_up_hints
from pipelines.core.models import DayPlan, Itinerary, Segment, SegmentHit
from pipelines.planner.rules import is_food, is_meal, is_night_market

if TYPE_CHECKING:
    from pipelines.agent.offline_turn import OfflineTurn

HINT_TOPICS = ("海邊", "美食", "自然", "古蹟", "夜市", "溫泉", "博物館")
NEW_DAY_STOPS = 4  # unplanned stops (one of them food) it takes to offer 「再多一天」


class Hints:
    """Mixed into ``OfflineAgent``: uses its ``index``, ``prompts``, ``_segments`` and ``_outings``."""

    def _hints(self, turn: OfflineTurn, itinerary: Itinerary) -> list[str]:
        if not itinerary.days:
            return []
        last = itinerary.days[-1]
        cities = day_cities(last) or list(dict.fromkeys(i.city for i in itinerary.stops))
        taken = edits.planned(itinerary)
        outings = self._outings(turn, itinerary.days)
        held = {a for a, used in outings.items() if len(used) == 1}  # a day holds it whole: no other day takes it
        held_elsewhere = {a for a in held if last.day not in outings[a]}
        found: dict[str, list[SegmentHit]] = {}
        for tag in HINT_TOPICS:
            hits = [h for c in cities for h in self._quiet_search(tag, c, [tag])]
            found[tag] = [h for h in hits if not {h.segment_id, h.place} & taken]
        topics = [t for t, hits in found.items() if len({h.place for h in hits if h.area not in held_elsewhere}) >= 2]
        spare = {h.place: h for hits in found.values() for h in hits if h.area not in held}
        can_add = len(spare) >= NEW_DAY_STOPS and any(is_food(h) for h in spare.values())
        planned = [s for s in self._segments(turn, itinerary.segment_ids).values() if is_food(s)]
        food = {s.place: s for s in [*planned, *found["美食"], *found["夜市"]]}.values()
        only_food = feeds(list(food), len(itinerary.days))
        return follow_up_hints(self.prompts, itinerary, topics, can_add=can_add, only_food=only_food)

    def _quiet_search(self, query: str, city: str, tags: list[str]) -> list[SegmentHit]:
        try:
            return self.index.search(query, city=city, tags=tags, limit=8)
        except Exception:  # noqa: BLE001 - a hint is optional; a failing look-up only drops it
            return []


def feeds(food: list[Segment], days: int) -> bool:
    """Enough places for a lunch and a dinner (a meal or a night market) every day."""
    meals = sum(is_meal(s) for s in food)
    return meals >= days and meals + sum(is_night_market(s) for s in food) >= 2 * days


def day_cities(day: DayPlan) -> list[str]:
    """The cities a day's stops are in, in order."""
    return list(dict.fromkeys(i.city for i in day.items if i.city))
