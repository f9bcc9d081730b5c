"""Model policies for the fake servers: what a model does with a request, not a fixed script.

Give one as ``responder=`` to ``FakeOllama`` / ``FakeOpenAI``; each request body (the real protocol's
JSON) goes in, a ``Reply`` comes out.

- ``grounded_model``: follows the protocol. With data in the user message (retrieval first) it
  answers from it; without, it calls ``search_segments``, then ``plan_itinerary`` for a trip, then
  answers from the tool results. Always cites what it was given.
- ``lazy_model``: answers at once without tools and invents places, citations and a third day (what
  Qwen2.5-Coder-1.5B did with 「幫我排台南兩天一夜的輕鬆行程」).
- ``spam_model``: for a plan edit, answers template tokens and short links and no place (what
  gemma-3-270m wrote for 「第二天換成海邊的行程」), else like ``grounded_model``.
- ``truncating(policy, chars)``: that policy cut at a token limit, mid-line, with the finish reason.
- ``hung_model`` accepts and never answers; ``endless_model`` streams forever;
  ``huge_argument_model`` streams a 60,000-character tool argument.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from pipelines.core.text import TAIWAN_CITIES, estimate_tokens
from pipelines.intent.parser import parse_request
from tests.fakes._server import Reply

LAZY_ANSWER = (
    "台南兩天一夜的輕鬆行程來囉！\n"
    "第 1 天\n09:00–11:00 台南市立大劇院 [2]\n13:00–15:00 台南市立文化中心 [3]\n"
    "第 2 天\n09:00–11:00 台南市立大劇院 [2]\n13:00–15:00 台南市立文化中心 [3]\n"
    "第 3 天\n10:00–12:00 台南市立大劇院 [7]\n祝你玩得開心！"
)
_HIT = re.compile(r"^\[(\d+)\] (.+?)（")
_STOP = re.compile(r"^(\d\d:\d\d)–(\d\d:\d\d) (.+?) \[(\d+)\]$")
_DAY = re.compile(r"^第 (\d+) 天")


def grounded_model(body: dict[str, Any]) -> Reply:
    messages = body.get("messages") or []
    tokens = _prompt_tokens(body)
    last_user = max((i for i, m in enumerate(messages) if m.get("role") == "user"), default=-1)
    user = _content(messages[last_user]) if last_user >= 0 else ""
    results = [_content(m) for m in messages[last_user + 1 :] if m.get("role") == "tool"]
    plan = next((_json(r) for r in reversed(results) if _is(r, "plan_itinerary")), None)
    found = [s for r in results if _is(r, "search_segments") for s in (_json(r) or {}).get("segments", [])]
    if any(_STOP.match(line) or _HIT.match(line) for line in user.splitlines()):
        return Reply(text=_answer_from_context(user), prompt_tokens=tokens)
    if plan:
        return Reply(text=_answer_from_plan(plan), prompt_tokens=tokens)
    question = user.rsplit("使用者：", 1)[-1]
    intent = parse_request(question, TAIWAN_CITIES)
    if found and intent.days and body.get("tools"):
        ids = [s["id"] for s in found]
        return Reply(tool_calls=[_call("plan_itinerary", {"segments": ids, "days": intent.days})], prompt_tokens=tokens)
    if found:
        lines = [f"{s['place']} [{s['n']}]" for s in found[:4]]
        return Reply(text="推薦這幾個地方：\n" + "\n".join(lines), prompt_tokens=tokens)
    if body.get("tools"):
        args: dict[str, Any] = {"query": " ".join(intent.interests) or "景點 推薦"}
        if intent.cities:
            args["city"] = intent.cities[0]
        return Reply(tool_calls=[_call("search_segments", args)], prompt_tokens=tokens)
    return Reply(text="目前的影片資料裡還沒有相關的片段，換個城市試試看？", prompt_tokens=tokens)


def lazy_model(body: dict[str, Any]) -> Reply:
    return Reply(text=LAZY_ANSWER, prompt_tokens=_prompt_tokens(body))


SPAM_ANSWER = "【訂閱】\n[INST]請註冊：https://bit.ly/2J1r7u9[/INST]\n[INST]請註冊：https://bit.ly/3n06wYy[/INST]\n"


def spam_model(body: dict[str, Any]) -> Reply:
    messages = body.get("messages") or []
    user = next((_content(m) for m in reversed(messages) if m.get("role") == "user"), "")
    if "換成" in user.rsplit("使用者：", 1)[-1]:
        return Reply(text=SPAM_ANSWER, prompt_tokens=_prompt_tokens(body))
    return grounded_model(body)


def truncating(
    policy: Callable[[dict[str, Any]], Reply], line: int, chars: int = 3
) -> Callable[[dict[str, Any]], Reply]:
    """``policy``'s model with a small token limit: a text reply stops ``chars`` characters into its line
    ``line`` (0-based), and the server says so (OpenAI ``finish_reason: "length"``, Ollama ``done_reason``).
    ``model.full`` keeps the replies as the model would have written them."""

    def model(body: dict[str, Any]) -> Reply:
        reply = policy(body)
        text = reply.text if isinstance(reply.text, str) else "".join(reply.text)
        lines = text.splitlines(keepends=True)
        if reply.tool_calls or len(lines) <= line:
            return reply
        model.full.append(text)  # type: ignore[attr-defined]
        cut = "".join(lines[:line]) + lines[line][:chars]
        return Reply(text=cut, finish_reason="length", prompt_tokens=reply.prompt_tokens)

    model.full = []  # type: ignore[attr-defined]
    return model


def hung_model(body: dict[str, Any]) -> Reply:
    return Reply(text="來不及了", first_byte_delay=30.0)


def endless_model(body: dict[str, Any]) -> Reply:
    return Reply(text=["台南", "真的", "很好玩。"], chunk_delay=0.01, forever=True)


def huge_argument_model(body: dict[str, Any]) -> Reply:
    argument = json.dumps({"query": "台" * 60_000}, ensure_ascii=False)
    return Reply(tool_calls=[{"name": "search_segments", "arguments": argument}])


def _answer_from_context(user: str) -> str:
    lines = user.splitlines()
    stops, day = [], None
    for line in lines:
        if m := _DAY.match(line):
            day = m.group(1)
            stops.append(f"第 {day} 天")
        elif m := _STOP.match(line):
            stops.append(f"{m.group(1)}–{m.group(2)} {m.group(3)} [{m.group(4)}]")
    if stops:
        return "行程幫你排好囉！\n" + "\n".join(stops) + "\n想調整再跟我說～"
    hits = [f"{m.group(2)} [{m.group(1)}]" for line in lines if (m := _HIT.match(line))]
    return "影片裡有這些推薦：\n" + "\n".join(hits[:4])


def _answer_from_plan(plan: dict[str, Any]) -> str:
    lines = ["行程排好了！"]
    for day in plan.get("days", []):
        lines.append(f"第 {day['day']} 天")
        lines += [f"{s['start']}–{s['end']} {s['place']} [{s['n']}]" for s in day["stops"] if s.get("n")]
    return "\n".join(lines)


def _call(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "arguments": arguments}


def _content(message: dict[str, Any]) -> str:
    content = message.get("content") or ""
    if isinstance(content, list):  # OpenAI content parts
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return str(content)


def _is(result: str, tool: str) -> bool:
    return tool in result.split("\n", 1)[0]


def _json(result: str) -> dict[str, Any] | None:
    lines = result.split("\n")
    try:
        return json.loads(lines[1]) if len(lines) > 1 else None
    except json.JSONDecodeError:
        return None


def _prompt_tokens(body: dict[str, Any]) -> int:
    """What a server would count, estimated: the messages and the tool schemas."""
    text = "".join(_content(m) for m in body.get("messages") or [])
    return estimate_tokens(text) + estimate_tokens(json.dumps(body.get("tools") or [], ensure_ascii=False))
