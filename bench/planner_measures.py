"""The traveller's rules, computed by the bench itself from the plan, the corpus and the labels.

Deliberately independent of ``pipelines.planner`` (its rules, travel model and verifier): a plan
the verifier passes but these rules flag is a verifier bug, and the report lists such plans.
The numbers below are what a Taiwanese traveller expects, written down once for the bench.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from pipelines.core.models import DayPlan, Itinerary, Segment

EARLIEST = "08:30"  # no day sets off before this unless asked (sunrise, or the traveller's own start)
FULL_END = "18:00"  # a full day (not the last day of a trip) runs at least this late
LONG_GAP = 120  # a stretch without a stop longer than this needs a reason (自由活動 / 休息)
LATE_START = 90  # a full day setting off this much after the day's start needs a reason too
LUNCH, DINNER, NIGHT_MARKET_DINNER = ("11:00", "13:45"), ("17:00", "20:00"), ("17:00", "21:00")
MEAL_TIMES = (("06:00", "09:45"), LUNCH, DINNER)
SIGHTS_BEFORE_REST = {False: 4, True: 3}  # sights a day holds before free time is fine (gentle: True)
ONE_DAY_MINUTES = 480  # an area whose stops take this long (with 20 min between them) fits one day
FOOD, SNACK, MARKET = frozenset({"美食", "小吃"}), frozenset({"甜點", "咖啡"}), "夜市"
REACH_KM = 20.0  # an unplanned sight this close to a day's stops could have filled its free time
FOOD_KM = 10.0  # food of the day's city this close to a day's stops is "in reach" (a short hop for a meal)
CRAMMED_MOVES = 180  # a day moving this long (or crossing the water twice) next to an empty day is crammed
DETOUR_RATIO, DETOUR_KM = 1.3, 3.0  # a day travelling more than this over its shortest order backtracks
ISLES = frozenset({"小琉球", "七美", "綠島", "蘭嶼", "龜山島", "望安", "吉貝"})
FOOD_WISHES = frozenset({"美食", "小吃", "夜市"})  # asking for one of these is asking to eat (a food trip) ...
FOOD_FAMILY = FOOD | {"甜點", MARKET}  # ... and every food, dessert or night-market stop is what was asked for
SNACK_TIME, SNACK_MINUTES = ("14:00", "16:30"), 45  # a 小吃 stall the plan calls 點心 then is a snack, not a meal

RULES = (
    "days",
    "cities",
    "full_day",
    "needless_gap",
    "meals",
    "meal_time",
    "area_split",
    "early",
    "backtrack",
    "crammed",
    "constraints",
)


def minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def hhmm(value: int) -> str:
    return f"{value // 60:02d}:{value % 60:02d}"


def km(a: Segment, b: Segment) -> float:
    lat1, lat2 = math.radians(a.lat or 0), math.radians(b.lat or 0)
    dlat, dlon = lat2 - lat1, math.radians((b.lon or 0) - (a.lon or 0))
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


def isle(seg: Segment) -> str:
    if seg.area in ISLES:
        return seg.area
    return "澎湖" if (seg.lon or 121) < 120 else ""


def move(a: Segment | None, b: Segment | None) -> int:
    """A rough door-to-door estimate (the bench's own, not the planner's): walk under 1 km, else 10 min +
    road at 30 km/h for the first 15 km and 60 km/h after; a boat costs 90 min more."""
    if a is None or b is None:
        return 0
    d = km(a, b) * 1.3
    if isle(a) != isle(b):
        return 90 + round(d * 0.3)
    if d <= 1.3:
        return round(d / 4.5 * 60)
    return round(10 + min(d, 15) / 30 * 60 + max(0, d - 15) / 60 * 60)


def is_meal_stop(seg: Segment) -> bool:
    """A place a traveller has a meal at (when the plan puts it at a meal time): food (not only an ice or
    dessert shop), a night market, a food street; at least half an hour."""
    tags = set(seg.tags)
    food = "美食" in tags or (FOOD & tags and not SNACK & tags)
    return bool(food or MARKET in tags) and seg.visit_minutes >= 30


def is_eatery(seg: Segment) -> bool:
    """Food that makes a missing meal count: a meal place that is not a sight of its own (a pier with
    snacks, a 3-hour island walk) and at most two hours."""
    return is_meal_stop(seg) and not set(seg.tags) & {"景觀", "夜景", "自然"} and seg.visit_minutes <= 120


def is_restaurant(seg: Segment) -> bool:
    """A place that is only a meal (not a snack, an old street or a market): odd outside meal times."""
    tags = set(seg.tags)
    return "美食" in tags and tags <= FOOD | SNACK and not tags & SNACK and 30 <= seg.visit_minutes <= 90


def is_restaurant_like(seg: Segment) -> bool:
    """Food that is not a sight of its own: no old street, scenery or night view, at most 90 minutes."""
    return is_meal_stop(seg) and seg.visit_minutes <= 90 and not set(seg.tags) & {"老街", "景觀", "夜景", "自然"}


def is_sight(seg: Segment) -> bool:
    return bool(set(seg.tags) - FOOD - SNACK - {MARKET}) and MARKET not in seg.tags


@dataclass
class Corpus:
    segments: dict[str, Segment]  # by id
    places: dict[str, Segment] = field(default_factory=dict)  # one per place

    def __post_init__(self) -> None:
        for seg in self.segments.values():
            if seg.place and seg.lat is not None:
                self.places.setdefault(seg.place, seg)


@dataclass
class Verdict:
    problems: dict[str, list[str]] = field(default_factory=dict)
    idle: list[int] = field(default_factory=list)  # idle minutes per day with stops
    meals: list[int] = field(default_factory=list)  # meals (0-2) per full day with food in reach
    km: list[tuple[float, float]] = field(default_factory=list)  # (travelled, shortest order) per day
    constraints: dict[str, list[bool]] = field(default_factory=dict)  # kind -> satisfied per labelled constraint
    asked: float | None = None  # share of the plan's stops meeting an asked interest (the label names interests)
    crowded: list[str] = field(default_factory=list)  # asked-for stops left out while unasked sights are planned

    def flag(self, rule: str, problem: str) -> None:
        self.problems.setdefault(rule, []).append(problem)

    @property
    def passed(self) -> bool:
        return not self.problems


def judge(
    itinerary: Itinerary, corpus: Corpus, label: dict, only_tags: Sequence[str] = (), inputs: Sequence[Segment] = ()
) -> Verdict:
    """Every rule for one plan. ``label`` is a labelled request (see planner_requests.yaml); ``only_tags``
    narrows what could fill a gap (after 「只要美食」); ``inputs`` are the segments the planner was given."""
    v = Verdict()
    days = itinerary.days
    segs = [[corpus.segments[i.segment_id] for i in d.items] for d in days]
    used = {i.place for d in days for i in d.items}
    if label.get("days") and len(days) != label["days"]:
        v.flag("days", f"{len(days)} 天，要的是 {label['days']} 天")
    cities = set(label.get("cities") or [])
    planned_cities = {s.city for day in segs for s in day}
    if cities and not planned_cities <= cities:
        v.flag("cities", f"排到 {'、'.join(sorted(planned_cities - cities))}")
    if label.get("no_city") and len(planned_cities) > 1:
        v.flag("cities", "沒指定城市卻排了好幾個城市")
    for day, day_segs in zip(days, segs, strict=True):
        if day_segs:
            _day_rules(v, day, day_segs, len(days), corpus, label, used, only_tags)
    _area_splits(v, days, segs)
    _crammed(v, days, segs)
    _constraints(v, itinerary, segs, corpus, label)
    _interests_first(v, days, segs, corpus, label, inputs)
    return v


def _is_full(day: DayPlan, days: int, label: dict) -> bool:
    wish = (label.get("wishes") or {}).get(day.day) or (label.get("wishes") or {}).get(-1 if day.day == days else 0)
    return not (days > 1 and day.day == days) and not (wish or {}).get("end_by")


def _day_rules(v: Verdict, day: DayPlan, segs: list[Segment], days: int, corpus: Corpus, label, used, only) -> None:
    items = day.items
    start = minutes(label.get("start") or "09:00")
    leave = minutes(items[0].start) - items[0].travel_minutes
    earliest = minutes(label.get("start") or EARLIEST)
    if leave < earliest and not (label.get("sunrise") and segs[0].best_time == "sunrise"):
        v.flag("early", f"第 {day.day} 天 {hhmm(leave)} 出發")
    full = _is_full(day, days, label)
    gaps = [(start, leave, None, segs[0], LATE_START)] if full and leave > start else []
    for k in range(1, len(items)):
        begin, end = minutes(items[k - 1].end), minutes(items[k].start) - items[k].travel_minutes
        gaps.append((begin, end, segs[k - 1], segs[k], LONG_GAP))
    if full:
        gaps.append((minutes(items[-1].end), minutes(FULL_END), segs[-1], None, LONG_GAP))
    v.idle.append(sum(max(0, e - b) for b, e, *_ in gaps))
    sights = sum(0.5 if s.visit_minutes <= 30 else 1.0 for s in segs if is_sight(s))
    for begin, end, before, after, allowed in gaps:
        if end - begin <= allowed:
            continue
        reason = any(minutes(f.start) <= begin + 30 and minutes(f.end) >= end - 30 and f.reason for f in day.free)
        if not reason:
            v.flag("full_day", f"第 {day.day} 天 {hhmm(begin)}–{hhmm(end)} 空著沒說明")
        elif sights < SIGHTS_BEFORE_REST[bool(label.get("gentle"))]:
            spare = _spare(begin, end, before, after, segs, corpus, label, used, only)
            if spare:
                v.flag("needless_gap", f"第 {day.day} 天 {hhmm(begin)}–{hhmm(end)} 自由活動，但「{spare}」就在附近")
    _meals(v, day, segs, full, corpus, used)
    _backtrack(v, day, segs)


def _spare(begin, end, before, after, segs, corpus: Corpus, label: dict, used: set, only: Sequence[str]) -> str:
    """An unplanned sight of the day's city that fits the gap (opening hours and travel included)."""
    anchor = before or after
    areas = {corpus.places[p].area for p in used if p in corpus.places}
    for place, seg in corpus.places.items():
        if place in used or seg.city not in {s.city for s in segs} or not is_sight(seg):
            continue
        if seg.best_time in ("sunrise", "night") or seg.visit_minutes > 240 or not _allowed(seg, corpus, label):
            continue
        if seg.area == place and seg.area in areas:  # the whole outing, when the trip already does that area
            continue
        if seg.area and seg.area in used:  # part of a whole-area outing the trip already has (七美 → 雙心石滬)
            continue
        if only and not set(only) & set(seg.tags):
            continue
        if km(anchor, seg) > REACH_KM:
            continue
        opens, closes = (minutes(x) for x in (seg.hours or "00:00-24:00").split("-"))
        arrive = max(begin + move(before, seg), opens)
        leave = arrive + seg.visit_minutes
        if leave <= closes and leave + move(seg, after) <= end:
            return place
    return ""


