"""Cities, places and regions in a request, in zh-TW, Simplified, English and pinyin."""

from __future__ import annotations

import pytest

from pipelines.intent.parser import city_of, parse_request
from pipelines.intent.places import regions_in

KNOWN = ["台北", "新北", "基隆", "台中", "南投", "嘉義", "台南", "高雄", "屏東", "宜蘭", "花蓮", "台東", "澎湖"]


@pytest.mark.parametrize(
    ("name", "city"),
    [
        ("臺南市", "台南"),
        ("台北市", "台北"),
        ("嘉義縣", "嘉義"),
        ("府城", "台南"),
        ("Kaohsiung", "高雄"),
        ("墾丁", "屏東"),
    ],
)
def test_city_of(name, city):
    assert city_of(name) == city


def test_cities_aliases_and_unknown_places():
    assert parse_request("台北跟新北還有基隆", KNOWN).cities == ["台北", "新北", "基隆"]
    assert parse_request("九份老街", KNOWN).cities == ["新北"]
    intent = parse_request("金門三天", KNOWN)
    assert intent.cities == [] and intent.unknown_places == ["金門"] and intent.days == 3
    assert parse_request("澎湖5天", KNOWN).interests == []  # 澎湖 is a place, not a lake (湖 → 自然)


@pytest.mark.parametrize(
    ("text", "cities", "days"),
    [
        ("台南两天一夜", ["台南"], 2),  # Simplified 两 (the fuzz finding: was one day)
        ("花莲三天", ["花蓮"], 3),
        ("台湾台北两日游", ["台北"], 2),
        ("周末去高雄", ["高雄"], 2),
        ("Plan me a 2-day trip to Tainan with lots of street food", ["台南"], 2),
        ("3 days in Taibei, hot springs please", ["台北"], 3),  # pinyin
        ("A weekend in Hualien", ["花蓮"], 2),
        ("Day trip to Kaohsiung", ["高雄"], 1),
        ("three days in New Taipei and Keelung", ["新北", "基隆"], 3),
        ("Taichung for five days, relaxed", ["台中"], 5),
    ],
)
def test_simplified_english_and_pinyin_requests(text, cities, days):
    intent = parse_request(text, KNOWN)
    assert intent.cities == cities and intent.days == days and intent.wants_plan


def test_english_words_become_the_same_tags_and_party():
    intent = parse_request("Plan me a 2-day trip to Tainan with lots of street food", KNOWN)
    assert {"美食", "小吃"} <= set(intent.interests)
    family = parse_request("A relaxed 3-day trip to Hualien with my parents and kids, hot springs", KNOWN)
    assert family.pace == "relaxed" and family.with_elders and family.with_kids and "溫泉" in family.interests
    assert parse_request("a -3 day trip to Tainan", KNOWN).problems == ["negative_days"]


@pytest.mark.parametrize(
    ("text", "near"),
    [
        ("墾丁兩天", ["恆春半島"]),  # 墾丁 is the 恆春 peninsula, not 小琉球
        ("屏東墾丁三天兩夜 海邊", ["恆春半島"]),
        ("太魯閣一日遊", ["太魯閣峽谷"]),
        ("週末想帶爸媽去日月潭附近走走", ["日月潭"]),
        ("台南兩天", []),
        ("台南兩天，一定要去安平古堡", []),  # a place named as a must-see does not fence the trip in
    ],
)
def test_region_words_mean_their_area(text, near):
    intent = parse_request(text, KNOWN)
    assert intent.near == near
    assert intent.preferences().near == near


def test_nearness_words_keep_the_trip_near_what_was_named():
    intent = parse_request("高雄一日遊，一定要去佛光山，其他都在附近就好", KNOWN)
    assert intent.near == ["佛光山"] and intent.must_include == ["佛光山"]
    assert regions_in("九份跟金瓜石") == ["九份・金瓜石"]


@pytest.mark.parametrize("text", ["幫我找台灣兩天一夜的輕鬆小旅行", "去火星玩三天", "香港兩天", "兩天一夜"])
def test_a_request_naming_no_known_city_has_no_city(text):
    """Never silently a 屏東 (or any) plan: the parser names none and the agent asks (tests/agent)."""
    intent = parse_request(text, KNOWN)
    assert intent.cities == [] and intent.wants_plan


def test_the_way_home_is_not_a_destination():
    assert parse_request("花蓮兩天，最後一天早點回台北", KNOWN).cities == ["花蓮"]
    assert parse_request("花蓮兩天，早點回台北", KNOWN).cities == ["花蓮"]


@pytest.mark.parametrize(
    ("text", "cities", "near"),
    [
        ("三峽鶯歌一日遊", ["新北"], ["三峽・鶯歌"]),  # was planned in 台南
        ("溪頭一日遊 帶爸媽", ["南投"], ["溪頭"]),
        ("基隆八斗子一日遊", ["基隆"], ["八斗子"]),
        ("Plan a 3-day trip to Kenting with beaches", ["屏東"], ["恆春半島"]),  # 墾丁 = the 恆春 peninsula
        ("Two days in Taroko", ["花蓮"], ["太魯閣峽谷"]),
        ("Sun Moon Lake weekend with my parents", ["南投"], ["日月潭"]),
    ],
)
def test_towns_and_areas_name_their_city_and_area(text, cities, near):
    intent = parse_request(text, KNOWN)
    assert (intent.cities, intent.near) == (cities, near)


def test_every_area_of_the_gazetteer_is_a_region_word_of_its_city():
    """Each area of the sample corpus (and each part of 三峽・鶯歌) read in a request gives that city and area,
    so no town the corpus has is planned in another city."""
    import csv
    from pathlib import Path

    rows = csv.DictReader((Path(__file__).parents[2] / "assets/corpus/places.csv").open(encoding="utf-8"))
    areas = {(r["area"], r["city"]) for r in rows if r["area"]}
    assert len(areas) >= 20
    for area, city in sorted(areas):
        for part in area.split("・"):
            intent = parse_request(f"{part}一日遊", KNOWN)
            assert (intent.cities, intent.near) == ([city], [area]), part


@pytest.mark.parametrize(
    ("text", "slot"),
    [
        ("東京三天兩夜", "東京"),
        ("去火星玩三天", "火星"),
        ("幫我排一個首爾五天", "首爾"),
        ("我們想要去東京玩", "東京"),
        # no destination in the slot: the whole island, company, a topic, dates, a verb
        ("幫我找台灣兩天一夜的輕鬆小旅行", None),
        ("帶小孩出去玩兩天", None),
        ("跟朋友去玩三天", None),
        ("想去海邊玩兩天", None),
        ("規劃一下三天兩夜", None),
        ("下週五到週日的行程", None),
        ("南部三天", None),
        ("親子兩天", None),
    ],
)
def test_a_destination_no_list_has_is_read_from_its_slot(text, slot):
    intent = parse_request(text, KNOWN)
    assert intent.cities == [] and intent.wanted == ([slot] if slot else [])


@pytest.mark.parametrize(
    ("text", "city", "named", "days"),
    [
        ("綠島兩天一夜", "台東", ["綠島"], 2),
        ("駁二一日遊", "高雄", ["駁二"], 1),
        ("高雄駁二一日遊", "高雄", ["駁二"], 1),
    ],
)
def test_a_famous_place_named_instead_of_its_city_is_kept_and_its_digits_are_no_length(text, city, named, days):
    intent = parse_request(text, KNOWN)
    assert intent.cities == [city] and intent.named_places == named and intent.days == days
