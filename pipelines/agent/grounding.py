"""Is an answer grounded in this turn's tool results? Pure rules over text, hits and the plan.

A small model can name places nobody returned (「台南市立大劇院 [2]」), cite numbers that point at
nothing, write a 「第 3 天」 for a two-day plan or put day-one stops on every day. These rules find
that, line by line, so the answer gate (``answer_gate``) can hold a line back before a traveller
reads it. They are deliberately simple and explainable: a place is *named* when its name (or its
core, 「故宮」 for 「國立故宮博物院」) is in the text; an *invented* place is a proper-looking name
ending in a place word (館, 夜市, 老街, 中心…) that no tool returned.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from pipelines.agent.plan_times import wrong_times
from pipelines.core.citations import cited_numbers
from pipelines.core.models import Itinerary, SegmentHit
from pipelines.core.text import TAIWAN_CITIES, normalise_text, shorten
from pipelines.intent.parser import parse_number

# Words that end a place's name; longest first so 國家公園 wins over 公園.
PLACE_SUFFIXES = sorted(
    """博物院 博物館 美術館 紀念館 古堡 城 樓 館 院 寺 宮 廟 祠 堂 殿 園 公園 國家公園 夜市 老街 街 市場 商圈
    山 湖 潭 灣 島 岬 燈塔 步道 古道 瀑布 溫泉 農場 牧場 森林 遊樂區 樂園 園區 碼頭 漁港 港 橋 村 部落 大道 廣場
    中心 劇院 書店 海灘 沙灘 濕地 古厝 故居 別館 紀念堂 百貨 文創""".split(),
    key=len,
    reverse=True,
)
# Place words used as common nouns (「一間咖啡館」「逛夜市」): never a named place on their own.
GENERIC_PLACES = frozenset(
    """咖啡館 咖啡廳 博物館 美術館 圖書館 紀念館 水族館 體育館 展覽館 藝術館 文化館 餐館 茶館 旅館 民宿館 電影院 劇院
    醫院 書院 寺院 寺廟 廟宇 古廟 大廟 動物園 植物園 遊樂園 主題樂園 公園 花園 校園 商店街 美食街 步行街 老街 大街
    市中心 遊客中心 購物中心 文化中心 服務中心 夜市 菜市場 傳統市場 魚市場 市場 商圈 大樓 高樓 頂樓 海灘 沙灘 漁港
    小島 離島 高山 登山 名山 寺 廟 古城 小鎮 老城 書店 小村 村落 百貨 百貨公司 文創 園區 步道 古道 溫泉""".split()
)
# Places of getting there and sleeping: naming them invents no sight.
LOGISTICS = ("車站", "火車站", "高鐵站", "捷運站", "轉運站", "機場", "飯店", "民宿", "旅館", "酒店", "停車場", "客運站")
# What can stand before a name in a sentence: cut there, the name is what follows.
_LEAD = re.compile(
    r".*(?:打卡|的|和|跟|與|或|及|到|去|在|逛|吃|看|從|往|再|就|也|還|先|後|來|是|有|個|座|間|家|條|處|把|留|可以|推薦|前往|參觀|造訪"
    r"|走訪|順遊|接著|然後|最後|附近|周邊|一下|一趟|特色|知名|有名|人氣|熱門|在地|傳統|老字號|文青|網美|必訪|必去|超|很|最)"
)
# What only the data handed to the model looks like: segment ids, our delimiters, chat-template tokens.
_RAW_DATA = re.compile(
    r"[a-z]{2}-[a-z0-9-]+#\d{2,3}|<<<|<<SYS>>|<\|[a-z_]+\|>|\[/?INST\]|</?(?:start_of_turn|end_of_turn|s)>|｜id\b|\bsegment_id\b",
    re.I,
)
# A link is never ours to write: the page builds every link from the index (gemma-3-270m wrote bit.ly spam).
_LINK = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+\.(?:ly|com|tw|net|org|io|cc)/\S*", re.I)
_CLAUSE = re.compile(r"[。！？!?；;，,\n]")
_ECHO_MIN = 8  # characters of one clause copied from the instructions: not a coincidence
_QUOTED = re.compile(r"「[^」]*」")  # a suggestion the answer quotes (「第二天換成美食的行程」) is about no day
_LABEL_END = re.compile(r"[。！？!?；;，,、→\n]")
_NAME_RUN = re.compile(r"[\u3400-\u9fff0-9A-Za-z]+")
_CORE_PREFIX = re.compile(r"^(?:國立|市立|縣立|台灣|台北市立|高雄市立)")
_TIME_LED = re.compile(r"^\s*(?:[-*・•]\s*|\d+[.、)]\s*)?\**\s*([01]?\d|2[0-3])[:：][0-5]\d")
_NUMBER = "[0-9０-９一二兩三四五六七八九十]+"
_DAY_HEADER = re.compile(rf"第\s*({_NUMBER})\s*[天日]|\bday\s*([0-9]+)\b|\bD([0-9]+)\b", re.I)
_TRIP_LENGTH = re.compile(rf"({_NUMBER})\s*[天日]\s*{_NUMBER}\s*夜|({_NUMBER})\s*日遊")
# A time-led line about these names no sight: meals, rest, getting around.
_SCHEDULE_WORDS = (
    "午餐", "晚餐", "早餐", "用餐", "吃飯", "休息", "午休", "移動", "交通", "出發", "集合", "入住", "check", "退房",
    "自由", "返回", "回程", "回到", "抵達", "搭車", "開車", "散步", "結束", "晚上", "宵夜", "下午茶", "逛逛",
    "逛街", "購物", "拍照", "起床", "早起",
)  # fmt: skip


@dataclass
class Problem:
    """Why an answer (or a line of it) is not grounded; ``text`` is zh-TW for the model and the log."""

    # invented_place wrong_citation schedule_place day_count wrong_day wrong_time raw_data link echo
    # no_place no_citation empty cut
    code: str
    text: str


@dataclass
class Facts:
    """What this turn's tools returned: numbered hits, the plan, and places known from earlier turns."""

    hits: list[SegmentHit] = field(default_factory=list)
    itinerary: Itinerary | None = None
    known_places: list[str] = field(default_factory=list)
    days: int | None = None  # the trip length the answer must agree with (the plan's, else the request's)
    prompt: str = ""  # our instructions to the model (system prompt and question, without the data blocks)

    def __post_init__(self) -> None:
        if self.itinerary is not None and self.itinerary.days:
            self.days = len(self.itinerary.days)
        names = [h.place or h.title for h in self.hits] + [i.place for i in self._stops()] + self.known_places
        self._keys = {name: place_keys(name) for name in dict.fromkeys(n for n in names if n)}
        self._texts = _norm(" ".join(h.text for h in self.hits))  # names a transcript says were returned too
        self._prompt = _norm(self.prompt)
        self._plan_days: dict[str, set[int]] = {}
        for day in self.itinerary.days if self.itinerary else []:
            for item in day.items:
                self._plan_days.setdefault(item.place, set()).add(day.day)

    def _stops(self):
        return self.itinerary.stops if self.itinerary else []

    def places_in(self, text: str) -> list[str]:
        """The returned (or known) places a text names. A name inside a longer one does not count:
        「奮起湖便當」 names 奮起湖便當, not 奮起湖."""
        norm = _norm(text)
        spans = {name: _spans(norm, keys) for name, keys in self._keys.items()}
        taken = [span for name, found in spans.items() for span in found]
        return [
            name
            for name, found in spans.items()
            if any(not any(o[0] <= a and b <= o[1] and (o[1] - o[0]) > (b - a) for o in taken) for a, b in found)
        ]

    def is_known(self, candidate: str) -> bool:
        norm = _norm(candidate)
        if norm in self._texts:
            return True
        return any(k in norm or norm in _norm(name) for name, keys in self._keys.items() for k in keys)

    def echoes_prompt(self, line: str) -> str | None:
        """A stretch of the line copied from our instructions (gemma-3-270m ended a plan edit with
        「300 字以內，不要寫 JSON 或 id。」): what it copied, or None."""
        for run in _CLAUSE.split(line):
            norm = _norm(run)
            if len(norm) >= _ECHO_MIN and norm in self._prompt:
                return run.strip()
        return None

    def plan_days_of(self, place: str) -> set[int]:
        return self._plan_days.get(place, set())

    def plan_stops_in(self, text: str) -> list[str]:
        """The plan's stops a text names."""
        return [p for p in self.places_in(text) if p in self._plan_days]