def _allowed(seg: Segment, corpus: Corpus, label: dict) -> bool:
    """What the labels allow anywhere in the trip: near, areas, avoid."""
    near = label.get("near")
    if near and km(corpus.places[near["anchor"]], seg) > near["km"]:
        return False
    if label.get("areas") and seg.area not in label["areas"]:
        return False
    return not any(a in (seg.place, seg.area) or a in seg.tags for a in label.get("avoid", []))


def _meals(v: Verdict, day: DayPlan, segs: list[Segment], full: bool, corpus: Corpus, used: set) -> None:
    for item, seg in zip(day.items, segs, strict=True):
        start = minutes(item.start)
        if is_restaurant(seg) and not any(minutes(a) <= start <= minutes(b) for a, b in MEAL_TIMES):
            if _snack(item, seg):
                continue
            v.flag("meal_time", f"第 {day.day} 天「{seg.place}」{item.start} 用餐")
    if not full:
        return
    lunch_food = _food_in_reach(_around(day, segs, LUNCH), corpus, used, LUNCH)
    dinner_food = _food_in_reach(_around(day, segs, DINNER), corpus, used, DINNER)
    if not (lunch_food or dinner_food):
        return
    times = [(minutes(i.start), s) for i, s in zip(day.items, segs, strict=True) if is_meal_stop(s)]
    lunch = any(minutes(LUNCH[0]) <= t <= minutes(LUNCH[1]) for t, _ in times) or any(
        s.visit_minutes >= 300 and minutes(i.start) <= minutes("12:00") <= minutes(i.end) - 60
        for i, s in zip(day.items, segs, strict=True)
    )  # a day on the island, up the mountain: lunch is eaten there
    dinner = any(
        minutes(w[0]) <= t <= minutes(w[1])
        for t, s in times
        for w in [NIGHT_MARKET_DINNER if MARKET in s.tags else DINNER]
    )
    lunch, dinner = lunch or not lunch_food, dinner or not dinner_food
    v.meals.append(int(lunch) + int(dinner))
    if not lunch:
        v.flag("meals", f"第 {day.day} 天沒有午餐（「{lunch_food}」在附近）")
    if not dinner:
        v.flag("meals", f"第 {day.day} 天沒有晚餐（「{dinner_food}」在附近）")


