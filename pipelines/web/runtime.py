"""The web app's process-wide services: one index (one Qdrant client) and one agent for every session.

``start()`` builds them in a background thread so the page and ``/health`` answer at once while the
index is built on first run (tqdm shows the embedding progress on the console, the page header
shows the phase). ``/ready`` and the chat handler wait for :meth:`AppRuntime.ready`.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from pipelines.core.errors import AiyoError
from pipelines.core.settings import Settings

log = logging.getLogger(__name__)


def _open_index(settings: Settings) -> Any:
    from pipelines.index.segment_index import open_index

    return open_index(settings, progress=True)


def _build_agent(settings: Settings, index: Any) -> Any:
    from pipelines.agent.travel_agent import build_agent

    return build_agent(settings, index)


class AppRuntime:
    """Index + agent, built once; ``index_factory``/``agent_factory`` let tests plug in fakes."""

    def __init__(
        self,
        settings: Settings,
        index_factory: Callable[[Settings], Any] = _open_index,
        agent_factory: Callable[[Settings, Any], Any] = _build_agent,
    ):
        self.settings = settings
        self._index_factory, self._agent_factory = index_factory, agent_factory
        self.index: Any = None
        self.agent: Any = None
        self.phase = "尚未啟動"
        self.error: str | None = None
        self.started_at = time.time()
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> AppRuntime:
        """Begin warming up in the background (idempotent)."""
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._warm_up, name="aiyo-warm-up", daemon=True)
                self._thread.start()
        return self

    def _warm_up(self) -> None:
        try:
            self.phase = "開啟索引（第一次啟動會建立索引，約需一分鐘）"
            self.index = self._index_factory(self.settings)
            self.phase = "連線語言模型"
            self.agent = self._agent_factory(self.settings, self.index)
            self.phase = "就緒"
            log.info("ready: %s points, backend %s", self.points(), getattr(self.agent, "backend", "?"))
        except AiyoError as err:
            self.error = str(err)
            log.error("warm-up failed: %s", err)
        except Exception as err:  # noqa: BLE001 - surfaced on the page and in /ready, not swallowed
            self.error = f"啟動失敗：{type(err).__name__}: {err}"
            log.exception("warm-up failed")
        finally:
            self._done.set()

    @property
    def ready(self) -> bool:
        return self._done.is_set() and self.error is None

    def wait(self, timeout: float | None = None) -> bool:
        self.start()
        self._done.wait(timeout)
        return self.ready

    async def wait_async(self, timeout: float | None = None) -> bool:
        return await asyncio.to_thread(self.wait, timeout)

    def points(self) -> int:
        try:
            return int(self.index.count()) if self.index is not None else 0
        except Exception:  # noqa: BLE001 - a status probe must not raise
            return 0

    def status(self) -> dict[str, Any]:
        """What /ready and the page header show."""
        agent = self.agent
        return {
            "ready": self.ready,
            "phase": self.phase,
            "error": self.error,
            "index_loaded": self.index is not None,
            "points": self.points(),
            "cities": self.index.cities() if self.index is not None else [],
            "backend": getattr(agent, "backend", None),
            "model": getattr(agent, "model", None),
            "reason": getattr(agent, "reason", None),
            "llm_health": agent.health_status() if hasattr(agent, "health_status") else None,
            "uptime_s": round(time.time() - self.started_at, 1),
        }

    def close(self) -> None:
        if self.index is not None:
            self.index.close()
            self.index = None
