"""Which segments the planner may use: one per place, avoided ones out, ranked by what the traveller wants."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from pipelines.core.models import Preferences, Segment
from pipelines.planner.rules import area_key, is_umbrella, matches_avoid, matches_place, norm, resolve_points
from pipelines.planner.stops import Stop, make_stop, with_outings
from pipelines.planner.travel import Point, travel_minutes

Rank = tuple[bool, int, float, int]

# Why a segment is not in the plan; the notes explain each in zh-TW.
REASONS = ("no_place", "no_coords", "avoid", "far", "covered", "alone", "capacity")


@dataclass
class Selection:
    stops: list[Stop] = field(default_factory=list)  # candidates; stops[n].n == n
    rank: list[Rank] = field(default_factory=list)
    reasons: dict[str, str] = field(default_factory=dict)  # segment id -> one of REASONS
    segments: dict[str, Segment] = field(default_factory=dict)  # every input segment, by id, in input order
    duplicates: dict[str, list[str]] = field(default_factory=dict)  # kept id -> other ids of the same place
    notes: list[str] = field(default_factory=list)

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
            stops.append(make_stop(len(stops), best, points[best.segment_id], rank[0], rank, count, prefs))
        out.stops = with_outings(stops)
        if out.duplicates:
            places = "、".join(f"{out.segments[k].place}（共 {len(v) + 1} 段）" for k, v in out.duplicates.items())
            out.notes.append(f"同一地點有多個影片片段，各保留最合適的一段：{places}。")
        return out

    def _near(self, group: list, points: dict[str, Point], prefs: Preferences) -> list:
        """「附近」 and region words: keep stops in the named areas or places, or within reach of them."""
        if not prefs.near:
            return group
        anchors = [
            points[seg.segment_id]
            for _, _, seg in group
            if any(area_key(seg) == norm(n) or matches_place(n, seg) for n in prefs.near)
        ]
        if not anchors:
            return group
        kept = []
        for entry in group:
            seg = entry[2]
            must = entry[0][0]
            here = points[seg.segment_id]
            close = any(travel_minutes(a, here) <= prefs.near_minutes for a in anchors)
            if must or close:
                kept.append(entry)
            else:
                self.reasons[seg.segment_id] = "far"
        return kept

    def _without_umbrellas(self, group: list) -> list:
        """A place named like its area (七美) gives way to that area's own stops (雙心石滬, 望夫石 …)."""
        areas = {area_key(seg) for _, _, seg in group if not is_umbrella(seg) and seg.area}
        kept = []
        for entry in group:
            seg = entry[2]
            if is_umbrella(seg) and area_key(seg) in areas and not entry[0][0]:
                self.reasons[seg.segment_id] = "covered"
            else:
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
    interests = {norm(i) for i in prefs.interests if i.strip()}
    tags = {norm(t) for t in seg.tags}
    place = norm(seg.place or "")
    overlap = len(interests & tags) + sum(1 for i in interests if len(i) >= 2 and i in place)
    return (must, overlap, float(getattr(seg, "score", 0.0) or 0.0), -pos)
