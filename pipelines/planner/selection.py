"""Which segments the planner may use: one per place, avoided ones out, ranked by what the traveller wants."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from pipelines.core.models import Preferences, Segment
from pipelines.planner.day_schedule import Stop
from pipelines.planner.rules import matches_avoid, matches_place, norm, resolve_points

Rank = tuple[bool, int, float, int]

# Why a segment is not in the plan; the notes explain each in zh-TW.
REASONS = ("no_place", "no_coords", "avoid", "alone", "capacity")


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
        for group in groups.values():
            group.sort(key=lambda g: (g[1], g[0]), reverse=True)
            rank, _, best = group[0]
            out.rank.append(rank)
            out.stops.append(Stop.of(len(out.stops), best, points[best.segment_id], rank[0]))
            if len(group) > 1:
                out.duplicates[best.segment_id] = [g[2].segment_id for g in group[1:]]
        if out.duplicates:
            places = "、".join(f"{out.segments[k].place}（共 {len(v) + 1} 段）" for k, v in out.duplicates.items())
            out.notes.append(f"同一地點有多個影片片段，各保留最合適的一段：{places}。")
        return out

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
