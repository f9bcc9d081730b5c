"""One chat turn's backend stream, pumped by its own task so 停止 ends it at once and cleanly.

Gradio's ``cancels=`` kills the running event's task from outside; when that lands between two
updates the page shows a red 「錯誤」 on every output and loses the conversation. Instead the stop
button calls :meth:`TurnRun.stop`: the pump task is cancelled (which closes the agent's stream, and
with it the LLM request) and the chat handler, waiting on the queue, wakes up, marks the partial
answer 「已停止」 and ends its event normally.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

_END = object()


class TurnRun:
    """Events of one turn through a queue; :meth:`stop` may be called from any handler on the same loop."""

    def __init__(self, stream: AsyncIterator[Any], view: Any = None):
        self._stream = stream
        self.view = view  # the TurnView showing this turn (marked 「已停止」 by whoever stops it)
        self._queue: asyncio.Queue[Any] = asyncio.Queue()
        self.reason: str | None = None  # why it stopped early: "stop", "clear", "superseded", "cancelled"
        self.finished = False  # the consumer is done (the backend may finish well before the text is shown)
        self._task = asyncio.get_running_loop().create_task(self._pump(), name="aiyo-turn")

    async def _pump(self) -> None:
        try:
            async for event in self._stream:
                self._queue.put_nowait(event)
        except Exception as err:  # noqa: BLE001 - handed to the consumer, which turns it into a message
            self._queue.put_nowait(err)
        finally:
            with contextlib.suppress(Exception):
                await self._stream.aclose()  # type: ignore[attr-defined]
            self._queue.put_nowait(_END)

    async def events(self) -> AsyncIterator[Any]:
        """The turn's events until it ends or is stopped (events queued before a stop are dropped)."""
        while True:
            item = await self._queue.get()
            if self.reason is not None or item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    @property
    def running(self) -> bool:
        return self.reason is None and not self.finished

    def stop(self, reason: str = "stop") -> None:
        """End the turn now: cancel the pump (closing the backend stream) and wake the consumer."""
        if self.reason is None:
            self.reason = reason
        self._task.cancel()
        self._queue.put_nowait(_END)

    async def close(self) -> None:
        """Wait until the backend stream is closed (after the turn ended or was stopped)."""
        self.finished = True
        if not self._task.done():
            self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
