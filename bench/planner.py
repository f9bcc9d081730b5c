"""Planner benchmark: generated requests over the sample corpus → bench/reports/planner.md.

    python -m bench.planner [--requests 240] [--timing-runs 200] [--seed 7] [--out bench/reports/planner.md]

Requests imitate what the agent sends: the segments a search for one to three neighbouring
cities returns (duplicates of a place included), 1–14 days, any pace, interests, must-include
and avoid lists, kids/elders, day windows and start dates. About one in ten names a must-include
place that is not in the selection: those are infeasible on purpose, and the planner must say so.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.core.errors import PlanningError
from pipelines.core.models import Itinerary, Preferences, Segment
from pipelines.planner.plan import plan
from pipelines.planner.rules import day_window, is_night_market, kind_of, stop_cap, to_minutes
from pipelines.planner.travel import Point, haversine_km
from pipelines.planner.verifier import CheckName

ROOT = Path(__file__).resolve().parents[1]

RULES = """## Rules the planner follows (where the issue left the choice to us)

- Stops a day: relaxed 3, normal 4, packed 6; with kids or elders one fewer (at least 2), the day
  ends by 20:00 and walks are at most 0.5 km (else 1 km).
- Travel: haversine x 1.3 road factor, rounded up to 5 min (at least 5); walk at 4.5 km/h; else road
  with 10 min overhead, the first 10 km at 25 km/h and the rest at 60 km/h; from 60 km the train
  (40 min overhead + 150 km/h) when faster; east coast <-> west via 蘇澳 or 楓港; islands by
  ferry/flight, 90 min + 0.3 min/km. A day that starts over 20 km from where the last one ended
  counts that move as its first travel.
- Sunrise spots start at 05:30 as the day's first stop (the night before is spent nearby, one a day);
  night markets and night spots from 17:30 (the verifier accepts 17:00); afternoon spots from 12:00
  and evening spots from 16:00 when the day allows it.
- best_time is a preference, not a reason to idle: afternoon/evening spots wait at most 15 min for
  their time (lunch/dinner 60), a day's first stop starts at the day start (unless sunrise or night),
  and a night spot that is not a night market is dropped rather than waited for over 60 min.
- Meals: one food stop (美食/小吃) aimed at 12:00 (11:00-13:30), a second at dinner from 17:00 when
  no night market feeds the evening; labels 早餐/午餐/晚餐 in the item note. A short food stop
  (<= 60 min) at lunch and one evening meal (a night market, or a short food stop at 17:00-19:30)
  do not count against the stops-a-day cap; without interests each city's best short food stop
  and night market are ranked right after the must-includes.
