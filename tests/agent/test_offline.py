"""The offline agent (no LLM) on the sample corpus: ≥ 50 requests written the way travellers ask, the
answers they get (a city never picked silently, notes for what could not be read), and the session plan.
Follow-ups: test_offline_followups.py; the suggestions an answer offers: test_offline_hints.py."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from pipelines.agent.session import SessionState
from pipelines.agent.travel_agent import build_agent, run_turn
from pipelines.intent.parser import parse_request
from pipelines.planner.rules import to_minutes
from pipelines.planner.verifier import verify
from tests.support.agent_helpers import assert_cites_only_hits, collect, final_of, finished, started

REQUESTS = yaml.safe_load(
    (Path(__file__).resolve().parents[1] / "data" / "offline_requests.yaml").read_text(encoding="utf-8")
)
WED = dt.date(2025, 12, 10)  # "today" for every date word in these tests


@pytest.fixture(scope="module")
def offline_agent(corpus_index, tmp_path_factory):
    from pipelines.core.settings import Settings

    settings = Settings(llm_backend="offline", logs_dir=tmp_path_factory.mktemp("logs"))
    agent = build_agent(settings, corpus_index)
    agent.offline.today = lambda: WED
    return agent


def test_there_are_enough_requests():
    assert len(REQUESTS) >= 50 and sum(bool(re.search(r"[A-Za-z]{4}", c["text"])) for c in REQUESTS) >= 3


@pytest.mark.parametrize("case", REQUESTS, ids=[c["text"] for c in REQUESTS])
def test_request(case, offline_agent, corpus_index):
    intent = parse_request(case["text"], corpus_index.cities(), today=WED)
    assert intent.cities == case["cities"]
    assert intent.days == case["days"]
    assert (intent.pace or "normal") == (case.get("pace") or "normal")
    assert set(case.get("interests", [])) <= set(intent.interests)

    session = SessionState()
    final = run_turn(offline_agent, case["text"], session)
    assert final.backend == "offline" and final.answer.startswith("【離線模式】")
    itinerary = final.itinerary
    assert itinerary is not None, final.answer
    assert len(itinerary.days) == case["days"]
    planned = [i for d in itinerary.days for i in d.items]
    assert planned and {i.city for i in planned} <= set(case["cities"])
    # the checks are the verifier's own verdict on the segments the plan was made from
    asked = [c for c in final.tool_calls if c.name == "plan_itinerary" and c.ok][-1].arguments["segments"]
    rechecked = verify(itinerary, corpus_index.get_segments(asked), case["days"], itinerary.preferences)
    assert [(c.name, c.passed) for c in rechecked] == [(c.name, c.passed) for c in itinerary.checks]
    assert itinerary.passed, [c for c in itinerary.checks if not c.passed]
    _traveller_expectations(case, itinerary, corpus_index)
    # the answer cites exactly the planned stops, each as 「[n] 地點 mm:ss–mm:ss」
    assert_cites_only_hits(final)
    assert [h.segment_id for h in final.hits] == list(dict.fromkeys(i.segment_id for i in planned))
    for n, hit in enumerate(final.hits, start=1):
        assert re.search(rf"\[{n}\] {re.escape(hit.place)} \d\d:\d\d–\d\d:\d\d", final.answer)
    assert session.itinerary == itinerary and [c.name for c in final.tool_calls][-1] == "plan_itinerary"


def _traveller_expectations(case: dict, itinerary, corpus_index) -> None:
    segments = {s.segment_id: s for s in corpus_index.get_segments(itinerary.segment_ids)}
    if dates := case.get("dates"):
        assert [d.date for d in itinerary.days] == dates
    if area := case.get("area"):
        assert {segments[i.segment_id].area for i in itinerary.stops} == {area}, [i.place for i in itinerary.stops]
    for day, tags in (case.get("day_tags") or {}).items():
        assert any(set(tags) & set(segments[i.segment_id].tags) for i in itinerary.days[day - 1].items), day
    for place in case.get("must", []):
        assert place in {i.place for i in itinerary.stops}, (place, [i.place for i in itinerary.stops])
        assert place in itinerary.preferences.must_include
    if earliest := case.get("not_before"):
        for day in itinerary.days:
            assert day.items, f"第 {day.day} 天沒有行程"
            first = day.items[0]
            assert to_minutes(first.start) - first.travel_minutes >= to_minutes(earliest), (day.day, first)


def test_a_request_naming_no_city_gets_a_labelled_example_and_the_question(offline_agent):
    final = run_turn(offline_agent, "幫我找台灣兩天一夜的輕鬆小旅行", SessionState())
    assert final.itinerary is not None and len(final.itinerary.days) == 2
    assert {i.city for i in final.itinerary.stops} == {"台南"}  # the suggested city, said so; never 屏東 silently
    assert "範例" in final.answer and "想去哪裡" in final.answer and "台南" in final.answer
    answer = run_turn(offline_agent, "幫我排三天兩夜", SessionState()).answer
    assert "範例" in answer and "想去哪裡" in answer


@pytest.mark.parametrize(
    "text, place", [("去火星玩三天", "火星"), ("東京三天兩夜", "東京"), ("我想去京都玩四天", "京都")]
)
def test_a_destination_the_corpus_lacks_is_named_and_nothing_is_planned(offline_agent, text, place):
    """Not 「你還沒說想去哪個城市」 and a 台南 example: the traveller did name a place, and it is not here."""
    final = run_turn(offline_agent, text, SessionState())
    assert final.itinerary is None
    assert f"「{place}」" in final.answer and "想去哪個城市" in final.answer and "範例" not in final.answer


@pytest.mark.parametrize(
    "text, place, city",
    [
        ("綠島兩天一夜", "綠島", "台東"),
        ("幫我排蘭嶼三天", "蘭嶼", "台東"),
        ("台南兩天，想去烏山頭水庫", "烏山頭水庫", "台南"),
    ],
)
def test_a_named_place_the_corpus_lacks_is_said_before_the_plan(offline_agent, text, place, city):
    """綠島 is in 台東縣, but a 台東 plan without it is not the trip asked for: the answer says so first."""
    final = run_turn(offline_agent, text, SessionState())
    assert final.itinerary is not None and {i.city for i in final.itinerary.stops} == {city}
    said = final.answer.split("第 1 天")[0]
    assert f"「{place}」" in said and "沒有介紹" in said
    assert place not in {i.place for i in final.itinerary.stops}


def test_a_famous_place_named_instead_of_its_city_is_in_the_plan(offline_agent):
    final = run_turn(offline_agent, "高雄駁二一日遊", SessionState())
    assert len(final.itinerary.days) == 1  # not 「二一」 read as two days
    assert "駁二藝術特區" in {i.place for i in final.itinerary.stops}
    assert "沒有介紹" not in final.answer


@pytest.mark.parametrize(
    ("text", "days", "note"),
    [
        ("台南 -3天", 1, "天數不能是負的"),
        ("台南 0天", 1, "天數要至少一天"),
        ("台南 99 天", 14, "最多排 14 天"),
        ("12/5 出發 台南兩天", 2, "今年已經過了"),
        ("2024/12/5 出發 台南兩天", 2, "日期已經過了"),
    ],
)
def test_what_could_not_be_read_is_said(offline_agent, text, days, note):
    final = run_turn(offline_agent, text, SessionState())
    assert final.itinerary is not None and len(final.itinerary.days) == days
    assert note in final.answer and {i.city for i in final.itinerary.stops} == {"台南"}


def test_follow_ups_edit_the_session_plan(offline_agent):
    """A chain of edits on one session (each kind is proven on its own in test_offline_followups.py)."""
    session = SessionState()
    first = run_turn(offline_agent, "基隆兩天一夜輕鬆玩", session)
    assert first.itinerary and len(first.itinerary.days) == 2
    day1 = [i.segment_id for i in first.itinerary.days[0].items]

    longer = run_turn(offline_agent, "再多 1 天", session)
    assert longer.itinerary and len(longer.itinerary.days) == 3
    assert [i.segment_id for i in longer.itinerary.days[0].items] == day1
    assert {i.city for i in longer.itinerary.stops} == {"基隆"}

    food = run_turn(offline_agent, "只要美食", session)
    assert food.itinerary and len(food.itinerary.days) == 3
    stops = {i.segment_id for d in food.itinerary.days for i in d.items}
    assert stops and all(
        {"美食", "小吃", "夜市", "甜點", "咖啡"} & set(h.tags) for h in food.hits if h.segment_id in stops
    )
    assert session.itinerary == food.itinerary and len(session.history) == 6

    shorter = run_turn(offline_agent, "少一天", session)
    assert shorter.itinerary and len(shorter.itinerary.days) == 2
    assert [d.items for d in shorter.itinerary.days] == [d.items for d in food.itinerary.days[:2]]
    dated = run_turn(offline_agent, "改成這週六出發", session)
    assert [d.date for d in dated.itinerary.days] == [dt.date(2025, 12, 13), dt.date(2025, 12, 14)]
    assert_cites_only_hits(dated)


def test_a_day_that_cannot_change_stays_as_it_was(offline_agent):
    session = SessionState()
    run_turn(offline_agent, "台南兩天一夜 一定要去漁光島", session)
    before = session.itinerary
    assert before is not None
    beach_day = next(d.day for d in before.days for i in d.items if i.place == "漁光島")
    other = "第二天" if beach_day == 1 else "第一天"  # 台南's only beach is already on the other day
    final = run_turn(offline_agent, f"{other}換成海邊的行程", session)
    assert final.itinerary is None and "維持原樣" in final.answer and session.itinerary == before


def test_search_only_question_lists_segments(offline_agent):
    final = run_turn(offline_agent, "台南有什麼好吃的？", SessionState())
    assert final.itinerary is None and final.hits
    assert all(h.city == "台南" for h in final.hits)
    assert_cites_only_hits(final)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("你好", "愛遊 AIYO"),
        ("金門三天兩夜", "還沒有金門"),
        ("第二天換成海邊的行程", "還沒有排好的行程"),
        ("想去三芝玩一天", "找不到「三芝」"),  # a place the corpus lacks: which city?, no plan elsewhere
    ],
)
def test_edge_requests_say_what_they_can(offline_agent, text, expected):
    final = run_turn(offline_agent, text, SessionState())
    assert expected in final.answer and final.backend == "offline"
    assert_cites_only_hits(final)


def test_a_place_named_without_its_city_plans_that_city(offline_agent):
    """「想去雙心石滬玩兩天」 names no city, but the corpus knows the place: a 澎湖 trip that keeps it."""
    final = run_turn(offline_agent, "想去雙心石滬玩兩天", SessionState())
    assert final.itinerary is not None and {i.city for i in final.itinerary.stops} == {"澎湖"}
    assert "雙心石滬" in {i.place for i in final.itinerary.stops} and "範例" not in final.answer


async def test_offline_stream_events_and_limits(offline_agent):
    session = SessionState()
    events = await collect(offline_agent, "高雄一日遊", session)
    final = final_of(events)
    assert started(events) and len(started(events)) == len(finished(events))
    assert [e.call_id for e in started(events)] == [e.call_id for e in finished(events)]
    assert final.timings["ttft_ms"] <= final.timings["total_ms"]
    too_long = final_of(await collect(offline_agent, "台" * 5000, session))
    assert too_long.error == "invalid_message" and "縮短" in too_long.answer
    empty = final_of(await collect(offline_agent, "   ", session))
    assert empty.error == "invalid_message" and len(session.history) == 2


def test_plan_command_request_uses_the_offline_agent(offline_agent):
    turn = offline_agent.offline.answer("台中兩天一夜", SessionState())
    assert turn.itinerary is not None and len(turn.itinerary.days) == 2
    question = offline_agent.offline.answer("台南有什麼好吃的？", SessionState(), force_plan=True)
    assert question.itinerary is not None and len(question.itinerary.days) == 1


def test_today_is_taiwans_date():
    from pipelines.agent.offline import taiwan_today

    now = dt.datetime.now(dt.UTC) + dt.timedelta(hours=8)
    assert taiwan_today() in (now.date(), (now - dt.timedelta(minutes=1)).date())


@pytest.mark.parametrize("text", ["花蓮兩天一夜 輕鬆玩", "花蓮三天兩夜，想看大自然跟海邊"])
def test_a_check_that_rests_on_a_note_shows_the_note(offline_agent, text):
    """✅ 三餐有著落 on a 太魯閣 day says the note tells how to eat: the answer must show that note, even when
    the plan has more notes than the answer lists."""
    final = run_turn(offline_agent, text, SessionState())
    meals = next(c for c in final.itinerary.checks if c.name == "三餐有著落")
    meal_notes = [n for n in final.itinerary.notes if "可以自備" in n]
    assert meals.passed and ("備註" in meals.detail) == bool(meal_notes)
    assert meal_notes, "the 太魯閣 day has no lunch of the videos on its way"
    assert all(note in final.answer for note in meal_notes)
