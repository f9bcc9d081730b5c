"""Level 2 of the trip solver: each day's stops, order and times, one routing model a day (``day_model``).

The outing plan (``allocate``) says which stops each day may hold: its outings' sights (worth their
value plus ``allocate.ASSIGNED_VALUE``), sights no day took (fillers) and the food near it. Days are
solved one by one in travel order (``allocate`` orders them), each from where the day before ended
and taking its stops out of the pool: small problems, solved in milliseconds.

Search: parallel cheapest insertion, then greedy descent to a local optimum. Greedy descent can get
stuck on an order that leaves no time for a meal the day has food for (a museum across lunch), or on
a zig-zag the verifier's 順路不繞路 would fail (lunch in town between two stops of an area); such a
day is searched again from a meal-first start (the same model with meals worth far more, whose
solution then seeds greedy descent on the real model) and, for a zig-zag, ``POLISH_SOLUTIONS`` steps
of guided local search. A route with a stop further out of the way than it is worth (``rules.detour_cap``,
as the verifier's 順路不繞路 checks it: a lunch in town between two stops of a gorge, an ice 50 minutes off
the road) is searched again without it, up to ``DETOUR_ROUNDS`` times (``_bans`` says what goes: the food
and any food as far off there, or the meals a sight on the day's way sits between). Everything stops by
itself or by a count, never by the clock (the time limit
is only a safety bound for a loaded machine), so the same input gives the same plan.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pipelines.core.models import Preferences
from pipelines.planner.allocate import WISH_VALUE
from pipelines.planner.day_checks import MAX_EXACT, best_order, over_detours, shortest_path
from pipelines.planner.day_model import DayAsk, DayModel, Node, build, is_dinner, lunch_node
from pipelines.planner.rules import DETOUR_MINUTES, DETOUR_RATIO, is_food, wants_food
from pipelines.planner.stops import Stops
from pipelines.planner.travel import Point, haversine_km

MEAL_FIRST = True  # search a day that misses a meal it has food for again from a meal-first start
FOOD_PER_DAY = 8  # the food places nearest a day's outings that it may choose from
MEAL_FIRST_VALUE = 20_000  # what a meal is worth in the meal-first restart
POLISH_SOLUTIONS = 30  # guided local search steps for a day that zig-zags (a solution count: deterministic)
MEALS = ("breakfast", "lunch", "dinner")
DETOUR_ROUNDS = 3  # searches again of a day with a stop further out of the way than it is worth
TIME_LIMIT_MS = 5_000  # a safety bound only: greedy descent stops at a local optimum long before


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
    allowed: dict[int, list[int]],
    bonus: dict[int, int],
    homeward: Sequence[int] | None = None,
) -> list[DayRoute]:
    """Each day's route, in day order; ``ends``/``fills`` are each day's latest end and the time it should
    run to, ``allowed[stop]`` the days a stop may go on (a stop in none is left out), ``bonus[stop]`` its
    worth beyond its value; ``homeward`` the time each day should be over by (the last day of a trip: the
    traveller goes home), passed only at ``day_model.HOMEWARD_COST`` a minute, so a must-see still fits."""
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
        later = sum(1 for n in food if n not in used and any(d > day for d in allowed[n]))
        spare = later - 2 * (days - day - 1) > len(meals)  # a breakfast only from food later days can spare
        spare = spare or wants_food(prefs)  # ... or on a food trip, where breakfast is part of the point
        soft = (homeward or ends)[day]
        ask = DayAsk(ends[day], fills[day], members, breakfast=spare, home=soft if soft < ends[day] else None)
        routes[day] = _solve_day(stops, ask, prefs, cap, bonus, base, moved=last is not None)
        used |= {n for n, _, _ in routes[day].visits}
        last = routes[day].visits[-1][0] if routes[day].visits else last
    return routes


def _reach(stops: Stops, n: int, anchors: list[int]) -> int:
    return min((stops.travel(n, a) for a in anchors), default=0)


def _solve_day(stops: Stops, ask: DayAsk, prefs: Preferences, cap: int, bonus: dict[int, int], base: int, moved: bool):
    """The day's route; a stop further out of the way than it is worth (``rules.detour_cap``: a lunch in town
    between two stops of a gorge, a snack 50 minutes off the road) is banned and the day searched again, up
    to ``DETOUR_ROUNDS`` times; what is still over its cap then is left out."""
    banned: set[tuple[int, str]] = set()
    route: list[tuple[Node, int]] = []
    for _ in range(DETOUR_ROUNDS + 1):
        route = _search(stops, ask, prefs, cap, bonus, base, moved, banned)
        over = _over(stops, route, bonus)
        if not over:
            break
        banned |= _bans(stops, route, over, bonus)
    while over := _over(stops, route, bonus):
        k = max(over, key=lambda o: (o[1], -o[0]))[0]
        route = route[:k] + route[k + 1 :]
    return DayRoute(tuple((node.stop, node.meal, start) for node, start in route))


def _search(stops: Stops, ask: DayAsk, prefs: Preferences, cap: int, bonus: dict[int, int], base: int, moved: bool,
            banned: set[tuple[int, str]]) -> list[tuple[Node, int]]:  # fmt: skip
    """One search of the day's model: (node, start minute) in visiting order."""
    from ortools.constraint_solver import routing_enums_pb2

    model = build(stops, ask, prefs, cap, bonus, base, moved, banned)
    if model is None:
        return []
    solution = model.routing.SolveWithParameters(_params())
    if solution is None:
        return []
    if MEAL_FIRST and _hungry(model, solution, stops):
        boost = {**bonus, **{n.stop: bonus.get(n.stop, 0) + MEAL_FIRST_VALUE for n in model.nodes if _eats(n, stops)}}
        first = build(stops, ask, prefs, cap, boost, base, moved, banned)
        seed = first.routing.SolveWithParameters(_params()) if first is not None else None
        if seed is not None:
            start = model.routing.ReadAssignmentFromRoutes([[1, *_indices(first, seed)]], True)
            better = model.routing.SolveFromAssignmentWithParameters(start, _params()) if start else None
            solution = _best(solution, better)
    if _detours(stops, [model.nodes[i - 1] for i in _indices(model, solution)]):
        params = _params()
        params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
        params.solution_limit = POLISH_SOLUTIONS
        solution = _best(solution, model.routing.SolveFromAssignmentWithParameters(solution, params))
    if _detours(stops, [model.nodes[i - 1] for i in _indices(model, solution)]):
        solution = _in_best_order(model, solution, stops)
    at = model.time.CumulVar
    return [(model.nodes[i - 1], solution.Value(at(model.manager.NodeToIndex(i)))) for i in _indices(model, solution)]


