"""The markdown report of ``python -m bench.planner``: engines side by side, then what is still flagged."""

from __future__ import annotations

import datetime as dt
import re
import statistics
from collections.abc import Callable

from bench.planner_measures import (
    EARLIEST,
    FOOD_WISHES,
    FULL_END,
    LATE_START,
    LONG_GAP,
    ONE_DAY_MINUTES,
    RULES,
    SIGHTS_BEFORE_REST,
)

RULE_NAMES = {
    "days": "天數 / 有排出行程",
    "cities": "城市（沒說城市：說明並詢問）",
    "full_day": f"每天玩得滿：沒有超過 {LONG_GAP // 60} 小時沒說明的空檔（整天到 {FULL_END}）",
    "needless_gap": "自由活動的空檔，附近其實還有景點",
    "meals": "整天都有午餐和晚餐（附近有還沒排的餐廳）",
    "meal_time": "餐廳不在奇怪的時間",
    "area_split": "同一區一天走得完卻分在兩天",
    "early": f"沒要求卻在 {EARLIEST} 前出發",
    "backtrack": "走回頭路（比同起訖的順路多走很多）",
    "crammed": "空著一天，另一天卻塞了兩趟船或長途移動",
    "constraints": "條件：日期、興趣、必去、避開、附近、區域、每天的願望",
}
CONSTRAINTS = ("date", "interests", "must", "avoid", "near", "areas", "wishes")


def pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}% ({part}/{whole})" if whole else "n/a"


def quantile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _english(text: str) -> bool:
    return not re.search(r"[\u4e00-\u9fff]", text)


def describe(engine: str, commits: dict[str, str]) -> str:
    """What an engine of the run is, for the report's first paragraph."""
    return {
        "heuristic": f"`heuristic`, the hand-written engine of main before issue 9 (git `{commits['heuristic'][:10]}`: "
        "nearest neighbour + 2-opt routes cut into days by dynamic programming)",
        "main": f"`main`, the routing planner as main has it (git `{commits['main'][:10]}`, every "
        "`pipelines/planner` module)",
        "ortools": "`ortools`, this tree's routing model (`pipelines/planner/solver.py`)",
    }[engine]


