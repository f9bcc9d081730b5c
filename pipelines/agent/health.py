"""Is the LLM backend worth trying? A circuit breaker over consecutive failures.

A server that accepts requests and never answers would otherwise cost every turn its full timeout,
again and again. After ``failures_to_skip`` failures in a row the backend is skipped (turns go
straight to the offline agent, with a notice) for ``skip_s``; then it is probed and tried again. Each
failure while it keeps failing doubles the skip, up to ``max_skip_s``. One success closes it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any


class BackendHealth:
    def __init__(
        self,
        failures_to_skip: int = 2,
        skip_s: float = 60.0,
        max_skip_s: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.failures_to_skip, self.skip_s, self.max_skip_s = failures_to_skip, skip_s, max_skip_s
        self._clock = clock
        self._lock = threading.Lock()
        self.failures = 0  # in a row
        self.last_error: str | None = None
        self._skip_until: float | None = None
        self._current_skip = skip_s

    def should_skip(self) -> bool:
        """True while the backend is being skipped; False once the skip is over (the caller probes then)."""
        with self._lock:
            return self._skip_until is not None and self._clock() < self._skip_until

    def due_for_probe(self) -> bool:
        """The skip is over but nothing has succeeded since: check the server before a turn waits on it."""
        with self._lock:
            return self._skip_until is not None and self._clock() >= self._skip_until

    def record_success(self) -> None:
        with self._lock:
            self.failures, self.last_error, self._skip_until = 0, None, None
            self._current_skip = self.skip_s

    def record_failure(self, why: str) -> None:
        with self._lock:
            self.failures += 1
            self.last_error = why[:200]
            if self._skip_until is not None:  # failed again after a skip: skip longer
                self._current_skip = min(self._current_skip * 2, self.max_skip_s)
                self._skip_until = self._clock() + self._current_skip
            elif self.failures >= self.failures_to_skip:
                self._skip_until = self._clock() + self._current_skip

    def retry_in_s(self) -> float:
        with self._lock:
            return max(0.0, self._skip_until - self._clock()) if self._skip_until is not None else 0.0

    def status(self) -> dict[str, Any]:
        """For /ready and the page header: ok, skipped (and for how long) or probing, and why."""
        skipping, due = self.should_skip(), self.due_for_probe()
        state = "skipped" if skipping else "probing" if due else "ok"
        return {
            "state": state,
            "failures": self.failures,
            "retry_in_s": round(self.retry_in_s(), 1),
            "last_error": self.last_error,
        }
