"""The offline agent: no LLM. Intent parser → the same tools the LLM calls → a templated answer.

Follow-ups (「第二天換成海邊的行程」「再多一天」「只要美食」) edit the session's itinerary.
Deterministic: the same request and session give the same answer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pipelines.agent.offline_answer import pace_word, render_plain, render_plan, render_search, trip_length, where
from pipelines.agent.prompts import Prompts
from pipelines.core.citations import Citations
from pipelines.core.events import ToolFinished, ToolStarted
from pipelines.core.models import Itinerary, Preferences, Segment, SegmentHit
from pipelines.intent.parser import Intent, merge_intent, parse_request
from pipelines.planner.plan import MAX_DAYS
from pipelines.planner.rules import matches_avoid, stop_cap
from pipelines.planner.verifier import verify
from pipelines.tools.turn_tools import MAX_PLAN_SEGMENTS, ToolError, TurnTools

if TYPE_CHECKING:
    from pipelines.agent.session import SessionState
    from pipelines.core.ports import SegmentSource

# Broad searches that fill a plan after the traveller's own must-sees and interests.
FILLERS = ("必去 景點", "在地 美食 小吃", "老街 古蹟 散步", "自然 風景", "夜市 夜景", "咖啡 甜點 文青")
SEARCH_LIMIT = 10
SHOW_HITS = 6


@dataclass
class OfflineTurn:
    answer: str
    request: Intent | None
    tools: TurnTools
    citations: Citations = field(default_factory=Citations)
    itinerary: Itinerary | None = None
    events: list[ToolStarted | ToolFinished] = field(default_factory=list)


class OfflineAgent:
    def __init__(self, index: SegmentSource, prompts: Prompts, max_days: int = MAX_DAYS):
        self.index, self.prompts, self.max_days = index, prompts, max_days

    def answer(self, message: str, session: SessionState, force_plan: bool = False) -> OfflineTurn:
        """One offline turn; ``force_plan`` (for ``plan --request``) plans even a question like 「台南有什麼好吃的」."""
        known = Citations(hits=list(session.hits))
        turn = OfflineTurn(answer="", request=session.request, tools=TurnTools(self.index, known=known))
        new = parse_request(message, self.index.cities())
        request = merge_intent(session.request, new)
        has_plan = session.itinerary is not None and bool(session.itinerary.days)
        if new.unknown_places and not new.cities and not (has_plan and new.followup):
            return self._say(turn, "unknown_city", places=where(new.unknown_places), cities=where(self.index.cities()))
        if new.followup and has_plan:
            turn.request = request
            return self._replan(turn, new, request, session.itinerary)
        if new.followup in ("replace_day", "add_day", "remove_day", "set_days"):
            return self._say(turn, "no_plan_yet")
        if not (new.cities or new.interests or new.must_include or new.days or new.avoid):
            return self._say(turn, "greeting")
        turn.request = new
        if new.days or new.wants_plan or force_plan:
            return self._plan_new(turn, new)
        return self._search_only(turn, new)

    # --- the three kinds of answer ---------------------------------------------------------------------
    def _plan_new(self, turn: OfflineTurn, intent: Intent) -> OfflineTurn:
        extra = []
        days = intent.days or 1
        if days > self.max_days:
            extra.append(self.prompts.text("days_clamped", max_days=self.max_days))
            days = self.max_days
        intent.days = days
        prefs = intent.preferences()
        cities = intent.cities or self._best_city(turn, intent)
        cands = self._gather(turn, intent, cities, exclude=set(), want=days * stop_cap(prefs) + 2)
        if not cands:
            return self._nothing(turn, intent)
        itinerary = self._plan(turn, cands, days, prefs)
        if itinerary is None:
            return self._nothing(turn, intent)
        seed = intent.text
        intro = self.prompts.pick(
            "plan_intro", seed, where=where(cities), length=trip_length(days), pace=pace_word(self.prompts, prefs.pace)
        )
        return self._finish_plan(turn, intro, itinerary, extra)

    def _search_only(self, turn: OfflineTurn, intent: Intent) -> OfflineTurn:
        hits: list[SegmentHit] = []
        for city in intent.cities or [None]:
            hits += self._search(turn, intent.search_query(), city, self._tags(intent.interests))
        hits = [h for h in _unique_places(hits) if not any(matches_avoid(a, h) for a in intent.avoid)][:SHOW_HITS]
        if not hits:
            return self._nothing(turn, intent)
        topic = "、".join(intent.interests or intent.must_include) or "景點"
        turn.answer, turn.citations = render_search(self.prompts, intent.text, hits, where(intent.cities), topic)
        return turn

    def _replan(self, turn: OfflineTurn, new: Intent, request: Intent, old: Itinerary) -> OfflineTurn:
        prefs = request.preferences(base=old.preferences)
        old_ids = old.segment_ids
        cities = request.cities or list(dict.fromkeys(i.city for i in old.stops))
        days = len(old.days)
        kind = new.followup or "refine"
        cap = stop_cap(prefs)
        if kind == "replace_day":
            return self._replace_day(turn, new, old, prefs, cities)
        if kind in ("add_day", "remove_day", "set_days"):
            days = min(self.max_days, max(1, (new.days or days) if kind == "set_days" else days + new.day_delta))
            request.days = days
            more = (
                self._gather(turn, request, cities, _planned(old), want=(days - len(old.days)) * cap)
                if days > len(old.days)
                else []
            )
            cands = old_ids + more
        elif kind == "only":
            topic = Intent(text=new.text, interests=new.interests, must_include=new.must_include)
            cands = self._gather(turn, topic, cities, set(), want=days * cap, fill=False)
        elif kind == "more":
            cands = self._gather(turn, request, cities, _planned(old), want=days * cap)
        else:  # refine: new must-sees / interests / pace / avoid on top of the current stops
            cands = self._gather(turn, new, cities, _planned(old), want=0, fill=False) + old_ids
        itinerary = self._plan(turn, cands, days, prefs) if cands else None
        if itinerary is None:
            return self._nothing(turn, new)
        topic = "、".join(new.interests) or "你想要的"
        intro = self.prompts.text(f"replan_intro.{kind}", length=trip_length(days), topic=topic, day="")
        return self._finish_plan(turn, intro, itinerary)

    def _replace_day(
        self, turn: OfflineTurn, new: Intent, old: Itinerary, prefs: Preferences, cities: list[str]
    ) -> OfflineTurn:
        day = len(old.days) if new.target_day == -1 else (new.target_day or 1)
        if not 1 <= day <= len(old.days):
            return self._say(turn, "no_plan_yet") if not old.days else self._nothing(turn, new)
        keep = {x for d in old.days if d.day != day for i in d.items for x in (i.segment_id, i.place)}
        topic = Intent(text=new.text, interests=new.interests, must_include=new.must_include, avoid=new.avoid)
        # must-sees already on other days stay there; the new day only has to hold this message's own
        day_prefs = prefs.model_copy(
            update={"interests": new.interests or prefs.interests, "must_include": new.must_include}
        )
        fill = not (new.interests or new.must_include)
        cands = self._gather(turn, topic, cities, keep, want=stop_cap(prefs), fill=fill)
        one = self._plan(turn, cands, 1, day_prefs) if cands else None
        if one is None or not one.days or not one.days[0].items:
            # say so rather than drag the day to another city: the plan stays as it was
            what = "、".join(new.interests or new.must_include) or "其他"
            return self._say(turn, "replace_day_nothing", cities=where(cities), what=what, day=day)
        new_day = one.days[0].model_copy(update={"day": day})
        days = [new_day if d.day == day else d for d in old.days]
        spliced = Itinerary(days=days, preferences=prefs, notes=list(one.notes))
        segments = self._segments(turn, spliced.segment_ids)
        spliced.checks = verify(spliced, list(segments.values()), len(days), prefs)
        turn.itinerary = spliced
        intro = self.prompts.text("replan_intro.replace_day", day=day, length="", topic="")
        turn.answer, turn.citations = render_plan(self.prompts, intro, spliced, segments)
        return turn

    # --- helpers -------------------------------------------------------------------------------------
    def _gather(
        self, turn: OfflineTurn, intent: Intent, cities: list[str], exclude: set[str], want: int, fill: bool = True
    ) -> list[str]:
        """Candidate segment ids: must-sees, then interests, then broad fillers until ``want`` per city."""
        queries: list[tuple[str, list[str] | None]] = [(m, None) for m in intent.must_include]
        queries += [(t, self._tags([t])) for t in intent.interests]
        per_city = math.ceil(want / max(1, len(cities))) if want else 0
        found: list[str] = []
        for city in cities or [None]:
            mine: list[SegmentHit] = []
            plan = queries + ([(q, None) for q in FILLERS] if fill else [])
            for n, (query, tags) in enumerate(plan):
                if n >= len(queries) and len(_unique_places(mine)) >= per_city:
                    break
                hits = self._search(turn, query, city, tags)
                mine += [h for h in hits if not _excluded(h, exclude, intent.avoid)]
            found += [h.segment_id for h in _unique_places(mine)]
        return list(dict.fromkeys(found))[:MAX_PLAN_SEGMENTS]

    def _search(self, turn: OfflineTurn, query: str, city: str | None, tags: list[str] | None) -> list[SegmentHit]:
        args: dict[str, Any] = {"query": query, "limit": SEARCH_LIMIT}
        if city:
            args["city"] = city
        if tags:
            args["tags"] = tags
        ok = self._call(turn, "search_segments", args)
        return list(turn.tools.last_hits) if ok else []

    def _plan(self, turn: OfflineTurn, ids: list[str], days: int, prefs: Preferences) -> Itinerary | None:
        args = {"segments": ids[:MAX_PLAN_SEGMENTS], "days": days, "preferences": _tool_prefs(prefs)}
        return turn.tools.itinerary if self._call(turn, "plan_itinerary", args) else None

    def _call(self, turn: OfflineTurn, name: str, args: dict[str, Any]) -> bool:
        call_id = f"{name}-{len(turn.events) // 2 + 1}"
        turn.events.append(ToolStarted(call_id=call_id, name=name, arguments=args))
        try:
            reply = getattr(turn.tools, name)(**args)
            ok, summary = True, reply.summary
        except ToolError as err:
            ok, summary = False, err.summary
        ms = turn.tools.records[-1].duration_ms if turn.tools.records else 0.0
        turn.events.append(ToolFinished(call_id=call_id, name=name, ok=ok, summary=summary, duration_ms=ms))
        return ok

    def _finish_plan(
        self, turn: OfflineTurn, intro: str, itinerary: Itinerary, extra: list[str] | None = None
    ) -> OfflineTurn:
        turn.itinerary = itinerary
        segments = self._segments(turn, itinerary.segment_ids)
        turn.answer, turn.citations = render_plan(self.prompts, intro, itinerary, segments, extra or [])
        return turn

    def _segments(self, turn: OfflineTurn, ids: list[str]) -> dict[str, Segment]:
        have = {h.segment_id: h for pool in (turn.tools.citations, turn.tools.known) for h in pool.hits}
        missing = [i for i in ids if i not in have]
        if missing:
            have.update({s.segment_id: s for s in self.index.get_segments(missing)})
        return {i: have[i] for i in ids}

    def _best_city(self, turn: OfflineTurn, intent: Intent) -> list[str]:
        hits = self._search(turn, intent.search_query(), None, self._tags(intent.interests))
        return [hits[0].city] if hits and hits[0].city else []

    def _tags(self, interests: list[str]) -> list[str] | None:
        known = set(self.index.tags())
        tags = [t for t in interests if t in known][:5]
        return tags or None

    def _nothing(self, turn: OfflineTurn, intent: Intent) -> OfflineTurn:
        searches = [r for r in turn.tools.records if r.name == "search_segments"]
        if searches and not any(r.ok for r in searches):  # could not look, which is not "found nothing"
            return self._say(turn, "search_failed")
        what = where(intent.cities) + "、".join(intent.interests or intent.must_include)
        return self._say(turn, "nothing_found", what=what or "符合條件", cities=where(self.index.cities()))

    def _say(self, turn: OfflineTurn, key: str, **values: Any) -> OfflineTurn:
        turn.answer = render_plain(self.prompts, key, **values)
        return turn


def _excluded(hit: SegmentHit, exclude: set[str], avoid: list[str]) -> bool:
    """Already planned (by id or place) or something the traveller wants to avoid."""
    return hit.segment_id in exclude or hit.place in exclude or any(matches_avoid(a, hit) for a in avoid)


def _planned(itinerary: Itinerary) -> set[str]:
    return {x for i in itinerary.stops for x in (i.segment_id, i.place)}


def _unique_places(hits: list[SegmentHit]) -> list[SegmentHit]:
    seen: dict[str, SegmentHit] = {}
    for h in hits:
        seen.setdefault(h.place or h.segment_id, h)
    return list(seen.values())


def _tool_prefs(prefs: Preferences) -> dict[str, Any]:
    data = prefs.model_dump(
        include={"pace", "interests", "avoid", "must_include", "day_start", "day_end", "with_kids", "with_elders"}
    )
    data["interests"] = data["interests"][:10]
    data["avoid"] = data["avoid"][:10]
    data["must_include"] = data["must_include"][:10]
    return data
