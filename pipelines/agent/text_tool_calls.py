"""Model text that is not for the user: tool calls written as text, and <think> blocks.

Small local models sometimes answer ``<tool_call>{"name": …, "arguments": …}</tool_call>`` (Hermes),
a ``<tools>`` block, a ```json fence, or bare JSON, sometimes after a sentence of preamble. We accept
those shapes for known tool names only. Reasoning models (qwen3, deepseek-r1) may put their thinking
in the content between <think> tags; it is never shown.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from typing import Any

_TAGGED = re.compile(r"<(tool_call|tools|function_call)>\s*(.*?)\s*(?:</\1>|$)", re.DOTALL)
_FENCED = re.compile(r"```(?:json|tool_call|JSON)?\s*(.*?)\s*```", re.DOTALL)
_THINK = re.compile(r"<think>.*?(?:</think>|$)", re.DOTALL)
_BIG_INT_DIGITS = 18

# What a streamed reply may start with while it could still turn out to be a text tool call.
MARKERS = ("{", "[{", "```", "<tool_call>", "<tools>", "<function_call>")


class BrokenArguments(ValueError):
    """Tool-call arguments that are not one JSON object; ``raw`` is what the model sent (cut)."""

    def __init__(self, raw: str):
        super().__init__("arguments are not a JSON object")
        self.raw = raw[:200]


def may_be_tool_call(text: str) -> bool:
    """True while ``text`` starts like (or is a prefix of) a text tool call: hold it back from the user."""
    head = text.lstrip()
    if not head:
        return True
    return any(head.startswith(m) or m.startswith(head) for m in MARKERS)


def strip_think(text: str) -> str:
    """Text without <think>…</think> blocks (an unclosed one runs to the end; a lone </think> ends one)."""
    if "</think>" in text and "<think>" not in text.split("</think>", 1)[0]:
        text = text.split("</think>", 1)[1]
    return _THINK.sub("", text)


def parse_arguments(raw: str | dict[str, Any] | None) -> dict[str, Any]:
    """A tool call's arguments as a dict. Numbers too long for int() stay strings, so validation can say
    "limit: 1 到 10 的整數（收到 '999…'）" instead of losing every argument; anything else raises."""
    if isinstance(raw, dict):
        return raw
    if raw is None or not raw.strip():
        return {}
    try:
        data = json.loads(raw, parse_int=_safe_int)
    except (json.JSONDecodeError, ValueError):
        raise BrokenArguments(raw) from None
    if not isinstance(data, dict):
        raise BrokenArguments(raw)
    return data


def parse_text_tool_calls(text: str, tool_names: Collection[str]) -> list[tuple[str, dict[str, Any]]]:
    """(name, arguments) pairs found in text, or [] if the text holds no (well-formed) tool call."""
    body = strip_think(text).strip()
    if not body:
        return []
    candidates = [m[1] for m in _TAGGED.findall(body)] or _FENCED.findall(body) or [body]
    calls: list[tuple[str, dict[str, Any]]] = []
    for chunk in candidates:
        try:
            data = json.loads(chunk, parse_int=_safe_int)
        except (json.JSONDecodeError, ValueError):
            data = _first_json_object(chunk)
            if data is None:
                return []
        for item in data if isinstance(data, list) else [data]:
            call = _as_call(item, tool_names)
            if call is None:
                return []
            calls.append(call)
    return calls


class ThinkFilter:
    """Removes <think>…</think> from streamed text, even when a tag is split across chunks."""

    OPEN, CLOSE = "<think>", "</think>"

    def __init__(self) -> None:
        self._inside = False
        self._pending = ""

    def feed(self, delta: str) -> str:
        text, self._pending = self._pending + delta, ""
        out: list[str] = []
        while text:
            tag = self.CLOSE if self._inside else self.OPEN
            at = text.find(tag)
            if at >= 0:
                if not self._inside:
                    out.append(text[:at])
                text, self._inside = text[at + len(tag) :], not self._inside
                continue
            keep = next((n for n in range(min(len(tag) - 1, len(text)), 0, -1) if tag.startswith(text[-n:])), 0)
            if not self._inside:
                out.append(text[: len(text) - keep])
            self._pending = text[len(text) - keep :]
            break
        return "".join(out).replace(self.CLOSE, "")

    def flush(self) -> str:
        rest, self._pending = ("" if self._inside else self._pending), ""
        return rest


def _safe_int(digits: str) -> int | str:
    return int(digits) if len(digits.lstrip("-")) <= _BIG_INT_DIGITS else digits


def _first_json_object(text: str) -> Any:
    """The first JSON object in text that looks like a call (a preamble sentence may come first)."""
    decoder = json.JSONDecoder(parse_int=_safe_int)
    for m in re.finditer(r"[\[{]", text):
        try:
            data, _ = decoder.raw_decode(text, m.start())
        except (json.JSONDecodeError, ValueError):
            continue
        if isinstance(data, dict | list):
            return data
    return None


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
            args = parse_arguments(args)
        except BrokenArguments:
            return None
    if name not in tool_names or not isinstance(args, dict):
        return None
    return name, args