def _snack(item, seg: Segment) -> bool:
    """A quick 小吃 stall the plan calls 點心 in the afternoon: a snack between meals, not a meal at an odd hour."""
    start = minutes(item.start)
    quick = "小吃" in seg.tags and seg.visit_minutes <= SNACK_MINUTES
    return quick and "點心" in item.note and minutes(SNACK_TIME[0]) <= start <= minutes(SNACK_TIME[1])


def asked(seg: Segment, interests: Sequence[str]) -> bool:
    """The stop meets an interest the traveller named: a tag; on a food trip any food, dessert or night market."""
    tags = set(seg.tags)
    return bool(tags & set(interests)) or bool(FOOD_WISHES & set(interests) and tags & FOOD_FAMILY)


def _interests_first(v: Verdict, days: list[DayPlan], segs: list[list[Segment]], corpus, label: dict, inputs) -> None:
    """What the traveller sees of their interests: the share of stops meeting them, and the stops meeting them
    that the planner had (``inputs``) but left out while it planned sights meeting none (as many as could swap:
    a night market only while a full day's evening has none; what the labels allow)."""
    interests = label.get("interests") or []
    flat = [s for day in segs for s in day]
    if not interests or not flat:
        return
    v.asked = sum(asked(s, interests) for s in flat) / len(flat)
    unasked = [s for s in flat if is_sight(s) and not asked(s, interests)]
    planned = {s.place for s in flat}
    cities = {s.city for s in flat}
    evenings = any(
        _is_full(d, len(days), label) and not any(MARKET in s.tags for s in day)
        for d, day in zip(days, segs, strict=True)
    )
    areas = {s.area for s in flat if s.area}
    left = {
        s.place
        for s in inputs
        if s.place and s.place not in planned and s.city in cities and asked(s, interests)
        and (MARKET not in s.tags or evenings) and _allowed(s, corpus, label) and not _part_of(s, planned, areas)
    }  # fmt: skip
    v.crowded = sorted(left)[: len(unasked)]


