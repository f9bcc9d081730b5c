"""Tool calls that a model wrote as plain text instead of native tool calls.

Small local models sometimes answer ``<tool_call>{"name": …, "arguments": …}</tool_call>``, a
```json fence, or bare JSON. We accept those shapes for known tool names only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from typing import Any

_TAGGED = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.DOTALL)
_FENCED = re.compile(r"```(?:json|tool_call|JSON)?\s*(.*?)\s*```", re.DOTALL)

# What a streamed reply may start with while it could still turn out to be a text tool call.
MARKERS = ("{", "[{", "```", "<tool_call>")


def may_be_tool_call(text: str) -> bool:
    """True while ``text`` starts like (or is a prefix of) a text tool call: hold it back from the user."""
    head = text.lstrip()
    if not head:
        return True
    return any(head.startswith(m) or m.startswith(head) for m in MARKERS)


def parse_text_tool_calls(text: str, tool_names: Collection[str]) -> list[tuple[str, dict[str, Any]]]:
    """(name, arguments) pairs found in text, or [] if the text is not (only) tool calls."""
    body = text.strip()
    if not body:
        return []
    candidates = _TAGGED.findall(body) or _FENCED.findall(body) or [body]
    calls: list[tuple[str, dict[str, Any]]] = []
    for chunk in candidates:
        try:
            data = json.loads(chunk)
        except json.JSONDecodeError:
            return []
        for item in data if isinstance(data, list) else [data]:
            call = _as_call(item, tool_names)
            if call is None:
                return []
            calls.append(call)
    return calls


def _as_call(item: Any, tool_names: Collection[str]) -> tuple[str, dict[str, Any]] | None:
    if not isinstance(item, dict):
        return None
    if isinstance(item.get("tool_calls"), list) and item["tool_calls"]:
        item = item["tool_calls"][0]
    if isinstance(item.get("function"), dict):
        item = item["function"]
    name = item.get("name") or item.get("tool") or item.get("tool_name")
    args = item.get("arguments", item.get("parameters", item.get("args", {})))
    if isinstance(args, str):
        try:
            args = json.loads(args)
        except json.JSONDecodeError:
            return None
    if name not in tool_names or not isinstance(args, dict):
        return None
    return name, args
