"""What a traveller expects of a follow-up, as checks over the plan before and after (issue 9, part 3).

``edit_problems`` returns what is wrong (empty: the edit did what the words said and nothing else); the
follow-up tests and the "every suggestion works" test share it, so a suggestion is held to the same rules.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from pipelines.agent.session import SessionState
from pipelines.core.models import DayPlan, Itinerary, Segment
from pipelines.intent.model import Intent

FAMILY = {"美食": {"美食", "小吃", "夜市", "甜點", "咖啡"}, "小吃": {"美食", "小吃", "夜市"}}
MEALS = ("早餐", "午餐", "晚餐")


def ids(day: DayPlan) -> list[str]:
    return [i.segment_id for i in day.items]


def places(plan: Itinerary) -> list[str]:
    return [i.place for i in plan.stops]


def hints_of(answer: str) -> list[str]:
    """The follow-ups the answer suggests (its 「想調整的話，可以說「…」「…」喔！」 line)."""
    line = next((x for x in answer.splitlines() if x.startswith("想調整的話")), "")
    return re.findall(r"「(.+?)」", line)


def days_named(text: str) -> list[int]:
    """Day numbers a suggestion names (第二天, 第 3 天)."""
    digits = {"一": 1, "二": 2, "兩": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
    return [int(n) if n.isdigit() else digits[n] for n in re.findall(r"第\s*(\d+|[一二兩三四五六七八九十])\s*天", text)]


def copy_session(session: SessionState) -> SessionState:
    return session.model_copy(deep=True)


def edit_problems(
    intent: Intent, before: Itinerary, after: Itinerary | None, segments: dict[str, Segment]
) -> list[str]:
    """What is wrong with ``after`` as the edit ``intent`` asks of ``before`` (empty list: nothing)."""
    if after is None:
        return ["no plan came back"]
    n, kind = len(before.days), intent.followup
    problems = _common(intent, before, after)
    match kind:
        case "replace_day":
            day = n if intent.target_day == -1 else intent.target_day or 1
            problems += _same_except(before, after, {day})
            problems += _topic_day(intent.interests, before.days[day - 1], after.days[day - 1], segments)
        case "add_day" | "set_days" if len(after.days) > n:
            problems += _same_except(before, after, set(range(n + 1, len(after.days) + 1)))
            for day in after.days[n:]:
                problems += _full_new_day(day, after, segments, intent.near)
        case "add_day":
            problems.append(f"{len(after.days)} days after adding to {n}")
        case "remove_day" | "set_days":
            want = max(1, n + intent.day_delta) if kind == "remove_day" else intent.days
            problems += [f"{len(after.days)} days, not {want}"] if len(after.days) != want else []
            problems += [
                f"day {d.day} changed" for d, old in zip(after.days, before.days, strict=False) if ids(d) != ids(old)
            ]
        case "drop_day":
            day = n if intent.target_day == -1 else intent.target_day or n
            kept = [d for d in before.days if d.day != day]
            problems += [f"{len(after.days)} days, not {n - 1}"] if len(after.days) != n - 1 else []
            for new, old in zip(after.days, kept, strict=False):
                if not set(ids(new)) <= set(ids(old)):
                    problems.append(f"day {new.day} has stops that were not on the day it was")
        case "swap_stop" | "remove_stop":
            problems += _stop_gone(intent, before, after, segments)
        case "refine" if intent.avoid:  # 「不要去小琉球」 with 小琉球 in the plan removes those stops only
            problems += _stop_gone(intent, before, after, segments, named=False)
        case "move_stop":
            problems += _stop_moved(intent, before, after)
        case "only":
            wanted = set().union(*(FAMILY.get(t, {t}) for t in intent.interests))
            off = [i.place for i in after.stops if not wanted & set(segments[i.segment_id].tags)]
            problems += [f"not {'、'.join(intent.interests)}: {off}"] if off else []
            for day in after.days:  # a food trip eats lunch and dinner every day (the issue: 3 stops in 2 days)
                labels = " ".join(i.note for i in day.items)
                meals = ("午餐",) if 1 < len(after.days) == day.day else ("午餐", "晚餐")  # home after lunch
                problems += [f"day {day.day} has no {m}" for m in meals if m not in labels]
        case "set_date":
            first = intent.start_date
            problems += [
                f"day {d.day} is {d.date}" for d in after.days if d.date != first + dt.timedelta(days=d.day - 1)
            ]
            problems += [
                f"day {d.day} changed" for d, old in zip(after.days, before.days, strict=True) if ids(d) != ids(old)
            ]
    return problems


ASKED_FOR = {"move_stop": {"同一區同一天"}}  # moving a stop away from its outing splits it: the traveller asked


def new_failures(before: Itinerary, after: Itinerary, intent: Intent) -> list[str]:
    """Checks that passed before the edit and fail after it (an edit must not make the plan worse), except
    what the edit itself asks for."""
    passed = {c.name for c in before.checks if c.passed} - ASKED_FOR.get(intent.followup or "", set())
    return [f"{c.name}：{c.detail}" for c in after.checks if not c.passed and c.name in passed]


def _common(intent: Intent, before: Itinerary, after: Itinerary) -> list[str]:
    problems = []
    cities = {i.city for i in before.stops} | set(intent.cities)
    if stray := {i.city for i in after.stops} - cities:
        problems.append(f"cities {stray} that neither the plan nor the message named")
    if intent.followup != "set_date" and [ids(d) for d in after.days] == [ids(d) for d in before.days]:
        problems.append("the plan did not change")
    repeated = {p for p in places(after) if places(after).count(p) > 1}
    problems += [f"{sorted(repeated)} twice"] if repeated else []
    return problems


def _same_except(before: Itinerary, after: Itinerary, touched: set[int]) -> list[str]:
    """Days the message did not name keep their stops, in order; only the day right after an edited one may
    lose stops (it now starts from where the edited day ends, and the answer says so)."""
    problems = []
    for old in before.days:
        if old.day in touched:
            continue
        now = ids(after.days[old.day - 1]) if old.day <= len(after.days) else []
        retimed = old.day - 1 in touched and set(now) <= set(ids(old)) and len(now) >= len(ids(old)) - 2
        if now != ids(old) and not retimed:
            problems.append(f"day {old.day} changed though the message did not name it")
    return problems


def _topic_day(interests: Sequence[str], old: DayPlan, new: DayPlan, segments: dict[str, Segment]) -> list[str]:
    if ids(new) == ids(old):
        return [f"day {old.day} is the same"]
    if not interests:
        return []
    wanted = set().union(*(FAMILY.get(t, {t}) for t in interests))
    on = [i for i in new.items if wanted & set(segments[i.segment_id].tags)]
    sights = [i for i in new.items if not _is_food(segments, i)]
    share = sum(i.visit_minutes for i in on if i in sights) / max(1, sum(i.visit_minutes for i in sights))
    problems = [f"day {new.day} is not about {interests}: {[i.place for i in on]}"] if not on else []
    if sights and not wanted <= FAMILY["美食"] and share < 0.5:  # a food day is about its meals; others its sights
        problems.append(f"day {new.day}'s sights are {share:.0%} {interests}")
    stale = [
        i.place
        for i in old.items
        if i.segment_id in ids(new) and not wanted & set(segments[i.segment_id].tags) and not _is_food(segments, i)
    ]
    return problems + ([f"day {new.day} keeps off-topic sights {stale}"] if stale else [])


def _full_new_day(day: DayPlan, plan: Itinerary, segments: dict[str, Segment], near: Sequence[str]) -> list[str]:
    problems = [f"new day {day.day} has only {len(day.items)} stops"] if len(day.items) < 3 else []
    if not any(any(m in i.note for m in MEALS) for i in day.items):
        problems.append(f"new day {day.day} has no meal")
    if near and (out := [i.place for i in day.items if segments[i.segment_id].area not in near]):
        problems.append(f"new day {day.day} leaves {list(near)}: {out}")
    return problems


def _stop_gone(
    intent: Intent, before: Itinerary, after: Itinerary, segments: dict[str, Segment], named: bool = True
) -> list[str]:
    terms = [intent.place] if intent.place else intent.avoid
    hit = {
        i.segment_id
        for i in before.stops
        if any(t in i.place or i.place in t or t == segments[i.segment_id].area for t in terms)
    }
    touched = {d.day for d in before.days for i in d.items if i.segment_id in hit}
    if not hit:
        return [f"{terms} was not in the plan"] if named else []
    problems = []
    problems += [f"{i.place} is still there" for i in after.stops if i.segment_id in hit]
    problems += _same_except(before, after, touched)
    for day in touched:  # that day's other stops stay
        lost = [
            i.place
            for i in before.days[day - 1].items
            if i.segment_id not in hit and i.segment_id not in ids(after.days[day - 1])
        ]
        problems += [f"day {day} lost {lost} as well"] if lost else []
    return problems


def _stop_moved(intent: Intent, before: Itinerary, after: Itinerary) -> list[str]:
    src = next((d.day for d in before.days for i in d.items if intent.place in i.place), None)
    dst = len(before.days) if intent.target_day == -1 else intent.target_day
    if src is None or dst is None:
        return [f"{intent.place} was not in the plan"]
    problems = [] if any(intent.place in i.place for i in after.days[dst - 1].items) else [f"not on day {dst}"]
    stayed = src != dst and any(intent.place in i.place for i in after.days[src - 1].items)  # already there: kept
    problems += [f"still on day {src}"] if stayed else []
    return problems + _same_except(before, after, {src, dst})


def _is_food(segments: dict[str, Segment], item) -> bool:
    return bool({"美食", "小吃", "夜市", "甜點", "咖啡"} & set(segments[item.segment_id].tags))
