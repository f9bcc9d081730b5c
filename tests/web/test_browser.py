"""The page in headless Debian Chromium (Playwright driving /usr/bin/chromium; no browser download).

Set AIYO_SCREENSHOT=docs/screenshot.png to refresh the README screenshot.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

import pytest

from pipelines.core.settings import Settings
from pipelines.web.runtime import AppRuntime
from tests.support.ui_fakes import HOSTILE, FakeAgent, FakeIndex
from tests.support.ui_server import serve

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
]
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"),
]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="zh-TW")
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.dialogs = dialogs
    yield page
    context.close()


def open_page(page, url: str) -> None:
    page.goto(url)
    page.locator(".aiyo-backend-offline").wait_for(timeout=30_000)


def test_example_then_row_click_plays_that_stop(page, offline_app, tmp_path):
    url, runtime = offline_app
    open_page(page, url)
    assert "索引" in page.locator(".aiyo-index").inner_text()
    page.get_by_role("button", name="台南美食一日遊").click()
    # Gradio's dataframe is a virtualised grid of div rows; stops (not free days) carry a segment id
    rows = page.locator("#aiyo-itinerary [role=row][data-index]").filter(has_text=re.compile(r"#\d{2}"))
    rows.first.wait_for(timeout=30_000)
    page.locator("#aiyo-chat").get_by_text("【離線模式】").wait_for(timeout=30_000)
    assert page.locator("#aiyo-chat").get_by_text("🗓️ 排行程").count() == 1  # the tool step

    # click the last stop: the player must switch to exactly that segment
    row = rows.last
    segment_id = next(c for c in row.locator("[role=gridcell]").all_inner_texts() if "#" in c).strip()
    seg = runtime.index.get_segments([segment_id])[0]
    start, end = math.floor(seg.start_s), math.ceil(seg.end_s)
    row.locator("[role=gridcell]").nth(3).click()
    video = page.locator(f'#aiyo-player video[src="/media/{seg.source.ref}#t={start},{end}"]')
    video.wait_for(timeout=45_000)
    # the browser decodes our MP4 (H.264/AAC) and starts at the segment's start
    page.wait_for_function(
        "s => { const v = document.querySelector('#aiyo-player video');"
        " return v && v.readyState >= 2 && Math.abs(v.currentTime - s) < 1.0; }",
        arg=start,
        timeout=45_000,
    )
    state = video.evaluate("v => ({w: v.videoWidth, error: v.error, d: v.duration})")
    assert state["w"] == 426 and state["error"] is None and state["d"] > end - 2
    # it plays, and stops by itself at the segment's end
    video.evaluate("v => { v.muted = true; v.currentTime = Number(v.dataset.end) - 1.2; return v.play(); }")
    page.wait_for_function("() => document.querySelector('#aiyo-player video').paused", timeout=30_000)
    assert end - 1.2 < video.evaluate("v => v.currentTime") <= end + 0.5

    shot = Path(os.environ.get("AIYO_SCREENSHOT") or tmp_path / "screenshot.png")
    shot.parent.mkdir(parents=True, exist_ok=True)
    video.evaluate("v => { v.currentTime = Number(v.dataset.start) + 3; }")
    page.wait_for_timeout(500)
    page.screenshot(path=str(shot), full_page=True)

    # phone width: the panels stack (player below the chat, both full width)
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(300)
    chat, player = page.locator("#aiyo-chat").bounding_box(), page.locator("#aiyo-player").bounding_box()
    assert player["y"] > chat["y"] + chat["height"] - 1 and player["width"] > 300
    page.screenshot(path=str(shot.with_name(shot.stem + "-phone.png")), full_page=True)
    assert page.dialogs == []


def test_hostile_text_stays_text_and_stop_really_stops(page):
    index = FakeIndex()
    runtime = AppRuntime(
        Settings(), index_factory=lambda s: index, agent_factory=lambda s, i: FakeAgent(i, token_delay=0.15)
    )
    with serve(runtime) as url:
        open_page(page, url)
        page.locator("#aiyo-input textarea").fill(f"台南 {HOSTILE}")
        page.locator("#aiyo-input textarea").press("Enter")
        answer = page.locator("#aiyo-chat").get_by_text("推薦先去")
        answer.wait_for(timeout=45_000)
        page.locator("#aiyo-stop").click()
        page.wait_for_timeout(1_000)
        agent = runtime.agent
        assert agent.closed == 1, "stop must close the agent's stream"
        shown = answer.inner_text()
        page.wait_for_timeout(600)
        assert answer.inner_text() == shown  # no more tokens after stop
        assert "再看看其他景點" not in shown  # the answer's end never came
        # hostile text shows as text; nothing got injected and no alert ran
        assert page.locator("#aiyo-chat").get_by_text(HOSTILE).count() >= 1
        assert page.locator('img[src="x"]').count() == 0
        assert page.dialogs == []