def report(runs, labels: dict, embedder: str, today: dt.date, commits: dict[str, str]) -> str:
    n = len(labels["requests"])
    english = sum(_english(r["text"]) for r in labels["requests"])
    names = [r.engine for r in runs]
    middle = "".join(f"; {describe(e, commits)}" for e in names[1:-1])
    lines = [
        "# Planner benchmark",
        "",
        f"`python -m bench.planner`: {n} labelled requests ({n - english} zh-TW, {english} English) and "
        f"{len(labels['followups'])} two-turn follow-ups (`bench/planner_requests.yaml`) through the offline agent "
        f"on the sample corpus ({embedder} embedder, today = {today} {today:%A}), every engine on the very same "
        f"cached searches, in one run. **Before** = {describe(names[0], commits)}{middle}; **after** = "
        f"{describe(names[-1], commits)}. The rules are the bench's own (`bench/planner_measures.py`), not the "
        "planner's verifier; the verifier row runs today's verifier on every engine's plans.",
        "",
        "## Summary",
        "",
        "| measure | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
    ]
    rows: list[tuple[str, Callable]] = [
        ("**plans passing every traveller rule** (requests the corpus can satisfy)", _pass_feasible),
        ("plans passing every traveller rule (all requests)", lambda r: pct(_passed(r.single), len(r.single))),
        ("requests whose labels the parsed request carries (the intent parser's part)", _understood),
        ("plans passing every traveller rule, among those requests (the planner's part)", _pass_understood),
        ("idle minutes per day: mean / p50 / p95", _idle),
        (f"days with a gap over {LONG_GAP // 60} h and no reason", lambda r: _count(r.single, "full_day")),
        ("days with free time although a sight in reach was left out", lambda r: _count(r.single, "needless_gap")),
        ("meals per full day (unplanned food in reach)", _meals),
        ("full days missing a lunch or a dinner", lambda r: _count(r.single, "meals")),
        ("meal stops at odd times (10:00, 15:30 …)", lambda r: _count(r.single, "meal_time")),
        ("area splits that fit one day", lambda r: _count(r.single, "area_split")),
        ("empty days beside a crammed day (two boat crossings or long moves)", lambda r: _count(r.single, "crammed")),
        ("unasked early starts (days)", lambda r: _count(r.single, "early")),
        ("km a day vs the shortest order of the same stops (mean ratio); days backtracking", _km),
        *[(f"constraint satisfied: {kind}", _constraint(kind)) for kind in CONSTRAINTS],
        ("stops meeting an asked interest, mean share a plan (requests naming interests); food trips", _asked),
        ("asked-for stops left out while unasked sights are planned: stops (plans)", _crowded),
        ("verifier passes every check, the bench flags a rule the verifier has (not a label)", _misses),
        ("planning time, every planner call of the run: p50 / p95", _time_all),
        ("**planning time, 5-day plans: p50 / p95** (goal p95 ≤ 200 ms)", _time5),
        ("follow-ups: edit applied", lambda r: _edits(r, "applied")),
        ("follow-ups: days not named stay as they were", lambda r: _edits(r, "untouched")),
        ("follow-ups: the edited plan passes every traveller rule", _followup_pass),
    ]
    lines += [f"| {title} | " + " | ".join(fn(r) for r in runs) + " |" for title, fn in rows]
    lines += ["", "## Requests flagged, rule by rule", "", "| rule | " + " | ".join(names) + " |"]
    lines += ["|---|" + "---|" * len(names)]
    lines += [
        f"| {RULE_NAMES[rule]} | " + " | ".join(pct(_flagged(r.single, rule), len(r.single)) for r in runs) + " |"
        for rule in RULES
    ]
    last = runs[-1]
    lines += ["", *_kept(runs), *_detours(runs)]
    lines += ["", f"## What the bench still flags ({last.engine})", ""]
    flagged = [o for o in last.single if not o.verdict.passed]
    lines += [f"- {o.label['text']}{_short(o)}: {_problems(o)}" for o in flagged] or ["- nothing"]
    lines += ["", f"## Follow-ups ({last.engine})", ""]
    for o in last.followups:
        e = o.edit
        state = "precondition unmet" if e and not e.applicable else ("✅" if e and e.applied and e.untouched else "❌")
        extra = "；".join((e.problems if e else ["沒有第一次的行程"]) + _flat(o.verdict.problems))
        lines.append(f"- {o.label['text']}: {state}{'：' + extra if extra else ''}")
    lines += ["", _RULES_TEXT, ""]
    return "\n".join(lines)


def _kept(runs) -> list[str]:
    """Which engine the product keeps, from this run's numbers (the product runs ``ortools``)."""
    by = {r.engine: r for r in runs}
    if not {"heuristic", "ortools"} <= set(by):
        return []
    old, new = by["heuristic"], by["ortools"]
    better = _passed(new.single) > _passed(old.single)
    return [
        "## Which engine is kept",
        "",
        f"`ortools` is the product's engine: {_pass_feasible(new)} of the plans pass every traveller rule against "
        f"{_pass_feasible(old)} for the heuristics; days with a gap over {LONG_GAP // 60} h and no reason "
        f"{_count(new.single, 'full_day')} vs {_count(old.single, 'full_day')}, meal stops at odd times "
        f"{_count(new.single, 'meal_time')} vs {_count(old.single, 'meal_time')}, area splits "
        f"{_count(new.single, 'area_split')} vs {_count(old.single, 'area_split')}, unasked early starts "
        f"{_count(new.single, 'early')} vs {_count(old.single, 'early')}, within the 5-day time goal "
        f"({_time5(new)})."
        + ("" if better else " **This run does not show it planning better: the choice needs another look.**"),
    ]


