"""What a request asks of the trip: must-see and avoid lists, per-day wishes, party, pace, budget, start time."""

from __future__ import annotations

import pytest

from pipelines.core.models import DayWish
from pipelines.intent.parser import parse_request

KNOWN = ["台北", "新北", "台中", "南投", "台南", "高雄", "屏東", "宜蘭", "花蓮", "澎湖"]


def test_must_and_avoid():
    intent = parse_request("臺南兩天一夜輕鬆玩，一定要去安平古堡和赤崁樓，不要夜市", KNOWN)
    assert intent.cities == ["台南"] and intent.days == 2 and intent.pace == "relaxed"
    assert intent.must_include == ["安平古堡", "赤崁樓"] and intent.avoid == ["夜市"]
    assert "夜市" not in intent.interests and intent.wants_plan and intent.followup is None
    prefs = intent.preferences()
    assert prefs.pace == "relaxed" and prefs.avoid == ["夜市"] and prefs.must_include == ["安平古堡", "赤崁樓"]


@pytest.mark.parametrize(
    ("text", "must", "avoid", "interests"),
    [
        ("台北三天，必吃鼎泰豐，不想去夜市跟老街", ["鼎泰豐"], ["夜市", "老街"], []),
        ("花蓮兩天 避開太魯閣", [], ["太魯閣"], []),
        ("高雄一日遊，務必排駁二", ["駁二"], [], []),
        ("台南一日遊，一定要吃小吃", [], [], ["小吃"]),  # a topic, not a place
        ("台南一日遊，一定要去安平老街", ["安平老街"], [], []),  # a place even though it holds 老街
        ("台中兩天，不要排博物館，要咖啡", [], ["博物館"], ["咖啡"]),
    ],
)
def test_must_and_avoid_lists(text, must, avoid, interests):
    intent = parse_request(text, KNOWN)
    assert intent.must_include == must and intent.avoid == avoid
    assert set(interests) <= set(intent.interests) and not set(avoid) & set(intent.interests)


@pytest.mark.parametrize(
    ("text", "wishes"),
    [
        ("台北三天，想看博物館跟夜市，第三天想泡溫泉", [DayWish(day=3, interests=["溫泉"])]),
        ("花蓮三天，最後一天早點回台北", [DayWish(day=-1, day_end="15:00")]),
        ("台南三天，第二天去安平古堡", [DayWish(day=2, must_include=["安平古堡"])]),
        ("宜蘭兩天 第1天泡湯 第2天看海", [DayWish(day=1, interests=["溫泉"]), DayWish(day=2, interests=["海邊"])]),
        ("台南三天，第二十天想泡溫泉", []),  # no such day: not a wish
    ],
)
def test_per_day_wishes(text, wishes):
    intent = parse_request(text, KNOWN)
    assert intent.followup is None and intent.day_wishes == wishes
    assert intent.preferences().day_wishes == wishes


def test_a_wish_is_for_its_day_only():
    intent = parse_request("台北三天，想看博物館跟夜市，第三天想泡溫泉", KNOWN)
    assert intent.days == 3 and intent.cities == ["台北"]
    assert "溫泉" not in intent.interests and {"博物館", "夜市"} <= set(intent.interests)
    wished = parse_request("台南三天，第二天去安平古堡", KNOWN)
    assert wished.must_include == ["安平古堡"]  # searched for and required, on day 2


@pytest.mark.parametrize(
    ("text", "kids", "elders"),
    [
        ("帶爸媽去高雄", False, True),
        ("跟長輩去台南", False, True),
        ("帶阿嬤去宜蘭", False, True),
        ("帶小孩去台中", True, False),
        ("親子行程 花蓮", True, False),
        ("帶爸媽和小朋友去澎湖", True, True),
        ("跟朋友去台北", False, False),
    ],
)
def test_party(text, kids, elders):
    intent = parse_request(text, KNOWN)
    assert (intent.with_kids, intent.with_elders) == (kids, elders)
    assert ("親子" in intent.interests) == kids
    prefs = intent.preferences()
    assert (prefs.with_kids, prefs.with_elders) == (kids, elders)


