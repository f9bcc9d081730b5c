"""Follow-up words: a message that edits the trip so far instead of asking for a new one.

「第二天換成海邊」 replace_day · 「再多一天」「再加一天去墾丁」 add_day · 「少一天」 remove_day ·
「刪掉第二天」 drop_day · 「改成四天」 set_days · 「把赤崁樓換掉」 swap_stop · 「把赤崁樓移到第二天」
move_stop · 「只要美食」 only · 「換一批」 more · pace, must-see or avoid words alone: refine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from pipelines.intent.clauses import clean_item
from pipelines.intent.numbers import NUM, parse_days, parse_number

FollowUp = Literal[
    "replace_day", "add_day", "remove_day", "drop_day", "set_days", "set_date", "only", "more", "refine",
    "remove_stop", "swap_stop", "move_stop",
]  # fmt: skip

_DAY = r"(?:第" + NUM + r"天|最後一天|[Dd]ay\s*(\d+))"
_MOVE = re.compile(r"(?:把)?([^,。!?把]+?)(?:移到|改到|換到|排到|挪到|放到|改成)\s*(?:第" + NUM + r"天|(最後一天))")
_SWAP_TO = re.compile(r"把(.+?)(?:換成|改成|換去)([^,。!?]+)")
_SWAP = re.compile(r"把(.+?)(?:換掉|拿掉|刪掉|去掉|移除|取消)|(?:換掉|拿掉|刪掉|去掉)(?!第|最後)([^,。!?]+)")
_CHANGES = re.compile(r"換|改|變|替|調整|不要|只要|排|安排|想")
_ADD = re.compile(r"(?:再|多|加|延長)\s*(?:多|加)?\s*(?:玩|待|住|留|排)?\s*" + NUM + r"\s*(?:個)?(?:天|日)")
_DROP = re.compile(r"(?:刪掉|拿掉|取消|不要|去掉)\s*" + _DAY)
_DROP_AFTER = re.compile(_DAY + r"\s*(?:就|也)?(?:不要了|不用了|拿掉|刪掉|取消|去掉|不排了)(?:吧|好了)?\s*$")
_REMOVE = re.compile(r"(?:少|減|縮短|刪掉|拿掉)\s*(?:玩)?\s*" + NUM + r"\s*(?:個)?(?:天|日)")
_SET = re.compile(r"(?:改成|變成|換成|改為|調成|縮短成|縮短為|縮成|只玩|只要玩|只排)\s*" + NUM + r"\s*(?:天|日)")
_MORE = re.compile(r"換一批|換別的|其他的?推薦|還有別的|還有其他|換一些|再推薦")


@dataclass
class Edit:
    """The follow-up a message asks for; ``text`` is the message without the words read here."""

    text: str
    kind: FollowUp | None = None
    target_day: int | None = None  # 1-based; -1 = the last day
    day_delta: int = 0
    days: int | None = None
    place: str = ""
    instead: str = ""  # 「把赤崁樓換成安平古堡」: what the stop becomes


def take_followup(text: str) -> Edit:
    """The first follow-up pattern that matches normalised ``text`` (most specific first)."""
    if m := _MOVE.search(text):
        place = clean_item(m.group(1))
        if place and not re.fullmatch(_DAY, place):
            day = -1 if m.group(3) else parse_number(m.group(2))
            return Edit(text.replace(m.group(0), " "), "move_stop", target_day=day, place=place)
    if m := _SWAP_TO.search(text):
        place, instead = clean_item(m.group(1)), clean_item(m.group(2))
        if place and instead and not re.search(_DAY, place):
            return Edit(text.replace(m.group(0), " "), "swap_stop", place=place, instead=instead)
    if m := _SWAP.search(text):
        place = clean_item(m.group(1) or m.group(2))
        if place and not re.search(_DAY, place):
            return Edit(text.replace(m.group(0), " "), "swap_stop", place=place)
    if m := _DROP.search(text):
        rest = text[m.end() :]
        if place := clean_item(rest.removeprefix("的")) if rest.startswith("的") else "":  # 刪掉第二天的赤崁樓
            return Edit(text[: m.start()], "swap_stop", place=place)
        if not _CHANGES.search(rest):
            return Edit(text.replace(m.group(0), " "), "drop_day", target_day=_day_number(m))
    if m := _DROP_AFTER.search(text.strip()):
        return Edit(" ", "drop_day", target_day=_day_number(m))
    if (m := re.search(_DAY, text)) and _CHANGES.search(text) and parse_days(text.replace(m.group(0), " ")) is None:
        # 「台北三天，第三天想泡溫泉」 states a trip length: a new request with a wish for day 3, not an edit
        return Edit(text.replace(m.group(0), " "), "replace_day", target_day=_day_number(m))
    if m := _ADD.search(text):
        return Edit(text.replace(m.group(0), " "), "add_day", day_delta=min(7, max(1, parse_number(m.group(1)) or 1)))
    if m := _REMOVE.search(text):
        return Edit(text.replace(m.group(0), " "), "remove_day", day_delta=-max(1, parse_number(m.group(1)) or 1))
    if m := _SET.search(text):
        return Edit(text.replace(m.group(0), " "), "set_days", days=parse_number(m.group(1)))
    if re.search(r"(?:改成|變成|換成|改為)\s*一日遊", text):
        return Edit(text, "set_days", days=1)
    if _MORE.search(text):
        return Edit(text, "more")
    return Edit(text)


def _day_number(m: re.Match[str]) -> int | None:
    if "最後" in m.group(0):
        return -1
    return parse_number(m.group(1) or m.group(2) or "")
