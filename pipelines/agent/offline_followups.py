"""The offline agent's follow-ups: each edits only what the traveller named; other days stay as they were.

「第二天換成海邊」 plans that day again around the topic (its off-topic sights go, meals may stay);
「再多一天」「再加一天去墾丁」 add days at the end (from the named region, starting late enough to get
there); 「刪掉第二天」「少一天」 drop days; 「把赤崁樓換掉」「不要去小琉球」 refill that stop's day without
it; 「把赤崁樓移到第二天」 plans those two days again; 「改成下週六出發」 re-dates the days; 「只要美食」
「換一批」 and pace or must-see words plan the whole trip again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipelines.agent import offline_edits as edits
from pipelines.agent.offline_answer import trip_length, where
from pipelines.agent.offline_days import DayEdits
from pipelines.agent.offline_hints import day_cities
from pipelines.core.models import DayPlan, Itinerary, Preferences
from pipelines.intent.model import EDITS, Intent, merged
from pipelines.planner.rules import is_food, matches_avoid, stop_cap

if TYPE_CHECKING:
    from pipelines.agent.offline_turn import OfflineTurn

__all__ = ["EDITS", "FollowUps"]

# Edits of some days only: the trip's pace, interests and area stay what they were for the other days.
DAY_LOCAL = ("replace_day", "swap_stop", "remove_stop", "move_stop", "add_day", "set_days")


class FollowUps(DayEdits):
    """Mixed into ``OfflineAgent``: uses its ``_gather``, ``_plan``, ``_segments``, ``_say``, ``_nothing`` and
    ``_finish_plan``; single days are planned by ``DayEdits``."""

    def _removes_stop(self, new: Intent, plan: Itinerary | None) -> bool:
        """「不要去小琉球」「夜市不要了」 with such stops in the plan: remove them (their days are refilled)."""
        return bool(plan and new.avoid and not new.cities and self._matching(plan, new.avoid))

    def _matching(self, plan: Itinerary, terms: list[str]) -> dict[int, list[str]]:
        """Day → ids of its stops an avoid term hits (by name, area or tag; by name alone if the index is down)."""
        try:
            segments = {s.segment_id: s for s in self.index.get_segments(plan.segment_ids)}
        except Exception:  # noqa: BLE001 - the names in the plan are enough to find a named stop
            segments = {}
        out: dict[int, list[str]] = {}
        for day in plan.days:
            for item in day.items:
                seg = segments.get(item.segment_id)
                if edits.named(item.place, terms) or (seg and any(matches_avoid(t, seg) for t in terms)):
                    out.setdefault(day.day, []).append(item.segment_id)
        return out

    def _replan(self, turn: OfflineTurn, new: Intent, request: Intent, old: Itinerary) -> OfflineTurn:
        removes = new.followup in (None, "refine") and self._removes_stop(new, old)
        kind = "remove_stop" if removes else new.followup or "refine"
        cities = request.cities or list(dict.fromkeys(i.city for i in old.stops))
        trip = new.preferences(base=old.preferences)  # the plan's own preferences, changed as this message says
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
        places = [new.place] if new.place else list(new.avoid)
        hit = self._matching(old, places)
        if not hit:
            return self._say(turn, "stop_not_in_plan", place="、".join(places) or new.text)
        keep = {d: [i.segment_id for i in old.days[d - 1].items if i.segment_id not in ids] for d, ids in hit.items()}
        gone = [i.place for d in old.days for i in d.items if i.segment_id in {x for ids in hit.values() for x in ids}]
        there = next((d for d in old.days for i in d.items if edits.named(i.place, new.must_include)), None)
        if there is not None and there.day not in keep:  # 「把X換成赤崁樓」 with 赤崁樓 on another day: it moves
            moved = [i for i in there.items if edits.named(i.place, new.must_include)]
            keep[there.day] = [i.segment_id for i in there.items if i not in moved]
            keep[min(hit)] += [i.segment_id for i in moved]
            gone += [i.place for i in moved]
            new = new.model_copy(update={"must_include": []})
        trip.avoid = merged(trip.avoid, places)[:20]  # 「換一批」 later must not bring it back
        trip.must_include = [m for m in trip.must_include if not edits.named(m, places)]  # no longer a must-see
        trip.near = [a for a in trip.near if a not in places]  # 「不要去小琉球」 after 「小琉球跟墾丁」
        topic = [t for t in merged(new.interests, trip.interests) if t not in trip.avoid]
        return self._redo_days(turn, new, old, trip, cities, keep, "swap_stop", gone, topic, place="、".join(places))

    def _move_stop(self, turn: OfflineTurn, new: Intent, old: Itinerary, trip: Preferences, cities: list[str]):
        days = len(old.days)
        src, dst = edits.day_of(old, new.place), days if new.target_day == -1 else new.target_day
        if src is None:
            return self._say(turn, "stop_not_in_plan", place=new.place)
        if dst is None or not 1 <= dst <= days:
            return self._say(turn, "no_such_day", day=dst or 0, days=days)
        if src == dst:  # nothing to move: the plan is shown again as it stands
            intro = self.prompts.text("already_there", place=new.place, day=dst)
            return self._finish_days(turn, list(old.days), trip, intro)
        moved = [i.segment_id for i in old.days[src - 1].items if edits.named(i.place, [new.place])]
        # the destination's stops may give way to the moved one, except those of an outing spread over days
        # (安平 on days 1 and 2): dropping them would leave a split that no longer needs two days
        spread = {a for a, used in self._outings(turn, old.days).items() if len(used) > 1}
        segments = self._segments(turn, [i.segment_id for i in old.days[dst - 1].items])
        stay = [i for i, seg in segments.items() if seg.area in spread]
        keep = {src: [i.segment_id for i in old.days[src - 1].items if i.segment_id not in moved], dst: moved + stay}
        also = {dst: [i for i in segments if i not in stay]}
        topic, gone = list(trip.interests), [i.place for i in old.days[src - 1].items if i.segment_id in moved]
        return self._redo_days(
            turn, new, old, trip, cities, keep, "move_stop", gone, topic, also=also, place=new.place, day=dst
        )

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
            if 1 < day <= len(kept):  # the day after the gap now starts where the day before it ended
                kept[day - 1] = self._retimed(turn, kept[day - 2], kept[day - 1], trip, day, len(kept))
            return self._finish_days(turn, kept, trip, self.prompts.text("replan_intro.drop_day", day=day))
        want = (new.days or days) if kind == "set_days" else days + new.day_delta
        want = min(self.max_days, max(1, want))
        request.days = want
        if want <= days:
            intro = self.prompts.text("replan_intro.remove_day", length=trip_length(want))
            return self._finish_days(turn, edits.renumber(old.days[:want], trip), trip, intro)
        where_to = new.cities or day_cities(old.days[-1]) or cities  # the trip goes on from where it ended
        out: list[DayPlan] = list(old.days)
        taken, notes = edits.planned(old), []
        for day in range(days + 1, want + 1):
            one = self._new_day(turn, new, trip, day, want, where_to, taken, out)
            if one is None and new.near:  # 「再加一天去礁溪」 with 礁溪 already planned: the rest of the city
                on = sorted({d for a, used in self._outings(turn, out).items() if a in new.near for d in used})
                wide = new.model_copy(update={"near": []})
                one = self._new_day(turn, wide, trip, day, want, where_to, taken, out)
                if one is not None:
                    notes.append(self._area_planned(new.near, on, where_to))
            if one is None:
                return self._cannot(turn, "add_day_nothing", cities=where(where_to))
            out.append(one.model_copy(update={"day": day}))
            taken |= {x for i in one.items for x in (i.segment_id, i.place)}
        intro = self.prompts.text("replan_intro.add_day", length=trip_length(want))
        return self._finish_days(turn, edits.renumber(out, trip), trip, intro, notes)

    def _new_day(
        self, turn: OfflineTurn, new: Intent, trip: Preferences, day: int, want: int, where_to: list[str],
        taken: set[str], out: list[DayPlan],
    ) -> DayPlan | None:  # fmt: skip
        """Day ``day`` of ``want`` planned after ``out`` from what no day holds yet."""
        prefs = self._day_prefs(trip, new, day, want, new.interests or trip.interests, [])
        cands = self._candidates(turn, new, prefs, where_to, taken, self._areas(turn, out))
        return self._plan_day(turn, cands, prefs, out[-1] if out else None)

    def _area_planned(self, areas: list[str], on: list[int], cities: list[str]) -> str:
        """Why the added day is not in the region the traveller named: its stops are on other days already."""
        days = "、".join(str(d) for d in on)
        key = "area_already_planned" if on else "area_nothing_left"
        return self.prompts.text(key, area="、".join(areas), days=days, cities=where(cities))

    def _whole_trip(
        self, turn: OfflineTurn, new: Intent, request: Intent, old: Itinerary, trip: Preferences, cities: list[str],
        kind: str,
    ) -> OfflineTurn:  # fmt: skip
        """「只要美食」「換一批」, or new pace / must-sees / avoid words: the whole trip planned again."""
        days, cap = len(old.days), stop_cap(trip)
        if kind == "only":
            wanted = edits.with_family(new.interests)
            trip.interests = wanted
            topic = Intent(text=new.text, interests=wanted, must_include=new.must_include, avoid=trip.avoid)
            cands = self._gather(turn, topic, cities, set(), want=days * (cap + 3), fill=False)
        elif kind == "more":
            cands = self._gather(turn, request, cities, edits.planned(old), want=days * cap)
        else:  # refine: new must-sees / interests / pace / avoid, the current stops and more to fill the days
            cands = self._gather(turn, new, cities, edits.planned(old), want=days * cap) + old.segment_ids
        itinerary = self._plan(turn, cands, days, trip) if cands else None
        if itinerary is None:
            return self._nothing(turn, new)
        topic_words = "、".join(new.interests) or "你想要的"
        intro = self.prompts.text(f"replan_intro.{kind}", length=trip_length(days), topic=topic_words)
        return self._finish_plan(turn, intro, itinerary)