@pytest.mark.parametrize(
    ("text", "pace"),
    [
        ("緊湊一點", "packed"),
        ("不要太緊湊", "relaxed"),
        ("不要太趕", "relaxed"),
        ("特種兵行程", "packed"),
        ("隨便", None),
    ],
)
def test_pace(text, pace):
    assert parse_request(f"台北兩天 {text}", KNOWN).pace == pace


@pytest.mark.parametrize(
    ("text", "budget"),
    [("台南兩天 小資省錢", "low"), ("台北窮遊三天", "low"), ("花蓮兩天 奢華一點", "high"), ("台南兩天", None)],
)
def test_budget(text, budget):
    intent = parse_request(text, KNOWN)
    assert intent.budget == budget and intent.preferences().budget == budget


def test_start_time_and_sunrise():
    late = parse_request("帶爸媽和小孩去高雄，不要太早出門", KNOWN)
    assert late.day_start == "10:00" and late.avoid == []  # 「不要太早」 is about time, not a place
    assert parse_request("花蓮三天 想看日出", KNOWN).sunrise
    assert not parse_request("花蓮三天 看海", KNOWN).sunrise


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ("澎湖三天，想看雙心石滬", ["雙心石滬"]),
        ("帶爸媽去台北玩兩天，想去故宮跟北投泡湯", ["故宮", "北投泡湯"]),
        ("宜蘭一日遊，想去傳統藝術中心跟羅東夜市", ["傳統藝術中心", "羅東夜市"]),
        ("嘉義一日遊，要吃雞肉飯", ["雞肉飯"]),
        ("新北三天，想去九份、淡水跟野柳", ["九份", "淡水", "野柳"]),
        ("屏東三天兩夜，小琉球也想去", ["小琉球"]),
        ("台北一日遊，想逛老街跟吃小吃", []),  # topics, not places
        ("想去台南玩兩天，想看海", []),  # a city and a topic
    ],
)
def test_places_named_after_wanting_words_are_candidates(text, wanted):
    """「想看雙心石滬」 names a place (the agent makes it a must-see when the corpus has it); 「想看海」 a topic."""
    assert parse_request(text, KNOWN).wanted == wanted


def test_a_listed_place_does_not_fence_the_trip():
    """「小琉球也想去」 adds 小琉球 to a 屏東 trip, and so does 「想去池上跟鐵花村」 on a 台東 trip of days (each a
    must-see, not the only area: three days in 池上 left two empty); a day trip there, or 「墾丁兩天」, keeps to it."""
    assert parse_request("屏東三天兩夜，小琉球也想去", KNOWN).near == []
    listed = parse_request("台東三天兩夜，想去池上跟鐵花村", KNOWN + ["台東"])
    assert listed.near == [] and listed.wanted == ["池上", "鐵花村"]
    assert parse_request("屏東一日遊，想去小琉球", KNOWN).near == ["小琉球"]
    assert parse_request("墾丁兩天，想去小琉球", KNOWN).near == ["恆春半島", "小琉球"]


def test_avoiding_a_named_place_is_not_avoiding_its_kind():
    """「不要去士林夜市了」 drops 士林夜市, not every night market; 「不要夜市」 drops them all."""
    assert parse_request("不要去士林夜市了", KNOWN).avoid == ["士林夜市"]
    assert parse_request("台南兩天，不要夜市", KNOWN).avoid == ["夜市"]


def test_a_day_named_with_a_region_alone_is_that_days_wish():
    """「南投三天，第一天日月潭，第二天清境」 (no verb): day 1 at 日月潭, day 2 at 清境."""
    intent = parse_request("南投三天，第一天日月潭，第二天清境", KNOWN)
    assert [(w.day, w.must_include) for w in intent.day_wishes] == [(1, ["日月潭"]), (2, ["清境"])]
    assert intent.near == []  # the other day is not fenced to them
