"""The trip as a vehicle-routing problem with time windows, solved by OR-Tools' routing solver.

One vehicle per day, open routes (the lodging is wherever the day ends). Each candidate stop is an
optional node whose penalty for being left out is its value (``stops.make_stop``); a meal place is
one node per meal it can be (breakfast, lunch, dinner) of which at most one is used. Time windows
come from opening hours, the stop's kind (night places from 17:30, sunrise spots at dawn only when
asked) and the meal times. Dimensions count, per day, the stops under the pace cap and the meals:
at most one lunch and one dinner (a night market is a dinner). Meal places are worth
``stops.MEAL_VALUE`` more than a sight, so with at most one lunch and one dinner a day they spread
over the days: every full day eats while the selection has food. (A soft lower bound on the meal
count would do the same on paper, but OR-Tools does not charge it to an unused day, so it empties
days instead.) Stops of one outing (area) are a soft same-vehicle set. Waiting costs one per minute, travel one per minute,
so days fill with stops worth their travel and idle gaps are avoided.

Deterministic: a first solution by parallel cheapest insertion, then greedy descent to a local
optimum (no metaheuristic, whose result would depend on how far it got within the time limit).
The time limit is only a safety bound for a loaded machine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pipelines.core.models import Preferences
from pipelines.planner.rules import day_window, matches_place, pace_weight
from pipelines.planner.stops import Stops
from pipelines.planner.travel import Point, travel_minutes

WISH_VALUE = 5_000  # a stop a day wish asks for, on that day
TRAVEL_COST = 2  # per minute on the road; waiting costs 1 a minute
LATE_START_COST = 1  # per minute a used day starts after the day start (idle morning)
LODGING_COST = 1  # per minute between the trip's centre and a day's first and last stop
SHORT_DAY_COST = 2  # per minute a used day ends before its full-day end (``rules.FULL_DAY_END``)
OUTING_SPLIT = 1_200  # each extra day an outing is spread over
TIME_LIMIT_MS = 150
HORIZON = 24 * 60


@dataclass(frozen=True, slots=True)
class Node:
    stop: int  # index into Stops
    meal: str  # "", "breakfast", "lunch", "dinner"
    first: int
    last: int


@dataclass(frozen=True, slots=True)
class DayRoute:
    """One solved day: (stop index, meal role, start minute) in visiting order."""

    visits: tuple[tuple[int, str, int], ...]


def solve(
    stops: Stops,
    ends: Sequence[int],
    fills: Sequence[int],
    prefs: Preferences,
    cap: int,
    city_days: dict[str, list[int]] | None = None,
) -> list[DayRoute] | None:
    """Days (vehicles) in solver order, or None when OR-Tools finds no solution; ``fills`` are the times each
    day should run to (a full day, or the departure day)."""
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    start, _ = day_window(prefs)
    days = len(ends)
    nodes = _nodes(stops, start, max(ends))
    if not nodes:
        return [DayRoute(()) for _ in range(days)]
    manager = pywrapcp.RoutingIndexManager(len(nodes) + 1, days, 0)
    routing = pywrapcp.RoutingModel(manager)
    size = len(nodes) + 1

    def stop_of(i: int) -> int:
        return nodes[i - 1].stop if i else -1

    travel = [[0] * size for _ in range(size)]
    service = [0] * size
    centre = _centre([s.point for s in stops.items])
    home = [0] + [travel_minutes(centre, stops[stop_of(i)].point) // 2 for i in range(1, size)]
    for i in range(1, size):
        service[i] = stops[stop_of(i)].seg.visit_minutes
        for j in range(1, size):
            travel[i][j] = stops.travel(stop_of(i), stop_of(j))
    cost = [
        [
            TRAVEL_COST * travel[i][j] + LODGING_COST * (home[j] if not i else home[i] if not j else 0)
            for j in range(size)
        ]
        for i in range(size)
    ]
    arc = routing.RegisterTransitMatrix(cost)
    routing.SetArcCostEvaluatorOfAllVehicles(arc)
    timed = routing.RegisterTransitMatrix([[service[i] + travel[i][j] for j in range(size)] for i in range(size)])
    routing.AddDimension(timed, HORIZON, HORIZON, False, "time")
    time = routing.GetDimensionOrDie("time")
    time.SetSlackCostCoefficientForAllVehicles(1)
    for i, node in enumerate(nodes, start=1):
        time.CumulVar(manager.NodeToIndex(i)).SetRange(node.first, node.last)
    for v, end in enumerate(ends):
        time.CumulVar(routing.End(v)).SetMax(end)
        time.SetCumulVarSoftUpperBound(routing.Start(v), start, LATE_START_COST)
        time.SetCumulVarSoftLowerBound(routing.End(v), min(end, fills[v]), SHORT_DAY_COST)

    _counter(routing, manager, nodes, "paced", [2 * cap] * days, lambda n: _pace_units(stops, n))
    _counter(routing, manager, nodes, "lunch", [1] * days, lambda n: int(n.meal == "lunch"))
    _counter(routing, manager, nodes, "dinner", [1] * days, lambda n: int(_is_dinner(stops, n)))
    _counter(routing, manager, nodes, "breakfast", [1] * days, lambda n: int(n.meal == "breakfast"))

    by_stop: dict[int, list[int]] = {}
    for i, node in enumerate(nodes, start=1):
        by_stop.setdefault(node.stop, []).append(manager.NodeToIndex(i))
    for s, indices in by_stop.items():  # one city block of days per city (``plan.city_days``)
        allowed = (city_days or {}).get(stops[s].seg.city or "")
        for index in indices if allowed else []:
            _allow(routing, index, allowed)
    wished = _wishes(routing, stops, by_stop, prefs, days)
    for s, indices in by_stop.items():
        routing.AddDisjunction(indices, stops[s].value + (WISH_VALUE if s in wished else 0), 1)
    _outings(routing, stops, by_stop)

    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT
    params.time_limit.FromMilliseconds(TIME_LIMIT_MS)
    solution = routing.SolveWithParameters(params)
    if solution is None:
        return None
    out = []
    for v in range(days):
        visits = []
        index = routing.NextVar(routing.Start(v))
        index = solution.Value(routing.NextVar(routing.Start(v)))
        while not routing.IsEnd(index):
            node = nodes[manager.IndexToNode(index) - 1]
            visits.append((node.stop, node.meal, solution.Value(time.CumulVar(index))))
            index = solution.Value(routing.NextVar(index))
        out.append(DayRoute(tuple(visits)))
    return out


def _allow(routing, index: int, vehicles: list[int]) -> None:
    """Only these days (or left out); SetAllowedVehiclesForIndex's Python binding rejects every list in 9.15."""
    routing.VehicleVar(index).SetValues([-1, *vehicles])


