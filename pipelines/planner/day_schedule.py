"""One day of an itinerary: the order of its stops and their times (rules in ``planner.rules``).

Stops are ordered by time of day first (sunrise, morning, any, afternoon, evening, night) and by
geography within each group; a lunch stop is then slotted where it starts closest to 12:00.
Soft times (afternoon spots from 12:00, evening spots from 16:00, lunch from 11:00, dinner from
17:00) are dropped if the day cannot hold them, and never cause idling: a stop waits at most
``SOFT_WAIT`` (a meal ``MEAL_WAIT``) minutes for its soft time, and the first stop of a day starts
at the day start; only sunrise and night times are hard (and night places may wait for them).
A day whose stops exceed the pace cap (counted by ``paced_stops``: a lunch and an evening meal
are free) is not feasible; of the feasible orders the one with lunch nearest 12:00, least travel
and least idle time wins.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pipelines.core.models import Preferences, Segment
from pipelines.planner.rules import (
    DINNER,
    KIND_RANK,
    LUNCH,
    MEAL_WAIT,
    NIGHT_EARLIEST,
    SOFT_EARLIEST,
    SOFT_WAIT,
    SUNRISE_START,
    day_window,
    entry_minutes,
    is_food,
    is_gentle,
    is_meal,
    is_night_market,
    kind_of,
    paced_stops,
    stop_cap,
    to_minutes,
)
from pipelines.planner.travel import Point, path_order, travel_minutes

CITY_MIX_PENALTY = 6.0  # in the day cost: one more city in a day weighs like ~2.5 h more busy time


@dataclass(frozen=True, slots=True, eq=False)  # identity: a stop is one candidate, compared by `is`
class Stop:
    n: int  # index in the planner's candidate list
    seg: Segment
    point: Point
    kind: str
    food: bool
    must: bool

    @classmethod
    def of(cls, n: int, seg: Segment, point: Point, must: bool) -> Stop:
        return cls(n, seg, point, kind_of(seg), is_food(seg), must)


@dataclass(frozen=True, slots=True)
class Timed:
    stop: Stop
    start: int
    end: int
    travel: int


@dataclass(frozen=True, slots=True)
class Day:
    timed: tuple[Timed, ...]
    cost: float


class DayScheduler:
    """Schedules chunks of stops into days; results are cached, since the planner asks often."""

    def __init__(self, stops: Sequence[Stop], prefs: Preferences):
        self.stops, self.prefs = stops, prefs
        self.gentle = is_gentle(prefs)
        self.cap = stop_cap(prefs)
        self.windows = {False: day_window(prefs), True: day_window(prefs, opens_with_sunrise=True)}
        self._travel: dict[tuple[int, int], int] = {}
        self._days: dict[tuple[tuple[int, ...], int | None], Day | None] = {}
        self._paths: dict[tuple[tuple[int, ...], int | None], list[int]] = {}

    def travel(self, a: int, b: int) -> int:
        key = (a, b) if a < b else (b, a)
        if key not in self._travel:
            self._travel[key] = travel_minutes(self.stops[a].point, self.stops[b].point, self.gentle)
        return self._travel[key]

    def day(self, chunk: tuple[int, ...], entry: int | None) -> Day | None:
        """The best schedule of these stops in one day after ``entry`` (the previous day's last stop)."""
        key = (chunk, entry)
        if key not in self._days:
            self._days[key] = self._plan(chunk, entry)
        return self._days[key]

    def _plan(self, chunk: tuple[int, ...], entry: int | None) -> Day | None:
        stops = [self.stops[n] for n in chunk]
        if sum(s.kind == "sunrise" for s in stops) > 1 or len(stops) - _most_free(stops) > self.cap:
            return None
        for strict in (True, False):
            timed = self._arrange(stops, entry, strict)
            if timed is not None:
                busy = sum(t.end - t.start + t.travel for t in timed)
                cities = len({t.stop.seg.city for t in timed})
                return Day(timed, (busy / 60) ** 2 + CITY_MIX_PENALTY * (cities - 1))
        return None

    def _arrange(self, stops: list[Stop], entry: int | None, strict: bool) -> tuple[Timed, ...] | None:
        blocks = self._blocks(stops, entry)
        evening_food = any(is_night_market(s.seg) or (s.food and s.kind in ("evening", "night")) for s in stops)
        meals = [s for block in blocks for s in block if s.food and s.kind in ("morning", "any", "afternoon")]
        lunch = next((s for s in meals if is_meal(s.seg)), meals[0] if meals else None)  # a short one first
        meals = [lunch, *(s for s in meals if s is not lunch)] if lunch else meals
        dinner = meals[-1] if len(meals) >= 2 and not evening_food else None
        roles: dict[int, int] = {}
        if dinner:  # just before the evening part of its city's block
            roles[dinner.n] = _DINNER
            block = next(b for b in blocks if dinner in b)
            block.remove(dinner)
            block.insert(_first(block, lambda s: KIND_RANK[s.kind] >= KIND_RANK["evening"]), dinner)
        if not lunch:
            timed = self._timed([s for b in blocks for s in b], entry, roles, strict)
            return timed if timed is not None and self._within_cap(timed) else None
        roles[lunch.n] = _LUNCH
        k = next(k for k, b in enumerate(blocks) if lunch in b)
        block = [s for s in blocks[k] if s is not lunch]
        first = _first(block, lambda s: KIND_RANK[s.kind] >= KIND_RANK["any"])
        last = _first(block, lambda s: s is dinner or KIND_RANK[s.kind] >= KIND_RANK["evening"])
        before = [s for b in blocks[:k] for s in b]
        after = [s for b in blocks[k + 1 :] for s in b]
        best: tuple[float, tuple[Timed, ...]] | None = None
        for pos in range(first, max(first, last) + 1):
            order = [*before, *block[:pos], lunch, *block[pos:], *after]
            timed = self._timed(order, entry, roles, strict)
            if timed is None or not self._within_cap(timed):
                continue
            start = next(t.start for t in timed if t.stop is lunch)
            score = abs(start - _LUNCH_IDEAL) + sum(t.travel for t in timed) + _idle(timed)
            if best is None or score < best[0]:
                best = (score, timed)
        return best[1] if best else None

    def _within_cap(self, timed: tuple[Timed, ...]) -> bool:
        return paced_stops((t.stop.seg, t.start) for t in timed) <= self.cap

    def _blocks(self, stops: list[Stop], entry: int | None) -> list[list[Stop]]:
        """One block per city in route order; in a block, time-of-day groups, each a geographic path."""
        blocks: list[list[Stop]] = []
        last = entry
        for city in dict.fromkeys(s.seg.city for s in stops):
            block: list[Stop] = []
            in_city = [s for s in stops if s.seg.city == city]
            for rank in sorted({KIND_RANK[s.kind] for s in in_city}):
                group = tuple(sorted(s.n for s in in_city if KIND_RANK[s.kind] == rank))
                block.extend(self.stops[n] for n in self._path(group, last))
                last = block[-1].n
            blocks.append(block)
        return blocks

    def _path(self, group: tuple[int, ...], origin: int | None) -> list[int]:
        key = (group, origin)
        if key not in self._paths:
            self._paths[key] = path_order(group, self.travel, origin)
        return self._paths[key]

    def _timed(
        self, order: list[Stop], entry: int | None, roles: dict[int, int], strict: bool
    ) -> tuple[Timed, ...] | None:
        opens_with_sunrise = order[0].kind == "sunrise"
        window_start, window_end = self.windows[opens_with_sunrise]
        entry_point = self.stops[entry].point if entry is not None else None
        timed: list[Timed] = []
        clock = window_start
        for i, stop in enumerate(order):
            if i == 0:
                travel = entry_minutes(entry_point, stop.point, stop.kind, self.gentle)
            else:
                travel = self.travel(order[i - 1].n, stop.n)
            if stop.kind == "sunrise":
                if i > 0:  # a sunrise spot only works as the first stop of the day
                    return None
                start = _SUNRISE
            else:
                ready = clock + travel
                start = max(ready, _NIGHT if stop.kind == "night" else 0)
                soft, wait = self._soft(stop, roles, strict)
                if i > 0 and soft > start:  # wait a little for a soft time, never idle long for it
                    start = min(soft, ready + wait)
            end = start + stop.seg.visit_minutes
            if end > window_end:
                return None
            timed.append(Timed(stop, start, end, travel))
            clock = end
        return tuple(timed)

    @staticmethod
    def _soft(stop: Stop, roles: dict[int, int], strict: bool) -> tuple[int, int]:
        """(soft earliest start, longest wait for it); only when ``strict``: meal times, afternoon/evening spots."""
        if not strict or stop.kind == "night":
            return 0, 0
        if stop.n in roles:
            return roles[stop.n], MEAL_WAIT
        return _SOFT.get(stop.kind, 0), SOFT_WAIT


_NIGHT, _SUNRISE = to_minutes(NIGHT_EARLIEST), to_minutes(SUNRISE_START)
_LUNCH, _LUNCH_IDEAL, _DINNER = to_minutes(LUNCH[0]), to_minutes(LUNCH[1]), to_minutes(DINNER[0])
_SOFT = {kind: to_minutes(hhmm) for kind, hhmm in SOFT_EARLIEST.items()}


def _most_free(stops: Sequence[Stop]) -> int:
    """An upper bound on the stops ``paced_stops`` can leave out: a lunch and an evening meal."""
    meals = sum(is_meal(s.seg) for s in stops)
    markets = sum(is_night_market(s.seg) for s in stops)
    return min(meals, 1) + min(1, markets + max(0, meals - 1))


def _idle(timed: Sequence[Timed]) -> int:
    """Minutes spent waiting between stops, beyond travel."""
    return sum(b.start - a.end - b.travel for a, b in zip(timed, timed[1:], strict=False))


def _first(block: list[Stop], test: Callable[[Stop], bool]) -> int:
    return next((i for i, s in enumerate(block) if test(s)), len(block))
