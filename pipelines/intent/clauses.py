"""Clauses of a request: what to avoid, what must be in, what only, the pace, and per-day wishes.

Each ``take_*`` cuts what it read out of the text, so later rules do not read it twice (「不要夜市」 is
not an interest in 夜市; 「第三天想泡溫泉」 is a wish for day 3, not for the whole trip).
"""

from __future__ import annotations

import re

from pipelines.core.models import DayWish, Pace
from pipelines.intent.lexicon import EARLY_HOME_WORDS, INTEREST_WORDS, PACKED_WORDS, REGION_AREAS, RELAXED_WORDS
from pipelines.intent.numbers import MAX_DAYS, NUM, parse_number

EARLY_HOME_END = "15:00"  # 「最後一天早點回台北」: that day ends by then
STOP = ",。.!?;:\n （）()「」『』"  # clause ends (text is NFKC-normalised: ， → ,)
_SPLIT = re.compile(r"[、/]|和|跟|及|與|還有|或")
_TAIL = re.compile(
    r"(的行程|行程|的景點|景點|的部分|那些|這些|那種|之類的?|等等|啦|啊|喔|哦|吧|呢|了|好了|就好|一下)+$"
)

AVOID = re.compile(r"(?:不要|不想|不用|不去|別|避開|跳過|排除|略過)(?:再)?(?:去|排|吃|逛|看|走)?")
MUST = re.compile(r"(?:一定要|必須|務必|記得|必)(?:去|到|排|吃|逛|看|訪)?(?:一下)?")
# 「想看雙心石滬」「要吃雞肉飯」: what may name a place (the agent keeps those the corpus has as must-sees)
WANT = re.compile(r"(?:想要|想|要)(?:去|看|吃|逛|到|訪|參觀)")
# 「小琉球也想去」: the thing comes first, and the trip is not only there
_WANT_AFTER = re.compile(r"([^" + STOP + r"、]{2,12}?)\s*(?:也|還)(?:想|要)(?:去|看|吃|逛)")
_TRIP_WORDS = re.compile(r"玩|遊|旅行|走走|" + NUM + r"天")
ONLY = re.compile(r"只(?:要|想|排|去|吃|逛|看)(?:去|吃|看|排)?")
# 「赤崁樓不要去了」「夜市就不用了」: the thing comes first
_AVOID_AFTER = re.compile(r"([^" + STOP + r"、]{2,12}?)\s*(?:就|先|也)?(?:不要去了|不去了|不要了|不用去了|不用了|算了)")
# 「不要太早」「不要走太多」 say how, not what (but 太魯閣 is a place)
_DEGREE = re.compile(r"(?:走|玩|排)?(?:太|很|那麼|這麼)[早晚累趕多遠貴熱擠久長難辛滿緊]")
_DAY = r"(?:第" + NUM + r"天|最後一天|最後一日)"


def take_clauses(text: str, trigger: re.Pattern[str]) -> tuple[str, list[str], str]:
    """Cut "<trigger> X、Y" clauses out of ``text``: (the rest, items X and Y, the clauses as written)."""
    items: list[str] = []
    out, taken, pos = [], [], 0
    for m in trigger.finditer(text):
        if m.start() < pos:
            continue
        end = m.end()
        while end < len(text) and text[end] not in STOP:
            end += 1
        found = [clean_item(p) for p in _SPLIT.split(text[m.end() : end])]
        found = [f for f in found if f and not _DEGREE.match(f)]
        if not found:
            continue
        items.extend(found)
        taken.append(text[m.start() : end])
        out.append(text[pos : m.start()])
        pos = end
    out.append(text[pos:])
    return "".join(out), items, " ".join(taken)


def take_avoid_after(text: str) -> tuple[str, list[str]]:
    """「赤崁樓不要去了」: (the rest, the things named before the refusal)."""
    items = [clean_item(m.group(1)) for m in _AVOID_AFTER.finditer(text)]
    return _AVOID_AFTER.sub(" ", text), [i for i in items if i]


def wanted_places(text: str) -> tuple[list[str], list[str]]:
    """(names after 想去/想看/要吃…, names before 也想去) that are not topics: candidates for must-sees; the
    text is left as it is, so its region and topic words still count."""
    _, items, _ = take_clauses(text, WANT)
    items = [clean_item(_TRIP_WORDS.split(i)[0]) for i in items]  # 「想去台南玩兩天」: the place is 台南
    also = [clean_item(m.group(1)) for m in _WANT_AFTER.finditer(text)]

    def placey(item: str) -> bool:
        tags = interests_in(item)
        return len(item) >= 2 and (not tags or is_place_like(item, tags))

    return [i for i in items if placey(i)], [i for i in also if i and placey(i)]


def avoided(item: str) -> list[str]:
    """What 「不要X」 avoids: a topic (夜市) by its tags, a place (士林夜市) by its name."""
    tags = interests_in(item)
    return tags if tags and not is_place_like(item, tags) else [item]


def clean_item(item: str) -> str:
    """A place or topic as named: without leading verbs, day words and trailing particles; '' if too long."""
    item = re.sub(r"^\s*(去|到|吃|看|逛|排|玩|那個|這個|有)", "", item.strip())
    item = re.sub(r"^" + _DAY, "", item)
    item = _TAIL.sub("", item).strip()
    return item if len(item) <= 20 else ""


def interests_in(text: str) -> list[str]:
    """Corpus tags asked for by their words (美食: 好吃, 想吃 …), in tag order."""
    return [tag for tag, words in INTEREST_WORDS.items() if any(w in text for w in words)]


def is_place_like(item: str, tags: list[str]) -> bool:
    """'安平老街' names a place even though it holds the tag word 老街; '老街' alone is a topic."""
    return len(item) >= 4 and all(len(item) > len(w) for t in tags for w in INTEREST_WORDS[t] if w in item)


def take_pace(text: str) -> tuple[str, Pace | None]:
    """Relaxed words first (「不要太緊湊」 is relaxed), then packed ones, then 正常."""
    for pace, words in (("relaxed", RELAXED_WORDS), ("packed", PACKED_WORDS)):
        for word in sorted(words, key=len, reverse=True):
            if word in text:
                return text.replace(word, " "), pace  # type: ignore[return-value]
    return text, "normal" if re.search(r"正常|適中|普通", text) else None


def take_wishes(text: str) -> tuple[str, list[DayWish], list[str]]:
    """「第三天想泡溫泉」「最後一天早點回台北」「第二天去安平古堡」 → (the rest, wishes, places wished for)."""
    wishes: list[DayWish] = []
    places: list[str] = []
    for m in list(re.finditer(_DAY + r"([^" + STOP + r"]*)", text)):
        day = parse_number(m.group(1)) if m.group(1) else -1
        clause = m.group(2)
        if day is None or not 1 <= day <= MAX_DAYS and day != -1:
            continue
        tags = interests_in(clause)
        end = EARLY_HOME_END if any(w in clause for w in EARLY_HOME_WORDS) else None
        place = _wished_place(clause) if not tags and not end else ""
        if tags or end or place:
            wishes.append(DayWish(day=day, interests=tags[:5], must_include=[place] if place else [], day_end=end))
            places += [place] if place else []
            text = text.replace(m.group(0), " ")
    return text, wishes, places


def _wished_place(clause: str) -> str:
    """「第二天(想)去安平古堡」: the place after a going verb."""
    if m := re.search(r"(?:想|要)?(?:去|到|逛|看|走)(.+)", clause):
        return clean_item(m.group(1))
    item = clean_item(clause)  # 「第一天日月潭」: a region word alone
    return item if item in REGION_AREAS else ""