def _centre(points: list[Point]) -> Point:
    return Point(sum(p.lat for p in points) / len(points), sum(p.lon for p in points) / len(points))


def _nodes(stops: Stops, start: int, end: int) -> list[Node]:
    nodes = []
    for stop in stops.items:
        if stop.meal:
            nodes += [Node(stop.n, meal, first, last) for meal, first, last in stop.meals(start) if last <= end]
            continue
        window = stop.window(start, end)
        if window:
            nodes.append(Node(stop.n, "", *window))
    return nodes


def _pace_units(stops: Stops, node: Node) -> int:
    """Half-stops against the cap (``rules.paced_stops``): meals and a night-market dinner are free."""
    if node.meal or _is_dinner(stops, node):
        return 0
    return int(2 * pace_weight(stops[node.stop].seg))


def _is_dinner(stops: Stops, node: Node) -> bool:
    return node.meal == "dinner" or stops[node.stop].market


def _counter(routing, manager, nodes: list[Node], name: str, caps: list[int], count) -> object:
    vector = [0] + [count(n) for n in nodes]
    index = routing.RegisterUnaryTransitVector(vector)
    routing.AddDimensionWithVehicleCapacity(index, 0, caps, True, name)
    return routing.GetDimensionOrDie(name)


def _outings(routing, stops: Stops, by_stop: dict[int, list[int]]) -> None:
    groups: dict[str, list[int]] = {}
    for s, indices in by_stop.items():
        if stops[s].outing:
            groups.setdefault(stops[s].outing, []).extend(indices)
    for indices in groups.values():
        if len(indices) > 1:
            routing.AddSoftSameVehicleConstraint(indices, OUTING_SPLIT)


def _wishes(routing, stops: Stops, by_stop: dict[int, list[int]], prefs: Preferences, days: int) -> set[int]:
    """Stops a day wish asks for may only go on that day; returns them (they are worth ``WISH_VALUE`` more)."""
    wished: set[int] = set()
    for wish in prefs.day_wishes:
        day = days if wish.day == -1 else wish.day
        if not 1 <= day <= days or not (wish.interests or wish.must_include):
            continue
        for s in by_stop:
            seg = stops[s].seg
            if set(wish.interests) & set(seg.tags) or any(matches_place(m, seg) for m in wish.must_include):
                wished.add(s)
                for index in by_stop[s]:
                    _allow(routing, index, [day - 1])
    return wished
