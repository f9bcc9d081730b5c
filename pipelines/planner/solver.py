"""Level 2 of the trip solver: each day as a routing problem with time windows (OR-Tools).

The outing plan (``allocate``) says which stops each day may hold. A day is one vehicle on an open
route (the lodging is wherever the day ends): its outings' sights are worth their value plus
``allocate.ASSIGNED_VALUE``, nearby sights no day took may fill it, and food near it feeds it. A
meal place is one node per meal it can be (breakfast, lunch, dinner), at most one of them used; a
food street (十分老街) is a sight and may be the lunch or the dinner too. Time windows come from
opening hours, the stop's kind (night places from 17:30, sunrise spots at dawn only when asked) and
the meal times; evening spots (sunsets, night views) prefer the late afternoon. Dimensions count the
stops under the pace cap and the meals: at most one breakfast, lunch and dinner (a night market is a
dinner), and meal places are worth ``stops.MEAL_VALUE`` more than a sight, so a day eats whenever
food is in reach. Travel and waiting cost per minute, so is a late start and a day ending before its
full-day end: days fill with stops worth their travel, from the morning, without idle gaps.

Days are solved one by one, the day with the fewest food choices first, each taking its stops out of
the pool: small problems, solved in milliseconds. Deterministic: parallel cheapest insertion, then
greedy descent to a local optimum (no metaheuristic, whose result would depend on how far it got in
the time limit, which is only a safety bound for a loaded machine).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pipelines.core.models import Preferences
from pipelines.planner.rules import PACE_SCALE, SOFT_EARLIEST, day_window, pace_units, to_minutes
from pipelines.planner.stops import Stops
from pipelines.planner.travel import Point, travel_minutes

TRAVEL_COST = 2  # per minute on the road
WAIT_COST = 2  # per minute waiting for a stop's time: idling is as bad as driving
LATE_START_COST = 4  # per minute a day sets off after its start (an idle morning is lost sightseeing)
LODGING_COST = 1  # per minute between the trip's centre and a day's first and last stop
SHORT_DAY_COST = 1  # per minute a day ends before its full-day end (``rules.FULL_DAY_END``)
EVENING_COST = 1  # per minute an evening spot (a sunset, a night view) starts before ``rules.SOFT_EARLIEST``
BREAKFAST_COST = 300  # a meal place as breakfast (the lodging serves one): only when nothing better fits
FOOD_PER_DAY = 8  # the food places nearest a day's outings that it may choose from
TIME_LIMIT_MS = 1000  # a safety bound only: greedy descent stops at a local optimum long before
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


@dataclass(frozen=True, slots=True)
class DayAsk:
    """What one day is solved for: its latest end, the time it should run to, and its candidates."""

    end: int
    fill: int
    members: list[int]


def solve(
    stops: Stops,
    ends: Sequence[int],
    fills: Sequence[int],
    prefs: Preferences,
    cap: int,
    allowed: dict[int, list[int]],
    bonus: dict[int, int],
) -> list[DayRoute]:
    """Each day's route, in day order; ``ends``/``fills`` are each day's latest end and the time it should
    run to, ``allowed[stop]`` the days a stop may go on (a stop in none is left out), ``bonus[stop]`` its
    worth beyond its value."""
    days = len(ends)
    food = {n for n in allowed if stops[n].meal or stops[n].market}
    choices = [sum(1 for n in food if d in allowed[n]) for d in range(days)]
    centre = _centre([s.point for s in stops.items]) if len(stops) else Point(0, 0)
    routes = [DayRoute(()) for _ in range(days)]
    used: set[int] = set()
    for day in sorted(range(days), key=lambda d: (choices[d], d)):
        members = [n for n in sorted(allowed) if day in allowed[n] and n not in used]
        anchors = [n for n in members if n not in food and bonus.get(n, 0)]
        meals = sorted((n for n in members if n in food), key=lambda n: (_reach(stops, n, anchors), n))
        members = [n for n in members if n not in food] + meals[:FOOD_PER_DAY]
        routes[day] = _solve_day(stops, DayAsk(ends[day], fills[day], members), prefs, cap, bonus, centre)
        used |= {n for n, _, _ in routes[day].visits}
    return routes


def _reach(stops: Stops, n: int, anchors: list[int]) -> int:
    return min((stops.travel(n, a) for a in anchors), default=0)


def _solve_day(stops: Stops, ask: DayAsk, prefs: Preferences, cap: int, bonus: dict[int, int], centre: Point):
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    start, _ = day_window(prefs)
    nodes = _nodes(stops, ask.members, start, ask.end)
    if not nodes:
        return DayRoute(())
    size = len(nodes) + 1
    manager = pywrapcp.RoutingIndexManager(size, 1, 0)
    routing = pywrapcp.RoutingModel(manager)
    stop_of = [-1] + [n.stop for n in nodes]
    service = [0] + [stops[n.stop].seg.visit_minutes for n in nodes]
    travel = [[0 if not i or not j else stops.travel(stop_of[i], stop_of[j]) for j in range(size)] for i in range(size)]
    home = [0] + [travel_minutes(centre, stops[n.stop].point) // 2 for n in nodes]
    extra = [0] + [BREAKFAST_COST if n.meal == "breakfast" else 0 for n in nodes]
    cost = [
        [TRAVEL_COST * travel[i][j] + LODGING_COST * (home[j] if not i else home[i] if not j else 0) + extra[j]
         for j in range(size)]
        for i in range(size)
    ]  # fmt: skip
    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitMatrix(cost))
    timed = routing.RegisterTransitMatrix([[service[i] + travel[i][j] for j in range(size)] for i in range(size)])
    routing.AddDimension(timed, HORIZON, HORIZON, False, "time")
    time = routing.GetDimensionOrDie("time")
    time.SetSlackCostCoefficientForAllVehicles(WAIT_COST)
    evening = to_minutes(SOFT_EARLIEST["evening"])
    for i, node in enumerate(nodes, start=1):
        index = manager.NodeToIndex(i)
        time.CumulVar(index).SetRange(node.first, node.last)
        if not node.meal and stops[node.stop].kind == "evening" and node.last >= evening:
            time.SetCumulVarSoftLowerBound(index, evening, EVENING_COST)
    routing.SetVehicleUsedWhenEmpty(True, 0)  # an empty day is charged for ending short, like any other
    time.CumulVar(routing.End(0)).SetMax(ask.end)
    time.SetCumulVarSoftUpperBound(routing.Start(0), start, LATE_START_COST)
    time.SetCumulVarSoftLowerBound(routing.End(0), min(ask.end, ask.fill), SHORT_DAY_COST)
    _counter(routing, nodes, "paced", PACE_SCALE * cap, lambda n: _pace_units(stops, n))
    _counter(routing, nodes, "lunch", 1, lambda n: int(n.meal == "lunch"))
    _counter(routing, nodes, "dinner", 1, lambda n: int(_is_dinner(stops, n)))
    _counter(routing, nodes, "breakfast", 1, lambda n: int(n.meal == "breakfast"))
    by_stop: dict[int, list[int]] = {}
    for i, node in enumerate(nodes, start=1):
        by_stop.setdefault(node.stop, []).append(manager.NodeToIndex(i))
    for s, indices in by_stop.items():
        routing.AddDisjunction(indices, stops[s].value + bonus.get(s, 0), 1)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT
    params.time_limit.FromMilliseconds(TIME_LIMIT_MS)
    solution = routing.SolveWithParameters(params)
    if solution is None:
        return DayRoute(())
    visits = []
    index = solution.Value(routing.NextVar(routing.Start(0)))
    while not routing.IsEnd(index):
        node = nodes[manager.IndexToNode(index) - 1]
        visits.append((node.stop, node.meal, solution.Value(time.CumulVar(index))))
        index = solution.Value(routing.NextVar(index))
    return DayRoute(tuple(visits))


def _centre(points: list[Point]) -> Point:
    return Point(sum(p.lat for p in points) / len(points), sum(p.lon for p in points) / len(points))


def _nodes(stops: Stops, members: list[int], start: int, end: int) -> list[Node]:
    nodes = []
    for n in members:
        stop = stops[n]
        nodes += [Node(n, meal, first, last) for meal, first, last in stop.meals(start) if last <= end]
        if stop.meal:
            continue
        window = stop.window(start, end)  # a sight (a food street is one too, between meals)
        if window:
            nodes.append(Node(n, "", *window))
    return nodes


def _pace_units(stops: Stops, node: Node) -> int:
    """Units against the cap (``rules.paced_stops``): meals and a night-market dinner are free."""
    if node.meal or _is_dinner(stops, node):
        return 0
    return pace_units(stops[node.stop].seg)


def _is_dinner(stops: Stops, node: Node) -> bool:
    return node.meal == "dinner" or stops[node.stop].market


def _counter(routing, nodes: list[Node], name: str, cap: int, count) -> None:
    index = routing.RegisterUnaryTransitVector([0] + [count(n) for n in nodes])
    routing.AddDimensionWithVehicleCapacity(index, 0, [cap], True, name)