def place_keys(place: str) -> set[str]:
    """How a text may name a place: the whole name, or its core without 國立/市立 and a generic ending."""
    full = _norm(place)
    core = _CORE_PREFIX.sub("", full)
    for suffix in PLACE_SUFFIXES:
        if core.endswith(suffix) and len(core) - len(suffix) >= 2:
            core = core[: -len(suffix)]
            break
    return {full, core} if len(core) >= 2 and core not in TAIWAN_CITIES else {full}  # 嘉義公園's core 嘉義 is a city


def invented_places(text: str, facts: Facts) -> list[str]:
    """Names in ``text`` that look like a specific place and that no tool returned."""
    found: list[str] = []
    for run in _NAME_RUN.findall(_without_citations(text)):
        for name in _place_like(run):
            if _generic(name) or any(name.endswith(w) for w in LOGISTICS) or facts.is_known(name):
                continue
            found.append(name)
    return list(dict.fromkeys(found))


def check_line(line: str, facts: Facts, day: int | None) -> tuple[list[Problem], int | None]:
    """Problems of one answer line, and the day section it leaves the answer in (「第 2 天」 opens day 2; a
    blank line closes it, so a list of sources after the days is about no day)."""
    if not line.strip():
        return [], None
    problems: list[Problem] = []
    if leak := _RAW_DATA.search(line):
        problems.append(Problem("raw_data", f"回答裡有給程式看的資料「{leak.group(0)}」（片段 id 或資料格式）"))
    if link := _LINK.search(line):
        problems.append(Problem("link", f"回答裡有不是來自影片資料的連結「{shorten(link.group(0), 40)}」"))
    if echo := facts.echoes_prompt(line):
        problems.append(Problem("echo", f"回答照抄了給模型的指示「{shorten(echo, 30)}」"))
    for name in invented_places(line, facts):
        problems.append(Problem("invented_place", f"提到了工具結果裡沒有的地點「{name}」"))
    problems += _citation_problems(line, facts)
    if _TIME_LED.match(line) and not facts.places_in(line) and not any(w in line.lower() for w in _SCHEDULE_WORDS):
        problems.append(Problem("schedule_place", f"行程裡的「{shorten(line.strip(), 30)}」不是工具結果裡的地點"))
    for m in _TRIP_LENGTH.finditer(line):
        n = parse_number(m.group(1) or m.group(2))
        if n is not None and facts.days is not None and n != facts.days:
            problems.append(Problem("day_count", f"行程是 {facts.days} 天，回答卻寫成「{m.group(0)}」"))
    sections = _day_sections(_QUOTED.sub("", line), day)
    for i, (part, part_day) in enumerate(sections):
        problems += [
            Problem("wrong_time", t) for t in wrong_times(part, facts.itinerary, facts.plan_stops_in, part_day)
        ]
        if part_day is None:
            continue
        if i and facts.days is not None and part_day > facts.days:  # a 「第 N 天」 of this line
            problems.append(Problem("day_count", f"行程只有 {facts.days} 天，回答卻寫了第 {part_day} 天"))
        for place in facts.places_in(part) if facts.itinerary is not None else []:
            planned = facts.plan_days_of(place)
            if planned and part_day not in planned:
                where = "、".join(f"第 {d} 天" for d in sorted(planned))
                problems.append(Problem("wrong_day", f"「{place}」在行程的{where}，不是第 {part_day} 天"))
    return list({(p.code, p.text): p for p in problems}.values()), sections[-1][1]