def _detours(runs) -> list[str]:
    numbers = "; ".join(f"`{r.engine}` {_count(r.single, 'backtrack')}" for r in runs)
    return [
        "",
        "## Backtracking: the bench's rule and the verifier's 順路不繞路",
        "",
        f"Days backtracking by the bench's rule: {numbers}. The bench compares a day's straight-line km with the "
        "shortest order of its own stops between the same first and last stop (meal times ignored). The "
        "verifier's 順路不繞路 checks two things in the planner's travel minutes: no stop adds more to the drive "
        "from the stop before it to the stop after it than it is worth (`rules.detour_cap`: a snack 30 min, a "
        "meal 40, a sight 60 or its visit; by road, since a train leg makes 瑞穗 → 新城 quicker than 瑞穗 → "
        "花蓮市), and the day's moves are at most 1.2× + 15 min the shortest order that keeps its meals at "
        "meal times. They differ on purpose where the bench cannot see time: an evening spot kept for the "
        "evening (象山 at sunset after 華山, 台北五天四夜 day 4) or a meal kept at its hour cost km an order that "
        "ignores the clock saves; those days pass the verifier and stay listed below.",
    ]


def _short(o) -> str:
    short = f"（corpus: {o.label['short']}）" if o.label.get("short") else ""
    return short + (f"〔沒讀懂：{'、'.join(o.misread)}〕" if o.misread else "")


def _understood(r) -> str:
    return pct(sum(not o.misread for o in r.single), len(r.single))


def _pass_understood(r) -> str:
    read = [o for o in r.single if not o.misread]
    return pct(_passed(read), len(read))


def _flat(problems: dict[str, list[str]]) -> list[str]:
    return [p for ps in problems.values() for p in ps]


def _problems(o) -> str:
    return "；".join(_flat(o.verdict.problems)[:6])


def _passed(outcomes) -> int:
    return sum(o.verdict.passed for o in outcomes)


def _pass_feasible(r) -> str:
    feasible = [o for o in r.single if not o.label.get("short")]
    return f"**{pct(_passed(feasible), len(feasible))}**"


def _flagged(outcomes, rule: str) -> int:
    return sum(rule in o.verdict.problems for o in outcomes)


def _count(outcomes, rule: str) -> str:
    return str(sum(len(o.verdict.problems.get(rule, [])) for o in outcomes))


def _idle(r) -> str:
    idle = [x for o in r.single for x in o.verdict.idle]
    mean = statistics.fmean(idle) if idle else 0
    return f"{mean:.0f} / {quantile(idle, 0.5):.0f} / {quantile(idle, 0.95):.0f} min"


def _meals(r) -> str:
    meals = [x for o in r.single for x in o.verdict.meals]
    return f"{statistics.fmean(meals):.2f} ({len(meals)} full days)" if meals else "n/a"


def _km(r) -> str:
    pairs = [p for o in r.single for p in o.verdict.km if p[1] > 0.5]
    ratio = statistics.fmean(a / b for a, b in pairs) if pairs else 1.0
    return f"{ratio:.2f}; {_count(r.single, 'backtrack')}"


def _constraint(kind: str) -> Callable:
    def cell(r) -> str:
        seen = [ok for o in r.single for ok in o.verdict.constraints.get(kind, [])]
        return pct(sum(seen), len(seen))

    return cell


def _asked(r) -> str:
    def share(outs) -> str:
        seen = [o.verdict.asked for o in outs if o.verdict.asked is not None]
        return f"{100 * statistics.fmean(seen):.0f}% ({len(seen)})" if seen else "n/a"

    food = [o for o in r.single if FOOD_WISHES & set(o.label.get("interests") or [])]
    return f"{share(r.single)}; {share(food)}"


def _crowded(r) -> str:
    return f"{sum(len(o.verdict.crowded) for o in r.single)} ({sum(bool(o.verdict.crowded) for o in r.single)})"


LABELS_ONLY = {"constraints", "cities", "days"}  # what only the labels know (the verifier checks the parsed request)


