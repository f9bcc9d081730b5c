"""Level 1 of the trip solver: which outings go on which day.

An outing is what travellers do in one go: the sights of one gazetteer area (a gorge, an island, an
old town), or one sight of no area. An area too big for a day is cut into day-sized parts along a
short path through it. Outings are handed to days by OR-Tools routing, one vehicle a day: outings
are optional nodes worth their stops' value, their service time is their hours, a day holds the
sight hours its window leaves around lunch (and dinner) and its pace cap, and travel between
outings costs, so a day gathers outings near each other and an area is never spread over days it
fits in. Food is not an outing: the day solver (``solver``) places meals around the outings.

Why two levels: a single routing model charges an area split only once all its stops sit on one
day, which a local search moving one stop at a time never sees; deciding outings first makes "one
area, one day" hold by construction and leaves the day solver a small problem.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pipelines.planner.rules import NIGHT_EARLIEST, PACE_SCALE, pace_units, to_minutes
from pipelines.planner.stops import Stops
from pipelines.planner.travel import Point, path_order

TRAVEL_COST = 3  # per minute between outings of a day
SHORT_COST = 1  # per minute a day's sights fall short of its hours (spreads thin selections over the days)
TIME_LIMIT_MS = 1000  # a safety bound only: greedy descent stops at a local optimum long before


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


def build(stops: Stops, members: Sequence[int], budget: int, cap: int) -> list[Outing]:
    """Outings of these stops: one per area (cut into parts of at most ``budget`` minutes and the pace cap),
    one per other stop."""
    groups: dict[str, list[int]] = {}
    for n in members:
        key = stops[n].outing or f"#{n}"
        groups.setdefault(key, []).append(n)
    out: list[Outing] = []
    for group in groups.values():
        path = path_order(sorted(group), stops.travel)
        part: list[int] = []
        for n in path:
            if part and (_minutes(stops, [*part, n]) > budget or _units(stops, [*part, n]) > PACE_SCALE * cap):
                out.append(_outing(stops, part))
                part = []
            part.append(n)
        out.append(_outing(stops, part))
    return out


def _minutes(stops: Stops, part: Sequence[int]) -> int:
    visits = sum(stops[n].seg.visit_minutes for n in part)
    return visits + sum(stops.travel(a, b) for a, b in zip(part, part[1:], strict=False))


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
    size = len(outings) + 1
    manager = pywrapcp.RoutingIndexManager(size, days, 0)
    routing = pywrapcp.RoutingModel(manager)
    moves = [[0 if not i or not j or i == j else travel(outings[i - 1], outings[j - 1]) for j in range(size)]
             for i in range(size)]  # fmt: skip
    arc = routing.RegisterTransitMatrix([[TRAVEL_COST * m for m in row] for row in moves])
    routing.SetArcCostEvaluatorOfAllVehicles(arc)
    service = [0] + [o.minutes if not o.night else 0 for o in outings]
    timed = routing.RegisterTransitMatrix(
        [[service[i] + (moves[i][j] if service[i] and service[j] else 0) for j in range(size)] for i in range(size)]
    )
    routing.AddDimensionWithVehicleCapacity(timed, 0, list(budget), True, "time")
    time = routing.GetDimensionOrDie("time")
    for v, hours in enumerate(budget):
        routing.SetVehicleUsedWhenEmpty(True, v)  # an empty day is charged its short hours too
        time.SetCumulVarSoftLowerBound(routing.End(v), hours, SHORT_COST)
    _count(routing, [0] + [o.units for o in outings], [PACE_SCALE * cap] * days, "pace")
    _count(routing, [0] + [int(o.night) for o in outings], [1] * days, "night")
    _count(routing, [0] + [int(o.sunrise) for o in outings], [1] * days, "sunrise")
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
    day: list[int | None] = [None] * len(outings)
    if solution is None:
        return day
    for v in range(days):
        index = solution.Value(routing.NextVar(routing.Start(v)))
        while not routing.IsEnd(index):
            day[manager.IndexToNode(index) - 1] = v
            index = solution.Value(routing.NextVar(index))
    return day


def _count(routing, vector: list[int], caps: list[int], name: str) -> None:
    index = routing.RegisterUnaryTransitVector(vector)
    routing.AddDimensionWithVehicleCapacity(index, 0, caps, True, name)


def night_fits(day_end: int) -> bool:
    return day_end >= to_minutes(NIGHT_EARLIEST) + 60
