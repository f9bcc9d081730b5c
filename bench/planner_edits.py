"""Two-turn follow-ups: did the second message make the edit the traveller asked for, and did the days
the traveller did not name stay as they were (same stops, same order)?"""

from __future__ import annotations

from dataclasses import dataclass, field

from bench.planner_measures import Corpus, is_meal_stop
from pipelines.core.models import Itinerary


@dataclass
class EditVerdict:
    applicable: bool = True  # the first plan had what the edit names (the stop to remove, swap or move)
    applied: bool = False
    untouched: bool = True
    problems: list[str] = field(default_factory=list)


def stops(day) -> list[str]:
    return [i.segment_id for i in day.items]


def judge_edit(first: Itinerary, second: Itinerary | None, edit: dict, corpus: Corpus) -> EditVerdict:
    v = EditVerdict()
    kind = edit["kind"]
    n_old = len(first.days)
    place = edit.get("place", "")
    src = next((d.day for d in first.days for i in d.items if _names(i, place, corpus)), None) if place else None
    if place and src is None:
        return EditVerdict(applicable=False, problems=[f"第一次的行程沒有「{place}」"])
    if second is None:
        v.problems.append("沒有回傳行程")
        v.untouched = False
        return v
    new = second.days
    keep: dict[int, int] = {}  # old day -> new day that must be identical
    want_days = edit.get("days") or n_old
    if kind == "replace_day":
        day = n_old if edit["day"] == -1 else edit["day"]
        keep = {d: d for d in range(1, n_old + 1) if d != day}
        v.applied = _day_has_only(second, day, edit.get("tags", []), corpus, v)
    elif kind in ("add_day", "set_days"):
        keep = {d: d for d in range(1, min(n_old, want_days) + 1)}
        added = new[n_old:] if len(new) > n_old else []
        v.applied = len(new) == want_days and all(len(d.items) >= 2 for d in added)
        for d in added:
            segs = [corpus.segments[i.segment_id] for i in d.items]
            if edit.get("areas") and not all(s.area in edit["areas"] for s in segs):
                v.applied = False
                v.problems.append(f"新的第 {d.day} 天不在{'、'.join(edit['areas'])}")
            if edit.get("tags") and not any(set(edit["tags"]) & set(s.tags) for s in segs):
                v.applied = False
                v.problems.append(f"新的第 {d.day} 天沒有{'、'.join(edit['tags'])}")
    elif kind == "drop_day":
        day = n_old if edit["day"] == -1 else edit["day"]
        kept = [d for d in range(1, n_old + 1) if d != day]
        keep = {old: k for k, old in enumerate(kept, start=1)}
        v.applied = len(new) == n_old - 1
    elif kind in ("swap_stop", "remove_stop"):
        keep = {d: d for d in range(1, n_old + 1) if d != src}
        still = [i.place for d in new for i in d.items if _names(i, place, corpus)]
        v.applied = not still and len(new) == n_old
        if kind == "swap_stop" and src and len(new) >= src:
            v.applied = v.applied and len(new[src - 1].items) >= len(first.days[src - 1].items)
        if still:
            v.problems.append(f"還有「{'、'.join(still)}」")
    elif kind == "move_stop":
        day = n_old if edit["day"] == -1 else edit["day"]
        keep = {d: d for d in range(1, n_old + 1) if d not in (src, day)}
        v.applied = day <= len(new) and any(_names(i, place, corpus) for i in new[day - 1].items)
    elif kind == "only":
        keep = {}
        segs = [corpus.segments[i.segment_id] for d in new for i in d.items]
        off = [s.place for s in segs if not set(edit["tags"]) & set(s.tags)]
        thin = [d.day for d in new if len(d.items) < 2]
        v.applied = len(new) == n_old and not off and not thin
        if off:
            v.problems.append(f"不是{'、'.join(edit['tags'])}：{'、'.join(off)}")
        if thin:
            v.problems.append(f"第 {'、'.join(map(str, thin))} 天不到兩站")
    if len(new) != want_days:
        v.problems.append(f"{len(new)} 天，要的是 {want_days} 天")
    for old, now in keep.items():
        if now > len(new) or stops(first.days[old - 1]) != stops(new[now - 1]):
            v.untouched = False
            v.problems.append(f"沒要改的第 {old} 天變了")
    if not v.applied and not v.problems:
        v.problems.append("沒有照要求修改")
    return v


def _names(item, place: str, corpus: Corpus) -> bool:
    """The stop is the place named, or lies in the area of that name (「不要去小琉球」 means the island)."""
    seg = corpus.segments[item.segment_id]
    return bool(place) and (item.place == place or seg.area == place)


def _day_has_only(plan: Itinerary, day: int, tags: list[str], corpus: Corpus, v: EditVerdict) -> bool:
    """The changed day exists and every stop that is not a meal carries one of the tags."""
    if not 1 <= day <= len(plan.days) or not plan.days[day - 1].items:
        v.problems.append(f"第 {day} 天是空的")
        return False
    segs = [corpus.segments[i.segment_id] for i in plan.days[day - 1].items]
    off = [s.place for s in segs if not set(tags) & set(s.tags) and not is_meal_stop(s)]
    if off:
        v.problems.append(f"第 {day} 天還有不是{'、'.join(tags)}的：{'、'.join(off)}")
    return not off and any(set(tags) & set(s.tags) for s in segs)
