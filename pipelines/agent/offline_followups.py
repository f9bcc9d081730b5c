"""The offline agent's follow-ups: each edits only what the traveller named; other days stay as they were.

「第二天換成海邊」 plans that day again; 「再多一天」「再加一天去墾丁」 add days at the end (from the named
place or region, if any); 「刪掉第二天」「少一天」 drop one; 「把赤崁樓換掉」「不要去小琉球」 refill that
stop's day without it; 「把赤崁樓移到第二天」 plans the two days again; 「只要美食」「換一批」 and pace or
must-see changes plan the whole trip again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pipelines.agent import offline_edits as edits
from pipelines.agent.offline_answer import follow_up_hints, render_plan, trip_length, where
from pipelines.core.models import DayPlan, Itinerary, Preferences
from pipelines.intent.parser import Intent
from pipelines.planner.rules import matches_avoid, stop_cap
from pipelines.planner.verifier import verify

if TYPE_CHECKING:
    from pipelines.agent.offline import OfflineTurn

EDITS = ("replace_day", "add_day", "remove_day", "drop_day", "set_days", "swap_stop", "move_stop")
HINT_TOPICS = ("海邊", "美食", "自然", "古蹟", "夜市", "溫泉", "博物館")


class FollowUps:
    """Mixed into ``OfflineAgent``: uses its ``_gather``, ``_plan``, ``_segments``, ``_say``, ``_finish_plan``."""

    def _replan(self, turn: OfflineTurn, new: Intent, request: Intent, old: Itinerary) -> OfflineTurn:
        prefs = request.preferences(base=old.preferences)
        cities = request.cities or list(dict.fromkeys(i.city for i in old.stops))
        days = len(old.days)
        kind = new.followup or ("remove_stop" if removes_stop(new, old) else "refine")
        cap = stop_cap(prefs)
        if kind == "replace_day":
            day = days if new.target_day == -1 else (new.target_day or 1)
            if not 1 <= day <= days:
                return self._say(turn, "cannot_drop", day=day, days=days)
            current = self._segments(turn, [i.segment_id for i in old.days[day - 1].items])
            off_topic = [s.place for s in current.values() if s.place and not set(new.interests) & set(s.tags)]
            return self._redo_days(turn, new, old, prefs, cities, {day: []}, "replace_day", gone=off_topic, day=day)
        if kind in ("swap_stop", "remove_stop"):
            places = [new.place] if new.place else [a for a in new.avoid if edits.day_of(old, a)]
            redo: dict[int, list[str]] = {}
            for place in places:
                if (d := edits.day_of(old, place)) is not None:
                    redo[d] = [i.segment_id for i in old.days[d - 1].items if not named(i.place, places)]
            if not redo:
                return self._say(turn, "stop_not_in_plan", place="、".join(places) or new.text)
            return self._redo_days(
                turn, new, old, prefs, cities, redo, "swap_stop", gone=places, place="、".join(places)
            )
        if kind == "move_stop":
            src, dst = edits.day_of(old, new.place), days if new.target_day == -1 else new.target_day
            if src is None or dst is None or not 1 <= dst <= days or src == dst:
                return self._say(turn, "stop_not_in_plan", place=new.place)
            moved = [i.segment_id for i in old.days[src - 1].items if named(i.place, [new.place])]
            keep = {
                src: [i.segment_id for i in old.days[src - 1].items if i.segment_id not in moved],
                dst: [i.segment_id for i in old.days[dst - 1].items] + moved,
            }
            return self._redo_days(turn, new, old, prefs, cities, keep, "move_stop", place=new.place, day=dst)
        if kind in ("add_day", "set_days", "remove_day", "drop_day"):
            return self._resize(turn, new, request, old, prefs, cities, kind)
        if kind == "only":
            topic = Intent(text=new.text, interests=new.interests, must_include=new.must_include)
            cands = self._gather(turn, topic, cities, set(), want=days * (cap + 2), fill=False)
        elif kind == "more":
            cands = self._gather(turn, request, cities, planned(old), want=days * cap)
        else:  # refine: new must-sees / interests / pace / avoid on top of the current stops
            cands = self._gather(turn, new, cities, planned(old), want=0, fill=False) + old.segment_ids
        itinerary = self._plan(turn, cands, days, prefs) if cands else None
        if itinerary is None:
            return self._nothing(turn, new)
        topic = "、".join(new.interests) or "你想要的"
        intro = self.prompts.text(f"replan_intro.{kind}", length=trip_length(days), topic=topic)
        return self._finish_plan(turn, intro, itinerary)

    def _resize(
        self, turn: OfflineTurn, new: Intent, request: Intent, old: Itinerary, prefs: Preferences, cities: list[str],
        kind: str,
    ) -> OfflineTurn:  # fmt: skip
        """Add days at the end (from the place named, if any) or drop one; the other days stay."""
        days = len(old.days)
        prefs = prefs.model_copy(update={"near": old.preferences.near})  # 「去墾丁」 is about the new day only
        if kind == "drop_day":
            day = days if new.target_day == -1 else (new.target_day or days)
            if days == 1 or not 1 <= day <= days:
                return self._say(turn, "cannot_drop", day=day, days=days)
            kept = edits.renumber([d for d in old.days if d.day != day], prefs)
            request.days = days - 1
            return self._finish_days(turn, kept, prefs, self.prompts.text("replan_intro.drop_day", day=day))
        want = (new.days or days) if kind == "set_days" else days + new.day_delta
        want = min(self.max_days, max(1, want))
        request.days = want
        if want <= days:
            intro = self.prompts.text("replan_intro.remove_day", length=trip_length(want))
            return self._finish_days(turn, edits.renumber(old.days[:want], prefs), prefs, intro)
        where_to = new.cities or cities
        day_prefs = prefs.model_copy(update={"near": new.near, "day_wishes": [], "start_date": None})
        out: list[DayPlan] = list(old.days)
        taken = planned(old)
        for day in range(days + 1, want + 1):
            topic = Intent(text=new.text, interests=new.interests or prefs.interests, avoid=prefs.avoid)
            cands = self._gather(turn, topic, where_to, taken, want=stop_cap(prefs) + 4)
            one = self._plan(turn, cands, 1, day_prefs) if cands else None
            if one is None or not one.days[0].items:
                return self._say(turn, "add_day_nothing", cities=where(where_to))
            out.append(one.days[0].model_copy(update={"day": day}))
            taken |= {x for i in one.days[0].items for x in (i.segment_id, i.place)}
        intro = self.prompts.text("replan_intro.add_day", length=trip_length(want))
        return self._finish_days(turn, edits.renumber(out, prefs), prefs, intro)

    def _redo_days(
        self, turn: OfflineTurn, new: Intent, old: Itinerary, prefs: Preferences, cities: list[str],
        keep: dict[int, list[str]], kind: str, gone: list[str] | None = None, **fmt: Any,
    ) -> OfflineTurn:  # fmt: skip
        """Plan the named days again, keeping ``keep[day]`` and filling with this message's topic (or the trip's
        interests); every other day stays as it was."""
        if any(not 1 <= d <= len(old.days) for d in keep):
            return self._say(turn, "cannot_drop", day=max(keep), days=len(old.days))
        days = list(old.days)
        for day, kept in keep.items():
            others = {x for d in days if d.day != day for i in d.items for x in (i.segment_id, i.place)}
            topic = Intent(
                text=new.text,
                interests=new.interests or list(prefs.interests),
                must_include=new.must_include,
                avoid=list(prefs.avoid),
            )
            exclude = others | set(gone or []) | set(kept)
            cands = kept + self._gather(turn, topic, cities, exclude, want=stop_cap(prefs) + 4)
            update = {"interests": new.interests or prefs.interests, "must_include": kept + new.must_include}
            day_prefs = prefs.model_copy(update={**update, "day_wishes": [], "start_date": None})
            one = self._plan(turn, cands, 1, day_prefs) if cands else None
            if one is None or not one.days[0].items or (new.interests and not self._has_topic(turn, one, new)):
                what = "、".join(new.interests or new.must_include) or "其他"
                return self._say(turn, "replace_day_nothing", cities=where(cities), what=what, day=day)
            days = edits.splice(Itinerary(days=days), day, one.days[0])
        intro = self.prompts.text(f"replan_intro.{kind}", **{"day": "", "place": "", **fmt})
        return self._finish_days(turn, edits.renumber(days, prefs), prefs, intro)

    def _has_topic(self, turn: OfflineTurn, one: Itinerary, new: Intent) -> bool:
        segs = self._segments(turn, one.segment_ids)
        return any(set(new.interests) & set(s.tags) for s in segs.values())

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
        taken = set(itinerary.segment_ids) | {i.place for i in itinerary.stops}
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


def named(place: str, names: list[str]) -> bool:
    return any(n and (n in place or place in n) for n in names)


def planned(itinerary: Itinerary) -> set[str]:
    return {x for i in itinerary.stops for x in (i.segment_id, i.place)}


def avoided(seg, prefs: Preferences) -> bool:
    return any(matches_avoid(a, seg) for a in prefs.avoid)
