"""Numbers and trip lengths: 「兩天一夜」「4天3夜」「1.5天」「一週」「週末」, read from normalised text.

Chinese numerals go through ``cn2an`` (兩, 二十一, 廿, 一點五); a trip is 1–``MAX_DAYS`` days, so
「台南 -3天」 and 「0天」 are not read as a length, and 「99天」 is capped (``parse_trip_days`` says so).
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

MAX_DAYS = 14  # the planner's limit (planner.plan.MAX_DAYS; tests/intent keep them equal)

NUM = r"(\d+(?:\.\d+)?|[零〇一二兩两三四五六七八九十廿]+(?:點[一二三四五六七八九])?)"  # one capture group: a number
_LENGTHS: list[tuple[re.Pattern[str], int | None]] = [
    (re.compile(NUM + r"\s*[天日]\s*" + NUM + r"\s*夜"), None),  # 兩天一夜, 4天3夜
    (re.compile(r"半日遊|半天"), 1),
    (re.compile(NUM + r"\s*日遊"), None),
    # 3天 but not 第二天 / 每天 / 前兩天 / 多一天 (a follow-up) / 天氣 / 天空
    (re.compile(r"(?<![第每前後多加少減延待住留])" + NUM + r"\s*(?:個)?(?:天|日)(?![夜氣空])"), None),
    (re.compile(r"[一1]\s*(?:週|周|個禮拜|個星期)(?!末)"), 7),
    (re.compile(r"週末|周末|禮拜六日|週六日|六日"), 2),
    (re.compile(r"連假"), 3),
]
_RANGE = re.compile(r"[一二兩两三四五六七八九]{2}")
_NEGATIVE = re.compile(r"(?:-|負)\s*" + NUM + r"\s*[天日]")


def parse_number(token: str) -> int | None:
    """'3', '兩', '二十一', '廿' → int; '兩三' → 3; '1.5', '一點五' → 2 (a day and a half is two calendar days)."""
    token = token.strip()
    if not token:
        return None
    if _RANGE.fullmatch(token):  # 「一兩天」「兩三天」: a range; the longer trip
        return max(parse_number(ch) or 0 for ch in token)
    try:
        value = float(token) if re.fullmatch(r"\d+(?:\.\d+)?", token) else float(_cn2an()(token, "smart"))
    except (ValueError, TypeError, KeyError):
        return None
    return math.ceil(value) if value >= 0 else None


def parse_days(text: str) -> int | None:
    """The trip length a text states, as written (0 and 99 included); None when it names none."""
    for pattern, fixed in _LENGTHS:
        if m := pattern.search(text):
            return fixed if fixed is not None else parse_number(m.group(1))
    return None


def parse_trip_days(text: str) -> tuple[int | None, list[str]]:
    """(days within 1–MAX_DAYS or None, problem keys): ``negative_days``, ``no_days``, ``days_clamped``."""
    if _NEGATIVE.search(text):
        return None, ["negative_days"]
    return checked_days(parse_days(text))


def checked_days(days: int | None) -> tuple[int | None, list[str]]:
    """A stated length as a trip length: 0 is none (``no_days``), more than MAX_DAYS is capped (``days_clamped``)."""
    if days is None:
        return None, []
    if days < 1:
        return None, ["no_days"]
    if days > MAX_DAYS:
        return MAX_DAYS, ["days_clamped"]
    return days, []


@lru_cache(maxsize=1)
def _cn2an():
    import cn2an  # lazy: builds its tables on import (~0.4 s), paid once per process

    return cn2an.cn2an
