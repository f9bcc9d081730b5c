"""Issue 12, finding 5 in Chromium: the page works under its Content-Security-Policy and cannot be framed.

Every ``securitypolicyviolation`` the page raises is recorded from the first byte on (an init script);
a turn, a row click that plays the local video, a download and the YouTube embed must raise none,
while a script injected at run time is refused (so the policy is really enforced, not just sent).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pipelines.core.models import VideoSource
from pipelines.core.settings import Settings
from pipelines.web.runtime import AppRuntime
from tests.support.ui_fakes import SEGMENTS, FakeAgent, FakeIndex
from tests.support.ui_server import serve
from tests.web.test_browser import CHROMIUM, browser, open_page  # noqa: F401 - the shared Chromium fixture

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"),
]

WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(
  `${e.disposition} ${e.effectiveDirective} ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`));
"""
YOUTUBE_STUB = "<!doctype html><title>stub</title><p id='yt'>YouTube player stub</p>"


@pytest.fixture
def context(browser):  # noqa: F811 - the fixture imported above
    ctx = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="zh-TW", accept_downloads=True)
    ctx.add_init_script(WATCH)
    yield ctx
    ctx.close()


def violations(page) -> list[str]:
    return page.evaluate("window.__csp")


def test_a_whole_turn_raises_no_csp_violation(context, offline_app):
    url, _ = offline_app
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    open_page(page, url)
    page.get_by_role("button", name="台南美食一日遊").click()
    page.locator("#aiyo-chat").get_by_text("【離線模式】").wait_for(timeout=30_000)
    assert page.locator("#aiyo-chat").get_by_text("🗓️ 排行程").count() == 1  # the tool step rendered
    rows = page.locator("#aiyo-itinerary [role=row][data-index]").filter(has_text=re.compile(r"\d+-\d+"))
    rows.first.wait_for(timeout=30_000)
    rows.last.locator("[role=gridcell]").nth(3).click()
    page.wait_for_function(
        "() => { const v = document.querySelector('#aiyo-player video'); return v && v.readyState >= 2; }",
        timeout=45_000,
    )
    with page.expect_download(timeout=15_000) as download:
        page.locator("#aiyo-csv").click()
    assert download.value.suggested_filename == "aiyo-itinerary.csv"
    assert violations(page) == [] and not [e for e in errors if "Content Security Policy" in e]
    # enforced, not just sent: a script injected at run time does not run
    page.evaluate("() => { const s = document.createElement('script'); s.textContent = 'window.__pwned = 1';"
                  " document.body.appendChild(s); }")  # fmt: skip
    assert page.evaluate("window.__pwned") is None
    assert any("script-src-elem inline" in v for v in violations(page))


def test_the_youtube_embed_loads_under_the_csp(context):
    clip = SEGMENTS[0].model_copy(update={"source": VideoSource(kind="youtube", ref="dQw4w9WgXcQ")})
    index = FakeIndex([clip, *SEGMENTS[1:3]])
    runtime = AppRuntime(Settings(), index_factory=lambda s: index, agent_factory=lambda s, i: FakeAgent(i))
    context.route(
        "https://www.youtube-nocookie.com/**", lambda r: r.fulfill(content_type="text/html", body=YOUTUBE_STUB)
    )
    with serve(runtime) as url:
        page = context.new_page()
        page.goto(url)
        page.locator("#aiyo-header").wait_for(timeout=30_000)
        page.locator("#aiyo-input textarea").fill("台南一日遊")
        page.locator("#aiyo-input textarea").press("Enter")
        frame = page.frame_locator("#aiyo-player iframe")
        frame.locator("#yt").wait_for(timeout=30_000)
        src = page.locator("#aiyo-player iframe").get_attribute("src")
        assert src.startswith("https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?start=77&end=107")
        assert violations(page) == []


@contextmanager
def framing_site(target: str) -> Iterator[str]:
    """Another origin on loopback (so Chromium's private-network rules allow the frame) that frames ``target``."""
    body = f'<!doctype html><iframe id="victim" src="{target}" width="800" height="600"></iframe>'.encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_another_site_cannot_frame_the_page(context, offline_app):
    url, _ = offline_app
    page = context.new_page()
    with framing_site(f"{url}/") as evil:
        page.goto(evil)
        page.wait_for_timeout(3_000)
        child = page.frames[1]
        assert child.url == "chrome-error://chromewebdata/"  # the browser refused to render the page in a frame
        assert child.locator("gradio-app").count() == 0