- Too many segments: must-include first, then interest overlap, search score, search order; the
  rest is listed in left_out with a zh-TW note. Too few: free days, no padding."""

UNKNOWN_PLACES = ["太魯閣國家公園", "日月潭", "九份老街", "墾丁大街", "清境農場", "不存在的景點"]


@dataclass
class Request:
    segments: list[Segment]
    days: int
    prefs: Preferences
    feasible: bool = True
    why_infeasible: str = ""


@dataclass
class Outcome:
    request: Request
    itinerary: Itinerary | None = None
    error: str = ""
    ms: float = 0.0
    explained: bool = True
    notes: list[str] = field(default_factory=list)


def load_corpus(corpus_dir: Path) -> list[Segment]:
    try:
        from pipelines.corpus.loader import load_segments
    except ImportError:  # pragma: no cover - ingestion not landed yet
        from pipelines.index.ingest import load_segments  # type: ignore[no-redef]
    segments, _problems = load_segments(corpus_dir)
    return [s for s in segments if s.place and s.lat is not None]


def generate(segments: list[Segment], count: int, rng: random.Random, days: int | None = None) -> list[Request]:
    by_city: dict[str, list[Segment]] = {}
    for seg in segments:
        by_city.setdefault(seg.city or "", []).append(seg)
    centre = {
        c: Point(statistics.fmean(s.lat for s in v), statistics.fmean(s.lon for s in v)) for c, v in by_city.items()
    }
    cities = sorted(by_city)
    out = []
    for _ in range(count):
        seed_city = rng.choice(cities)
        near = sorted(cities, key=lambda c: haversine_km(centre[seed_city], centre[c]))
        chosen = near[: rng.choice([1, 1, 1, 2, 2, 3, 4])]
        pool = [s for c in chosen for s in by_city[c]]
        picked = rng.sample(pool, rng.randint(min(3, len(pool)), min(len(pool), 40)))
        n_days = days or rng.choice([1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 5, 5, 6, 7, 10, 14])
        prefs = _preferences(picked, n_days, rng)
        request = Request(picked, n_days, prefs)
        if rng.random() < 0.1:
            missing = rng.choice([p for p in UNKNOWN_PLACES if all(p != s.place for s in picked)])
            prefs.must_include.append(missing)
            request.feasible, request.why_infeasible = False, f"必去「{missing}」不在選取的片段中"
        out.append(request)
    return out


def _preferences(picked: list[Segment], days: int, rng: random.Random) -> Preferences:
    tags = sorted({t for s in picked for t in s.tags})
    prefs = Preferences(
        pace=rng.choice(["relaxed", "normal", "normal", "packed"]),
        day_start=rng.choice(["08:00", "09:00", "09:00", "09:30", "10:00"]),
        day_end=rng.choice(["20:00", "21:00", "21:00", "21:30", "22:00"]),
        interests=rng.sample(tags, rng.randint(0, min(3, len(tags)))),
        with_kids=rng.random() < 0.15,
        with_elders=rng.random() < 0.1,
        start_date=dt.date(2026, 3, 1) + dt.timedelta(days=rng.randint(0, 300)) if rng.random() < 0.5 else None,
    )
    # must-include: places that fit a day on their own under these preferences (a feasible request)
    start, end = day_window(prefs)
    fits = [
        s
        for s in picked
        if s.visit_minutes <= end - start - 30 and (kind_of(s) != "night" or end - s.visit_minutes >= 17 * 60 + 30)
    ]
    places = list(dict.fromkeys(s.place for s in fits))
    if places and rng.random() < 0.4:
        # at most one sunrise or night place a day, and musts filling at most half of the hours
        wanted = rng.sample(places, min(len(places), rng.randint(1, 4), days * stop_cap(prefs)))
        by_place = {s.place: s for s in fits}
        budget = days * (end - start) / 2
        for place in wanted:
            s = by_place[place]
            same_kind = [by_place[m] for m in prefs.must_include if kind_of(by_place[m]) == kind_of(s)]
            if kind_of(s) in ("sunrise", "night") and len(same_kind) >= days:
                continue
            if sum(by_place[m].visit_minutes + 30 for m in prefs.must_include) + s.visit_minutes + 30 > budget:
                continue
            prefs.must_include.append(place)
    if rng.random() < 0.3:
        must_tags = {t for s in picked if s.place in prefs.must_include for t in s.tags}
        options = [t for t in tags if t not in must_tags]
        if options:
            prefs.avoid = [rng.choice(options)]
    return prefs


def run(request: Request) -> Outcome:
    started = time.perf_counter()
    try:
        itinerary = plan(request.segments, request.days, request.prefs)
    except PlanningError as err:
        return Outcome(request, error=str(err), ms=(time.perf_counter() - started) * 1000)
    ms = (time.perf_counter() - started) * 1000
    failing = [c for c in itinerary.checks if not c.passed]
    explained = all(any(c.name in note for note in itinerary.notes) for c in failing)
    return Outcome(request, itinerary, ms=ms, explained=explained)


def day_flow(outcomes: list[Outcome]) -> tuple[list[int], int, int]:
    """Idle minutes per planned day (waiting beyond travel; not before a night market, which must wait
    for the evening), the days that set off after 10:00 (first start minus its travel; a day holding only
    night places does), and all planned days.
    """
    idle: list[int] = []
    late = 0
    for o in outcomes:
        if not o.itinerary:
            continue
        segs = {s.segment_id: s for s in o.request.segments}
        for day in o.itinerary.days:
            if not day.items:
                continue
            late += to_minutes(day.items[0].start) - day.items[0].travel_minutes > to_minutes("10:00")
            idle.append(
                sum(
                    to_minutes(b.start) - to_minutes(a.end) - b.travel_minutes
                    for a, b in zip(day.items, day.items[1:], strict=False)
                    if not is_night_market(segs[b.segment_id])
                )
            )
    return idle, late, len(idle)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def report(outcomes: list[Outcome], timing: list[Outcome], seed: int) -> str:
    delivered = [o for o in outcomes if o.itinerary]
    feasible = [o for o in delivered if o.request.feasible]
    infeasible = [o for o in delivered if not o.request.feasible]
    passed = [o for o in feasible if o.itinerary and o.itinerary.passed]
    check_pass: Counter[str] = Counter()
    for o in delivered:
        for c in o.itinerary.checks:  # type: ignore[union-attr]
            check_pass[c.name] += c.passed
    stops = [sum(len(d.items) for d in o.itinerary.days) for o in delivered]  # type: ignore[union-attr]
    left = [len(o.itinerary.left_out) for o in delivered]  # type: ignore[union-attr]
    free = [sum(not d.items for d in o.itinerary.days) for o in delivered]  # type: ignore[union-attr]
    ms5 = [o.ms for o in timing]
    ms_all = [o.ms for o in outcomes]
    explained = sum(o.explained for o in delivered)
    idle, late, planned_days = day_flow(delivered)
    infeasible_named = [o for o in infeasible if not o.itinerary.passed and o.explained]  # type: ignore[union-attr]
    lines = [
        "# Planner benchmark",
        "",
        f"Generated by `python -m bench.planner --seed {seed}` over the sample corpus "
        f"({len({s.segment_id for o in outcomes for s in o.request.segments})} distinct segments used).",
        "",
        "| metric | value |",
        "|---|---|",
        f"| requests | {len(outcomes)} ({len(outcomes) - sum(not o.request.feasible for o in outcomes)} feasible, "
        f"{sum(not o.request.feasible for o in outcomes)} infeasible on purpose) |",
        f"| delivery rate (an itinerary came back) | {_pct(len(delivered), len(outcomes))} |",
        f"| **final pass rate, feasible requests** (every check passed) | **{_pct(len(passed), len(feasible))}** |",
        f"| infeasible requests naming the failing check in notes | {_pct(len(infeasible_named), len(infeasible))} |",
        f"| plans whose failing checks are explained in notes | {_pct(explained, len(delivered))} |",
        f"| stops planned per request (mean / max) | {statistics.fmean(stops):.1f} / {max(stops)} |",
        f"| segments left out per request (mean) | {statistics.fmean(left):.1f} |",
        f"| free days per request (mean) | {statistics.fmean(free):.2f} |",
        f"| idle minutes per day, not before a night market (p50 / p95 / max) | {percentile(idle, 0.5):.0f} / "
        f"{percentile(idle, 0.95):.0f} / {max(idle)} min; days setting off after 10:00: "
        f"{_pct(late, planned_days)} |",
        f"| planning time, all requests p50 / p95 / max | {percentile(ms_all, 0.5):.1f} / "
        f"{percentile(ms_all, 0.95):.1f} / {max(ms_all):.1f} ms |",
        f"| **planning time, 5-day plans p50 / p95** ({len(timing)} runs) | **{percentile(ms5, 0.5):.1f} / "
        f"{percentile(ms5, 0.95):.1f} ms** (goal p95 ≤ 50 ms) |",
        "",
        "## Per-check pass rates (delivered plans)",
        "",
        "| check | pass rate |",
        "|---|---|",
    ]
    lines += [f"| {name.value} | {_pct(check_pass[name.value], len(delivered))} |" for name in CheckName]
    failures = [o for o in feasible if not o.itinerary.passed]  # type: ignore[union-attr]
    if failures:
        lines += ["", "## Feasible requests that failed a check", ""]
        for o in failures[:20]:
            bad = [f"{c.name}：{c.detail}" for c in o.itinerary.checks if not c.passed]  # type: ignore[union-attr]
            lines.append(
                f"- {o.request.days} 天 {o.request.prefs.model_dump_json(exclude_defaults=True)} → {'；'.join(bad)}"
            )
    errors = [o for o in outcomes if o.error]
    if errors:
        lines += ["", "## Requests refused with PlanningError", ""]
        lines += [f"- {o.request.days} 天：{o.error}" for o in errors[:20]]
    lines += [
        "",
        RULES,
        "",
        "Machine: shared 2-core development box under load from parallel work; timings include",
        "verification. Rerun to refresh.",
        "",
    ]
    return "\n".join(lines)


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}% ({part}/{whole})" if whole else "n/a"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=240)
    parser.add_argument("--timing-runs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--corpus", type=Path, default=ROOT / "assets" / "corpus")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "reports" / "planner.md")
    args = parser.parse_args(argv)
    segments = load_corpus(args.corpus)
    rng = random.Random(args.seed)
    outcomes = [run(r) for r in generate(segments, args.requests, rng)]
    timing = [run(r) for r in generate(segments, args.timing_runs, rng, days=5)]
    text = report(outcomes, timing, args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