def check_whole(answer: str, facts: Facts, need_places: bool) -> list[Problem]:
    """Problems only the whole answer shows: empty, or no returned place and (when there are hits to cite)
    no valid citation."""
    if not answer.strip():
        return [Problem("empty", "回答是空的")]
    if not need_places:
        return []
    problems = []
    if not facts.places_in(answer):
        problems.append(Problem("no_place", "沒有提到任何工具結果裡的地點"))
    if facts.hits and not any(1 <= n <= len(facts.hits) for n in cited_numbers(answer)):
        problems.append(Problem("no_citation", "沒有用任何工具結果的編號 [n] 引用"))
    return problems


def is_day_heading(line: str) -> bool:
    """A line that opens a day (「第 3 天（台南）」「**Day 2**」)."""
    return bool(_DAY_HEADER.search(_QUOTED.sub("", line)))


def names_a_place(line: str, facts: Facts) -> bool:
    """A line that names a returned place or cites a hit: from here on the answer is about the data."""
    return bool(facts.places_in(line)) or any(1 <= n <= len(facts.hits) for n in cited_numbers(line))


def instructions(system: str, cities: str) -> str:
    """Our rules to the model, which an answer has no reason to copy: the system prompt without the list
    of cities and the quoted examples (「…」: phrasing the model is asked to use). The message's data and
    the session's plan are not in it: restating them is what an answer does."""
    return _QUOTED.sub("", system.replace(cities, "") if cities else system)