def _part_of(seg: Segment, planned: set, areas: set) -> bool:
    """Part of a whole-area outing the plan has (七美 holds 雙心石滬), or the whole outing of an area the plan
    does stop by stop (太魯閣國家公園, 4 h, when 燕子口 and 砂卡礑 are planned)."""
    whole = seg.place == seg.area or (seg.visit_minutes >= 240 and seg.place[:2] == (seg.area or "")[:2])
    return bool(seg.area) and (seg.area in planned or (whole and seg.area in areas))


def _around(day: DayPlan, segs: list[Segment], meal: tuple[str, str]) -> list[Segment]:
    """The day's stops within 90 minutes of the meal's window (where the traveller is at that meal)."""
    first, last = minutes(meal[0]) - 90, minutes(meal[1]) + 90
    return [s for i, s in zip(day.items, segs, strict=True) if minutes(i.start) <= last and minutes(i.end) >= first]


def _food_in_reach(segs: list[Segment], corpus: Corpus, used: set, meal: tuple[str, str]) -> str:
    """An unplanned meal place within reach of the day, open for that meal (night markets: dinner only)."""
    for f in corpus.places.values():
        if f.place in used or not is_eatery(f) or (MARKET in f.tags and meal == LUNCH):
            continue
        opens, closes = (minutes(x) for x in (f.hours or "00:00-24:00").split("-"))
        if opens > minutes(meal[1]) or closes < minutes(meal[0]) + f.visit_minutes:
            continue
        if any(isle(f) == isle(s) and f.city == s.city and km(f, s) <= FOOD_KM for s in segs):
            return f.place
    return ""