def _misses(r) -> str:
    missed = [o for o in r.single if o.verifier_passed and set(o.verdict.problems) - LABELS_ONLY]
    return str(len(missed)) + (f" ({'；'.join(o.label['text'] for o in missed[:8])})" if missed else "")


def _time_all(r) -> str:
    ms = [c.ms for c in r.calls]
    return f"{quantile(ms, 0.5):.0f} / {quantile(ms, 0.95):.0f} ms ({len(ms)} calls)"


def _time5(r) -> str:
    ms = [x for days, xs in r.replay_ms.items() if days == 5 for x in xs]
    return f"**{quantile(ms, 0.5):.0f} / {quantile(ms, 0.95):.0f} ms** ({len(ms)} runs)" if ms else "n/a"


def _edits(r, what: str) -> str:
    done = [o.edit for o in r.followups if o.edit and o.edit.applicable]
    return pct(sum(getattr(e, what) for e in done), len(done)) + _unmet(r)


def _unmet(r) -> str:
    unmet = sum(1 for o in r.followups if o.edit and not o.edit.applicable)
    return f", {unmet} precondition unmet" if unmet else ""


def _followup_pass(r) -> str:
    plans = [o for o in r.followups if o.itinerary is not None]
    return pct(_passed(plans), len(r.followups))


_RULES_TEXT = f"""## The bench's rules (independent of the planner)

- A day sets off (first stop's start minus its travel) no earlier than {EARLIEST}, or the traveller's own
  start (「不要太早」 → 10:00); a sunrise place may open a day at dawn only when the request asked for it.
- Full days (every day but the last of a multi-day trip, and not a day the traveller ends early) run to
  {FULL_END}; setting off more than {LATE_START} min after the start, or any other stretch without a stop over
  {LONG_GAP} min, needs a
  自由活動 / 休息 block with a reason, and such a block is needless when the day has fewer than
  {SIGHTS_BEFORE_REST[False]} sights ({SIGHTS_BEFORE_REST[True]} when gentle) and an unplanned sight of that
  city, within 20 km, fits the gap with its opening hours and travel (the bench's own estimate: walk under
  1 km, else 10 min + 30 km/h, 60 km/h beyond 15 km, boats 90 min more), respecting the labels.
- Meals: on a full day, a food stop or night market of at least 30 min starting 11:00–13:45 (lunch) and
  17:00–20:00 (dinner; a night market until 21:00), whenever food the trip has not used (a restaurant, food
  street or night market of at most 2 h that is no sight of its own), open for that meal,
  of the day's city lies within 10 km (same island) of a stop the day holds within 90 min of that meal; a
  visit of 5 h or more across noon is the lunch; a meal with no such food counts as met in "meals per full
  day". A restaurant (美食 only, 30–90 min) never
  starts outside 06:00–09:45, 11:00–13:45, 17:00–20:00, unless it is a 小吃 stall of at most 45 min the plan
  calls 點心 at 14:00–16:30 (an afternoon snack).
- Interests: a stop meets an asked interest by its tags; asking for 美食, 小吃 or 夜市 is a food trip, met by
  every food, dessert or night-market stop. Crowded out: stops meeting an interest that the planner was given
  but left out while the plan has sights meeting none (as many as could swap; a night market only while a
  full day's evening has none).
- One area, one day: a gazetteer area whose planned stops (restaurants aside: a meal is not an outing) take
  ≤ {ONE_DAY_MINUTES} min (20 min between stops) is on one day.
- Backtracking: a day travels (straight-line km, stop to stop) more than 1.3 x + 3 km the shortest order of
  its own stops between the same first and last stop.
- Constraints come from the labels: dates, interests, must (the place, or any stop of the area so named:
  阿里山), avoid, near (km from an anchor), areas (region
  words: 墾丁 = 恆春半島), per-day wishes (tags, places, areas, end by).
- Follow-ups: the edit the traveller asked for (the day changed to the topic, days added with at least two
  stops, a day dropped, the stop gone or on its new day, only the narrowed topic), and the days not named
  keep the same stops in the same order."""
