"""Checks on search arguments and the payload filter they become (pure, no I/O)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

from pipelines.core.errors import InvalidQueryError
from pipelines.index.points import FieldCondition, Filter, MatchAny, MatchValue

Mode = Literal["hybrid", "dense", "sparse"]
MODES: tuple[Mode, ...] = ("hybrid", "dense", "sparse")
MAX_LIMIT = 50
_TAG_SPLIT = re.compile(r"[,，、\s]+")


def check_query(query: object, max_chars: int) -> str:
    """The stripped query; empty or oversized input is an InvalidQueryError a user can act on."""
    if not isinstance(query, str) or not query.strip():
        raise InvalidQueryError("請輸入想找的內容，例如「台南好吃的牛肉湯」。")
    text = query.strip()
    if len(text) > max_chars:
        raise InvalidQueryError(f"查詢太長（{len(text)} 字），請縮短到 {max_chars} 字以內。")
    return text


def check_limit(limit: object) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise InvalidQueryError(f"limit 必須是 1 到 {MAX_LIMIT} 之間的整數（收到 {limit!r}）。")
    return limit


def check_mode(mode: object) -> str:
    if mode not in MODES:
        raise InvalidQueryError(f"未知的搜尋模式「{mode}」（可用 {'、'.join(MODES)}）。")
    return str(mode)


def check_city(city: object) -> str | None:
    """None or blank means "anywhere"; anything but a string is a mistake worth saying."""
    if city is None:
        return None
    if not isinstance(city, str):
        raise InvalidQueryError(f"city 必須是城市名稱文字，例如「台南」（收到 {city!r}）。")
    return city.strip() or None


def split_tags(tags: Iterable[str] | str | None) -> list[str]:
    """``"美食,夜市"``, ``["美食", "夜市"]`` or ``"美食、夜市"`` → ``["美食", "夜市"]`` (order kept, no repeats)."""
    if tags is None:
        return []
    items = [tags] if isinstance(tags, str) else list(tags)
    return list(dict.fromkeys(t for item in items for t in _TAG_SPLIT.split(str(item)) if t))


def payload_filter(city: str | None, tags: list[str]) -> Filter | None:
    """Segments in that (normalised) city and carrying any of the tags."""
    must: list[FieldCondition] = []
    if city:
        must.append(FieldCondition(key="city", match=MatchValue(value=city)))
    if tags:
        must.append(FieldCondition(key="tags", match=MatchAny(any=tags)))
    return Filter(must=must) if must else None