def _backtrack(v: Verdict, day: DayPlan, segs: list[Segment]) -> None:
    travelled = sum(km(a, b) for a, b in itertools.pairwise(segs))
    shortest = _shortest_path(segs) if len(segs) <= 10 else travelled
    v.km.append((travelled, shortest))
    if travelled > DETOUR_RATIO * shortest + DETOUR_KM:
        v.flag("backtrack", f"第 {day.day} 天走了 {travelled:.0f} km，同樣的起點終點順路只要 {shortest:.0f} km")


def _shortest_path(segs: list[Segment]) -> float:
    """The shortest path from the day's first stop to its last through all the others (Held-Karp)."""
    n = len(segs)
    if n < 4:
        return sum(km(a, b) for a, b in itertools.pairwise(segs))
    dist = [[km(a, b) for b in segs] for a in segs]
    inner = range(1, n - 1)
    best = {(1 << i, i): dist[0][i] for i in inner}
    for size in range(2, n - 1):
        for subset in itertools.combinations(inner, size):
            mask = sum(1 << i for i in subset)
            for last in subset:
                prev = mask ^ (1 << last)
                best[(mask, last)] = min(best[(prev, j)] + dist[j][last] for j in subset if j != last)
    full = sum(1 << i for i in inner)
    return min(best[(full, i)] + dist[i][n - 1] for i in inner)


def _crammed(v: Verdict, days: list[DayPlan], segs: list[list[Segment]]) -> None:
    """A day left empty while another day of the trip crosses the water twice (七美 and back beside 馬公's sights)
    or moves over ``CRAMMED_MOVES`` minutes: a traveller would give the trip out its own day."""
    empty = [d.day for d, s in zip(days, segs, strict=True) if not s]
    if not empty:
        return
    for day, day_segs in zip(days, segs, strict=True):
        hops = list(itertools.pairwise(day_segs))
        boats = sum(isle(a) != isle(b) for a, b in hops)
        moving = sum(move(a, b) for a, b in hops)
        if boats >= 2 or moving > CRAMMED_MOVES:
            what = f"坐 {boats} 趟船" if boats >= 2 else f"移動約 {moving} 分鐘"
            v.flag("crammed", f"第 {empty[0]} 天空著，第 {day.day} 天卻{what}")


def _area_splits(v: Verdict, days: list[DayPlan], segs: list[list[Segment]]) -> None:
    by_area: dict[str, dict[int, list[Segment]]] = {}
    for day, day_segs in zip(days, segs, strict=True):
        for s in day_segs:
            if s.area and not is_restaurant_like(s):  # a restaurant is a meal, not an outing
                by_area.setdefault(s.area, {}).setdefault(day.day, []).append(s)
    for area, on in by_area.items():
        stops = [s for group in on.values() for s in group]
        if len(on) > 1 and sum(s.visit_minutes + 20 for s in stops) <= ONE_DAY_MINUTES:
            v.flag("area_split", f"{area}分在第 {'、'.join(map(str, sorted(on)))} 天")


