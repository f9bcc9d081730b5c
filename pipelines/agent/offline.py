"""The offline agent: no LLM. Intent parser → the same tools the LLM calls → a templated answer.

Follow-ups edit the session's itinerary (``offline_followups``); the days the traveller did not
name stay as they were. A request naming no city gets a clearly labelled example plan for a
suggested city and the question which city they want. Deterministic: the same request, session and
``today`` give the same answer (the clock is read once, here at the edge, and can be injected).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from pipelines.agent.offline_answer import (
    pace_word,
    problem_notes,
    render_plain,
    render_plan,
    render_search,
    trip_length,
    where,
)
from pipelines.agent.offline_edits import excluded
from pipelines.agent.offline_followups import EDITS, FollowUps
from pipelines.agent.offline_turn import OfflineTurn
from pipelines.agent.prompts import Prompts
from pipelines.core.citations import Citations
from pipelines.core.events import ToolFinished, ToolStarted
from pipelines.core.models import Itinerary, Preferences, Segment, SegmentHit
from pipelines.intent.lexicon import REGION_AREAS
from pipelines.intent.model import merged
from pipelines.intent.parser import Intent, in_context, merge_intent, parse_request
from pipelines.planner.plan import MAX_DAYS
from pipelines.planner.rules import matches_avoid, matches_place, norm, stop_cap
from pipelines.tools.turn_tools import MAX_PLAN_SEGMENTS, ToolError, TurnTools

if TYPE_CHECKING:
    from pipelines.agent.session import SessionState
    from pipelines.core.ports import SegmentSource

# Broad searches that fill a plan after the traveller's own must-sees and interests: every kind of
# place (by tag), so the planner can fill each day and feed it, not only the best-known sights.
FOOD = (  # every day eats: always searched, three ways, so a city's food comes whole
    ("在地 美食 小吃 餐廳", ("美食", "小吃")),
    ("老街 海鮮 早餐", ("美食", "小吃")),
    ("夜市", ("夜市",)),
)
FILLERS = (
    ("必去 景點 風景 夜景", ("景觀", "自然", "夜景")),
    ("古蹟 歷史 老街", ("古蹟", "歷史", "老街")),
    ("博物館 藝術 文青", ("博物館", "藝術", "文青")),
    ("海邊 溫泉 步道 親子", ("海邊", "溫泉", "步道", "親子")),
    ("宗教 農場 咖啡 甜點", ("宗教", "農場", "咖啡", "甜點")),
)
AREA_SEARCHES = (3, 6)  # areas a city's search looks up by name (so an outing comes whole): short and long trips
SEARCH_LIMIT = 10
SHOW_HITS = 6


def taiwan_today() -> dt.date:
    """Today's date where the traveller is: date words (「明天」「這週六」) mean Taiwan's calendar, not the server's."""
    return dt.datetime.now(ZoneInfo("Asia/Taipei")).date()