def describe(problems: Iterable[Problem], limit: int = 3) -> str:
    """The first few problems as one zh-TW sentence."""
    texts = list(dict.fromkeys(p.text for p in problems))
    return "；".join(texts[:limit]) + ("…" if len(texts) > limit else "")


# --- helpers -----------------------------------------------------------------------------------------
def _day_sections(line: str, day: int | None) -> list[tuple[str, int | None]]:
    """The line cut at each 「第 N 天」, each part with the day it talks about."""
    parts: list[tuple[str, int | None]] = []
    start = 0
    for m in _DAY_HEADER.finditer(line):
        parts.append((line[start : m.start()], day))
        n = parse_number(next(g for g in m.groups() if g))
        day = n if n is not None else day
        start = m.end()
    parts.append((line[start:], day))
    return parts


def _generic(name: str) -> bool:
    """A common noun, alone or after a city (「台北夜市」「台南老街」 name no one place)."""
    city = next((c for c in TAIWAN_CITIES if name.startswith(c)), "")
    return name in GENERIC_PLACES or (bool(city) and name[len(city) :] in GENERIC_PLACES)


def _place_like(run: str) -> list[str]:
    """Specific-looking names in a run of CJK text: a place word at the end, cut after the last word that
    can stand before a name (「去」「的」「推薦」…); the longest name from each start."""
    names: dict[int, str] = {}
    ends = _word_ends(run)
    for end in range(len(run), 0, -1):
        suffix = next((s for s in PLACE_SUFFIXES if run.endswith(s, 0, end)), None)
        if suffix is None or end not in ends:  # 「城」 in 「城牆」 ends no name
            continue
        head = run[: end - len(suffix)]
        lead = _LEAD.match(head)
        begin = lead.end() if lead else 0
        name = run[begin:end]
        if len(name) >= 3 and len(name) > len(suffix) and begin not in names:
            names[begin] = name
    return list(names.values())


def _citation_problems(line: str, facts: Facts) -> list[Problem]:
    """A valid [n] must stand next to the name of hit n (「安平古堡 [1]」 or 「[1] 安平古堡」), not beside
    another returned place's name only (「安平古堡 [2]」 when [2] is 赤崁樓)."""
    problems: list[Problem] = []
    marks = list(re.finditer(r"\[(\d{1,3})\]", line))
    for i, m in enumerate(marks):
        n = int(m.group(1))
        if not 1 <= n <= len(facts.hits):
            continue
        before = _LABEL_END.split(line[marks[i - 1].end() if i else 0 : m.start()])[-1]
        after = _LABEL_END.split(line[m.end() : marks[i + 1].start() if i + 1 < len(marks) else len(line)])[0]
        place = facts.hits[n - 1].place or facts.hits[n - 1].title
        near = facts.places_in(before) + facts.places_in(after)
        if near and place not in near:
            problems.append(Problem("wrong_citation", f"[{n}] 是「{place}」，不是「{near[0]}」"))
    return problems


def _word_ends(run: str) -> set[int]:
    """Where jieba's words end in a run of text: a place word must end a word, not start one."""
    ends, at = set(), 0
    for word in _jieba().cut(run):
        at += len(word)
        ends.add(at)
    return ends


def warm_up() -> None:
    """Load jieba's dictionary now (a second or more on a busy CPU), not inside the first answer."""
    _word_ends("台南")


@functools.cache
def _jieba():
    import jieba  # the sparse index's tokenizer; imported here so a turn without text never loads it

    jieba.setLogLevel(logging.WARNING)
    return jieba


def _spans(text: str, keys: set[str]) -> list[tuple[int, int]]:
    return [(m.start(), m.start() + len(k)) for k in keys for m in re.finditer(re.escape(k), text)]


def _without_citations(text: str) -> str:
    return re.sub(r"\[\d{1,9}\]", " ", text)


def _norm(text: str) -> str:
    return normalise_text(text).replace("嵌", "崁").replace(" ", "")
