"""The offline agent's follow-ups: each edits only what the traveller named; other days stay as they were.

「第二天換成海邊」 plans that day again around the topic (its off-topic sights go, meals may stay);
「再多一天」「再加一天去墾丁」 add days at the end (from the named region, starting late enough to get
there); 「刪掉第二天」「少一天」 drop days; 「把赤崁樓換掉」「不要去小琉球」 refill that stop's day without
it; 「把赤崁樓移到第二天」 plans those two days again; 「改成下週六出發」 re-dates the days; 「只要美食」
「換一批」 and pace or must-see words plan the whole trip again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pipelines.agent import offline_edits as edits
from pipelines.agent.offline_answer import follow_up_hints, render_plan, trip_length, where
from pipelines.core.models import DayPlan, Itinerary, Preferences
from pipelines.intent.model import EDITS, Intent, merged
from pipelines.planner.rules import is_food, stop_cap
from pipelines.planner.verifier import verify

if TYPE_CHECKING:
    from pipelines.agent.offline import OfflineTurn

__all__ = ["EDITS", "FollowUps", "removes_stop"]

HINT_TOPICS = ("海邊", "美食", "自然", "古蹟", "夜市", "溫泉", "博物館")
# Edits of some days only: the trip's pace, interests and area stay what they were for the other days.
DAY_LOCAL = ("replace_day", "swap_stop", "remove_stop", "move_stop", "add_day", "set_days")
# 「只要美食」: what a traveller counts as food when the trip narrows to it.
NARROW_ALSO = {"美食": ("小吃", "夜市", "甜點"), "小吃": ("美食", "夜市")}


class FollowUps:
    """Mixed into ``OfflineAgent``: uses its ``_gather``, ``_search``, ``_plan``, ``_segments``, ``_say``,
    ``_nothing`` and ``_finish_plan``."""

    def _replan(self, turn: OfflineTurn, new: Intent, request: Intent, old: Itinerary) -> OfflineTurn:
        kind = new.followup or ("remove_stop" if removes_stop(new, old) else "refine")
        cities = request.cities or list(dict.fromkeys(i.city for i in old.stops))
        trip = request.preferences(base=old.preferences)
        trip.near = list(old.preferences.near)  # a region named in a follow-up is about the edited day
        if kind in DAY_LOCAL:
            trip.pace, trip.interests = old.preferences.pace, list(old.preferences.interests)
        if kind == "replace_day":
            return self._replace_day(turn, new, old, trip, cities)
        if kind in ("swap_stop", "remove_stop"):
            return self._swap_stop(turn, new, old, trip, cities)
        if kind == "move_stop":
            return self._move_stop(turn, new, old, trip, cities)
        if kind == "set_date":
            intro = self.prompts.text("replan_intro.set_date", date=edits.date_text(trip.start_date))
            return self._finish_days(turn, edits.renumber(old.days, trip), trip, intro)
        if kind in ("add_day", "set_days", "remove_day", "drop_day"):
            return self._resize(turn, new, request, old, trip, cities, kind)
        return self._whole_trip(turn, new, request, old, trip, cities, kind)

    def _replace_day(self, turn: OfflineTurn, new: Intent, old: Itinerary, trip: Preferences, cities: list[str]):
        days = len(old.days)
        day = days if new.target_day == -1 else (new.target_day or 1)
        if not 1 <= day <= days:
            return self._say(turn, "no_such_day", day=day, days=days)
        current = self._segments(turn, [i.segment_id for i in old.days[day - 1].items]).values()
        if new.interests:  # the day's sights off the topic go; its meals may stay
            gone = [s.place for s in current if not set(new.interests) & set(s.tags) and not is_food(s)]
        elif new.pace and not new.must_include:  # the same day at another pace: its stops stay candidates
            gone = []
        else:  # 「第二天換掉」: other sights that day
            gone = [s.place for s in current if not is_food(s)]
        trip.day_wishes = [w for w in trip.day_wishes if not w.applies_to(day, days)]  # the new words replace them
        topic = new.interests or list(trip.interests)
        return self._redo_days(turn, new, old, trip, cities, {day: []}, "replace_day", gone, topic, day=day)

    def _swap_stop(self, turn: OfflineTurn, new: Intent, old: Itinerary, trip: Preferences, cities: list[str]):
        places = [new.place] if new.place else [a for a in new.avoid if edits.day_of(old, a)]
        keep: dict[int, list[str]] = {}
        for place in places:
            if (d := edits.day_of(old, place)) is not None:
                keep[d] = [i.segment_id for i in old.days[d - 1].items if not edits.named(i.place, places)]
        if not keep:
            return self._say(turn, "stop_not_in_plan", place="、".join(places) or new.text)
        trip.avoid = merged(trip.avoid, places)[:20]  # 「換一批」 later must not bring it back
        topic = merged(new.interests, trip.interests)
        return self._redo_days(turn, new, old, trip, cities, keep, "swap_stop", places, topic, place="、".join(places))

    def _move_stop(self, turn: OfflineTurn, new: Intent, old: Itinerary, trip: Preferences, cities: list[str]):
        days = len(old.days)
        src, dst = edits.day_of(old, new.place), days if new.target_day == -1 else new.target_day
        if src is None:
            return self._say(turn, "stop_not_in_plan", place=new.place)
        if dst is None or not 1 <= dst <= days:
            return self._say(turn, "no_such_day", day=dst or 0, days=days)
        if src == dst:
            return self._say(turn, "already_there", place=new.place, day=dst)
        moved = [i.segment_id for i in old.days[src - 1].items if edits.named(i.place, [new.place])]
        keep = {
            src: [i.segment_id for i in old.days[src - 1].items if i.segment_id not in moved],
            dst: [i.segment_id for i in old.days[dst - 1].items] + moved,
        }
        topic = list(trip.interests)
        return self._redo_days(turn, new, old, trip, cities, keep, "move_stop", [], topic, place=new.place, day=dst)

    def _resize(
        self, turn: OfflineTurn, new: Intent, request: Intent, old: Itinerary, trip: Preferences, cities: list[str],
        kind: str,
    ) -> OfflineTurn:  # fmt: skip
        """Add days at the end (from the place named, if any) or drop some; the other days stay."""
        days = len(old.days)
        if kind == "drop_day":
            day = days if new.target_day == -1 else (new.target_day or days)
            if days == 1 or not 1 <= day <= days:
                return self._say(turn, "cannot_drop", day=day, days=days)
            request.days = days - 1
            kept = edits.renumber([d for d in old.days if d.day != day], trip)
            return self._finish_days(turn, kept, trip, self.prompts.text("replan_intro.drop_day", day=day))
        want = (new.days or days) if kind == "set_days" else days + new.day_delta
        want = min(self.max_days, max(1, want))
        request.days = want
        if want <= days:
            intro = self.prompts.text("replan_intro.remove_day", length=trip_length(want))
            return self._finish_days(turn, edits.renumber(old.days[:want], trip), trip, intro)
        where_to = new.cities or cities
        out: list[DayPlan] = list(old.days)
        taken = edits.planned(old)
        for day in range(days + 1, want + 1):
            prefs = self._day_prefs(trip, new, day, want, new.interests or trip.interests, [])
            cands = self._candidates(turn, new, prefs, where_to, taken)
            one = self._plan_day(turn, cands, prefs, out[-1] if out else None)
            if one is None:
                return self._say(turn, "add_day_nothing", cities=where(where_to))
            out.append(one.model_copy(update={"day": day}))
            taken |= {x for i in one.items for x in (i.segment_id, i.place)}
        intro = self.prompts.text("replan_intro.add_day", length=trip_length(want))
        return self._finish_days(turn, edits.renumber(out, trip), trip, intro)

    def _whole_trip(
        self, turn: OfflineTurn, new: Intent, request: Intent, old: Itinerary, trip: Preferences, cities: list[str],
        kind: str,
    ) -> OfflineTurn:  # fmt: skip
        """「只要美食」「換一批」, or new pace / must-sees / avoid words: the whole trip planned again."""
        days, cap = len(old.days), stop_cap(trip)
        if kind == "only":
            wanted = merged(new.interests, [t for i in new.interests for t in NARROW_ALSO.get(i, ())])
            trip.interests = wanted
            topic = Intent(text=new.text, interests=wanted, must_include=new.must_include, avoid=trip.avoid)
            cands = self._gather(turn, topic, cities, set(), want=days * (cap + 3), fill=False)
        elif kind == "more":
            cands = self._gather(turn, request, cities, edits.planned(old), want=days * cap)
        else:  # refine: new must-sees / interests / pace / avoid on top of the current stops
            cands = self._gather(turn, new, cities, edits.planned(old), want=0, fill=False) + old.segment_ids
        itinerary = self._plan(turn, cands, days, trip) if cands else None
        if itinerary is None:
            return self._nothing(turn, new)
        topic_words = "、".join(new.interests) or "你想要的"
        intro = self.prompts.text(f"replan_intro.{kind}", length=trip_length(days), topic=topic_words)
        return self._finish_plan(turn, intro, itinerary)

    def _redo_days(
        self, turn: OfflineTurn, new: Intent, old: Itinerary, trip: Preferences, cities: list[str],
        keep: dict[int, list[str]], kind: str, gone: list[str], topic: list[str], **fmt: Any,
    ) -> OfflineTurn:  # fmt: skip
        """Plan the named days again, keeping ``keep[day]`` and filling with ``topic``; every other day stays."""
        days = list(old.days)
        for day, kept in keep.items():
            others = {x for d in days if d.day != day for i in d.items for x in (i.segment_id, i.place)}
            prefs = self._day_prefs(trip, new, day, len(days), topic, kept + new.must_include)
            cands = kept + self._candidates(turn, new, prefs, cities, others | set(gone) | set(kept))
            prev = days[day - 2] if day > 1 else None
            one = self._plan_day(turn, cands, prefs, prev)
            if one is None or (new.interests and not self._has_topic(turn, one, new.interests)):
                what = "、".join(new.interests or new.must_include) or "其他"
                return self._say(turn, "replace_day_nothing", cities=where(cities), what=what, day=day)
            days = edits.splice(Itinerary(days=days), day, one)
        intro = self.prompts.text(f"replan_intro.{kind}", **{"day": "", "place": "", **fmt})
        return self._finish_days(turn, edits.renumber(days, trip), trip, intro)

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
        self, turn: OfflineTurn, new: Intent, prefs: Preferences, cities: list[str], exclude: set[str]
    ) -> list[str]:
        """Segment ids for one day: the topic and fillers; with a region named, only stops in that area."""
        topic = Intent(text=new.text, interests=prefs.interests, must_include=new.must_include, avoid=prefs.avoid)
        want = stop_cap(prefs) + 4
        if not new.near:
            return self._gather(turn, topic, cities, exclude, want=want)
        queries = edits.area_queries(new.near, prefs.interests)
        hits = [h for c in cities for q in queries for h in self._search(turn, q, c, None)]
        found = [h for h in hits if h.area in new.near and not edits.excluded(h, exclude, prefs.avoid)]
        return list(dict.fromkeys(h.segment_id for h in found))

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

    def _finish_days(self, turn: OfflineTurn, days: list[DayPlan], prefs: Preferences, intro: str) -> OfflineTurn:
        segments = self._segments(turn, [i.segment_id for d in days for i in d.items])
        days = edits.refresh_free(edits.fit_transfers(days, segments, prefs), segments, prefs)
        spliced = Itinerary(days=days, preferences=prefs)
        spliced.checks = verify(spliced, list(segments.values()), len(days), prefs)
        spliced.notes = [f"未通過「{c.name}」：{c.detail}" for c in spliced.checks if not c.passed]
        turn.itinerary = spliced
        hints = follow_up_hints(self.prompts, spliced, self._topics(spliced))
        turn.answer, turn.citations = render_plan(self.prompts, intro, spliced, segments, hints=hints)
        return turn

    def _topics(self, itinerary: Itinerary) -> list[str]:
        """Tags the trip's cities still have (two or more unplanned stops), for 「第 N 天換成…」 hints."""
        cities = list(dict.fromkeys(i.city for i in itinerary.stops))
        taken = edits.planned(itinerary)
        out = []
        for tag in HINT_TOPICS:
            hits = [h for c in cities for h in self._quiet_search(tag, c, [tag]) if not {h.segment_id, h.place} & taken]
            if len({h.place for h in hits}) >= 2:
                out.append(tag)
        return out

    def _quiet_search(self, query: str, city: str, tags: list[str]) -> list:
        try:
            return self.index.search(query, city=city, tags=tags, limit=8)
        except Exception:  # noqa: BLE001 - a hint is optional; a failing look-up only drops it
            return []


def removes_stop(new: Intent, plan: Itinerary | None) -> bool:
    """「不要去小琉球」 with 小琉球 in the plan: remove that stop (its day is refilled), not a new trip."""
    return bool(plan and new.avoid and not new.cities and any(edits.day_of(plan, a) for a in new.avoid))
