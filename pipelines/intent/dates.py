"""Date words → the trip's first day and length, resolved against a ``today`` the caller passes in.

「週末」「這週六」「下週五到週日」「12/19 出發」「12月19日」: pure code, no clock (the offline agent reads
the clock once at its edge). Tried first: jionlp's ``parse_time`` — it does not know 週末, reads
「下周五到周日」 as a span that ends before it starts, prints to stdout on import and takes ~4 s to
load, so these few rules are ours; numerals go through ``parse_number``.
"""

from __future__ import annotations

import datetime as dt
import re

_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5}
_WEEK = r"(?:週|周|星期|禮拜)"
_DAY = re.compile(r"(這|本|下下|下)?(?:個)?" + _WEEK + r"([一二三四五六日天末])")
_SPAN = re.compile(
    r"(這|本|下下|下)?(?:個)?"
    + _WEEK
    + r"([一二三四五六日天])\s*(?:到|至|~|～|-)\s*(?:"
    + _WEEK
    + r")?([一二三四五六日天])"
)
_MONTH_DAY = re.compile(r"(?<![\d/])(\d{1,2})\s*(?:/|月)\s*(\d{1,2})\s*(?:日|號)?(?![\d/])")


def resolve_dates(text: str, today: dt.date) -> tuple[dt.date | None, int | None]:
    """(first day, number of days when the words give a span) for the date words in ``text``."""
    if m := _SPAN.search(text):
        first = _weekday(today, m.group(1), _WEEKDAYS[m.group(2)])
        last = _WEEKDAYS[m.group(3)]
        return first, (last - first.weekday()) % 7 + 1
    if m := _DAY.search(text):
        weekend = m.group(2) == "末"
        first = _weekday(today, m.group(1), _WEEKDAYS[m.group(2)])
        return first, 2 if weekend else None
    if m := _MONTH_DAY.search(text):
        month, day = int(m.group(1)), int(m.group(2))
        for year in (today.year, today.year + 1):
            try:
                date = dt.date(year, month, day)
            except ValueError:
                return None, None
            if date >= today:
                return date, None
    return None, None


def _weekday(today: dt.date, which: str | None, weekday: int) -> dt.date:
    """This week's (or the next such) weekday; 下 = the one in next week, 下下 the week after."""
    monday = today - dt.timedelta(days=today.weekday())
    weeks = {"下": 1, "下下": 2}.get(which or "", 0)
    date = monday + dt.timedelta(weeks=weeks, days=weekday)
    if date < today and not weeks:
        date += dt.timedelta(weeks=1)
    return date
