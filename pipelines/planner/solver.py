"""Level 2 of the trip solver: each day as a routing problem with time windows (OR-Tools).

The outing plan (``allocate``) says which stops each day may hold. A day is one vehicle on an open
route from the lodging (where the day before ended): its outings' sights are worth their value plus
``allocate.ASSIGNED_VALUE``, nearby sights no day took may fill it, and food near it feeds it. A
meal place is one node per meal it can be (breakfast, lunch, dinner), at most one of them used; a
food street (十分老街) is a sight and may be the lunch or the dinner too. Time windows come from
opening hours, the stop's kind (night places from 17:30, sunrise spots at dawn only when asked) and
the meal times; a sunset spot prefers the late afternoon, before dinner. Dimensions count the stops
under the pace cap and the meals: at most one breakfast, lunch and dinner (a night market is a
dinner), and a day without its lunch or dinner pays ``MISSING_MEAL_COST``, so a day eats whenever
food is in reach. Travel and waiting (a slow morning too) cost per minute, so does a day ending before its
full-day end: days fill with stops worth their travel, from the morning, without idle gaps; and each
move into or out of an area costs ``AREA_MOVE_COST``, so a day does an area in one go instead of
leaving it for lunch in town and coming back.

Days are solved one by one in travel order (``allocate`` orders them), each from where the day
before ended and taking its stops out of the pool: small problems, solved in milliseconds.
Deterministic: parallel cheapest insertion, then greedy descent to a local optimum, stopping by
itself; a day that zig-zags (the verifier's ``順路不繞路``) gets ``POLISH_SOLUTIONS`` steps of guided local
search. Both stop by a count, never by the clock (the time limit is only a safety bound for a loaded
machine), so the same input gives the same plan.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pipelines.core.models import Preferences
from pipelines.planner.day_checks import MAX_EXACT, shortest_path
from pipelines.planner.rules import (
    DETOUR_MINUTES,
    DETOUR_RATIO,
    DUSK,
    PACE_SCALE,
    SOFT_EARLIEST,
    SUNRISE_START,
    day_window,
    entry_minutes,
    is_gentle,
    pace_units,
    to_minutes,
)
from pipelines.planner.stops import Stops
from pipelines.planner.travel import Point, haversine_km

TRAVEL_COST = 3  # per minute on the road
WAIT_COST = 2  # per minute waiting for a stop's time: idling is as bad as driving
LODGING_COST = 1  # per minute between the lodging (``_bases``) and a day's first and last stop
SHORT_DAY_COST = 1  # per minute a day ends before its full-day end (``rules.FULL_DAY_END``)
EVENING_COST = 1  # per minute an evening spot (a sunset) starts before ``rules.SOFT_EARLIEST`` or after ``DUSK``
BREAKFAST_COST = 300  # a meal place as breakfast (the lodging serves one): only when nothing better fits
AREA_MOVE_COST = 250  # each move into or out of an area (an old town, a gorge): in one go is two, coming back four
MISSING_MEAL_COST = 1_000  # a day without a lunch, or without a dinner (constant when no food is in reach)
FOOD_PER_DAY = 8  # the food places nearest a day's outings that it may choose from
TIME_LIMIT_MS = 5_000  # a safety bound only: greedy descent stops at a local optimum long before
POLISH_SOLUTIONS = 30  # guided local search steps for a day that zig-zags (a solution count: deterministic)
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
    bases = _bases(stops)
    routes = [DayRoute(()) for _ in range(days)]
    used: set[int] = set()
    last: int | None = None  # where the day before ended: the lodging
    for day in range(days):
        members = [n for n in sorted(allowed) if day in allowed[n] and n not in used]
        anchors = [n for n in members if n not in food and bonus.get(n, 0)]
        meals = sorted((n for n in members if n in food), key=lambda n: (_reach(stops, n, anchors), n))
        members = [n for n in members if n not in food] + meals[:FOOD_PER_DAY]
        if not members:
            continue
        base = last if last is not None else bases[stops[(anchors or members)[0]].seg.city or ""]
        ask = DayAsk(ends[day], fills[day], members)
        routes[day] = _solve_day(stops, ask, prefs, cap, bonus, base, moved=last is not None)
        used |= {n for n, _, _ in routes[day].visits}
        last = routes[day].visits[-1][0] if routes[day].visits else last
    return routes


def _reach(stops: Stops, n: int, anchors: list[int]) -> int:
    return min((stops.travel(n, a) for a in anchors), default=0)


def _solve_day(stops: Stops, ask: DayAsk, prefs: Preferences, cap: int, bonus: dict[int, int], base: int, moved: bool):
    """One day from the lodging at ``base`` (where the day before ended, when ``moved``: a first stop far
    from it is a morning transfer, as ``schedule.time_day`` counts it).

    Node 1 is the mandatory set-off from the lodging, first on the route: OR-Tools' insertion heuristics
    price an empty route at nothing, so a day with only one stop (a night market) would never get it and
    its missing dinner; with the set-off always there, every insertion is priced like any other."""
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    start, _ = day_window(prefs)
    nodes = _nodes(stops, ask.members, start, ask.end)
    if not nodes:
        return DayRoute(())
    dawn = to_minutes(SUNRISE_START) if any(stops[n.stop].kind == "sunrise" for n in nodes) else start
    nodes = [Node(-1, "", dawn, start), *nodes]  # the set-off (never a stop: index -1 is skipped)
    size = len(nodes) + 1
    manager = pywrapcp.RoutingIndexManager(size, 1, 0)
    routing = pywrapcp.RoutingModel(manager)
    gentle = is_gentle(prefs)
    real = [0, 0] + [1] * (size - 2)  # the depot and the set-off are not places
    service = [0, 0] + [stops[n.stop].seg.visit_minutes for n in nodes[1:]]
    home = [0, 0] + [stops.travel(base, n.stop) // 2 for n in nodes[1:]]
    entry = [0, 0] + [_entry(stops, base, n.stop, gentle) if moved else 0 for n in nodes[1:]]  # the boat to 七美
    extra = [0, 0] + [BREAKFAST_COST if n.meal == "breakfast" else 0 for n in nodes[1:]]
    area = ["", ""] + [stops[n.stop].outing for n in nodes[1:]]

    def move(i: int, j: int) -> int:
        if real[i] and real[j]:
            return stops.travel(nodes[i - 1].stop, nodes[j - 1].stop)
        return entry[j] if i == 1 else 0

    travel = [[move(i, j) for j in range(size)] for i in range(size)]
    cost = [
        [TRAVEL_COST * travel[i][j] + LODGING_COST * (home[j] if i == 1 else home[i] if not j else 0) + extra[j]
         + (AREA_MOVE_COST * ((area[i] != "") + (area[j] != "")) if real[i] and real[j] and area[i] != area[j] else 0)
         for j in range(size)]
        for i in range(size)
    ]  # fmt: skip
    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitMatrix(cost))
    timed = routing.RegisterTransitMatrix([[service[i] + travel[i][j] for j in range(size)] for i in range(size)])
    routing.AddDimension(timed, HORIZON, HORIZON, False, "time")
    time = routing.GetDimensionOrDie("time")
    time.SetSlackCostCoefficientForAllVehicles(WAIT_COST)
    evening, dusk = to_minutes(SOFT_EARLIEST["evening"]), to_minutes(DUSK)
    for i, node in enumerate(nodes, start=1):
        index = manager.NodeToIndex(i)
        time.CumulVar(index).SetRange(node.first, node.last)
        if real[i] and not node.meal and stops[node.stop].kind == "evening" and node.last >= evening:
            time.SetCumulVarSoftLowerBound(index, evening, EVENING_COST)  # a sunset spot late in the afternoon,
            time.SetCumulVarSoftUpperBound(index, dusk, EVENING_COST)  # ... but before dinner, not after dark
    routing.NextVar(routing.Start(0)).SetValues([manager.NodeToIndex(1)])  # set off first
    time.CumulVar(routing.End(0)).SetMax(ask.end)
    time.SetCumulVarSoftLowerBound(routing.End(0), min(ask.end, ask.fill), SHORT_DAY_COST)
    _counter(routing, nodes, "paced", PACE_SCALE * cap, lambda n: _pace_units(stops, n))
    _counter(routing, nodes, "breakfast", 1, lambda n: int(n.meal == "breakfast"))
    for meal in (_counter(routing, nodes, "lunch", 1, lambda n: int(n.meal == "lunch")),
                 _counter(routing, nodes, "dinner", 1, lambda n: int(_is_dinner(stops, n)))):  # fmt: skip
        meal.SetCumulVarSoftLowerBound(routing.End(0), 1, MISSING_MEAL_COST)  # a day without it pays
    by_stop: dict[int, list[int]] = {}
    for i, node in enumerate(nodes[1:], start=2):
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
    if _detours(stops, _route(routing, solution, nodes)):  # greedy descent stuck on a zig-zag (lunch in town)
        params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
        params.solution_limit = POLISH_SOLUTIONS
        better = routing.SolveFromAssignmentWithParameters(solution, params)
        if better is not None and better.ObjectiveValue() < solution.ObjectiveValue():
            solution = better
    visits = []
    index = solution.Value(routing.NextVar(routing.Start(0)))
    while not routing.IsEnd(index):
        node = nodes[manager.IndexToNode(index) - 1]
        if node.stop >= 0:
            visits.append((node.stop, node.meal, solution.Value(time.CumulVar(index))))
        index = solution.Value(routing.NextVar(index))
    return DayRoute(tuple(visits))


def _route(routing, solution, nodes: list[Node]) -> list[int]:
    stops, index = [], solution.Value(routing.NextVar(routing.Start(0)))
    while not routing.IsEnd(index):
        stops += [n.stop for n in [nodes[index - 1]] if n.stop >= 0]
        index = solution.Value(routing.NextVar(index))
    return stops


def _detours(stops: Stops, route: list[int]) -> bool:
    """The day's moves are over ``rules.DETOUR_RATIO`` of the best order the verifier compares with."""
    if not 4 <= len(route) <= MAX_EXACT:
        return False
    cost = [[stops.travel(a, b) for b in route] for a in route]
    return sum(cost[k][k + 1] for k in range(len(route) - 1)) > DETOUR_RATIO * shortest_path(cost) + DETOUR_MINUTES


