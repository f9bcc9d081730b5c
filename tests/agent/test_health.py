"""The backend's health: skipped after repeated failures, longer while it keeps failing, shown in /ready and
the page header, closed again by one success."""

from __future__ import annotations

from pipelines.agent.health import BackendHealth
from pipelines.web.render import header_html
from pipelines.web.runtime import AppRuntime


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_skip_after_repeated_failures_then_probe_then_close():
    clock = Clock()
    health = BackendHealth(failures_to_skip=2, skip_s=60, max_skip_s=200, clock=clock)
    health.record_failure("逾時")
    assert not health.should_skip() and health.status()["state"] == "ok"  # one failure is not a pattern
    health.record_failure("逾時")
    assert health.should_skip() and health.status() == {
        "state": "skipped", "failures": 2, "retry_in_s": 60.0, "last_error": "逾時"
    }  # fmt: skip
    clock.now += 61
    assert not health.should_skip() and health.due_for_probe() and health.status()["state"] == "probing"
    health.record_failure("還是逾時")  # failed again after the skip: skip longer
    assert health.should_skip() and health.retry_in_s() == 120
    clock.now += 121
    health.record_failure("還是逾時")
    assert health.retry_in_s() == 200  # capped
    clock.now += 201
    health.record_success()
    assert health.status() == {"state": "ok", "failures": 0, "retry_in_s": 0.0, "last_error": None}
    health.record_failure("x")
    assert not health.should_skip()  # the count starts again


class SkippedAgent:
    backend, model, reason = "ollama", "qwen2.5:7b-instruct", "Ollama 已就緒"

    def health_status(self) -> dict:
        return {"state": "skipped", "failures": 3, "retry_in_s": 42.4, "last_error": "語言模型 60 秒內沒有開始回答"}


def test_ready_and_the_header_say_the_backend_is_skipped(make_settings):
    runtime = AppRuntime(make_settings(), index_factory=lambda s: None, agent_factory=lambda s, i: SkippedAgent())
    assert runtime.wait(timeout=5)
    status = runtime.status()
    assert status["llm_health"]["state"] == "skipped"
    html = header_html(status)
    assert "語言模型暫停中，約 42 秒後重試" in html and "沒有開始回答" in html
    ok = {**status, "llm_health": {"state": "ok"}}
    assert "暫停" not in header_html(ok)
