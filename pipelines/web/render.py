"""Text and small HTML pieces of the page: header, backend badge, result rows, check badges, tool titles.

Everything that came from a model, a transcript or a user passes through ``html.escape`` here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from pipelines.core.citations import fmt_span
from pipelines.core.models import Check, SegmentHit
from pipelines.core.text import shorten

HIT_HEADERS = ["#", "地點", "城市", "時段", "摘要"]
SUMMARY_CHARS = 36
TOOL_LABELS = {"search_segments": "🔎 搜尋影片片段", "plan_itinerary": "🗓️ 排行程"}
ARG_LABELS = {
    "query": "關鍵字",
    "city": "城市",
    "tags": "標籤",
    "limit": "數量",
    "days": "天數",
    "segments": "片段",
    "preferences": "偏好",
}


def backend_label(backend: str | None, model: str | None = None) -> str:
    """「Ollama qwen2.5:7b-instruct」「OpenAI 相容」「離線模式」."""
    match backend:
        case "ollama":
            return f"Ollama {model}" if model else "Ollama"
        case "openai":
            return "OpenAI 相容"
        case "offline":
            return "離線模式"
        case _:
            return "準備中"


def header_html(status: Mapping[str, Any]) -> str:
    """Name, pitch, backend badge and index size; while warming up, what it is doing."""
    label = backend_label(status.get("backend"), status.get("model"))
    kind = escape(status.get("backend") or "pending")
    if status.get("ready"):
        size = f"索引 {int(status.get('points') or 0)} 個片段 · {len(status.get('cities') or [])} 個城市"
    elif status.get("error"):
        size = f"⚠️ {status['error']}"
    else:
        size = f"⏳ {status.get('phase') or '啟動中'}…（{int(status.get('uptime_s') or 0)} 秒）"
    reason = status.get("reason") or ""
    health = status.get("llm_health") or {}
    if health.get("state") == "skipped":  # repeated LLM failures: offline answers until it is probed again
        label += f"（語言模型暫停中，約 {int(health.get('retry_in_s') or 0)} 秒後重試）"
        reason = f"{reason}；{health.get('last_error') or ''}"
    why = f'<p class="aiyo-reason">{escape(label)}：{escape(reason)}</p>' if reason and status.get("ready") else ""
    return (
        '<div class="aiyo-header"><div><h1>愛遊 AIYO</h1>'
        "<p>說出想去哪、玩幾天，我從台灣旅遊影片裡找景點、排行程，並播放被引用的那一段。</p></div>"
        f'<div class="aiyo-badges"><span class="aiyo-badge aiyo-backend-{kind}" title="{escape(reason)}">'
        f"{escape(label)}</span>"
        f'<span class="aiyo-badge aiyo-index">{escape(size)}</span></div>{why}'
        '<nav class="aiyo-jump"><a href="#aiyo-player">▶ 影片</a><a href="#aiyo-itinerary">🗓️ 行程表</a>'
        '<a href="#aiyo-map">🗺️ 地圖</a><a href="#aiyo-chat">💬 對話</a></nav></div>'
    )


def one_line(text: str, limit: int = SUMMARY_CHARS) -> str:
    return shorten(text, limit, flat=True)


def hit_rows(hits: Sequence[SegmentHit]) -> list[list[str]]:
    """Compact rows: [n] · place · city · start–end · one-line summary (n matches the answer's [n])."""
    return [
        [f"[{n}]", h.place or h.title, h.city or "", fmt_span(h), one_line(h.text)] for n, h in enumerate(hits, start=1)
    ]


MAX_NOTES = 8  # notes under the checks (a plan has a handful)
NOTE_CHARS = 240


def checks_html(checks: Sequence[Check], notes: Sequence[str] = ()) -> str:
    """The verifier's checks as pass/fail badges (the detail is the hover text), then the plan's notes in
    plain sight: a ✅ 三餐有著落 may rest on a note (「午餐可以自備」) that an LLM's answer need not repeat,
    and a phone has no hover."""
    if not checks:
        return '<div class="aiyo-checks"></div>'
    badges = "".join(
        f'<span class="aiyo-check {"ok" if c.passed else "fail"}" title="{escape(c.detail)}">'
        f"{'✅' if c.passed else '⚠️'} {escape(c.name)}</span>"
        for c in checks
    )
    listed = "".join(f"<li>{escape(one_line(n, NOTE_CHARS))}</li>" for n in notes[:MAX_NOTES])
    more = f'<ul class="aiyo-notes">{listed}</ul>' if listed else ""
    return f'<div class="aiyo-checks">{badges}</div>{more}'


def tool_title(name: str, ok: bool | None = None, arguments: Mapping[str, Any] | None = None) -> str:
    """「🔎 搜尋影片片段：夜市 · 台北」: the step's label and what it looked for, so collapsed steps differ."""
    label = TOOL_LABELS.get(name, f"🔧 {name}")
    what = [_shown(arguments.get(key)) for key in ("query", "city", "days") if arguments and arguments.get(key)]
    if what:
        label += "：" + one_line(" · ".join(what).replace("\n", " "), 30) + ("天" if name == "plan_itinerary" else "")
    return label if ok is None or ok else f"{label}（失敗）"


def tool_arguments(arguments: Mapping[str, Any]) -> str:
    """Arguments as 「關鍵字：台南 美食 · 天數：2」 (escaped)."""
    parts = [f"{ARG_LABELS.get(key, key)}：{one_line(_shown(value), 60)}" for key, value in arguments.items() if value]
    return escape(" · ".join(parts), quote=False)


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return "、".join(f"{k}={_shown(v)}" for k, v in value.items() if v not in (None, "", [], {}))
    if isinstance(value, list | tuple):
        return "、".join(map(_shown, value))
    return str(value)


def chat_text(text: str) -> str:
    """Model or user text for the chatbot: markdown stays, HTML does not."""
    return escape(text, quote=False)
