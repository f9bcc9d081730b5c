"""Date words → the trip's first day (and its length when the words give a span), against a ``today``
the caller passes in: pure code, no clock (the offline agent reads Taiwan's date once, at its edge).

「週末」「這週六」「下週五到週日」「明天」「12/19 出發」「12月19日」「12/19-12/21」「2026/1/3」. Compared
with jionlp's ``parse_time`` and dateparser on these cases: jionlp reads only Simplified (週 fails), takes
周末 as the Sunday, 「下周五到周日」 as a span that ends before it starts, 1/3 and 「12/31到1/2」 in the
past year, and prints to stdout on import; dateparser reads 週末 and 這週六 as nothing and 12月19日 as
the 29th. So these few rules are ours (numerals still go through ``intent.numbers``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5}
_WEEK = r"(?:週|周|星期|禮拜)"
_WHICH = r"(這|本|下下|下)?(?:個)?"
_DAY = re.compile(_WHICH + _WEEK + r"([一二三四五六日天末])")
_SPAN = re.compile(
    _WHICH + _WEEK + r"([一二三四五六日天])\s*(?:到|至|~|-)\s*(?:下個?)?" + _WEEK + r"?([一二三四五六日天])"
)
_RELATIVE = {"今天": 0, "明天": 1, "後天": 2, "大後天": 3}
_DATE = r"(?:(\d{4})\s*[/年.-]\s*)?(\d{1,2})\s*[/月]\s*(\d{1,2})\s*[日號]?"
_MONTH_DAY = re.compile(r"(?<![\d/])" + _DATE + r"(?![\d/])")
_DATE_SPAN = re.compile(
    r"(?<![\d/])" + _DATE + r"\s*(?:到|至|~|-)\s*(?:(\d{1,2})\s*[/月]\s*)?(\d{1,2})\s*[日號]?(?![\d/])"
)
MAX_SPAN = 14
SURE_AHEAD_DAYS = 183  # 「1/2」 said on 12/30 is surely next year's; 「12/5」 said on 12/10 gets a note


@dataclass
class Dates:
    """What the date words say: the first day, the number of days of a span, and problem keys
    (``date_next_year``: a month/day months past this year is read as next year's; ``date_past``: an
    explicit date before today is not used; ``date_invalid``: 2/30)."""

    start: dt.date | None = None
    days: int | None = None
    problems: list[str] = field(default_factory=list)


def resolve_dates(text: str, today: dt.date) -> Dates:
    """The date words in normalised ``text``, resolved against ``today``."""
    if m := _SPAN.search(text):
        first = _weekday(today, m.group(1), _WEEKDAYS[m.group(2)])
        return Dates(first, (_WEEKDAYS[m.group(3)] - first.weekday()) % 7 + 1)
    if m := _DAY.search(text):
        first = _weekday(today, m.group(1), _WEEKDAYS[m.group(2)])
        return Dates(first, 2 if m.group(2) == "末" else None)
    if m := _DATE_SPAN.search(text):
        first = _calendar_date(today, m.group(1), m.group(2), m.group(3))
        if first.start is None:
            return first
        end_month = int(m.group(4)) if m.group(4) else first.start.month
        last = _on_or_after(first.start, end_month, int(m.group(5)))
        days = (last - first.start).days + 1 if last else None
        return Dates(first.start, days if days and days <= MAX_SPAN else None, first.problems)
    if m := _MONTH_DAY.search(text):
        return _calendar_date(today, m.group(1), m.group(2), m.group(3))
    for word in sorted(_RELATIVE, key=len, reverse=True):
        if word in text:
            return Dates(today + dt.timedelta(days=_RELATIVE[word]))
    return Dates()


def _weekday(today: dt.date, which: str | None, weekday: int) -> dt.date:
    """This week's (or, once passed, next week's) weekday; 下 = the one in next week, 下下 the week after."""
    monday = today - dt.timedelta(days=today.weekday())
    weeks = {"下": 1, "下下": 2}.get(which or "", 0)
    date = monday + dt.timedelta(weeks=weeks, days=weekday)
    if date < today and not weeks:
        date += dt.timedelta(weeks=1)
    return date


def _calendar_date(today: dt.date, year: str | None, month: str, day: str) -> Dates:
    """A written date; without a year the next such day from today (12/5 said on 12/10 is next year's)."""
    try:
        if year:
            date = dt.date(int(year), int(month), int(day))
            return Dates(date) if date >= today else Dates(problems=["date_past"])
        date = dt.date(today.year, int(month), int(day))
    except ValueError:
        return Dates(problems=["date_invalid"])
    if date >= today:
        return Dates(date)
    later = _on_or_after(today, int(month), int(day))
    if later is None:
        return Dates(problems=["date_invalid"])
    return Dates(later, problems=["date_next_year"] if (later - today).days > SURE_AHEAD_DAYS else [])


def _on_or_after(start: dt.date, month: int, day: int) -> dt.date | None:
    """The first month/day on or after ``start`` (12/31 → 1/2 crosses the year)."""
    for year in (start.year, start.year + 1):
        try:
            date = dt.date(year, month, day)
        except ValueError:
            continue
        if date >= start:
            return date
    return None
