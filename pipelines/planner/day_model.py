"""One day of the trip as an OR-Tools routing model with time windows (``solver`` searches it).

A day is one vehicle on an open route from the lodging (where the day before ended). Node 1 is the
mandatory set-off from the lodging, always first: OR-Tools' insertion heuristics price an empty route
at nothing, so a day holding only a night market would never get it (nor its missing dinner); with
the set-off there, every insertion is priced like any other. Each candidate is optional, left out at
the price of its value (plus ``allocate`` bonuses); a meal place is one node per meal it can be
(breakfast, lunch, dinner), at most one used; a food street (十分老街) is a sight and may be the lunch
or the dinner too. Time windows come from opening hours, the stop's kind (night places from 17:30,
sunrise spots at dawn only when asked) and the meal times; a sunset spot prefers the late afternoon,
before dinner. Dimensions count the stops under the pace cap and the meals: at most one breakfast,
lunch and dinner (a night market is a dinner; a 5-hour visit across noon is the lunch), and a day
without its lunch or dinner pays ``MISSING_MEAL_COST``. Travel and waiting (a slow morning too) cost
per minute, so does a day ending before its full-day end; each move into or out of an area costs
``AREA_MOVE_COST`` (an area in one go, not left for lunch in town and come back to) and each move to
another city ``CITY_MOVE_COST``.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.core.models import Preferences
from pipelines.planner.rules import (
    DUSK,
    LUNCH,
    MEAL_INSIDE_MINUTES,
    PACE_SCALE,
    SNACKS_PER_DAY,
    SOFT_EARLIEST,
    SUNRISE_START,
    day_window,
    entry_minutes,
    is_gentle,
    pace_units,
    to_minutes,
)
from pipelines.planner.stops import Stops

TRAVEL_COST = 3  # per minute on the road
WAIT_COST = 2  # per minute waiting for a stop's time: idling is as bad as driving
LODGING_COST = 1  # per minute between the lodging and a day's first and last stop
SHORT_DAY_COST = 1  # per minute a day ends before its full-day end (``rules.FULL_DAY_END``)
EVENING_COST = 1  # per minute an evening spot (a sunset) starts before ``rules.SOFT_EARLIEST`` or after ``DUSK``
BREAKFAST_COST = 300  # a meal place as breakfast (the lodging serves one): only when nothing better fits
CITY_MOVE_COST = 1_500  # each move from one city to another: a day never goes back to a city it left
AREA_MOVE_COST = 250  # each move into or out of an area (an old town, a gorge): in one go is two, coming back four
HOMEWARD_COST = 10  # per minute the last day of a trip runs past ``rules.DEPARTURE_LATEST``
MISSING_MEAL_COST = 1_000  # a day without a lunch, or without a dinner (constant when no food is in reach)
HORIZON = 24 * 60


@dataclass(frozen=True, slots=True)
class Node:
    stop: int  # index into Stops; -1 for the set-off
    meal: str  # "", "breakfast", "lunch", "dinner"
    first: int
    last: int


@dataclass(frozen=True, slots=True)
class DayAsk:
    """What one day is solved for: its latest end, the time it should run to, and its candidates."""

    end: int
    fill: int
    members: list[int]
    breakfast: bool = True  # meal places may be breakfast (the trip's food can spare one)
    home: int | None = None  # the day should be over by then (the last day of a trip), see ``solver.solve``


@dataclass
class DayModel:
    routing: object
    manager: object
    nodes: list[Node]  # node 1 is the set-off
    time: object  # the time dimension


def build(
    stops: Stops,
    ask: DayAsk,
    prefs: Preferences,
    cap: int,
    worth: dict[int, int],
    base: int,
    moved: bool,
    banned: set[tuple[int, str]] = frozenset(),
) -> DayModel | None:
    """The day's model (None when no candidate fits its window); ``worth[stop]`` is what leaving the stop out
    costs beyond its value; ``base`` the lodging, a morning transfer from it when ``moved``; ``banned`` the
    (stop, meal role) nodes left out (a lunch too far out of the way, ``solver``)."""
    from ortools.constraint_solver import pywrapcp

    start, _ = day_window(prefs)
    nodes = [
        n
        for n in _nodes(stops, ask.members, start, ask.end)
        if (ask.breakfast or n.meal != "breakfast") and (n.stop, n.meal) not in banned
    ]
    if not nodes:
        return None
    dawn = to_minutes(SUNRISE_START) if any(stops[n.stop].kind == "sunrise" for n in nodes) else start
    nodes = [Node(-1, "", dawn, start), *nodes]
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
    city = ["", ""] + [stops[n.stop].seg.city or "" for n in nodes[1:]]

    def move(i: int, j: int) -> int:
        if real[i] and real[j]:
            return stops.travel(nodes[i - 1].stop, nodes[j - 1].stop)
        return entry[j] if i == 1 else 0

    travel = [[move(i, j) for j in range(size)] for i in range(size)]
    cost = [
        [TRAVEL_COST * travel[i][j] + LODGING_COST * (home[j] if i == 1 else home[i] if not j else 0) + extra[j]
         + (AREA_MOVE_COST * ((area[i] != "") + (area[j] != "")) if real[i] and real[j] and area[i] != area[j] else 0)
         + (CITY_MOVE_COST if real[i] and real[j] and city[i] != city[j] else 0)
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
    if ask.home is not None:
        time.SetCumulVarSoftUpperBound(routing.End(0), ask.home, HOMEWARD_COST)
    _counter(routing, nodes, "paced", PACE_SCALE * cap, lambda n: _pace_units(stops, n))
    _counter(routing, nodes, "breakfast", 1, lambda n: int(n.meal == "breakfast"))
    _counter(routing, nodes, "snack", SNACKS_PER_DAY, lambda n: int(n.meal == "snack"))
    lunch = _counter(routing, nodes, "lunch", 1, lambda n: int(lunch_node(stops, n)))
    dinner = _counter(routing, nodes, "dinner", 1, lambda n: int(is_dinner(stops, n)))
    for meal in (lunch, dinner) if ask.home is None else (lunch,):  # the homeward day needs no dinner
        meal.SetCumulVarSoftLowerBound(routing.End(0), 1, MISSING_MEAL_COST)  # a day without it pays
    by_stop: dict[int, list[int]] = {}
    for i, node in enumerate(nodes[1:], start=2):
        by_stop.setdefault(node.stop, []).append(manager.NodeToIndex(i))
    for s, indices in by_stop.items():
        routing.AddDisjunction(indices, stops[s].value + worth.get(s, 0), 1)
    return DayModel(routing, manager, nodes, time)


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
        noon = to_minutes(LUNCH[1])
        if window and stop.seg.visit_minutes >= MEAL_INSIDE_MINUTES and window[0] <= noon < window[1]:
            nodes += [Node(n, "", window[0], noon), Node(n, "", noon + 1, window[1])]  # eaten inside, or not
        elif window:
            nodes.append(Node(n, "", *window))
    return nodes


def _pace_units(stops: Stops, node: Node) -> int:
    """Units against the cap (``rules.paced_stops``): meals and a night-market dinner are free, a snack is not."""
    if node.stop < 0 or node.meal not in ("", "snack") or is_dinner(stops, node):
        return 0
    return pace_units(stops[node.stop].seg)


def lunch_node(stops: Stops, node: Node) -> bool:
    """A lunch copy, or a visit long enough to eat lunch during that starts by noon and cannot end before
    lunch (``rules.eats_inside``; not a sunrise at dawn). Such a visit has a second copy starting after noon
    that is no lunch (``_nodes``): 阿里山 after a 雞肉飯 lunch."""
    if node.stop < 0 or node.meal:
        return node.meal == "lunch"
    visit = stops[node.stop].seg.visit_minutes
    noon = to_minutes(LUNCH[1])
    return visit >= MEAL_INSIDE_MINUTES and node.last <= noon and node.first + visit >= noon + 60


def is_dinner(stops: Stops, node: Node) -> bool:
    return node.meal == "dinner" or (node.stop >= 0 and stops[node.stop].market)


def _counter(routing, nodes: list[Node], name: str, cap: int, count):
    index = routing.RegisterUnaryTransitVector([0] + [count(n) for n in nodes])
    routing.AddDimensionWithVehicleCapacity(index, 0, [cap], True, name)
    return routing.GetDimensionOrDie(name)