def _bases(stops: Stops) -> dict[str, int]:
    """Where a traveller stays in each city: the stop nearest the centre of the city's stops."""
    out: dict[str, int] = {}
    for city in {s.seg.city or "" for s in stops.items}:
        mine = [s for s in stops.items if (s.seg.city or "") == city]
        centre = Point(sum(s.point.lat for s in mine) / len(mine), sum(s.point.lon for s in mine) / len(mine))
        out[city] = min(mine, key=lambda s: (haversine_km(centre, s.point), s.n)).n
    return out


def _entry(stops: Stops, base: int, n: int, gentle: bool) -> int:
    """The morning move from the lodging to a first stop beyond its surroundings (``rules.entry_minutes``)."""
    return entry_minutes(stops[base].point, stops[n].point, stops[n].kind, gentle)


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
    if node.stop < 0 or node.meal or _is_dinner(stops, node):
        return 0
    return pace_units(stops[node.stop].seg)


def _is_dinner(stops: Stops, node: Node) -> bool:
    return node.meal == "dinner" or (node.stop >= 0 and stops[node.stop].market)


def _counter(routing, nodes: list[Node], name: str, cap: int, count):
    index = routing.RegisterUnaryTransitVector([0] + [count(n) for n in nodes])
    routing.AddDimensionWithVehicleCapacity(index, 0, [cap], True, name)
    return routing.GetDimensionOrDie(name)
