"""The tools' arguments: pydantic models whose JSON schema the model reads, and their validation.

A bad call (wrong types, days = 999, huge strings) becomes a zh-TW ToolError listing what to fix,
which goes back to the model as the tool result so it can correct itself.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pipelines.core.errors import AiyoError
from pipelines.core.models import DayWish
from pipelines.core.text import shorten
from pipelines.planner.plan import MAX_DAYS

MAX_PLAN_SEGMENTS = 60
BROKEN_ARGUMENTS_KEY = "_aiyo_unparsed_arguments"  # set by the agent when a call's arguments are not JSON
_SCHEMAS: dict[type, dict[str, Any]] = {}


class ToolError(AiyoError):
    """A tool call the model should fix; the message goes back to the model as the tool result."""

    def __init__(self, message: str, summary: str):
        super().__init__(message)
        self.summary = summary


class _ToolArgs(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Inline, title-free schema: small models read ``$ref``s poorly and titles cost tokens."""
        if args or kwargs:
            return _compact(super().model_json_schema(*args, **kwargs))
        cached = _SCHEMAS.get(cls)
        if cached is None:  # built once: pydantic's schema generation costs ~10 ms a call
            cached = _SCHEMAS[cls] = _compact(super().model_json_schema())
        return copy.deepcopy(cached)


class SearchArgs(_ToolArgs):
    query: str = Field(min_length=1, max_length=100, description="想找的內容，繁體中文關鍵字，例如「安平 古蹟 小吃」")
    city: str | None = Field(default=None, max_length=12, description="城市（選填），例如 台南、台北；不限城市就省略")
    tags: list[Annotated[str, Field(max_length=10)]] | None = Field(
        default=None, max_length=5, description='標籤（選填），例如 ["美食", "夜市"]'
    )
    limit: int = Field(default=6, ge=1, le=10, description="回傳幾個片段，1–10")


class PlanPreferences(_ToolArgs):
    pace: Literal["relaxed", "normal", "packed"] = Field(
        default="normal", description="relaxed 輕鬆、normal、packed 緊湊"
    )
    interests: list[Annotated[str, Field(max_length=10)]] = Field(default_factory=list, max_length=10)
    avoid: list[Annotated[str, Field(max_length=20)]] = Field(default_factory=list, max_length=10)
    must_include: list[Annotated[str, Field(max_length=40)]] = Field(default_factory=list, max_length=10)
    day_start: str | None = Field(default=None, pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="每天出發時間 HH:MM")
    day_end: str | None = Field(default=None, pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="每天結束時間 HH:MM")
    with_kids: bool = False
    with_elders: bool = False
    start_date: dt.date | None = Field(default=None, description="第一天日期 YYYY-MM-DD（使用者有說日期時）")
    sunrise: bool = Field(default=False, description="使用者要看日出時 true（才會排清晨）")
    near: list[Annotated[str, Field(max_length=20)]] = Field(
        default_factory=list, max_length=5, description="只排這些區域附近，例如「墾丁」→「恆春半島」"
    )
    day_wishes: list[DayWish] = Field(default_factory=list, max_length=14, description="某一天的願望")


class PlanArgs(_ToolArgs):
    segments: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field(
        min_length=1, max_length=MAX_PLAN_SEGMENTS, description="要排進行程的片段 id（search_segments 結果的 id）"
    )
    days: int = Field(ge=1, le=MAX_DAYS, description=f"天數，1–{MAX_DAYS}")
    preferences: PlanPreferences = Field(default_factory=PlanPreferences, description="旅行偏好（選填）")


_HINTS = {
    "query": "1–100 字的搜尋字串",
    "city": "城市名稱字串，例如「台南」",
    "tags": "最多 5 個標籤字串的陣列",
    "limit": "1 到 10 的整數",
    "segments": f'片段 id 字串的陣列（1–{MAX_PLAN_SEGMENTS} 個），例如 ["tn-anping-01#01"]',
    "days": f"1 到 {MAX_DAYS} 的整數",
    "pace": "relaxed、normal 或 packed",
    "day_start": "HH:MM 格式的時間，例如 09:00",
}

