"""The grounding rules and the answer gate, without a model: what a small model writes, line by line."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.agent.answer_gate import AnswerGate, Ungrounded
from pipelines.agent.grounding import Facts, check_line, check_whole, instructions, invented_places, place_keys
from pipelines.core.models import DayPlan, Itinerary, ItineraryItem, SegmentHit, VideoSource

PLACES = ["安平古堡", "赤崁樓", "台南牛肉湯", "神農街", "國立故宮博物院"]


def hit(n: int, place: str, text: str = "") -> SegmentHit:
    return SegmentHit(
        segment_id=f"tn-test-01#{n:02d}", video_id="tn-test-01", title=place, place=place, city="台南",
        start_s=10 * n, end_s=10 * n + 8, text=text or f"{place}真的很值得一去。",
        source=VideoSource(kind="local", ref="tn-test-01.mp4"),
    )  # fmt: skip


HITS = [hit(i + 1, p) for i, p in enumerate(PLACES)]


def stop(place: str, start: str, end: str) -> ItineraryItem:
    sid = HITS[PLACES.index(place)].segment_id
    return ItineraryItem(segment_id=sid, place=place, city="台南", start=start, end=end, visit_minutes=60)


PLAN = Itinerary(
    days=[
        DayPlan(day=1, city="台南", items=[stop("安平古堡", "09:00", "10:00"), stop("赤崁樓", "11:00", "12:00")]),
        DayPlan(day=2, city="台南", items=[stop("台南牛肉湯", "09:00", "10:00"), stop("神農街", "11:00", "12:00")]),
    ]
)


FACTS = Facts(hits=HITS, itinerary=PLAN)


@pytest.fixture
def facts() -> Facts:
    return FACTS


def codes(line: str, facts: Facts, day: int | None = None) -> list[str]:
    return [p.code for p in check_line(line, facts, day)[0]]


def test_what_a_grounded_answer_looks_like_passes(facts):
    answer = [
        "台南兩天一夜的輕鬆行程來囉！",
        "第 1 天（台南）",
        "09:00–10:00 安平古堡 [1]：紅磚城牆超好拍",
        "11:00–12:00 [2] 赤崁樓 00:20–00:28，走累了剛好來碗豆花",
        "第 2 天",
        "09:00 台南牛肉湯 [3]",
        "中午 12:00 午餐自由活動，晚上可以逛逛夜市或找間咖啡館坐坐",
        "從台南車站出發，去國立故宮博物院 [5] 也很方便",
    ]
    day = None
    for line in answer:
        problems, day = check_line(line, facts, day)
        assert problems == [], (line, problems)
    assert check_whole("\n".join(answer), facts, need_places=True) == []


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ("09:00–10:00 台南市立大劇院 [2]", "invented_place"),  # the answer, word for word
        ("14:00 台南市立文化中心 [3]", "invented_place"),
        ("也推薦去花園夜市和台南孔廟", "invented_place"),
        ("安平古堡 [2]", "wrong_citation"),  # [2] is 赤崁樓
        ("[3] 赤崁樓", "wrong_citation"),
        ("13:00–14:00 阿憨鹹粥", "schedule_place"),
        ("三天兩夜玩好玩滿", "day_count"),
        ("第 3 天：再回安平古堡 [1]", "day_count"),
        ("第 2 天再回安平古堡 [1]", "wrong_day"),  # the plan has it on day 1
        ("[1] 安平古堡（台南）｜id tn-test-01#01｜古蹟", "raw_data"),  # gemma-3-270m echoed the data block
        ("<<SYS>>", "raw_data"),
        ("[INST]請註冊[/INST]", "raw_data"),  # gemma-3-270m, a plan edit
        ("請註冊：https://bit.ly/2J1r7u9", "link"),
        ("更多資訊在 www.example.com 喔", "link"),
        ("訂閱 bit.ly/3n06wYy", "link"),
    ],
)
def test_what_a_small_model_invents_is_found(facts, line, code):
    assert code in codes(line, facts)


def test_copying_our_instructions_is_found_but_the_phrasing_we_ask_for_is_not():
    system = "規則：\n1. 沒找到就說「目前的影片資料裡還沒有……」。\n2. 300 字以內，不要寫 JSON 或 id。\n城市：台北、台南"
    facts = Facts(hits=HITS, itinerary=PLAN, prompt=instructions(system, "台北、台南"))
    assert "echo" in codes("300 字以內，不要寫 JSON 或 id。", facts)  # gemma-3-270m, a plan edit
    fine_lines = (
        "目前的影片資料裡還沒有台東的溫泉……",
        "09:00–10:00 安平古堡 [1]",
        "資料有台北、台南兩個城市",
        "第 2 天（台南）：09:00 台南牛肉湯、11:00 神農街",  # restating the plan (Qwen2.5-Coder-1.5B)
    )
    for fine in fine_lines:
        assert "echo" not in codes(fine, facts), fine


def test_simplified_words_are_shown_in_traditional(facts):
    g = AnswerGate(lambda: facts, lambda: True)
    shown = g.feed("第 1 天\n09:00 安平古堡 [1]\n希望你喜欢！\n那裡的干貝很好吃\n") + g.finish()
    assert "希望你喜歡！" in shown and "安平古堡 [1]" in shown  # Qwen2.5-Coder-1.5B ended with 「希望你喜欢！」
    assert "干貝" in shown  # a Traditional run is left as written (s2twp would make it 幹貝)


def test_the_offline_answers_own_words_are_not_invented_places():
    # found by the real-model benchmark re-checking offline answers: a verb before a name, a city's
    # common noun, a place whose core is a city's name
    park = SegmentHit(
        segment_id="cy-test-01#01", video_id="cy-test-01", title="嘉義公園", place="嘉義公園", city="嘉義",
        start_s=0, end_s=8, text="嘉義公園很大。", source=VideoSource(kind="local", ref="cy-test-01.mp4"),
    )  # fmt: skip
    plan = Itinerary(days=[
        DayPlan(day=1, city="嘉義", items=[]),
        DayPlan(day=2, city="嘉義", items=[ItineraryItem(
            segment_id=park.segment_id, place="嘉義公園", city="嘉義", start="09:00", end="10:00", visit_minutes=60
        )]),
    ])  # fmt: skip
    facts = Facts(hits=[*HITS, park], itinerary=plan)
    assert invented_places("了解，只留夜市相關的行程：", facts) == []
    assert invented_places("可以說「把安平古堡換掉」喔", facts) == []
    assert invented_places("有喔！台北夜市的影片片段整理給你", facts) == []
    assert codes("第 1 天（嘉義）", facts) == []  # 嘉義 is the city, not 嘉義公園 on day 2
    assert invented_places("晚上去六合夜市", facts) == ["六合夜市"]  # a named one still counts


def test_a_quoted_suggestion_is_about_no_day(facts):
    line = "想調整的話，可以說「第二天換成美食的行程」「把安平古堡換掉」喔！"  # the offline answer's own hints
    assert codes(line, facts, 1) == []


def test_a_day_section_carries_over_lines(facts):
    problems, day = check_line("第 2 天", facts, None)
    assert day == 2 and problems == []
    assert codes("09:00–10:00 安平古堡 [1]", facts, day) == ["wrong_day"]  # same two stops every day
    assert codes("09:00 台南牛肉湯 [3]", facts, day) == []


def test_a_place_named_by_its_core_or_in_a_transcript_is_not_invented():
    facts = Facts(hits=[hit(1, "赤崁樓", text="清朝在上面蓋了文昌閣和海神廟。")])
    assert place_keys("國立故宮博物院") == {"國立故宮博物院", "故宮"}
    assert invented_places("門口的海神廟也可以看看", facts) == []  # the transcript said so
    assert invented_places("赤嵌樓很美", facts) == []  # the other way to write 崁
    assert invented_places("一間咖啡館、熱鬧的夜市、這座古城", facts) == []  # common nouns
    assert invented_places("晚上去六合夜市", facts) == ["六合夜市"]


def test_an_edited_plan_without_new_hits_still_needs_its_places():
    plan_only = Facts(itinerary=PLAN)  # a follow-up edit: the plan changed, nothing new to cite
    assert [p.code for p in check_whole("【訂閱】請註冊！", plan_only, need_places=True)] == ["no_place"]
    assert check_whole("第 2 天改成台南牛肉湯跟神農街", plan_only, need_places=True) == []


def test_whole_answer_must_name_and_cite_a_returned_place(facts):
    assert [p.code for p in check_whole("台南很好玩喔！", facts, need_places=True)] == ["no_place", "no_citation"]
    assert [p.code for p in check_whole("安平古堡很好玩", facts, need_places=True)] == ["no_citation"]
    assert [p.code for p in check_whole(" ", facts, need_places=False)] == ["empty"]
    assert check_whole("不客氣，祝你玩得開心！", facts, need_places=False) == []


def gate(facts: Facts, need: bool = True) -> AnswerGate:
    return AnswerGate(lambda: facts, lambda: need)


def test_the_gate_shows_checked_lines_and_removes_citations_to_nothing(facts):
    g = gate(facts)
    shown = g.feed("好的！\n09:00 安平古堡 [1][9]，") + g.feed("紅磚城牆【2】好美\n") + g.finish()
    assert shown == g.shown == "好的！\n09:00 安平古堡 [1]，紅磚城牆[2]好美\n"
    assert g.removed_citations == [9]


def test_the_gate_holds_a_greeting_until_the_answer_is_about_the_data(facts):
    g = gate(facts)
    assert g.feed("哈囉～\n今天天氣真好！\n") == ""  # nothing about the data yet: held
    assert g.feed("先去安平古堡 [1]。") == "哈囉～\n今天天氣真好！\n先去安平古堡 [1]。"


def test_an_answer_about_nothing_shows_nothing(facts):
    g = gate(facts)
    assert g.feed("台南真的很好玩！\n一定要來！\n") == ""
    with pytest.raises(Ungrounded) as err:
        g.finish()
    assert not err.value.shown and g.shown == ""


def test_the_first_invented_line_stops_the_answer(facts):
    g = gate(facts)
    assert g.feed("第 1 天\n09:00 安平古堡 [1]\n") == "第 1 天\n09:00 安平古堡 [1]\n"
    with pytest.raises(Ungrounded) as err:
        g.feed("11:00 台南市立大劇院 [2]\n之後")
    assert err.value.shown and "台南市立大劇院" in str(err.value)
    assert "大劇院" not in g.shown


def test_without_hits_a_friendly_answer_passes_but_an_invented_place_does_not():
    empty = Facts()
    g = gate(empty, need=False)
    assert g.feed("不客氣！祝你旅途愉快～") + g.finish() == "不客氣！祝你旅途愉快～"
    with pytest.raises(Ungrounded):
        gate(empty, need=False).feed("推薦你去金門莒光樓看看。")


@settings(max_examples=60, deadline=None)
@given(
    picks=st.lists(st.sampled_from(range(len(PLAN.stops))), min_size=1, max_size=4, unique=True),
    invented=st.text(alphabet="東西南北山海風雲天光美麗", min_size=2, max_size=4),
    suffix=st.sampled_from(["博物館", "夜市", "老街", "文化中心", "大劇院"]),
)
def test_an_answer_copied_from_the_plan_passes_and_any_invented_stop_fails(picks, invented, suffix):
    facts = FACTS
    lines, day = [], None
    for i in sorted(picks):
        stop = PLAN.stops[i]
        plan_day = next(d.day for d in PLAN.days if stop in d.items)
        if plan_day != day:
            lines.append(f"第 {plan_day} 天")
            day = plan_day
        n = PLACES.index(stop.place) + 1
        lines.append(f"{stop.start}–{stop.end} {stop.place} [{n}]")
    g = gate(facts)
    assert g.feed("\n".join(lines) + "\n") + g.finish() == "\n".join(lines) + "\n"
    with pytest.raises(Ungrounded):
        g2 = gate(facts)
        g2.feed("\n".join(lines) + f"\n15:00–16:00 {invented}{suffix} [1]\n")


def test_a_name_inside_a_longer_returned_name_is_that_longer_place():
    lake, lunch = hit(1, "奮起湖"), hit(2, "奮起湖便當")

    def day(n: int, stop: SegmentHit) -> DayPlan:
        item = ItineraryItem(
            segment_id=stop.segment_id, place=stop.place, city="嘉義", start="09:00", end="10:00", visit_minutes=60
        )
        return DayPlan(day=n, city="嘉義", items=[item])

    plan = Itinerary(days=[day(1, lake), day(2, lunch)])
    facts = Facts(hits=[lake, lunch], itinerary=plan)
    assert facts.places_in("中午吃奮起湖便當 [2]") == ["奮起湖便當"]
    assert codes("09:00 奮起湖便當 [2]", facts, day=2) == []  # not 「奮起湖 is on day 1」
    assert codes("奮起湖便當 [1]", facts) == ["wrong_citation"]


# --- issue 10, round 3: times of the plan, the template word, replies cut at the token limit -----------------
@pytest.mark.parametrize(
    ("line", "day", "wrong"),
    [
        ("09:00–10:00 安平古堡 [1]", 1, 0),
        ("09:05 安平古堡 [1]", 1, 0),  # a rounded time is the same plan
        ("安平古堡 [1] 09:00–10:00、赤崁樓 [2] 11:00–12:00", 1, 0),  # the time after the name
        ("09:00 安平古堡 → 11:00 赤崁樓", 1, 0),
        ("[2] 赤崁樓 00:20–00:28 有城樓的畫面", 1, 0),  # a video's minutes, not a visit
        ("安平古堡 [1] 每天 08:30–17:30 開放", 1, 0),  # opening hours
        ("14:10–17:10 休息：等「神農街」的時段", 2, 0),  # a quoted name is about no visit
        ("14:40–17:40 神農街 [4]", 2, 1),  # Qwen's night market from 14:40
        ("09:00–12:00 安平古堡 [1]", 1, 1),  # the right start, not the planned end
        ("12:45 安平古堡 [1]", 1, 1),
        ("安平古堡 [1] 13:00–14:00", None, 1),
        ("09:00 赤崁樓 → 11:00 安平古堡", 1, 2),
        ("第 2 天：14:00 神農街 [4]", None, 1),
    ],
)
def test_a_stop_written_with_another_time_than_the_plan_is_found(facts, line, day, wrong):
    problems = [p for p in check_line(line, facts, day)[0] if p.code == "wrong_time"]
    assert len(problems) == wrong, (line, problems)


def test_the_wrong_time_problem_names_the_planned_time(facts):
    [problem] = check_line("14:40–17:40 神農街 [4]", facts, 2)[0]
    assert problem.code == "wrong_time" and "11:00–12:00" in problem.text and "14:40–17:40" in problem.text


def test_without_a_plan_times_are_not_checked():
    assert codes("14:40–17:40 神農街 [4]", Facts(hits=HITS)) == []


def test_the_template_word_of_our_example_is_not_shown(facts):
    g = gate(facts)
    shown = g.feed("09:00 地點 [1] 安平古堡\n這個地點 [2] 很好拍\n") + g.finish()
    assert shown == "09:00 [1] 安平古堡\n這個地點 [2] 很好拍\n"


CUT_NOTE = "（回答太長，只顯示到這裡；完整的行程請看行程表。）"


def cut_gate(facts: Facts) -> AnswerGate:
    return AnswerGate(lambda: facts, lambda: True, lambda: CUT_NOTE)


def test_a_reply_cut_at_the_token_limit_ends_at_its_last_whole_line(facts):
    g = cut_gate(facts)
    shown = g.feed("第 1 天\n09:00–10:00 安平古堡 [1]\n\n第 2 天（台南）\n") + g.feed("09:00–10:00 台南牛肉湯 [3]\n11:")
    assert shown == "第 1 天\n09:00–10:00 安平古堡 [1]\n\n第 2 天（台南）\n09:00–10:00 台南牛肉湯 [3]\n"
    assert g.feed("00–12:00 神農街 [4]\n第 3 天（台") == "11:00–12:00 神農街 [4]\n"  # whole lines are shown
    assert g.finish(cut=True) == f"\n\n{CUT_NOTE}"  # the half heading 「第 3 天（台」 is not
    assert g.shown.endswith(f"11:00–12:00 神農街 [4]\n\n\n{CUT_NOTE}") and "第 3 天" not in g.shown


def test_a_day_heading_waits_for_its_first_stop_and_a_cut_drops_it(facts):
    g = cut_gate(facts)
    assert g.feed("09:00–10:00 安平古堡 [1]\n第 2 天（台南）\n") == "09:00–10:00 安平古堡 [1]\n"
    assert g.finish(cut=True) == f"\n\n{CUT_NOTE}" and g.cut_dropped == "第 2 天（台南）\n"
    g = cut_gate(facts)
    g.feed("09:00–10:00 安平古堡 [1]\n第 2 天（台南）\n")
    assert g.finish() == "第 2 天（台南）\n"  # a reply that ended normally shows it


def test_a_cut_reply_that_does_not_stand_on_its_own_is_ungrounded(facts):
    g = cut_gate(facts)
    assert g.feed("台南兩天一夜的行程來囉！\n第 1 天\n09:0") == ""
    with pytest.raises(Ungrounded) as err:
        g.finish(cut=True)
    assert "cut" in [p.code for p in err.value.problems] and not err.value.shown and g.shown == ""
