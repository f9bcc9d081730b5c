"""Issue 12, finding 5: what the HTTP edge serves, refuses and adds (headers, CSP, routes, uploads, sizes, CORS).

Most checks need only the real app around a fake index and agent (``TestClient``); the cache sweep
runs a real plan through the served page.
"""

from __future__ import annotations

import base64
import hashlib
import re
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from starlette.routing import Mount

import app
from pipelines.core.settings import ROOT, Settings
from pipelines.web.runtime import AppRuntime
from pipelines.web.server import create_app
from tests.support.ui_fakes import FakeAgent, FakeIndex
from tests.support.ui_server import client, offline_runtime, serve

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL)


@pytest.fixture(scope="module")
def web():
    settings = Settings(cors_origins=["https://partner.example"])
    runtime = AppRuntime(settings, index_factory=lambda s: FakeIndex(), agent_factory=lambda s, i: FakeAgent(i))
    with TestClient(create_app(runtime, app.build_demo(runtime))) as http:
        runtime.wait(10)
        yield http


def csp(response) -> dict[str, str]:
    policy = response.headers["content-security-policy"]
    return {d.split(" ", 1)[0]: d.split(" ", 1)[1] for d in policy.split("; ")}


@pytest.mark.parametrize("path", ["/", "/health", "/ready", "/api/info", "/gradio_api/info", "/nope", "/theme.css"])
def test_every_response_forbids_framing_and_sniffing(web, path):
    response = web.get(path)
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert csp(response)["frame-ancestors"] == "'none'" and csp(response)["object-src"] == "'none'"


def test_the_page_runs_only_its_own_inline_scripts(web):
    response = web.get("/", headers={"Accept-Encoding": "gzip, br"})
    assert response.headers["content-encoding"] == "gzip"  # hashed first, then compressed
    scripts = INLINE_SCRIPT.findall(response.text)
    assert len(scripts) >= 3 and any("window.gradio_config" in s for s in scripts)
    policy = csp(response)
    allowed = set(re.findall(r"'sha256-([^']+)'", policy["script-src"]))
    assert allowed == {base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() for s in scripts}
    assert "'unsafe-inline'" not in policy["script-src"] and policy["default-src"] == "'self'"
    assert policy["frame-src"] == "https://www.youtube-nocookie.com" and policy["connect-src"] == "'self'"


def _gradio_paths(web_app) -> list[tuple[str, str]]:
    """(method, example path) for every route the composed app has, Gradio's included."""
    out: list[tuple[str, str]] = []

    def walk(routes, prefix=""):
        for route in routes:
            if isinstance(route, Mount):
                if route.path != "/media":
                    walk(route.routes, prefix + route.path)
                continue
            inner = getattr(route, "router", None) or getattr(route, "original_router", None)
            if inner is not None and not hasattr(route, "methods"):
                walk(inner.routes, prefix)
                continue
            path = re.sub(r"\{[^}]+\}", "x", prefix + route.path)
            out.extend((m, path) for m in sorted(getattr(route, "methods", None) or {"GET"}) if m != "HEAD")

    walk(web_app.routes)
    return out


def test_routes_the_page_does_not_use_are_closed(web):
    from pipelines.web.guard import route_is_open

    routes = _gradio_paths(web.app)
    closed = [(m, p) for m, p in routes if not route_is_open(m, p)]
    assert len(closed) > 40 and len(routes) - len(closed) < 40  # most of Gradio's surface is shut
    for method, path in closed:
        response = web.request(method, path)
        assert response.status_code in (403, 404), (method, path, response.status_code)
        assert response.json()["detail"] in ("找不到這個網址。", "這個頁面不接受上傳檔案。")
    for path in ["/openapi.json", "/gradio_api/openapi.json", "/monitoring", "/gradio_api/runs", "/docs"]:
        assert web.get(path).status_code == 404, path
    assert web.post("/gradio_api/vibe-code", json={}).status_code == 404
    assert web.get("/gradio_api/proxy=https://x.hf.space/file=a").status_code == 404


