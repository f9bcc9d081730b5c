"""Which segments the planner may use: one per place, avoided ones out, ranked by what the traveller wants."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from pipelines.core.models import Preferences, Segment
from pipelines.planner.rules import (
    area_key,
    interest_overlap,
    is_meal,
    is_umbrella,
    matches_avoid,
    matches_place,
    near_anchors,
    norm,
    resolve_points,
)
from pipelines.planner.stops import Stop, make_stop, with_outings
from pipelines.planner.travel import Point, travel_minutes

Rank = tuple[bool, int, float, int]

# Why a segment is not in the plan; the notes explain each in zh-TW.
REASONS = ("no_place", "no_coords", "avoid", "far", "covered", "alone", "capacity")
NEAR_CLOSE_MINUTES = 20  # a stop this close to what 「附近」 names is preferred to one merely within reach


@dataclass
class Selection:
    stops: list[Stop] = field(default_factory=list)  # candidates; stops[n].n == n
    rank: list[Rank] = field(default_factory=list)
    reasons: dict[str, str] = field(default_factory=dict)  # segment id -> one of REASONS
    segments: dict[str, Segment] = field(default_factory=dict)  # every input segment, by id, in input order
    duplicates: dict[str, list[str]] = field(default_factory=dict)  # kept id -> other ids of the same place
    notes: list[str] = field(default_factory=list)
    covered_by: dict[str, str] = field(default_factory=dict)  # segment id -> the whole outing it is part of
    close: set[str] = field(default_factory=set)  # segment ids in or close to what 「附近」 names

    @classmethod
    def build(cls, segments: Sequence[Segment], prefs: Preferences) -> Selection:
        out = cls()
        points = resolve_points(segments)
        groups: dict[str, list[tuple[Rank, bool, Segment]]] = {}
        for pos, seg in enumerate(segments):
            if seg.segment_id in out.segments:
                continue
            out.segments[seg.segment_id] = seg
            if not seg.place:
                out.reasons[seg.segment_id] = "no_place"
                continue
            if seg.segment_id not in points:
                out.reasons[seg.segment_id] = "no_coords"
                continue
            must = any(matches_place(t, seg) for t in prefs.must_include)
            if any(matches_avoid(t, seg) for t in prefs.avoid):
                if not must:
                    out.reasons[seg.segment_id] = "avoid"
                    continue
                out.notes.append(f"「{seg.place}」符合避開條件，但你指定必去，仍排入。")
            named = seg.segment_id in prefs.must_include
            groups.setdefault(norm(seg.place), []).append((_rank(seg, pos, prefs, must), named, seg))
        best_of = []
        for group in groups.values():
            group.sort(key=lambda g: (g[1], g[0]), reverse=True)
            best_of.append(group[0])
            if len(group) > 1:
                out.duplicates[group[0][2].segment_id] = [g[2].segment_id for g in group[1:]]
        best_of = out._near(best_of, points, prefs)
        best_of = out._without_umbrellas(best_of)
        count = len(segments)
        stops = []
        for rank, _, best in best_of:
            out.rank.append(rank)
            close = best.segment_id in out.close
            stops.append(make_stop(len(stops), best, points[best.segment_id], rank[0], rank, count, prefs, close))
        out.stops = with_outings(stops)
        if out.duplicates:
            places = "、".join(f"{out.segments[k].place}（共 {len(v) + 1} 段）" for k, v in out.duplicates.items())
            out.notes.append(f"同一地點有多個影片片段，各保留最合適的一段：{places}。")
        return out

    def _near(self, group: list, points: dict[str, Point], prefs: Preferences) -> list:
        """「附近」 and region words: keep stops in the named areas or places, or within reach of them; those in
        them or close by (``NEAR_CLOSE_MINUTES``) are preferred (``stops.NEAR_VALUE``)."""
        if not prefs.near:
            return group
        anchors = [points[s.segment_id] for s in near_anchors([e[2] for e in group], prefs.near)]
        if not anchors:
            return group
        kept = []
        for entry in group:
            seg = entry[2]
            must = entry[0][0]
            minutes = min(travel_minutes(a, points[seg.segment_id]) for a in anchors)
            if minutes <= NEAR_CLOSE_MINUTES:
                self.close.add(seg.segment_id)
            if must or minutes <= prefs.near_minutes:
                kept.append(entry)
            else:
                self.reasons[seg.segment_id] = "far"
        return kept

    def _without_umbrellas(self, group: list) -> list:
        """A place named like its area (七美, 小琉球) is the whole outing. When the area's own sights add up to
        at least half of it (日月潭's six stops), they are the plan and it gives way; when they are a few
        short stops (七美's three viewpoints), they are part of it and give way (a must-see never does)."""
        own: dict[str, int] = {}
        for _, _, seg in group:
            if seg.area and not is_umbrella(seg) and not is_meal(seg):
                own[area_key(seg)] = own.get(area_key(seg), 0) + seg.visit_minutes
        umbrellas = {area_key(seg): seg for _, _, seg in group if is_umbrella(seg)}
        musts = {area_key(e[2]) for e in group if e[0][0] and e[2].area and not is_umbrella(e[2])}
        whole = {a for a, u in umbrellas.items() if own.get(a, 0) * 2 < u.visit_minutes and a not in musts}
        kept = []
        for entry in group:
            seg, must = entry[2], entry[0][0]
            key = area_key(seg) if seg.area else ""
            umbrella = is_umbrella(seg)
            gives_way = (umbrella and key in own and key not in whole) or (not umbrella and key in whole)
            if gives_way and not must and not is_meal(seg):
                self.reasons[seg.segment_id] = "covered"
                self.covered_by[seg.segment_id] = umbrellas[key].place if key in whole else ""
                continue
            kept.append(entry)
        return kept

    @property
    def kept(self) -> list[int]:
        return [s.n for s in self.stops if s.seg.segment_id not in self.reasons]

    def leave_out(self, stop: Stop, reason: str) -> None:
        self.reasons.setdefault(stop.seg.segment_id, reason)

    def left_out_ids(self) -> list[str]:
        return [sid for sid in self.segments if sid in self.reasons]

    def left_out_by(self, reason: str) -> list[Segment]:
        return [self.segments[sid] for sid in self.left_out_ids() if self.reasons[sid] == reason]


def _rank(seg: Segment, pos: int, prefs: Preferences, must: bool) -> Rank:
    """must-include, then how many interests the segment meets, its search score, then search order."""
    return (must, interest_overlap(seg, prefs), float(getattr(seg, "score", 0.0) or 0.0), -pos)