SEARCH_DESCRIPTION = (
    "搜尋旅遊影片片段（混合語意與關鍵字檢索）。回傳片段清單：n（引用編號）、id、地點、城市、"
    "影片時間範圍、標籤與逐字稿摘錄。推薦景點或排行程前一定要先搜尋。"
)
PLAN_DESCRIPTION = (
    f"把搜尋到的片段排成 1–{MAX_DAYS} 天的行程並自動檢查（時間、交通、營業時段）。"
    "segments 用 search_segments 回傳的 id；回傳每天的站點、時間與檢查結果。"
)


class CompactSearchArgs(SearchArgs):
    """The same arguments, described in as few tokens as a small model on a CPU needs."""

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": {
                "query": {"type": "string", "description": "關鍵字"},
                "city": {"type": "string", "description": "城市"},
                "limit": {"type": "integer", "description": "1-10"},
            },
            "required": ["query"],
        }


class CompactPlanArgs(PlanArgs):
    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": {
                "segments": {"type": "array", "items": {"type": "string"}, "description": "地點名稱或片段 id"},
                "days": {"type": "integer", "description": f"1-{MAX_DAYS}"},
                "preferences": {
                    "type": "object",
                    "properties": {"pace": {"type": "string", "enum": ["relaxed", "normal", "packed"]}},
                },
            },
            "required": ["segments", "days"],
        }


SEARCH_DESCRIPTION_COMPACT = "搜尋旅遊影片片段，回傳 n、id、地點、影片時間。"
PLAN_DESCRIPTION_COMPACT = "用搜尋到的地點排行程並檢查。"


def resolve_tool_name(name: str, known: set[str]) -> str:
    """A known tool for a name a model misspelt (「Search_Segments」「search-segment」「functions.plan_itinerary」),
    else the name as given."""
    if name in known:
        return name
    plain = "".join(ch for ch in (name or "").rsplit(".", 1)[-1].lower() if ch.isalnum())
    for tool in known:
        if plain in (tool.replace("_", ""), tool.replace("_", "").rstrip("s")):
            return tool
    return name


def unknown_tool_message(name: str, known: list[str]) -> str:
    """What the model hears when it calls a tool that does not exist."""
    return f"沒有名為「{shorten(str(name), 40)}」的工具。只能呼叫：{'、'.join(known)}。請改用其中一個，或直接回答。"


def clip(value: Any, limit: int = 200) -> Any:
    """Arguments as recorded in events and logs: long strings and lists cut, huge numbers described."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**18:
        return f"（約 {int(abs(value).bit_length() * 0.30103) + 1} 位數的數字）"  # str() refuses 4,300+ digits
    if isinstance(value, str):
        return shorten(value, limit)
    if isinstance(value, list):
        return [clip(v, limit) for v in value[:40]]
    if isinstance(value, dict):
        return {str(k)[:40]: clip(v, limit) for k, v in list(value.items())[:20]}
    return value


def validate(model: type[_ToolArgs], kwargs: dict[str, Any], name: str) -> Any:
    if BROKEN_ARGUMENTS_KEY in kwargs:
        got = shorten(str(kwargs[BROKEN_ARGUMENTS_KEY]), 60)
        raise ToolError(
            f"{name} 參數錯誤：參數不是完整的 JSON 物件（收到 {got!r}），請用 JSON 物件重新呼叫一次。",
            summary="參數不是 JSON",
        )
    try:
        return model.model_validate(kwargs)
    except ValidationError as err:
        problems = []
        for e in err.errors()[:6]:
            loc = ".".join(str(p) for p in e["loc"]) or "（整體）"
            key = next((str(p) for p in reversed(e["loc"]) if str(p) in _HINTS), "")
            got = repr(clip(e.get("input"), 40)) if e["type"] != "missing" else "沒有提供"
            hint = _HINTS.get(key, "符合說明的值")
            problems.append(f"- {loc}：應為{hint}（收到 {got}）")
        message = f"{name} 參數錯誤，請修正後再呼叫一次：\n" + "\n".join(problems)
        raise ToolError(message, summary=f"參數錯誤（{len(err.errors())} 項）") from None


def _compact(schema: dict[str, Any]) -> dict[str, Any]:
    defs = schema.pop("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return walk(dict(defs[node["$ref"].split("/")[-1]]))
            variants = node.get("anyOf")
            if variants and len(variants) == 2 and {"type": "null"} in variants:
                merged = {
                    **next(v for v in variants if v != {"type": "null"}),
                    **{k: v for k, v in node.items() if k != "anyOf"},
                }
                return walk(merged)
            return {k: walk(v) for k, v in node.items() if k != "title"}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(schema)
