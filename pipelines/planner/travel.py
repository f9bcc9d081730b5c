"""Distances, the travel-time model and geographic ordering for the itinerary planner.

Speed model (door to door, rounded up to 5 minutes, at least 5 minutes between two places):

- straight-line distance ``d`` by haversine; road distance = ``d`` x ROAD_FACTOR (1.3);
- walk when ``d`` <= 1 km (0.5 km with kids or elders) at 4.5 km/h;
- otherwise by road (taxi, bus, MRT): 10 min overhead, the first 10 road-km at 25 km/h (city
  traffic), the rest at 60 km/h (expressway);
- from 60 km straight line, the train (HSR/TRA) when faster: 40 min overhead (to and from the
  stations) + road-km at 150 km/h;
- between the west and the east coast (花蓮/台東) the Central Mountain Range is not crossed: the
  distance is taken via 蘇澳 or 楓港, whichever is shorter;
- to or from an outlying island (澎湖, 金門, 馬祖, 綠島, 蘭嶼, 小琉球, 七美, anything tagged 離島 or
  in an island area): ferry or flight, 90 min overhead + 0.3 min/km; two points of one island group
  (within 30 km, neither a separate island area) are driven between;
- to or from a mountain area (阿里山, 清境, 合歡山, 溪頭, 拉拉山 …) beyond 3 km: winding roads, road
  distance x 1.7 at 30 km/h (日月潭 → 清境 is about 2 h, 嘉義 → 阿里山 about 2 h 15 min).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

EARTH_RADIUS_KM = 6371.0
ROAD_FACTOR = 1.3
WALK_KMH = 4.5
WALK_MAX_KM = 1.0
GENTLE_WALK_MAX_KM = 0.5
ROAD_OVERHEAD_MIN = 10.0
CITY_ROAD_KM = 10.0
CITY_KMH = 25.0
HIGHWAY_KMH = 60.0
RAIL_MIN_KM = 60.0
RAIL_OVERHEAD_MIN = 40.0
RAIL_KMH = 150.0
ISLAND_OVERHEAD_MIN = 90.0
ISLAND_MIN_PER_KM = 0.3
ISLAND_LOCAL_KM = 30.0  # two points on the same island group are driven between
MOUNTAIN_ROAD_FACTOR = 1.7
MOUNTAIN_KMH = 30.0
MOUNTAIN_LOCAL_KM = 3.0
# Areas (gazetteer ``area``) reached by boat, each its own island; and areas reached by mountain roads.
ISLAND_AREAS = frozenset({"小琉球", "七美", "望安", "吉貝", "綠島", "蘭嶼", "龜山島"})
MOUNTAIN_AREAS = frozenset({"阿里山", "清境", "合歡山", "溪頭", "拉拉山", "太平山", "武陵", "梨山", "奮起湖"})

# The Central Mountain Range: east of the line from (22.3N, 120.85E) to (24.5N, 121.45E) is 花東.
_RIDGE = ((22.3, 120.85), (24.5, 121.45))
_NORTH_PASS = (24.60, 121.85)  # 蘇澳 (蘇花公路 / 北迴線)
_SOUTH_PASS = (22.20, 120.70)  # 楓港 (南迴公路 / 南迴線)


@dataclass(frozen=True, slots=True)
class Point:
    lat: float
    lon: float
    island: bool = False
    mountain: bool = False
    isle: str = ""  # an island area's name: points on different isles are a boat apart

    @classmethod
    def at(cls, lat: float, lon: float, tags: Sequence[str] = (), area: str = "") -> Point:
        isle = area if area in ISLAND_AREAS else ""
        island = bool(isle) or "離島" in tags or _is_outlying(lat, lon)
        return cls(lat, lon, island, area in MOUNTAIN_AREAS, isle)


def _is_outlying(lat: float, lon: float) -> bool:
    # 澎湖/金門/馬祖 lie west of 120E; 綠島/蘭嶼 lie east of the coast south of 22.9N.
    return lon < 120.0 or (lat < 22.9 and lon > 121.3)


def _is_east(p: Point) -> bool:
    (lat0, lon0), (lat1, lon1) = _RIDGE
    if p.island or not lat0 <= p.lat <= lat1:
        return False
    return p.lon > lon0 + (p.lat - lat0) * (lon1 - lon0) / (lat1 - lat0)


def haversine_km(a: Point, b: Point) -> float:
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    dlat, dlon = lat2 - lat1, math.radians(b.lon - a.lon)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def effective_km(a: Point, b: Point) -> float:
    """Straight-line km, detoured around the Central Mountain Range between west and east coast."""
    if _is_east(a) == _is_east(b) or a.island or b.island:
        return haversine_km(a, b)
    north, south = Point(*_NORTH_PASS), Point(*_SOUTH_PASS)
    return min(haversine_km(a, north) + haversine_km(north, b), haversine_km(a, south) + haversine_km(south, b))


def travel_minutes(a: Point, b: Point, gentle: bool = False, rail: bool = True) -> int:
    """Door-to-door minutes from ``a`` to ``b`` under the speed model in the module docstring; ``rail=False``
    by road only (a detour off a day's road: 瑞穗 → 新城 is quicker by train than 瑞穗 → 花蓮市 by car, and
    still no stop on the way to 花蓮市)."""
    if a == b:
        return 0
    km = effective_km(a, b)
    if (a.island or b.island) and (a.island != b.island or a.isle != b.isle or km > ISLAND_LOCAL_KM):
        minutes = ISLAND_OVERHEAD_MIN + ISLAND_MIN_PER_KM * km
    elif km <= (GENTLE_WALK_MAX_KM if gentle else WALK_MAX_KM):
        minutes = km * ROAD_FACTOR / WALK_KMH * 60
    elif (a.mountain or b.mountain) and km > MOUNTAIN_LOCAL_KM:
        minutes = ROAD_OVERHEAD_MIN + km * MOUNTAIN_ROAD_FACTOR / MOUNTAIN_KMH * 60
    else:
        road = km * ROAD_FACTOR
        city = min(road, CITY_ROAD_KM)
        minutes = ROAD_OVERHEAD_MIN + city / CITY_KMH * 60 + (road - city) / HIGHWAY_KMH * 60
        if km >= RAIL_MIN_KM and rail:
            minutes = min(minutes, RAIL_OVERHEAD_MIN + road / RAIL_KMH * 60)
    return max(5, 5 * math.ceil(minutes / 5 - 1e-9))


def path_order(nodes: Sequence[int], cost: Callable[[int, int], float], origin: int | None = None) -> list[int]:
    """An open path through ``nodes``: nearest neighbour, then 2-opt until no move improves it.

    With ``origin`` the path starts next to that node (which is not part of the result).
    """
    rest = list(nodes)
    if len(rest) <= 1:
        return rest
    path: list[int] = []
    current = origin
    if current is None:
        current = rest.pop(0)
        path.append(current)
    while rest:
        nxt = min(rest, key=lambda n: (cost(current, n), n))
        rest.remove(nxt)
        path.append(nxt)
        current = nxt
    return _two_opt(path, cost, origin)


def _two_opt(path: list[int], cost: Callable[[int, int], float], origin: int | None) -> list[int]:
    full = ([origin] if origin is not None else []) + path
    fixed = 1 if origin is not None else 0  # the origin never moves
    n = len(full)
    improved = True
    while improved:
        improved = False
        for i in range(max(fixed, 1), n - 1):
            for j in range(i + 1, n):
                # reverse full[i..j]; the open end after j costs nothing
                before = cost(full[i - 1], full[i]) + (cost(full[j], full[j + 1]) if j + 1 < n else 0.0)
                after = cost(full[i - 1], full[j]) + (cost(full[i], full[j + 1]) if j + 1 < n else 0.0)
                if after < before - 1e-9:
                    full[i : j + 1] = reversed(full[i : j + 1])
                    improved = True
        if fixed == 0 and n > 2:  # without an origin the first node may move too: try reversing a prefix
            for j in range(1, n - 1):
                if cost(full[j], full[j + 1]) > cost(full[0], full[j + 1]) + 1e-9:
                    full[: j + 1] = reversed(full[: j + 1])
                    improved = True
    return full[fixed:]


def open_route(nodes: Sequence[int], cost: Callable[[int, int], float]) -> list[int]:
    """The shortest open path found from every start (small node counts: cities of one trip)."""
    best: list[int] = list(nodes)
    best_len = math.inf
    for start in nodes:
        path = path_order([start, *[n for n in nodes if n != start]], cost)
        length = sum(cost(a, b) for a, b in zip(path, path[1:], strict=False))
        if length < best_len - 1e-9:
            best, best_len = path, length
    return best
