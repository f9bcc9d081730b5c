"""The launched app over HTTP: health endpoints, what is (not) served, and gradio_client sessions."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import httpx

from pipelines.core.settings import Settings
from pipelines.web.runtime import AppRuntime
from tests.support.ui_fakes import FakeAgent, FakeIndex
from tests.support.ui_server import ROOT, client

SRC = re.compile(r'src="(/media/[^"#]+)#t=([\d.]+),([\d.]+)"')


def text(message: dict) -> str:
    """A chatbot message's text as gradio_client returns it (a list of typed parts)."""
    content = message["content"]
    return content if isinstance(content, str) else "".join(p.get("text", "") for p in content)


def test_health_ready_and_info(offline_app):
    url, runtime = offline_app
    assert httpx.get(f"{url}/health").json() == {"status": "ok"}
    ready = httpx.get(f"{url}/ready")
    assert ready.status_code == 200
    body = ready.json()
    assert body["ready"] and body["index_loaded"] and body["backend"] == "offline"
    assert body["points"] == runtime.index.count() > 100 and "花蓮" in body["cities"]
    info = httpx.get(f"{url}/api/info").json()
    assert info["versions"]["gradio"] and info["models"]["llm_backend"] == "offline"
    assert "openai_api_key" not in info["settings"] and "qdrant_api_key" not in info["settings"]
    assert ready.headers["x-content-type-options"] == "nosniff"


def test_ready_is_503_until_warm():
    runtime = AppRuntime(Settings(), index_factory=lambda s: FakeIndex(), agent_factory=lambda s, i: FakeAgent(i))
    from fastapi.testclient import TestClient

    import app
    from pipelines.web.server import create_app

    web = create_app(runtime, app.build_demo(runtime))
    with TestClient(web) as http:  # the lifespan starts the warm-up
        assert http.get("/health").status_code == 200
        runtime.wait(10)
        assert http.get("/ready").status_code == 200
    assert runtime.index is None  # closed on shutdown
    cold = AppRuntime(Settings(), index_factory=lambda s: FakeIndex())
    assert TestClient(create_app(cold, app.build_demo(cold))).get("/ready").status_code == 503


def test_only_sample_media_is_served(offline_app):
    url, _ = offline_app
    video = httpx.get(f"{url}/media/tn-anping-01.mp4", headers={"Range": "bytes=0-99"})
    assert video.status_code == 206 and video.headers["content-type"] == "video/mp4" and len(video.content) == 100
    for path in ["/media/manifest.json", "/media/../app.py", "/media/%2e%2e/app.py", "/media/", "/media/x/../app.py"]:
        assert httpx.get(url + path).status_code == 404, path
    for path in [ROOT / "app.py", ROOT / "pipelines" / "settings.py", ROOT / "assets" / "corpus" / "videos.json"]:
        assert httpx.get(f"{url}/gradio_api/file={path}").status_code in (403, 404), path


def test_chat_streams_an_answer_itinerary_and_cited_player(offline_app):
    url, runtime = offline_app
    job = client(url).submit("台南美食一日遊", api_name="/chat")
    chatbot, hits, table, checks, player, plan_map, share, csv, ics, header = job.result(timeout=120)
    updates = job.outputs()
    assert len(updates) > 5  # streamed, not one final blob
    answer = text(chatbot[-1])
    assert answer.startswith("【離線模式】") and "[1]" in answer
    assert any((m.get("metadata") or {}).get("title", "").startswith("🗓️ 排行程") for m in chatbot)
    assert table["data"] and table["headers"][:4] == ["站", "日子", "時間", "地點"]
    assert "data-stop=" in plan_map and "/?trip=" in share["value"]
    assert "✅" in checks and "離線模式" in header
    # the player shows the first segment the answer cites: [n] is row n of the results list
    first = int(re.search(r"\[(\d+)\]", answer).group(1))
    place, city, span = hits["data"][first - 1][1:4]
    assert place in player and city in player and span in player
    media, start, end = SRC.search(player).groups()
    cited = next(s for s in runtime.index.all_segments() if s.place == place and s.city == city)
    assert media == f"/media/{cited.source.ref}" and cited.start_s <= float(start) <= cited.start_s + 3  # first cue
    assert float(end) > float(start)


def test_twenty_concurrent_sessions_keep_their_own_itineraries(offline_app):
    url, _ = offline_app
    asks = [("台南", 1), ("花蓮", 2), ("台北", 1), ("台南", 2)]

    def one(i: int) -> tuple[int, dict]:
        city, days = asks[i % len(asks)]
        message = f"{city}{'一日遊' if days == 1 else '兩天一夜'}"
        chatbot, hits, table, *_ = client(url).predict(message, api_name="/chat")
        return i, {"chatbot": chatbot, "table": table}

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = dict(pool.map(one, range(20)))
    assert len(results) == 20
    for i, result in results.items():
        city, days = asks[i % len(asks)]
        rows = result["table"]["data"]
        stops = [row for row in rows if row[0]]  # a free day's row has no stop key (「1-2」)
        assert stops and all(row[1].endswith(f"· {city}") for row in stops), (i, rows)
        assert max(int(re.search(r"第(\d+)天", row[1]).group(1)) for row in rows) == days, (i, rows)
        users = [text(m) for m in result["chatbot"] if m["role"] == "user"]
        assert len(users) == 1, "each client is its own session"
        assert not any(text(m).startswith("⚠️") for m in result["chatbot"])


def test_a_session_remembers_its_plan_across_turns(offline_app):
    url, _ = offline_app
    c = client(url)
    c.predict("花蓮兩天一夜", api_name="/chat")
    chatbot, *_ = c.predict("再多一天", api_name="/chat")
    assert [text(m) for m in chatbot if m["role"] == "user"] == ["花蓮兩天一夜", "再多一天"]
