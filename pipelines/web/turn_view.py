"""The chat messages of one turn, built from the agent's events (tool steps, streamed answer, notices).

Messages are Gradio chatbot dicts; a tool call is an assistant message whose ``metadata`` carries
a title and ``status`` pending → done with its duration, so Gradio renders it as a collapsible step.
"""

from __future__ import annotations

import re
import time
from typing import Any

from pipelines.core.events import AgentEvent, FinalResult, Notice, TextDelta, ToolFinished, ToolStarted
from pipelines.core.text import shorten
from pipelines.web.render import chat_text, tool_arguments, tool_title

Message = dict[str, Any]
STOPPED = "⏹️ 已停止產生回答。"
_CODE = re.compile(r"[a-z_]+")  # FinalResult.error codes such as invalid_message: for logs, not people


class TurnView:
    def __init__(self, history: list[Message], user_text: str):
        self.messages: list[Message] = [*history, {"role": "user", "content": chat_text(user_text)}]
        self._turn_at = len(history)
        self.answer = ""  # everything streamed this turn
        self._bubble = ""  # the text of the current answer bubble
        self.final: FinalResult | None = None
        self._answer_at: int | None = None
        self._steps: dict[str, tuple[int, float]] = {}

    def apply(self, event: AgentEvent) -> None:
        match event:
            case TextDelta(delta=delta):
                self.answer += delta
                self._show(self._bubble + delta)
            case ToolStarted():
                self._answer_at, self._bubble = None, ""  # text after a tool step starts a new bubble
                meta = {
                    "title": tool_title(event.name, arguments=event.arguments),
                    "status": "pending",
                    "id": event.call_id,
                }
                step = {"role": "assistant", "content": tool_arguments(event.arguments), "metadata": meta}
                self.messages.append(step)
                self._steps[event.call_id] = (len(self.messages) - 1, time.perf_counter())
            case ToolFinished():
                self._finish_step(event)
            case Notice(message=message):
                self._answer_at, self._bubble = None, ""
                self.messages.append({"role": "assistant", "content": f"ℹ️ {chat_text(message)}"})
            case FinalResult():
                self.final = event
                if event.answer and event.answer != self.answer:  # e.g. citations fixed after streaming
                    self.answer = event.answer
                    self._show(event.answer)
                if event.error and self._is_news(event.error):
                    self.messages.append({"role": "assistant", "content": f"⚠️ {chat_text(event.error)}"})
                self._close_steps("未完成")

    def _is_news(self, error: str) -> bool:
        """Show a turn's error only if this turn has not said it already (a Notice gives the fallback reason)."""
        if _CODE.fullmatch(error):
            return False
        shown = chat_text(error)
        return not any(shown in str(m["content"]) for m in self.messages[self._turn_at :])

    def snapshot(self) -> list[Message]:
        """The messages as they are now (later events replace messages, they never edit one in place)."""
        return list(self.messages)

    def stopped(self) -> None:
        """The user pressed stop: close open steps and say so under the partial answer (once)."""
        if self.final is not None or self.messages[-1].get("content") == STOPPED:
            return
        self._close_steps("已停止")
        self.messages.append({"role": "assistant", "content": STOPPED})

    def fail(self, message: str) -> None:
        self._close_steps("未完成")
        self.messages.append({"role": "assistant", "content": f"⚠️ {chat_text(message)}"})

    def _show(self, text: str) -> None:
        """Put text in the current answer bubble (opening one if needed)."""
        self._bubble = text
        if self._answer_at is None:
            self.messages.append({"role": "assistant", "content": ""})
            self._answer_at = len(self.messages) - 1
        self.messages[self._answer_at] = {"role": "assistant", "content": chat_text(text)}

    def _finish_step(self, event: ToolFinished) -> None:
        at, started = self._steps.pop(event.call_id, (None, time.perf_counter()))
        if at is None:  # a finish without a start: still show it
            self.messages.append({"role": "assistant", "content": "", "metadata": {"id": event.call_id}})
            at = len(self.messages) - 1
        msg = self.messages[at]
        seconds = event.duration_ms / 1000 if event.duration_ms else time.perf_counter() - started
        title = msg.get("metadata", {}).get("title") or tool_title(event.name)
        title = title if event.ok or title.endswith("（失敗）") else f"{title}（失敗）"
        meta = {
            **msg.get("metadata", {}),
            "title": f"{title} → {shorten(event.summary, 20, flat=True)}",
            "status": "done",
        }
        meta["duration"] = round(seconds, 2)
        summary = f"{'✅' if event.ok else '⚠️'} {chat_text(event.summary)}"
        content = f"{msg['content']}\n\n{summary}" if msg["content"] else summary
        self.messages[at] = {"role": "assistant", "content": content, "metadata": meta}

    def _close_steps(self, why: str) -> None:
        for call_id, (at, started) in list(self._steps.items()):
            msg = self.messages[at]
            meta = {**msg["metadata"], "status": "done", "duration": round(time.perf_counter() - started, 2)}
            self.messages[at] = {**msg, "content": f"{msg['content']}\n\n⏹️ {why}", "metadata": meta}
            del self._steps[call_id]
