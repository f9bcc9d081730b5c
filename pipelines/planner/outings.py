"""Level 1 of the trip solver: which outings go on which day.

An outing is what travellers do in one go: the sights of one gazetteer area (a gorge, an island, an
old town), or one sight of no area. An area too big for a day is cut into day-sized parts along a
short path through it. Outings are handed to days by OR-Tools routing, one vehicle a day: outings
are optional nodes worth their stops' value, their service time is their hours, a day holds the
sight hours its window leaves around lunch (and dinner) and its pace cap, and travel between
outings costs, so a day gathers outings near each other and an area is never spread over days it
fits in. A day short of its hours costs more the emptier it is, and a day (nearly) bare of sights costs
most, counting its sights alone: a boat to 七美 and back fills no day (issue 9: 馬公 and 七美 in one
afternoon, the last day empty). Food is not an outing: the day solver (``solver``) places meals around
the outings.

Why two levels: a single routing model charges an area split only once all its stops sit on one
day, which a local search moving one stop at a time never sees; deciding outings first makes "one
area, one day" hold by construction and leaves the day solver a small problem.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pipelines.planner.rules import (
    LUNCH_MINUTES,
    MEAL_INSIDE_MINUTES,
    NIGHT_EARLIEST,
    PACE_SCALE,
    is_food_street,
    pace_units,
    to_minutes,
)
from pipelines.planner.stops import Stops
from pipelines.planner.travel import Point, path_order

TRAVEL_COST = 3  # per minute between outings of a day
SHORT_COST = 3  # per minute a day's sights fall short of its hours: an empty afternoon is worse than a drive
THIN_SHARE, THIN_COST = 60, 6  # and more per minute below this share of them, so thin days even out
BARE_SHARE, BARE_COST = 15, 12  # and more below this share in sights alone: no day left (nearly) empty
TIME_LIMIT_MS = 5_000  # a safety bound only: greedy descent stops at a local optimum long before


@dataclass(frozen=True, slots=True)
class Outing:
    stops: tuple[int, ...]  # indices into Stops, in a short walking order
    minutes: int  # visits and the moves between them
    units: int  # against the pace cap, ``rules.PACE_SCALE`` a stop
    value: int
    point: Point  # its first stop
    night: bool  # after dinner (a night spot); at most one a day
    sunrise: bool


def sights(stops: Stops) -> list[int]:
    """The stops outings are made of: everything but meals and night markets (the day solver's food)."""
    return [s.n for s in stops.items if not s.meal and not s.market]


def build(stops: Stops, members: Sequence[int], budget: Sequence[int], cap: int) -> list[Outing]:
    """Outings of these stops: one per area (cut into parts of at most a day's minutes and the pace cap, along
    a short path), one per other stop. An area no day holds whole is cut to the shortest day: cut to the
    longest, the rest of 恆春半島 would fit no departure day and be left out, that day empty."""
    groups: dict[str, list[int]] = {}
    for n in members:
        key = stops[n].outing or f"#{n}"
        groups.setdefault(key, []).append(n)
    out: list[Outing] = []
    for group in groups.values():
        path = path_order(sorted(group), stops.travel)
        parts = _cut(stops, path, max(budget), cap)
        if len(parts) > 1:  # it needs days anyway: parts any day holds, which days may still take two of
            parts = _cut(stops, path, min(budget), cap)
        out += [_outing(stops, p) for p in parts]
    return out


def _cut(stops: Stops, path: list[int], most: int, cap: int) -> list[list[int]]:
    parts: list[list[int]] = [[]]
    for n in path:
        part = parts[-1]
        if part and (_minutes(stops, [*part, n]) > most or _units(stops, [*part, n]) > PACE_SCALE * cap):
            parts.append([])
        parts[-1].append(n)
    return parts


def _minutes(stops: Stops, part: Sequence[int]) -> int:
    """Visits and moves; a food street's visit, or one long enough to eat during (an island tour), less the
    lunch eaten there (the day's hours already leave time for it)."""
    visits = sum(stops[n].seg.visit_minutes - (LUNCH_MINUTES if _feeds(stops[n].seg) else 0) for n in part)
    return visits + sum(stops.travel(a, b) for a, b in zip(part, part[1:], strict=False))


def _feeds(seg) -> bool:
    return is_food_street(seg) or seg.visit_minutes >= MEAL_INSIDE_MINUTES


def _units(stops: Stops, part: Sequence[int]) -> int:
    return sum(pace_units(stops[n].seg) for n in part)


def _outing(stops: Stops, part: list[int]) -> Outing:
    kinds = {stops[n].kind for n in part}
    return Outing(
        stops=tuple(part),
        minutes=_minutes(stops, part),
        units=_units(stops, part),
        value=sum(stops[n].value for n in part),
        point=stops[part[0]].point,
        night="night" in kinds,
        sunrise="sunrise" in kinds,
    )


def budgets(starts: Sequence[int], sight_ends: Sequence[int], lunch: int) -> list[int]:
    """Sight minutes a day holds: its start to the end of its sights, less lunch."""
    return [max(0, end - start - lunch) for start, end in zip(starts, sight_ends, strict=True)]


def assign(
    outings: Sequence[Outing],
    budget: Sequence[int],
    cap: int,
    allowed: Sequence[list[int] | None],
    bonus: Sequence[int],
    travel,
) -> list[int | None]:
    """The day (0-based) of each outing, or None when it is left out; ``allowed[k]`` restricts outing k to
    some days (a wish, a city block), ``bonus[k]`` adds to its value (must-include, wishes)."""
    if not outings:
        return []
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    days = len(budget)
    count = len(outings)
    size = count + days + 1  # depot, outings, one mandatory day-opener per day (see below)
    manager = pywrapcp.RoutingIndexManager(size, days, 0)
    routing = pywrapcp.RoutingModel(manager)

    def real(i: int) -> bool:
        return 0 < i <= count

    moves = [[travel(outings[i - 1], outings[j - 1]) if real(i) and real(j) and i != j else 0 for j in range(size)]
             for i in range(size)]  # fmt: skip
    arc = routing.RegisterTransitMatrix([[TRAVEL_COST * m for m in row] for row in moves])
    routing.SetArcCostEvaluatorOfAllVehicles(arc)
    service = [o.minutes if real(i) and not outings[i - 1].night else 0 for i, o in _indexed(outings, size)]
    timed = routing.RegisterTransitMatrix(
        [[service[i] + (moves[i][j] if service[i] and service[j] else 0) for j in range(size)] for i in range(size)]
    )
    routing.AddDimensionWithVehicleCapacity(timed, 0, list(budget), True, "time")
    routing.AddDimensionWithVehicleCapacity(timed, 0, list(budget), True, "thin")  # the same hours, a 2nd bound
    # the moves fill a day as well as sights do above, which is right for a drive but would let two ferry crossings
    # (七美 and back) fill an afternoon of 馬公 while the last day stays empty: a day's sights alone count here
    routing.AddDimensionWithVehicleCapacity(routing.RegisterUnaryTransitVector(service), 0, list(budget), True, "bare")
    time, thin, bare = (routing.GetDimensionOrDie(name) for name in ("time", "thin", "bare"))
    for v, hours in enumerate(budget):
        time.SetCumulVarSoftLowerBound(routing.End(v), hours, SHORT_COST)
        thin.SetCumulVarSoftLowerBound(routing.End(v), hours * THIN_SHARE // 100, THIN_COST)
        bare.SetCumulVarSoftLowerBound(routing.End(v), hours * BARE_SHARE // 100, BARE_COST)
        # OR-Tools' insertion heuristics price an empty route at nothing, so the first outing of a day would
        # be charged all its short hours: a mandatory opener node keeps every day in use from the start
        routing.NextVar(routing.Start(v)).SetValues([manager.NodeToIndex(count + 1 + v)])  # first, so it
        # never sits between two outings and hides the move from one to the other
    _count(routing, [o.units if real(i) else 0 for i, o in _indexed(outings, size)], PACE_SCALE * cap, days, "pace")
    _count(routing, [int(real(i) and o.night) for i, o in _indexed(outings, size)], 1, days, "night")
    _count(routing, [int(real(i) and o.sunrise) for i, o in _indexed(outings, size)], 1, days, "sunrise")
    for k, outing in enumerate(outings):
        index = manager.NodeToIndex(k + 1)
        if allowed[k] is not None:
            routing.VehicleVar(index).SetValues([-1, *allowed[k]])
        routing.AddDisjunction([index], outing.value + bonus[k])
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT
    params.time_limit.FromMilliseconds(TIME_LIMIT_MS)
    solution = routing.SolveWithParameters(params)
    day: list[int | None] = [None] * count
    if solution is None:
        return day
    for v in range(days):
        index = solution.Value(routing.NextVar(routing.Start(v)))
        while not routing.IsEnd(index):
            if real(node := manager.IndexToNode(index)):
                day[node - 1] = v
            index = solution.Value(routing.NextVar(index))
    return day


def _indexed(outings: Sequence[Outing], size: int):
    """(node, outing or None) for every routing node: the depot and the day-openers have no outing."""
    return [(i, outings[i - 1] if 0 < i <= len(outings) else None) for i in range(size)]


def _count(routing, vector: list[int], cap: int, days: int, name: str) -> None:
    index = routing.RegisterUnaryTransitVector(vector)
    routing.AddDimensionWithVehicleCapacity(index, 0, [cap] * days, True, name)


def night_fits(day_end: int) -> bool:
    return day_end >= to_minutes(NIGHT_EARLIEST) + 60
