"""The order of a trip before it is cut into days: city blocks, then the stops within each city.

Cities follow the shortest open path between their centres, from the northern end. Within a
city, the ordinary stops form a nearest-neighbour + 2-opt path from the previous city; when the
city has several night places (or sunrise spots), that path is split into as many pieces, and
each piece ends at its nearest night place (and opens with its nearest sunrise spot), so the
day cuts fall between evenings instead of putting two night markets in one day.
"""

from __future__ import annotations

from collections.abc import Sequence

from pipelines.planner.day_schedule import DayScheduler
from pipelines.planner.travel import Point, haversine_km, open_route, path_order, travel_minutes


class TripRouter:
    """Orders stops for the planner; city orders are cached, since the planner asks often."""

    def __init__(self, sched: DayScheduler):
        self.sched = sched
        by_city: dict[str, list[Point]] = {}
        for stop in sched.stops:  # centres of every candidate, so they stay put while the pick changes
            by_city.setdefault(stop.seg.city or "", []).append(stop.point)
        self.centres = {city: _centre(points) for city, points in by_city.items()}
        self._orders: dict[tuple[str, ...], list[str]] = {}

    def route(self, kept: Sequence[int]) -> list[int]:
        """Stop indices in travel order."""
        by_city: dict[str, list[int]] = {}
        for n in sorted(kept):
            by_city.setdefault(self.sched.stops[n].seg.city or "", []).append(n)
        order = self.city_order(tuple(sorted(by_city)))
        route: list[int] = []
        for k, city in enumerate(order):
            nodes = by_city[city]
            if not route and k + 1 < len(order):  # start the first city far from the next one
                nxt = self.centres[order[k + 1]]
                nodes = sorted(nodes, key=lambda n: -haversine_km(self.sched.stops[n].point, nxt))
            route += _city_sequence(nodes, route[-1] if route else None, self.sched)
        return route

    def city_order(self, cities: tuple[str, ...]) -> list[str]:
        """Shortest open path between the city centres, from its northern end."""
        if cities not in self._orders:
            centres = [self.centres[c] for c in cities]
            costs = {(a, b): travel_minutes(centres[a], centres[b]) for a in range(len(cities)) for b in range(a)}
            order = open_route(range(len(cities)), lambda a, b: costs[max(a, b), min(a, b)] if a != b else 0)
            if centres[order[-1]].lat > centres[order[0]].lat:
                order.reverse()
            self._orders[cities] = [cities[i] for i in order]
        return self._orders[cities]


def _centre(points: list[Point]) -> Point:
    lat = sum(p.lat for p in points) / len(points)
    lon = sum(p.lon for p in points) / len(points)
    return Point(lat, lon, all(p.island for p in points))


def _city_sequence(nodes: list[int], origin: int | None, sched: DayScheduler) -> list[int]:
    kinds = {n: sched.stops[n].kind for n in nodes}
    night = [n for n in nodes if kinds[n] == "night"]
    sunrise = [n for n in nodes if kinds[n] == "sunrise"]
    path = path_order([n for n in nodes if kinds[n] not in ("night", "sunrise")], sched.travel, origin)
    pieces = _split(path, max(len(night), len(sunrise), 1), [sched.stops[n].seg.visit_minutes for n in path])
    heads, tails = _assign(sunrise, pieces, sched), _assign(night, pieces, sched)
    seq: list[int] = []
    for i, piece in enumerate(pieces):
        seq += [*heads.get(i, []), *piece, *tails.get(i, [])]
    return seq


def _split(path: list[int], k: int, weights: list[int]) -> list[list[int]]:
    """``path`` in ``k`` consecutive pieces of about equal weight (some empty if it is short)."""
    total = sum(weights) or 1
    pieces: list[list[int]] = [[] for _ in range(k)]
    done = 0
    for n, w in zip(path, weights, strict=True):
        pieces[min(k - 1, int(k * (done + w / 2) / total))].append(n)
        done += w
    return pieces


def _assign(anchors: list[int], pieces: list[list[int]], sched: DayScheduler) -> dict[int, list[int]]:
    """Each anchor to a different piece, nearest pairs first (empty pieces last)."""
    far = 10**6
    pairs = sorted(
        (min((sched.travel(a, n) for n in piece), default=far), i, a) for a in anchors for i, piece in enumerate(pieces)
    )
    out: dict[int, list[int]] = {}
    placed: set[int] = set()
    for _, i, a in pairs:
        if a not in placed and i not in out:
            out[i] = [a]
            placed.add(a)
    return out