def _over(stops: Stops, route: list[tuple[Node, int]], bonus: dict[int, int]) -> list[tuple[int, int]]:
    """The route's stops further out of the way than they are worth (``day_checks.over_detours``, as the
    verifier's 順路不繞路 checks them); a must-see or a stop the traveller named for the day is worth any."""
    caps = [stops.detour_cap(node.stop, node.meal in MEALS or is_dinner(stops, node)) for node, _ in route]
    road = lambda a, b: stops.road(route[a][0].stop, route[b][0].stop)  # noqa: E731
    return over_detours(len(route), road, caps, {k for k, (node, _) in enumerate(route) if _named(stops, node, bonus)})


def _bans(
    stops: Stops, route: list[tuple[Node, int]], over: list[tuple[int, int]], bonus: dict[int, int]
) -> set[tuple[int, str]]:
    """What the next search may not use. Food over its cap in its role, and every other food in that role that
    would be as far out of the way there (the next lunch in town is no better). A sight over its cap between a
    meal and the rest of the day's sights, but on their way, is off the meal's way, not the meal off its: that
    meal in its role (宜蘭設治紀念館 between a 羅東 lunch and a 羅東 dinner); else the sight (多良車站)."""
    out: set[tuple[int, str]] = set()
    for k, _ in over:
        node = route[k][0]
        before, after = route[k - 1][0], route[k + 1][0]
        if is_food(stops[node.stop].seg):
            out.add((node.stop, node.meal))
            for other in stops.items:
                extra = stops.road(before.stop, other.n) + stops.road(other.n, after.stop)
                if is_food(other.seg) and extra - stops.road(before.stop, after.stop) > stops.detour_cap(other.n, True):
                    out.add((other.n, node.meal))
            continue
        sights = [n for n, _ in route if not is_food(stops[n.stop].seg)]
        at = sights.index(node)
        near = [sights[j] for j in (at - 1, at + 1) if 0 <= j < len(sights)]
        extra = sum(stops.road(n.stop, node.stop) for n in near) - (
            stops.road(near[0].stop, near[1].stop) if len(near) == 2 else 0
        )
        meals = [n for n in (before, after) if is_food(stops[n.stop].seg) and not _named(stops, n, bonus)]
        on_way = len(near) < 2 or extra <= stops.detour_cap(node.stop, False)
        out |= {(n.stop, n.meal) for n in meals} if meals and on_way else {(node.stop, node.meal)}
    return out


