"""How many chat turns run at once, how many wait, and what the next one hears when the line is full.

The page's chat event runs outside Gradio's concurrency limit and takes its turn here instead, so a
crowd gets a zh-TW answer with a retry hint in the chat pane (the message stays on screen), never
Gradio's English "queue is full" with the typed message gone. The same limits hold for every way in:
the page, ``gradio_client`` and the HTTP API. One gate per process, used from the server's event loop.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque

BUSY = "現在同時使用的人很多，這一則還沒有處理 🙏 請過約 {seconds} 秒再送出一次（訊息還在上面，可以直接複製）。"


def busy_message(seconds: int) -> str:
    return BUSY.format(seconds=seconds)


class TurnGate:
    """At most ``running`` turns at once and ``waiting`` more in line; beyond that :meth:`enter` says no at once."""

    def __init__(self, running: int, waiting: int):
        self.running_limit, self.waiting_limit = running, waiting
        self.running = self.waiting = 0
        self._slots = asyncio.Semaphore(running)
        self._durations: deque[float] = deque(maxlen=50)

    async def enter(self) -> float | None:
        """Wait for a free slot and return a ticket for :meth:`leave`; None at once when the line is full."""
        if self.running >= self.running_limit and self.waiting >= self.waiting_limit:
            return None
        self.waiting += 1
        try:
            await self._slots.acquire()  # cancelled while waiting (the stop button): nothing to give back
        finally:
            self.waiting -= 1
        self.running += 1
        return time.monotonic()

    def leave(self, ticket: float) -> None:
        """The turn that got ``ticket`` ended (finished, failed or stopped)."""
        self._durations.append(time.monotonic() - ticket)
        self.running -= 1
        self._slots.release()

    def retry_after_s(self) -> int:
        """About when a place frees up: the line ahead at the recent median turn length, 5–120 s."""
        turn = sorted(self._durations)[len(self._durations) // 2] if self._durations else 10.0
        ahead = (self.waiting + self.running) / self.running_limit
        return int(min(120, max(5, math.ceil(turn * max(1.0, ahead)))))

    def busy_message(self) -> str:
        return busy_message(self.retry_after_s())
