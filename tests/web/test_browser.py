"""The page in headless Debian Chromium (Playwright driving /usr/bin/chromium; no browser download).

Set AIYO_SCREENSHOT=docs/screenshot.png to refresh the README screenshots (desktop and phone).
Waits are for elements and conditions, never for network idle (the page keeps a timer).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import re
import subprocess
from pathlib import Path

import pytest
from icalendar import Calendar

from pipelines.core.settings import Settings
from pipelines.web.runtime import AppRuntime
from pipelines.web.share import encode_trip
from tests.support.ui_fakes import HOSTILE, FakeAgent, FakeIndex, itinerary_of
from tests.support.ui_server import serve

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--autoplay-policy=no-user-gesture-required",
]
DESKTOP, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}
WAIT = 45_000  # a loaded 2-core CI box
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


def new_page(browser, viewport=DESKTOP):
    context = browser.new_context(viewport=viewport, locale="zh-TW", accept_downloads=True)
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.dialogs = dialogs
    return page


@pytest.fixture
def page(browser):
    page = new_page(browser)
    yield page
    page.context.close()


@pytest.fixture
def phone(browser):
    page = new_page(browser, PHONE)
    yield page
    page.context.close()


def open_page(page, url: str) -> None:
    page.goto(url)
    page.locator(".aiyo-backend-offline").wait_for(timeout=WAIT)


def send(page, text: str) -> None:
    box = page.locator("#aiyo-input textarea")
    box.fill(text)
    box.press("Enter")


def player_state(page) -> dict:
    return page.locator("#aiyo-player video").evaluate(
        "v => ({t: v.currentTime, s: Number(v.dataset.start), e: Number(v.dataset.end), ready: v.readyState,"
        " w: v.videoWidth, error: v.error, paused: v.paused, seg: v.closest('figure').dataset.segment})"
    )


def wait_video_at_start(page) -> None:
    page.wait_for_function(
        "() => { const v = document.querySelector('#aiyo-player video');"
        " return v && v.readyState >= 2 && !v.seeking && Math.abs(v.currentTime - Number(v.dataset.start)) < 0.05; }",
        timeout=WAIT,
    )


WITHIN_SPAN = (
    "() => { const v = document.querySelector('#aiyo-player video'); return v && v.readyState >= 2 && !v.seeking"
    " && v.currentTime >= Number(v.dataset.start) - 0.05 && v.currentTime < Number(v.dataset.end); }"
)


def shared_trip_url(url: str, index, days: list[list[str]], first_date: dt.date | None = None) -> str:
    """A share link (the page's own format) for stops given by segment id, one list per day."""
    itinerary = itinerary_of([index.get_segments(ids) for ids in days], first_date)
    return f"{url}/?trip={encode_trip(itinerary)}"


def test_row_clicked_during_a_turn_keeps_playing_from_the_segments_first_frame(page, offline_app, tmp_path):
    url, runtime = offline_app
    open_page(page, url)
    assert "索引" in page.locator(".aiyo-index").inner_text()
    assert "離線模式：" in page.locator(".aiyo-reason").inner_text()  # the reason is visible, not a tooltip
    page.get_by_role("button", name="台南美食一日遊").click()
    rows = page.locator("#aiyo-itinerary [role=row][data-index]").filter(has_text=re.compile(r"\d+-\d+"))
    rows.first.wait_for(timeout=WAIT)
    # the traveller picks the last stop while the answer is still streaming ...
    row = rows.last
    place = row.locator("[role=gridcell]").nth(3).inner_text().split("（")[0].split("・")[0].strip()
    row.locator("[role=gridcell]").nth(3).click()
    page.locator("#aiyo-player video[autoplay]").wait_for(timeout=WAIT)
    chosen = player_state(page)["seg"]
    # ... and the end of the turn leaves that choice alone
    page.locator("#aiyo-chat").get_by_text("【離線模式】").wait_for(timeout=WAIT)
    page.locator("#aiyo-hits [role=row][data-index]").first.wait_for(timeout=WAIT)
    page.wait_for_timeout(500)
    assert player_state(page)["seg"] == chosen
    seg = runtime.index.get_segments([chosen])[0]
    assert seg.place == place
    assert page.locator("#aiyo-chat").get_by_text(re.compile("🗓️ 排行程")).count() == 1  # the tool step

    # it plays that segment (decoded, inside the segment's span)
    page.locator("#aiyo-player video").evaluate("v => { v.muted = true; }")
    page.wait_for_function("() => document.querySelector('#aiyo-player video').readyState >= 2", timeout=WAIT)
    state = player_state(page)
    assert seg.start_s <= state["s"] <= state["t"] < seg.end_s and state["w"] == 426 and state["error"] is None
    # it stops by itself at the segment's end, and one click on play replays from the start
    page.locator("#aiyo-player video").evaluate(
        "v => { v.currentTime = Number(v.dataset.end) - 1.0; return v.play(); }"
    )
    page.wait_for_function("() => document.querySelector('#aiyo-player video').paused", timeout=WAIT)
    state = player_state(page)
    assert state["e"] - 1.0 < state["t"] <= state["e"] + 0.5
    page.locator("#aiyo-player video").evaluate("v => v.play()")
    page.wait_for_function(
        "() => { const v = document.querySelector('#aiyo-player video');"
        " return !v.paused && v.currentTime < Number(v.dataset.start) + 2; }",
        timeout=WAIT,
    )
    assert page.dialogs == []


def _title_band(frame: bytes) -> list[int]:
    """Rows 30–90 of a 426×240 RGB frame: where a chapter's title card shows the place's name."""
    return list(frame[30 * 426 * 3 : 90 * 426 * 3])


def _ffmpeg_frame(video: Path, at: float) -> bytes:
    cmd = [
        "ffmpeg",
        "-v",
        "error",
        "-ss",
        f"{at}",
        "-i",
        str(video),
        "-frames:v",
        "1",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "-",
    ]
    return subprocess.run(cmd, check=True, capture_output=True, timeout=60).stdout


@pytest.mark.skipif(not Path("/usr/bin/ffmpeg").exists(), reason="needs ffmpeg to decode reference frames")
@pytest.mark.parametrize(
    ("segment_id", "own_at", "before_at"),
    [
        ("pt-kenting-01#05", 125.0, 117.0),  # 龍磐公園 from the 01:57 mark, where 墾丁大街's card still shows
        ("tp-beitou-06#03", 60.0, 56.0),  # 地熱谷 from 00:56, where 北投溫泉博物館's card still shows
    ],
)
def test_paused_first_frame_shows_the_segments_own_title_card(page, offline_app, segment_id, own_at, before_at):
    url, runtime = offline_app
    open_page(page, shared_trip_url(url, runtime.index, [[segment_id]]))
    page.locator(f'#aiyo-player figure[data-segment="{segment_id}"] video').wait_for(timeout=WAIT)
    wait_video_at_start(page)
    pixels = page.locator("#aiyo-player video").evaluate(
        "v => { const c = document.createElement('canvas'); c.width = 426; c.height = 240;"
        " const g = c.getContext('2d'); g.drawImage(v, 0, 0, 426, 240);"
        " return Array.from(g.getImageData(0, 30, 426, 60).data).filter((_, i) => i % 4 !== 3); }"
    )
    video = ROOT / "assets" / "media" / f"{segment_id.split('#')[0]}.mp4"
    own, before = _title_band(_ffmpeg_frame(video, own_at)), _title_band(_ffmpeg_frame(video, before_at))

    def distance(ref: list[int]) -> float:
        return sum(abs(a - b) for a, b in zip(pixels, ref, strict=True)) / len(ref)

    assert distance(own) < 4 < distance(before), (distance(own), distance(before))


def _lines(text: str) -> set[str]:
    """The chat's lines, less the steps' durations (「(0.2s)」「(30.0ms)」), which a late render may still update."""
    return {line for line in text.splitlines() if not re.fullmatch(r"\(\d+(\.\d+)?m?s\)", line.strip())}


def _stop_turns(page, texts: list[str], lo: float, hi: float, seed: int) -> int:
    """Send each text and press 停止 at a random moment; each time the page must stay whole.

    Returns how many turns were stopped mid-way (the others had finished before the click).
    """
    rng = random.Random(seed)
    chat = page.locator("#aiyo-chat")
    stopped = 0
    for i, text in enumerate(texts):
        if i and i % 5 == 0:  # a fresh conversation now and then: a long one slows a loaded CI box's renders
            stopped += chat.inner_text().count("已停止產生回答")
            page.locator("#aiyo-clear").click(no_wait_after=True, timeout=WAIT)
            chat.get_by_text("想去哪裡玩").wait_for(timeout=WAIT)  # the empty chat's placeholder
        send(page, text)
        page.wait_for_timeout(rng.uniform(lo, hi) * 1000)
        page.locator("#aiyo-stop").click(no_wait_after=True, timeout=WAIT)
        # the turn's event ends (Gradio marks running outputs `.generating`) and the question stays
        # ... and something follows the question (a stop pressed before the turn began still answers it)
        page.wait_for_function(
            "q => !document.querySelector('.generating')"
            " && !document.querySelector('#aiyo-chat').innerText.trim().endsWith(q)",
            arg=text,
            timeout=WAIT,
        )
        chat.get_by_text(text, exact=True).wait_for(timeout=WAIT)
        shown = _lines(chat.inner_text())
        page.wait_for_timeout(400)
        # finished steps may fold up (lines go away); a token arriving would make a new line. The stop's own
        # note may render after the snapshot on a loaded machine: it is not a token of the answer
        late = _lines(chat.inner_text()) - shown - {"", "⏹️ 已停止產生回答。"}
        assert not late, f"text kept coming after 停止 (turn {i}): {late}"
        assert page.locator(".error").count() == 0 and page.get_by_text("錯誤").count() == 0, f"error panel (turn {i})"
        assert page.locator("#aiyo-input textarea").input_value() == ""
    return stopped + chat.inner_text().count("已停止產生回答")


def test_stop_at_random_moments_keeps_the_page_offline_backend(page, offline_app):
    url, _ = offline_app
    open_page(page, url)
    asks = ["台北三天，想看博物館跟夜市，第三天想泡溫泉", "台南兩天一夜，想吃小吃、看古蹟"]
    stopped = _stop_turns(page, [f"{asks[i % 2]}（{i}）" for i in range(20)], 0.0, 1.5, seed=11)
    assert stopped >= 10, stopped  # most clicks land while the answer is still coming
    send(page, "花蓮一日遊")  # and the next message works to the end
    page.locator("#aiyo-chat").get_by_text(re.compile("花蓮")).last.wait_for(timeout=WAIT)
    page.wait_for_function(
        "() => (document.querySelector('#aiyo-chat').innerText.match(/【離線模式】/g) || []).length >= 1", timeout=WAIT
    )


def test_stop_at_random_moments_with_a_slow_model_on_a_phone(phone):
    index = FakeIndex()
    runtime = AppRuntime(
        Settings(),
        index_factory=lambda s: index,
        agent_factory=lambda s, i: FakeAgent(i, token_delay=0.03, tool_delay=0.3),
    )
    with serve(runtime) as url:
        open_page(phone, url)
        stopped = _stop_turns(phone, [f"台南 {HOSTILE} 第{i}次" for i in range(20)], 0.0, 1.5, seed=7)
        agent = runtime.agent
        assert stopped >= 10 and agent.turns == agent.closed == 20, "every backend stream was closed"
        assert phone.locator('img[src="x"]').count() == 0 and phone.dialogs == []


def test_map_pins_play_their_stop_and_the_day_playlist_advances(page, offline_app):
    url, runtime = offline_app
    days = [["tn-anping-01#02", "tn-anping-01#03", "tn-anping-01#04"], ["tn-food-02#02", "tn-food-02#05"]]
    open_page(page, shared_trip_url(url, runtime.index, days))
    pins = page.locator("#aiyo-map g[data-stop]")
    pins.first.wait_for(timeout=WAIT)
    assert pins.count() == 5 and page.locator("#aiyo-map polyline").count() == 2
    assert page.locator("#aiyo-map .aiyo-land").count() == 1  # the bundled outline, no tiles
    # a pin plays its stop
    page.locator('#aiyo-map g[data-stop="2-2"]').click()
    page.locator('#aiyo-player figure[data-segment="tn-food-02#05"] video[autoplay]').wait_for(timeout=WAIT)
    # 「播放第 1 天」 plays day 1 in order, marking the stop that plays in the table and on the map
    page.get_by_role("button", name=re.compile("播放第 1 天")).click()
    playlist = page.locator("#aiyo-player figure.aiyo-playlist")
    playlist.wait_for(timeout=WAIT)
    page.locator("#aiyo-player video").evaluate("v => { v.muted = true; }")
    for at, key in ((1, "1-2"), (2, "1-3")):
        page.locator("#aiyo-player video").evaluate(
            "v => { v.currentTime = Number(v.dataset.end) - 0.6; const p = v.play(); return p && p.catch(() => 0); }"
        )
        page.wait_for_function(
            f"() => document.querySelector('#aiyo-player figure').dataset.at === '{at}'", timeout=WAIT
        )
        page.locator(f'#aiyo-map g[data-stop="{key}"].aiyo-now').wait_for(timeout=WAIT)
        page.locator("#aiyo-itinerary [role=gridcell]", has_text=f"▶ {key}").wait_for(timeout=WAIT)
        page.wait_for_function(WITHIN_SPAN, timeout=WAIT)
    seg = runtime.index.get_segments(["tn-anping-01#04"])[0]
    assert seg.start_s <= player_state(page)["t"] < seg.end_s


def test_exports_use_the_plans_dates_and_absolute_links(page, offline_app):
    url, runtime = offline_app
    days = [["tn-anping-01#03"], ["tn-food-02#02"]]
    open_page(page, shared_trip_url(url, runtime.index, days, first_date=dt.date(2026, 12, 19)))
    page.locator("#aiyo-itinerary [role=gridcell]", has_text="12/19（六）").first.wait_for(timeout=WAIT)
    ics_button = page.locator("#aiyo-ics")
    page.wait_for_function("() => !document.querySelector('#aiyo-ics').disabled", timeout=WAIT)
    with page.expect_download() as info:
        ics_button.click()
    events = list(Calendar.from_ical(Path(info.value.path()).read_bytes()).walk("VEVENT"))
    assert [e.decoded("dtstart").date() for e in events] == [dt.date(2026, 12, 19), dt.date(2026, 12, 20)]
    assert str(events[0].get("url")).startswith(f"{url}/media/tn-anping-01.mp4#t=")
    with page.expect_download() as info:
        page.locator("#aiyo-csv").click()
    csv_text = Path(info.value.path()).read_text(encoding="utf-8")
    assert "2026-12-19" in csv_text and f"{url}/media/tn-food-02.mp4#t=" in csv_text
    # the share box holds a link that reopens the same plan
    link = page.locator("#aiyo-share textarea, #aiyo-share input").first.input_value()
    assert link.startswith(f"{url}/?trip=")


def test_a_tampered_share_link_is_refused_in_zh_tw(page, offline_app):
    url, _ = offline_app
    open_page(page, f"{url}/?trip=not-a-real-trip")
    page.locator("#aiyo-chat").get_by_text("分享連結已損壞").wait_for(timeout=WAIT)
    assert page.locator("#aiyo-map g[data-stop]").count() == 0


def test_layout_at_desktop_and_phone_widths(page, offline_app, tmp_path):
    url, runtime = offline_app
    open_page(page, url)
    empty_headers = page.locator("#aiyo-itinerary [role=columnheader]").all_inner_texts()
    assert [h.strip() for h in empty_headers][:2] == ["站", "日子"]  # not 「1 2 3」
    send(page, "台北三天，想看博物館跟夜市，第三天想泡溫泉")
    page.locator("#aiyo-chat").get_by_text("【離線模式】").wait_for(timeout=WAIT)
    page.locator("#aiyo-map g[data-stop]").first.wait_for(timeout=WAIT)
    wait_video_at_start(page)
    # every column of the table is inside its panel at 1280 px (交通 was cut off)
    table = page.locator("#aiyo-itinerary").bounding_box()
    last = page.locator("#aiyo-itinerary [role=columnheader]").last.bounding_box()
    assert last["x"] + last["width"] <= table["x"] + table["width"] + 1
    shot = Path(os.environ.get("AIYO_SCREENSHOT") or tmp_path / "screenshot.png")
    shot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shot), full_page=True)
    # phone width: panels stack, and the jump bar leads to the plan below the chat
    page.set_viewport_size(PHONE)
    page.locator(".aiyo-jump").wait_for(state="visible", timeout=WAIT)
    chat, player = page.locator("#aiyo-chat").bounding_box(), page.locator("#aiyo-player").bounding_box()
    assert player["y"] > chat["y"] + chat["height"] - 1 and player["width"] > 300
    table = page.locator("#aiyo-itinerary").bounding_box()
    last = page.locator("#aiyo-itinerary [role=columnheader]").last.bounding_box()
    assert last["x"] + last["width"] <= table["x"] + table["width"] + 1, "every column fits a phone"
    page.locator(".aiyo-jump a", has_text="行程表").click()
    page.wait_for_function("() => document.querySelector('#aiyo-itinerary').getBoundingClientRect().top < 200")
    page.screenshot(path=str(shot.with_name(shot.stem + "-phone.png")), full_page=True)
    assert page.dialogs == []


def test_too_long_message_is_refused_and_kept(page, offline_app):
    url, runtime = offline_app
    open_page(page, url)
    long_text = "台南" * 2600
    page.locator("#aiyo-input textarea").fill(long_text)
    page.locator("#aiyo-send").click()
    page.locator("#aiyo-chat").get_by_text(re.compile("訊息有 5,200 字，超過上限 2,000 字")).wait_for(timeout=WAIT)
    assert page.locator("#aiyo-input textarea").input_value() == long_text  # nothing lost