def _named(stops: Stops, node: Node, bonus: dict[int, int]) -> bool:
    """A must-see or a stop the traveller named for the day: worth any detour."""
    return stops[node.stop].must or bonus.get(node.stop, 0) >= WISH_VALUE


def _in_best_order(model: DayModel, solution, stops: Stops):
    """The same stops in the verifier's best order (meals in place), when the day's windows allow it: a
    search that prices a sunset spot's hour above a detour would otherwise keep the zig-zag."""
    from ortools.constraint_solver import routing_enums_pb2

    route = _indices(model, solution)
    nodes = [model.nodes[i - 1] for i in route]
    cost = [[stops.travel(a.stop, b.stop) for b in nodes] for a in nodes]
    order = best_order(cost, {k for k, node in enumerate(nodes) if node.meal or is_dinner(stops, node)})
    start = model.routing.ReadAssignmentFromRoutes([[1, *(route[k] for k in order)]], True) if order else None
    if start is None:
        return solution
    params = _params()
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT
    params.solution_limit = 1  # the order as it is, timed by the model
    found = model.routing.SolveFromAssignmentWithParameters(start, params)
    return found if found is not None else solution


def _best(solution, other):
    return other if other is not None and other.ObjectiveValue() < solution.ObjectiveValue() else solution


def _params():
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT
    params.time_limit.FromMilliseconds(TIME_LIMIT_MS)
    return params


def _indices(model: DayModel, solution) -> list[int]:
    """The route's node numbers (1-based into ``model.nodes``), the set-off left out."""
    out, index = [], solution.Value(model.routing.NextVar(model.routing.Start(0)))
    while not model.routing.IsEnd(index):
        node = model.manager.IndexToNode(index)
        if model.nodes[node - 1].stop >= 0:
            out.append(node)
        index = solution.Value(model.routing.NextVar(index))
    return out


def _eats(node, stops: Stops) -> bool:
    return node.stop >= 0 and (node.meal in ("lunch", "dinner") or is_dinner(stops, node))


def _hungry(model: DayModel, solution, stops: Stops) -> bool:
    """The day misses a lunch or a dinner it has a node for."""
    had = {model.nodes[i - 1].meal for i in _indices(model, solution)}
    had |= {"dinner" for i in _indices(model, solution) if is_dinner(stops, model.nodes[i - 1])}
    had |= {"lunch" for i in _indices(model, solution) if lunch_node(stops, model.nodes[i - 1])}
    offered = {n.meal for n in model.nodes if n.meal in ("lunch", "dinner")}
    offered |= {"dinner" for n in model.nodes if is_dinner(stops, n)}
    return bool(offered - had)


def _detours(stops: Stops, route: list) -> bool:
    """The day's moves (``route``: its nodes) are over ``rules.DETOUR_RATIO`` of the best order the verifier
    compares with (its meals kept in their place)."""
    if not 4 <= len(route) <= MAX_EXACT:
        return False
    cost = [[stops.travel(a.stop, b.stop) for b in route] for a in route]
    meals = {k for k, node in enumerate(route) if node.meal or is_dinner(stops, node)}
    moved = sum(cost[k][k + 1] for k in range(len(route) - 1))
    return moved > DETOUR_RATIO * shortest_path(cost, meals) + DETOUR_MINUTES


def _bases(stops: Stops) -> dict[str, int]:
    """Where a traveller stays in each city: the stop nearest the centre of the city's stops."""
    out: dict[str, int] = {}
    for city in {s.seg.city or "" for s in stops.items}:
        mine = [s for s in stops.items if (s.seg.city or "") == city]
        centre = Point(sum(s.point.lat for s in mine) / len(mine), sum(s.point.lon for s in mine) / len(mine))
        out[city] = min(mine, key=lambda s: (haversine_km(centre, s.point), s.n)).n
    return out
