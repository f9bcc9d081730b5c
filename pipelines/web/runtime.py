"""The web app's process-wide services: one index (one Qdrant client) and one agent for every session.

``start()`` builds them in a background thread so the page and ``/health`` answer at once while the
index is built on first run (tqdm shows the embedding progress on the console, the page header
shows the phase). ``/ready`` and the chat handler wait for :meth:`AppRuntime.ready`.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from pipelines.core.errors import AiyoError
from pipelines.core.redact import redact_text, redact_value
from pipelines.core.settings import Settings

log = logging.getLogger(__name__)

# What the first turn that plans imports lazily (kept off the start): loaded right after /ready instead, so that
# turn does not wait for them. The ICS export's icalendar (~0.1 CPU s) and the planner's solver (ortools, ~0.06 s).
FIRST_PLAN_IMPORTS = ("icalendar", "ortools.constraint_solver.pywrapcp")


def _build_agent(settings: Settings, index: Any) -> Any:
    from pipelines.agent.travel_agent import build_agent

    return build_agent(settings, index)


class AppRuntime:
    """Index + agent, built once; ``index_factory``/``agent_factory`` let tests plug in fakes."""

    def __init__(
        self,
        settings: Settings,
        index_factory: Callable[[Settings], Any] | None = None,
        agent_factory: Callable[[Settings, Any], Any] = _build_agent,
    ):
        self.settings = settings
        self._index_factory, self._agent_factory = index_factory or self._open_index, agent_factory
        self.index: Any = None
        self.agent: Any = None
        self.phase = "尚未啟動"
        self.index_build: str | None = None  # what the index had to build on start, in zh-TW (None: nothing)
        self.error: str | None = None
        self.started_at = time.time()
        self.timings: dict[str, float] = {}  # start-up milestones, seconds since this runtime was created
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

    def mark(self, milestone: str) -> None:
        """Note when a start-up milestone was reached (shown in /ready as ``startup_s``, read by bench.startup)."""
        self.timings[milestone] = round(time.time() - self.started_at, 2)

    def _warm_up(self) -> None:
        try:
            self.mark("warm_up_started")
            self.phase = "開啟索引"
            self.index = self._index_factory(self.settings)
            self.mark("index_ready")
            self.phase = "連線語言模型"
            self.agent = self._agent_factory(self.settings, self.index)
            self.mark("agent_built")
            self.phase = "就緒"
            log.info("ready: %s points, backend %s", self.points(), getattr(self.agent, "backend", "?"))
        except AiyoError as err:
            self.error = redact_text(str(err))
            log.error("warm-up failed: %s", err)
        except Exception as err:  # noqa: BLE001 - surfaced on the page and in /ready, not swallowed
            self.error = redact_text(f"啟動失敗：{type(err).__name__}: {err}")
            log.exception("warm-up failed")
        finally:
            self._done.set()
        if self.ready:
            self._warm_first_plan()
        if self.ready and hasattr(self.index, "warm_up_tokenizer"):  # after /ready: see SegmentIndex.warm_up
            try:
                self.index.warm_up_tokenizer()
                self.mark("tokenizer_loaded")
            except Exception:  # noqa: BLE001 - the first search loads it (and reports any error) instead
                log.exception("tokenizer warm-up failed")

    def _warm_first_plan(self) -> None:
        for name in FIRST_PLAN_IMPORTS:
            try:
                importlib.import_module(name)
            except ImportError:  # the turn that needs it says so, in its own words
                log.warning("could not preload %s", name, exc_info=True)
        self.mark("plan_imports_loaded")

    def _open_index(self, settings: Settings) -> Any:
        """The real index; a build it needs first (first start, an interrupted build) shows in the phase."""
        from pipelines.index.segment_index import BUILD_REASONS, open_index

        building = ""

        def on_build(reason: str) -> None:
            nonlocal building
            building = self.index_build = BUILD_REASONS[reason]
            self.phase = building

        def on_progress(p: Any) -> None:
            if p.stage == "optimizing":
                self.phase = f"{building}：整理索引"
                return
            speed = f"，每秒 {p.rate:.1f} 段，約還要 {p.eta_s:.0f} 秒" if p.rate else ""
            self.phase = f"{building}：已寫入 {p.done}／{p.total} 段{speed}"

        index = open_index(settings, progress=True, on_build=on_build, on_progress=on_progress)
        self.mark("index_opened")
        self.phase = "載入向量模型"
        index.warm_up(tokenizer=False)
        return index

    @property
    def ready(self) -> bool:
        return self._done.is_set() and self.error is None

    def wait(self, timeout: float | None = None) -> bool:
        self.start()
        self._done.wait(timeout)
        return self.ready

    async def wait_async(self, timeout: float | None = None) -> bool:
        if self.ready:  # every turn asks: once ready, no trip through the thread pool the turns need
            return True
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
            "index_build": self.index_build,
            "points": self.points(),
            "cities": self.index.cities() if self.index is not None else [],
            "backend": getattr(agent, "backend", None),
            "model": getattr(agent, "model", None),
            "reason": redact_text(getattr(agent, "reason", None) or "") or None,
            "llm_health": redact_value(agent.health_status()) if hasattr(agent, "health_status") else None,
            "uptime_s": round(time.time() - self.started_at, 1),
            "startup_s": dict(self.timings),
        }

    def close(self) -> None:
        if self.index is not None:
            self.index.close()
            self.index = None