def _constraints(v: Verdict, itinerary: Itinerary, segs: list[list[Segment]], corpus: Corpus, label: dict) -> None:
    flat = [s for day in segs for s in day]

    def record(kind: str, ok: bool, problem: str) -> None:
        v.constraints.setdefault(kind, []).append(ok)
        if not ok:
            v.flag("constraints", problem)

    if label.get("date"):
        got = itinerary.days[0].date if itinerary.days else None
        record("date", str(got) == str(label["date"]), f"第一天是 {got}，要的是 {label['date']}")
    for tag in label.get("interests", []):
        record("interests", any(tag in s.tags for s in flat), f"沒有「{tag}」")
    for place in label.get("must", []):
        record("must", any(place in (s.place, s.area) for s in flat), f"少了必去「{place}」")
    for term in label.get("avoid", []):
        hits = [s.place for s in flat if term in (s.place, s.area) or term in s.tags]
        record("avoid", not hits, f"排了要避開的 {'、'.join(hits)}")
    if near := label.get("near"):
        far = [s.place for s in flat if km(corpus.places[near["anchor"]], s) > near["km"]]
        record("near", not far, f"不在{near['anchor']}附近：{'、'.join(far)}")
    if areas := label.get("areas"):
        out = [s.place for s in flat if s.area not in areas]
        record("areas", not out, f"不在{'、'.join(areas)}：{'、'.join(out)}")
    for number, wish in (label.get("wishes") or {}).items():
        day_no = len(segs) if number == -1 else number
        day = segs[day_no - 1] if 0 < day_no <= len(segs) else []
        for tag in wish.get("tags", []):
            record("wishes", any(tag in s.tags for s in day), f"第 {day_no} 天沒有「{tag}」")
        for place in wish.get("places", []):
            record("wishes", any(s.place == place for s in day), f"第 {day_no} 天沒有「{place}」")
        for area in wish.get("areas", []):
            record("wishes", any(s.area == area for s in day), f"第 {day_no} 天沒去{area}")
        if wish.get("end_by") and day:
            last = itinerary.days[day_no - 1].items[-1].end
            record("wishes", minutes(last) <= minutes(wish["end_by"]), f"第 {day_no} 天 {last} 才結束")


def misread(label: dict, itinerary: Itinerary) -> list[str]:
    """What of the labels the plan's preferences do not carry: the request was not understood (the intent
    parser's part), so the planner never had the chance to meet it."""
    prefs = itinerary.preferences
    out = []
    planned = {i.city for d in itinerary.days for i in d.items}
    if label.get("cities") and not planned <= set(label["cities"]):
        out.append("城市")
    if label.get("date") and str(prefs.start_date) != str(label["date"]):
        out.append("日期")
    days = {w.day for w in prefs.day_wishes} | {label.get("days", 0) for w in prefs.day_wishes if w.day == -1}
    out += [f"第 {d} 天的願望" for d in (label.get("wishes") or {}) if (label["days"] if d == -1 else d) not in days]
    out += [f"必去「{m}」" for m in label.get("must", []) if not any(m in t or t in m for t in prefs.must_include)]
    out += [f"避開「{a}」" for a in label.get("avoid", []) if not any(a in t or t in a for t in prefs.avoid)]
    if (label.get("near") or label.get("areas")) and not prefs.near:
        out.append("附近 / 區域")
    out += [f"興趣「{t}」" for t in label.get("interests", []) if t not in prefs.interests]
    if label.get("gentle") and not (prefs.pace == "relaxed" or prefs.with_kids or prefs.with_elders):
        out.append("輕鬆 / 同行")
    if label.get("sunrise") and not prefs.sunrise:
        out.append("日出")
    if label.get("start") and prefs.day_start != label["start"]:
        out.append("出發時間")
    return out
