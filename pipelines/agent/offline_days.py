"""Planning single days inside a trip (the follow-ups' tools): one day again from kept stops and fresh
candidates, a new day at the end, or a day re-timed after the one before it changed.

A day planned on its own keeps the trip's preferences and its own wishes, takes no stop another day holds,
does not break into an outing (gazetteer area) another day holds whole, and starts late enough to get
from where the day before ended. The spliced trip is verified again like any plan.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pipelines.agent import offline_edits as edits
from pipelines.agent.offline_answer import render_plan, where
from pipelines.agent.offline_hints import Hints, day_cities
from pipelines.core.models import DayPlan, Itinerary, Preferences
from pipelines.intent.model import Intent
from pipelines.planner.rules import stop_cap
from pipelines.planner.verifier import verify

if TYPE_CHECKING:
    from pipelines.agent.offline_turn import OfflineTurn


MEALS = ("美食", "小吃")  # searched with a topic day so it still has lunch and dinner
MEAL_NOTES = ("午餐", "晚餐")  # the only off-topic stops a topic day keeps


class DayEdits(Hints):
    """Mixed into ``OfflineAgent`` (through ``FollowUps``): uses its ``_gather``, ``_search``, ``_plan``,
    ``_segments`` and ``_say``."""

    def _redo_days(
        self, turn: OfflineTurn, new: Intent, old: Itinerary, trip: Preferences, cities: list[str],
        keep: dict[int, list[str]], kind: str, gone: list[str], topic: list[str],
        also: dict[int, list[str]] | None = None, **fmt: Any,
    ) -> OfflineTurn:  # fmt: skip
        """Plan the named days again with ``keep[day]`` (and, if they fit, ``also[day]``), filled with ``topic``;
        every other day stays."""
        days, notes = list(old.days), []
        for day, kept in keep.items():
            extra = (also or {}).get(day, [])
            others = {x for d in days if d.day != day for i in d.items for x in (i.segment_id, i.place)}
            prefs = self._day_prefs(trip, new, day, len(days), topic, kept + new.must_include)
            areas = self._areas(turn, [d for d in days if d.day != day])  # another day's outing stays whole
            here = new.cities or day_cities(old.days[day - 1]) or cities  # a 台北・新北 trip's 新北 day stays in 新北
            found = self._candidates(turn, new, prefs, here, others | set(gone) | set(kept) | set(extra), areas)
            cands = list(dict.fromkeys([*kept, *extra, *found]))
            prev = days[day - 2] if day > 1 else None
            one = self._plan_day(turn, cands, prefs, prev)
            if one is not None and kind == "replace_day" and new.interests:
                one = self._on_topic(turn, one, cands, prefs, prev, new.interests)
            if one is None and kind == "swap_stop":  # the stop goes even when nothing can take its place
                one = days[day - 1].model_copy(
                    update={"items": [i for i in days[day - 1].items if i.segment_id in kept]}
                )
                notes.append(self.prompts.text("swap_nothing", day=day))
            if one is None or (new.interests and not self._has_topic(turn, one, new.interests)):
                what = "、".join(new.interests or new.must_include) or "其他"
                return self._cannot(turn, "replace_day_nothing", cities=where(here), what=what, day=day)
            days = edits.splice(Itinerary(days=days), day, one)
        for day in sorted(d + 1 for d in keep if d + 1 not in keep and d < len(days)):
            retimed = self._retimed(turn, days[day - 2], days[day - 1], trip, day, len(days))
            if retimed is not days[day - 1]:
                days[day - 1] = retimed
                notes.append(self.prompts.text("retimed", day=day))
        intro = self.prompts.text(f"replan_intro.{kind}", **{"day": "", "place": "", **fmt})
        return self._finish_days(turn, edits.renumber(days, trip), trip, intro, notes)

    def _on_topic(
        self, turn: OfflineTurn, one: DayPlan, cands: list[str], prefs: Preferences, prev: DayPlan | None,
        interests: list[str],
    ) -> DayPlan:  # fmt: skip
        """A day changed to a topic keeps only that topic and its lunch and dinner: a snack or sight off the
        topic (a bakery on a 海邊 day) goes, and the day is planned again without it."""
        wanted = set(edits.with_family(interests))
        segments = self._segments(turn, [i.segment_id for i in one.items])
        off = {
            i.segment_id
            for i in one.items
            if not wanted & set(segments[i.segment_id].tags) and i.note not in MEAL_NOTES
        }
        again = self._plan_day(turn, [c for c in cands if c not in off], prefs, prev) if off else None
        return again if again is not None and self._has_topic(turn, again, interests) else one

    def _cannot(self, turn: OfflineTurn, key: str, **values: Any) -> OfflineTurn:
        """The edit could not be made: say why, and that the plan stays (「連不上」 when no search answered)."""
        searches = [r for r in turn.tools.records if r.name == "search_segments"]
        said = self._say(turn, "search_failed" if searches and not any(r.ok for r in searches) else key, **values)
        said.unchanged = True  # an LLM answering after this must not present the old plan as edited
        return said

    def _day_prefs(
        self, trip: Preferences, new: Intent, day: int, days: int, interests: list[str], must: list[str]
    ) -> Preferences:
        """Preferences for planning one day of the trip on its own (its wishes, no date)."""
        return trip.model_copy(
            update={
                "interests": list(interests)[:20],
                "must_include": list(must)[:20],
                "near": new.near or trip.near,
                "pace": new.pace or trip.pace,
                "day_wishes": edits.wishes_for(trip.day_wishes, day, days),
                "start_date": None,
            }
        )

    def _candidates(
        self, turn: OfflineTurn, new: Intent, prefs: Preferences, cities: list[str], exclude: set[str],
        areas: set[str],
    ) -> list[str]:  # fmt: skip
        """Segment ids for one day: the topic and fillers, none in an outing (``areas``) another day holds;
        with a region named, only stops in that area; for a day changed to a topic, that topic and meals."""
        if new.near:
            queries = edits.area_queries(new.near, prefs.interests)
            hits = [h for c in cities for q in queries for h in self._search(turn, q, c, None)]
            found = [h for h in hits if h.area in new.near and not edits.excluded(h, exclude, prefs.avoid)]
            ids = list(dict.fromkeys(h.segment_id for h in found))
        elif new.followup == "replace_day" and new.interests:  # 「第二天換成海邊」: that topic and meals, no fillers
            topic = Intent(text=new.text, interests=edits.with_family([*new.interests, *MEALS]), avoid=prefs.avoid)
            ids = self._gather(turn, topic, cities, exclude, want=0, fill=False)
        else:
            want = stop_cap(prefs) + 4
            interests = edits.with_family(prefs.interests)
            topic = Intent(text=new.text, interests=interests, must_include=new.must_include, avoid=prefs.avoid)
            ids = self._gather(turn, topic, cities, exclude, want=want)
            if len(ids) < want:  # the city's best-known stops are on other days: look by topic
                more = Intent(text=new.text, interests=edits.day_topics(interests), avoid=prefs.avoid)
                ids += self._gather(turn, more, cities, exclude | set(ids), want=want - len(ids), fill=False)
        segments = self._segments(turn, ids)
        by_place = {segments[i].place or i: i for i in reversed(ids)}  # one segment a place, the first found
        return [i for i in ids if by_place.get(segments[i].place or i) == i and segments[i].area not in areas]

    def _areas(self, turn: OfflineTurn, days: list[DayPlan]) -> set[str]:
        """The outings (gazetteer areas) these days hold whole, each on one day; an area already spread over
        days (too big for one, like 恆春半島) may take another."""
        return {area for area, used in self._outings(turn, days).items() if len(used) == 1}

    def _outings(self, turn: OfflineTurn, days: list[DayPlan]) -> dict[str, set[int]]:
        """Area → the days that visit it."""
        segments = self._segments(turn, [i.segment_id for d in days for i in d.items])
        on: dict[str, set[int]] = {}
        for day in days:
            for item in day.items:
                if area := segments[item.segment_id].area:
                    on.setdefault(area, set()).add(day.day)
        return on

    def _retimed(
        self, turn: OfflineTurn, prev: DayPlan, day: DayPlan, trip: Preferences, number: int, days: int
    ) -> DayPlan:
        """``day`` from its own stops again when it now starts a long way from where ``prev`` ended."""
        segments = self._segments(turn, [i.segment_id for i in [*prev.items, *day.items]])
        start = edits.later_start(prev, day, segments, trip)
        if start is None or edits.shift_fits(prev, day, segments, trip):  # moving the same stops later will do
            return day
        prefs = self._day_prefs(trip, Intent(text=""), number, days, trip.interests, [])
        one = self._plan(turn, [i.segment_id for i in day.items], 1, prefs.model_copy(update={"day_start": start}))
        return one.days[0].model_copy(update={"day": day.day, "date": day.date}) if one and one.days[0].items else day

    def _plan_day(
        self, turn: OfflineTurn, cands: list[str], prefs: Preferences, prev: DayPlan | None
    ) -> DayPlan | None:
        """A one-day plan; when its first stop is a long way from where ``prev`` ended, planned again to start
        late enough to get there."""
        one = self._plan(turn, cands, 1, prefs) if cands else None
        if one is None or not one.days[0].items:
            return None
        segments = self._segments(turn, [*one.segment_ids, *(i.segment_id for i in (prev.items if prev else []))])
        start = edits.later_start(prev, one.days[0], segments, prefs)
        if start is not None:
            later = self._plan(turn, cands, 1, prefs.model_copy(update={"day_start": start}))
            if later is not None and later.days[0].items:
                return later.days[0]
        return one.days[0]

    def _has_topic(self, turn: OfflineTurn, day: DayPlan, interests: list[str]) -> bool:
        segs = self._segments(turn, [i.segment_id for i in day.items])
        return any(set(interests) & set(s.tags) for s in segs.values())

    def _finish_days(
        self, turn: OfflineTurn, days: list[DayPlan], prefs: Preferences, intro: str, notes: list[str] | None = None
    ) -> OfflineTurn:
        segments = self._segments(turn, [i.segment_id for d in days for i in d.items])
        days = edits.refresh_free(edits.fit_transfers(days, segments, prefs), segments, prefs)
        spliced = Itinerary(days=days, preferences=prefs)
        spliced.checks = verify(spliced, list(segments.values()), len(days), prefs)
        spliced.notes = [f"未通過「{c.name}」：{c.detail}" for c in spliced.checks if not c.passed]
        turn.itinerary = spliced
        hints = self._hints(turn, spliced)
        intro = "\n".join([intro, *(notes or [])])
        turn.answer, turn.citations = render_plan(self.prompts, intro, spliced, segments, hints=hints)
        return turn