class OfflineAgent(FollowUps):
    def __init__(
        self,
        index: SegmentSource,
        prompts: Prompts,
        max_days: int = MAX_DAYS,
        today: Callable[[], dt.date] = taiwan_today,
    ):
        self.index, self.prompts, self.max_days, self.today = index, prompts, max_days, today

    def answer(self, message: str, session: SessionState, force_plan: bool = False) -> OfflineTurn:
        """One offline turn; ``force_plan`` (for ``plan --request``) plans even a question like 「台南有什麼好吃的」."""
        known = Citations(hits=list(session.hits))
        turn = OfflineTurn(answer="", request=session.request, tools=TurnTools(self.index, known=known))
        has_plan = session.itinerary is not None and bool(session.itinerary.days)
        new = in_context(parse_request(message, self.index.cities(), today=self.today()), has_plan)
        request = merge_intent(session.request, new)
        if new.unknown_places and not new.cities and not (has_plan and new.followup):
            return self._say(turn, "unknown_city", places=where(new.unknown_places), cities=where(self.index.cities()))
        if has_plan and (new.followup or self._removes_stop(new, session.itinerary)):
            turn.request = request
            return self._replan(turn, new, request, session.itinerary)
        if new.followup in EDITS:
            return self._say(turn, "no_plan_yet")
        if not (new.cities or new.interests or new.must_include or new.days or new.avoid or new.wants_plan):
            return self._say(turn, "greeting")
        turn.request = new
        if new.days or new.wants_plan or force_plan:
            return self._plan_new(turn, new)
        return self._search_only(turn, new)

    # --- the three kinds of answer ---------------------------------------------------------------------
    def _plan_new(self, turn: OfflineTurn, intent: Intent) -> OfflineTurn:
        days = min(intent.days or 1, self.max_days)
        clamped = ["days_clamped"] if (intent.days or 1) > self.max_days else []
        extra = problem_notes(self.prompts, [*intent.problems, *clamped], self.max_days, intent.start_date)
        intent.days = days
        prefs = intent.preferences()
        cities = intent.cities or self._cities_of(turn, intent.wanted)  # 「想去雙心石滬」 is a 澎湖 trip
        if not cities and (intent.wanted or intent.near):  # a place named that the corpus lacks: ask, plan nothing
            named = "、".join([*intent.wanted, *intent.near])
            return self._say(turn, "unknown_place", places=named, cities=where(self.index.cities()))
        intent.cities = cities
        if not cities:  # never pick a city silently: an example for a suggested one, and ask
            cities = [self._example_city()]
            extra.insert(0, self.prompts.text("no_city", city=cities[0], cities=where(self.index.cities())))
        found, missing = self._found(turn, intent, cities)
        intent.must_include = prefs.must_include = merged(intent.must_include, found)[:20]
        turn.missing = missing
        if missing:  # 「綠島兩天」: never a trip elsewhere in 台東 that reads as the one asked for
            names = "、".join(f"「{name}」" for name in missing)
            extra.insert(0, self.prompts.text("places_missing", places=names, cities=where(cities)))
        cands = self._gather(turn, intent, cities, exclude=set(), want=days * (stop_cap(prefs) + 4) + 10)
        if not cands:
            return self._nothing(turn, intent)
        itinerary = self._plan(turn, cands, days, prefs)
        if itinerary is None:
            return self._nothing(turn, intent)
        key = "plan_intro" if intent.cities else "example_intro"
        pace = pace_word(self.prompts, prefs.pace)
        intro = self.prompts.pick(key, intent.text, where=where(cities), length=trip_length(days), pace=pace)
        return self._finish_plan(turn, intro, itinerary, extra)

    def _found(self, turn: OfflineTurn, intent: Intent, cities: list[str]) -> tuple[list[str], list[str]]:
        """(the places named that the corpus has, by its place name or a part of it: 故宮 → 國立故宮博物院, as
        must-sees; those it does not have). Named: after 想去/想看/要吃, or a famous place instead of its city
        (駁二, 綠島). A region word (池上) stays as said: any stop there meets it."""
        found: list[str] = []
        missing: list[str] = []
        for name in merged(intent.wanted, intent.named_places):
            hits = [h for city in cities for h in self._search(turn, name, city, None)]
            hit = next((h for h in hits if h.place and matches_place(name, h)), None)
            if hit is None:
                missing.append(name)
            else:  # 「駁二一日遊」: 駁二藝術特區 is in the plan
                found.append(name if name in REGION_AREAS else hit.place)
        return found, missing

    def _cities_of(self, turn: OfflineTurn, names: list[str]) -> list[str]:
        """The cities of the named places the corpus has, when the request names no city."""
        hits = [h for name in names for h in self._search(turn, name, None, None) if matches_place(name, h)]
        return list(dict.fromkeys(h.city for h in hits if h.city))[:3]

    def _example_city(self) -> str:
        wanted = self.prompts.text("example_city")
        cities = self.index.cities()
        return wanted if wanted in cities else cities[0]

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

    # --- helpers -------------------------------------------------------------------------------------
    def _gather(
        self, turn: OfflineTurn, intent: Intent, cities: list[str], exclude: set[str], want: int, fill: bool = True
    ) -> list[str]:
        """Candidate segment ids: must-sees, interests, the areas asked for (「附近」, region words) and their
        food; then, with ``fill``, every kind of place until ``want`` places a city, and the areas found by
        name so each outing comes whole."""
        queries: list[tuple[str, list[str] | None]] = [(m, None) for m in intent.must_include]
        queries += [(t, self._tags([t])) for t in intent.interests]
        for area in intent.near:
            queries += [(area, None), (f"{area} 美食 小吃", self._tags(["美食", "小吃"]))]
        per_city = math.ceil(want / max(1, len(cities))) if want else 0
        found: list[str] = []
        for city in cities or [None]:
            mine: list[SegmentHit] = []

            def look(query: str, tags: list[str] | None, city=city, mine=mine) -> None:
                hits = self._search(turn, query, city, tags)
                mine += [h for h in hits if not excluded(h, exclude, intent.avoid)]

            for query, tags in [*queries, *(FOOD if fill else ())]:
                look(query, self._tags(list(tags)) if isinstance(tags, tuple) else tags)
            for query, tags in FILLERS if fill else ():
                if len(_unique_places(mine)) >= per_city:
                    break
                look(query, self._tags(list(tags)))
            searched = {norm(a) for a in intent.near}
            areas = Counter(h.area for h in mine if h.area and norm(h.area) not in searched)
            for area, _ in areas.most_common(min(AREA_SEARCHES[1], AREA_SEARCHES[0] + per_city // 16)) if fill else ():
                look(area, None)
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
        hints = self._hints(turn, itinerary)
        turn.answer, turn.citations = render_plan(self.prompts, intro, itinerary, segments, extra or [], hints=hints)
        return turn

    def _segments(self, turn: OfflineTurn, ids: list[str]) -> dict[str, Segment]:
        have = {h.segment_id: h for pool in (turn.tools.citations, turn.tools.known) for h in pool.hits}
        missing = [i for i in ids if i not in have]
        if missing:
            have.update({s.segment_id: s for s in self.index.get_segments(missing)})
        return {i: have[i] for i in ids}

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


def _unique_places(hits: list[SegmentHit]) -> list[SegmentHit]:
    seen: dict[str, SegmentHit] = {}
    for h in hits:
        seen.setdefault(h.place or h.segment_id, h)
    return list(seen.values())


def _tool_prefs(prefs: Preferences) -> dict[str, Any]:
    data = prefs.model_dump(
        include={
            "pace", "interests", "avoid", "must_include", "day_start", "day_end", "with_kids", "with_elders",
            "start_date", "sunrise", "near", "day_wishes",
        }
    )  # fmt: skip
    data["interests"] = data["interests"][:10]
    data["avoid"] = data["avoid"][:10]
    data["must_include"] = data["must_include"][:10]
    return data