def test_uploads_are_refused_and_nothing_is_stored(web):
    blocks = next(r.app for r in web.app.routes if isinstance(r, Mount) and r.path == "").get_blocks()
    response = web.post("/gradio_api/upload", files={"files": ("a.txt", b"x" * 1000, "text/plain")})
    assert response.status_code == 403 and response.json()["detail"] == "這個頁面不接受上傳檔案。"
    assert web.get("/gradio_api/upload_progress?upload_id=x").status_code in (403, 404)
    assert not blocks.upload_file_set


def test_oversized_requests_are_refused_in_zh_tw(web):
    body = {"data": ["台" * 200_000]}
    response = web.post("/gradio_api/call/chat", json=body)
    assert response.status_code == 413 and "太大" in response.json()["detail"]

    def chunks():  # no Content-Length: the body is cut off while it streams
        for _ in range(400):
            yield b"x" * 1024

    assert web.post("/gradio_api/queue/join", content=chunks()).status_code == 413


def test_only_configured_origins_may_call_the_api(web):
    evil = web.get("/gradio_api/info", headers={"Origin": "http://localhost:9999"})
    assert evil.status_code == 200 and "access-control-allow-origin" not in evil.headers
    preflight = web.options(
        "/gradio_api/queue/join",
        headers={"Origin": "http://127.0.0.1:1234", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in preflight.headers
    partner = web.get("/gradio_api/info", headers={"Origin": "https://partner.example"})
    assert partner.headers["access-control-allow-origin"] == "https://partner.example"
    assert "access-control-allow-credentials" not in partner.headers


def test_api_info_reports_where_it_is_served_and_no_absolute_paths(web):
    info = web.get("/api/info").json()
    assert info["served"] == {"scheme": "http", "host": "testserver", "port": 80}
    proxied = web.get("https://aiyo.example:8443/api/info").json()["served"]
    assert proxied == {"scheme": "https", "host": "aiyo.example", "port": 8443}
    settings = info["settings"]
    assert "server_port" not in settings and "server_name" not in settings
    assert settings["corpus_dir"] == "assets/corpus" and settings["qdrant_path"] == "indexes/qdrant"
    shown = str(info)
    assert str(ROOT) not in shown and "/root" not in shown and "/tmp" not in shown


async def test_a_full_gradio_queue_answers_429_in_zh_tw():
    """Behind the turn gate Gradio's queue is a backstop; if it ever fills, the refusal is still zh-TW."""
    from pipelines.web.gate import busy_message
    from pipelines.web.guard import HttpGuard

    async def gradio(scope, receive, send):
        body = b'{"detail":"Queue is full. Max size is 4 and size is 4."}'
        await send({"type": "http.response.start", "status": 503, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})

    guarded = HttpGuard(gradio, max_body=10_000, busy_message=busy_message, retry_after_s=30)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=guarded), base_url="http://t") as http:
        response = await http.post("/gradio_api/queue/join", json={})
    assert response.status_code == 429 and response.headers["retry-after"] == "30"
    assert response.json()["detail"] == busy_message(30) and "Queue" not in response.text


def test_downloads_leave_gradio_cache_after_their_age(tmp_path):
    runtime = offline_runtime(logs_dir=tmp_path / "logs", ui_cache_sweep_s=1, ui_cache_max_age_s=2)
    with serve(runtime) as url:
        *_, csv, ics, _header = client(url).predict("台南一日遊", api_name="/chat")
        csv, ics = csv["value"], ics["value"]
        cached = Path(csv["path"])
        assert cached.exists() and httpx.get(csv["url"]).status_code == 200
        deadline = time.monotonic() + 15
        while cached.exists() and time.monotonic() < deadline:
            time.sleep(0.25)
        assert not cached.exists() and not Path(ics["path"]).exists()
        assert httpx.get(csv["url"]).status_code in (403, 404)
