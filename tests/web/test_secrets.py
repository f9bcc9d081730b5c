"""Issue 12, finding 1: credentials in service URLs never reach a visitor or a log.

Every service URL carries a password (userinfo) and the Qdrant one a query secret; the sweep walks
each place a URL or an error is shown or logged: the LLM probes behind the header badge's title and
``/ready``, Qdrant connection errors, a warm-up failure, ``/api/info``, the turn log and the process log.
"""

from __future__ import annotations

import json
import logging
import socket
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

import app
from pipelines.agent.llm import choose_llm
from pipelines.agent.session import SessionState
from pipelines.agent.travel_agent import build_agent, run_turn
from pipelines.core.errors import IndexUnavailableError
from pipelines.core.settings import Settings
from pipelines.index import store
from pipelines.web.render import header_html
from pipelines.web.runtime import AppRuntime
from pipelines.web.server import create_app
from tests.fakes._server import Reply
from tests.fakes.fake_ollama import FakeOllama
from tests.fakes.fake_openai import FakeOpenAI
from tests.support.agent_helpers import OLLAMA_MODEL, OPENAI_MODEL
from tests.support.ui_fakes import FakeAgent, FakeIndex

SECRETS = ("ollpass", "urlpass", "qpass", "qsecret", "sk-live-0123456789abcdef", "alice", "bob:", "qadmin")


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def with_user(url: str, user: str) -> str:
    return url.replace("http://", f"http://{user}@", 1)


def assert_clean(*texts: object) -> None:
    for text in texts:
        shown = text if isinstance(text, str) else json.dumps(text, ensure_ascii=False, default=str)
        leaked = [s for s in SECRETS if s in shown]
        assert not leaked, f"{leaked} shown in: {shown[:400]}"


def secret_settings(tmp_path: Path, ollama: str, openai: str | None, qdrant: str | None = None, **kw) -> Settings:
    return Settings(
        ollama_host=with_user(ollama, "alice:ollpass"),
        openai_base_url=with_user(openai, "bob:urlpass") if openai else None,
        openai_api_key="sk-live-0123456789abcdef",
        qdrant_url=qdrant,
        qdrant_api_key="qsecret",
        qdrant_path=Path(":memory:"),
        logs_dir=tmp_path / "logs",
        llm_probe_timeout_s=1.0,
        **kw,
    )


def served_status(settings: Settings, index_factory=None) -> tuple[dict, dict, str]:
    """What a visitor can read: /ready, /api/info and the header badge, from the real app."""
    runtime = AppRuntime(
        settings,
        index_factory=index_factory or (lambda s: FakeIndex()),
        agent_factory=lambda s, i: build_agent(s, i),
    )
    with TestClient(create_app(runtime, app.build_demo(runtime))) as http:
        runtime.wait(30)
        ready, info = http.get("/ready").json(), http.get("/api/info").json()
        return ready, info, header_html(runtime.status())


@pytest.mark.parametrize(
    "case",
    [
        "all down",
        "ollama without the model",
        "ollama ready",
        "openai refuses the key",
        "openai without the model",
        "openai ready",
    ],
)
def test_llm_probe_paths_never_show_credentials(case, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    down = f"http://127.0.0.1:{closed_port()}"
    key = "other-key" if "refuses" in case else None  # (userinfo in the URL makes httpx send Basic auth)
    with (
        FakeOllama(["other:7b"] if case == "ollama without the model" else [OLLAMA_MODEL]) as ollama,
        FakeOpenAI(["other/model"] if case == "openai without the model" else [OPENAI_MODEL], api_key=key) as vllm,
    ):
        ollama_url = ollama.url if case.startswith("ollama") else down
        openai_url = down if case == "all down" else vllm.base_url
        settings = secret_settings(tmp_path, ollama_url, openai_url)
        choice = choose_llm(settings)
        ready, info, header = served_status(settings)
    assert choice.reason and ready["reason"] == choice.reason
    assert_clean(choice.reason, ready, info, header, caplog.text)


def test_qdrant_errors_never_show_credentials(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    url = f"http://qadmin:qpass@127.0.0.1:{closed_port()}/?api_key=qsecret"
    settings = secret_settings(tmp_path, f"http://127.0.0.1:{closed_port()}", None, qdrant=url)
    with pytest.raises(IndexUnavailableError) as opened:
        store.open_client(settings)
    with pytest.raises(IndexUnavailableError) as midway, store.reachable(store.location(settings)):
        raise httpx.ConnectError("connection refused")

    def open_index(s: Settings):
        from pipelines.index.segment_index import open_index as real_open

        return real_open(s)

    ready, info, header = served_status(settings, index_factory=open_index)
    assert "Qdrant" in ready["error"] and "127.0.0.1" in ready["error"]  # still says what and where
    assert_clean(str(opened.value), str(midway.value), ready, info, header, caplog.text)


def test_an_unexpected_warm_up_failure_never_shows_credentials(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)

    def broken(settings: Settings):
        raise RuntimeError(f"cannot reach {settings.ollama_host}/api (token=abc123secret)")

    settings = secret_settings(tmp_path, f"http://127.0.0.1:{closed_port()}", None)
    ready, info, header = served_status(settings, index_factory=broken)
    assert ready["error"].startswith("啟動失敗") and "127.0.0.1" in ready["error"]
    assert_clean(ready, info, header, caplog.text)
    assert "abc123secret" not in json.dumps(ready) + header + caplog.text


def test_api_info_lists_settings_without_secrets(tmp_path):
    url = "http://qadmin:qpass@qdrant.internal:6333/?api_key=qsecret"
    settings = secret_settings(tmp_path, "http://ollama.internal:11434", "http://vllm.internal:8000/v1", qdrant=url)
    runtime = AppRuntime(settings, index_factory=lambda s: FakeIndex(), agent_factory=lambda s, i: FakeAgent(i))
    with TestClient(create_app(runtime, app.build_demo(runtime))) as http:
        info = http.get("/api/info").json()
    assert (
        info["settings"]["qdrant_url"].startswith("http://")
        and "qdrant.internal:6333" in info["settings"]["qdrant_url"]
    )
    assert "vllm.internal:8000" in info["settings"]["openai_base_url"]
    assert_clean(info)


def test_the_turn_log_and_process_log_never_show_credentials(tmp_path, caplog, agent_index):
    """An LLM error that repeats its URL (as proxies and servers do) is logged without the password."""
    caplog.set_level(logging.DEBUG)
    with FakeOllama([OLLAMA_MODEL]) as ollama:
        secret_url = with_user(ollama.url, "alice:ollpass")
        ollama.add(Reply(status=500, error=f"upstream {secret_url}/api/chat failed (Bearer sk-live-0123456789abcdef)"))
        settings = secret_settings(tmp_path, ollama.url, None, llm_backend="ollama")
        runtime = AppRuntime(settings)
        create_app(runtime, app.build_demo(runtime))  # the web edge, which sets up the process log
        final = run_turn(build_agent(settings, agent_index), "台南一日遊", SessionState())
    assert final.backend == "offline"  # the failure fell back, as designed
    logged = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "logs").glob("turns-*.jsonl"))
    assert "upstream" in logged  # the error is logged, only its secrets are not
    assert_clean(logged, caplog.text, final.model_dump())
