"""Synthetic segments at real Taiwanese places, for the planner, verifier and export tests (issue 3)."""

from __future__ import annotations

from pipelines.core.models import Segment, VideoSource

# key, place, city, lat, lon, tags, visit minutes, best time
PLACES: list[tuple[str, str, str, float, float, tuple[str, ...], int, str]] = [
    ("tp101", "台北101", "台北", 25.0340, 121.5645, ("景觀", "夜景", "購物"), 120, "evening"),
    ("palace", "國立故宮博物院", "台北", 25.1024, 121.5485, ("博物館", "歷史"), 180, "afternoon"),
    ("shilin", "士林夜市", "台北", 25.0880, 121.5241, ("夜市", "小吃", "美食"), 120, "night"),
    ("raohe", "饒河街夜市", "台北", 25.0510, 121.5775, ("夜市", "小吃", "美食"), 90, "night"),
    ("dihua", "迪化街", "台北", 25.0560, 121.5100, ("老街", "古蹟"), 120, "morning"),
    ("longshan", "艋舺龍山寺", "台北", 25.0372, 121.4999, ("宗教", "古蹟"), 45, "morning"),
    ("yongkang", "永康街", "台北", 25.0325, 121.5297, ("美食", "小吃", "甜點"), 90, "afternoon"),
    ("elephant", "象山步道", "台北", 25.0272, 121.5725, ("步道", "夜景"), 90, "evening"),
    ("huashan", "華山1914文化創意產業園區", "台北", 25.0441, 121.5293, ("文青", "藝術"), 90, "afternoon"),
    ("temple", "廟口夜市", "基隆", 25.1283, 121.7435, ("夜市", "小吃"), 90, "night"),
    ("heping", "和平島地質公園", "基隆", 25.1610, 121.7637, ("自然", "海邊"), 120, "afternoon"),
    ("wangyou", "望幽谷", "基隆", 25.1446, 121.8003, ("步道", "日出"), 60, "sunrise"),
    ("gaomei", "高美濕地", "台中", 24.3118, 120.5496, ("自然", "海邊"), 90, "evening"),
    ("fengjia", "逢甲夜市", "台中", 24.1774, 120.6459, ("夜市", "小吃", "美食"), 150, "night"),
    ("museum", "國立自然科學博物館", "台中", 24.1572, 120.6661, ("博物館", "親子"), 180, "afternoon"),
    ("rainbow", "彩虹眷村", "台中", 24.1337, 120.6097, ("藝術", "文青"), 40, "morning"),
    ("sunmoon", "日月潭", "南投", 23.8615, 120.9160, ("自然", "景觀"), 240, "morning"),
    ("hehuan", "合歡山", "南投", 24.1373, 121.2756, ("自然", "日出"), 180, "sunrise"),
    ("alishan", "阿里山", "嘉義", 23.5110, 120.8055, ("自然", "日出"), 300, "sunrise"),
    ("wenhua", "文化路夜市", "嘉義", 23.4785, 120.4488, ("夜市", "小吃", "美食"), 120, "night"),
    ("chicken", "嘉義雞肉飯", "嘉義", 23.4800, 120.4494, ("小吃", "美食"), 30, "any"),
    ("anping", "安平古堡", "台南", 23.0015, 120.1606, ("古蹟", "歷史"), 60, "afternoon"),
    ("beef", "台南牛肉湯", "台南", 22.9899, 120.1985, ("美食", "小吃"), 30, "morning"),
    ("chihkan", "赤崁樓", "台南", 22.9975, 120.2025, ("古蹟", "歷史"), 45, "any"),
    ("confucius", "台南孔廟", "台南", 22.9905, 120.2040, ("古蹟", "宗教"), 60, "morning"),
    ("guohua", "國華街", "台南", 22.9966, 120.1985, ("美食", "小吃"), 90, "any"),
    ("garden", "花園夜市", "台南", 23.0112, 120.2002, ("夜市", "小吃", "美食"), 120, "night"),
    ("chimei", "奇美博物館", "台南", 22.9346, 120.2260, ("博物館", "藝術"), 180, "afternoon"),
    ("hayashi", "林百貨", "台南", 22.9918, 120.2025, ("古蹟", "購物", "文青"), 60, "afternoon"),
    ("shennong", "神農街", "台南", 22.9976, 120.1965, ("老街", "文青", "夜景"), 60, "night"),
    ("oldst", "安平老街", "台南", 23.0011, 120.1622, ("老街", "小吃", "購物"), 90, "afternoon"),
    ("pier2", "駁二藝術特區", "高雄", 22.6201, 120.2818, ("藝術", "文青"), 120, "afternoon"),
    ("liuhe", "六合夜市", "高雄", 22.6320, 120.2990, ("夜市", "小吃", "美食"), 90, "night"),
    ("cijin", "旗津", "高雄", 22.6137, 120.2678, ("海邊", "美食"), 180, "evening"),
    ("lotus", "蓮池潭", "高雄", 22.6783, 120.2940, ("宗教", "景觀"), 90, "morning"),
    ("eluan", "鵝鑾鼻燈塔", "屏東", 21.9021, 120.8527, ("古蹟", "海邊"), 90, "morning"),
    ("kenting", "墾丁大街", "屏東", 21.9441, 120.7972, ("夜市", "小吃"), 120, "night"),
    ("liuqiu", "小琉球", "屏東", 22.3439, 120.3733, ("離島", "海邊"), 480, "morning"),
    ("sanxian", "三仙台", "台東", 23.1240, 121.4150, ("海邊", "日出"), 90, "sunrise"),
    ("chishang", "池上伯朗大道", "台東", 23.1040, 121.2300, ("自然", "農場"), 90, "morning"),
    ("taroko", "太魯閣國家公園", "花蓮", 24.1586, 121.6217, ("自然", "步道"), 240, "morning"),
    ("qixing", "七星潭", "花蓮", 24.0296, 121.6255, ("海邊", "日出"), 60, "sunrise"),
    ("dongdamen", "東大門夜市", "花蓮", 23.9743, 121.6064, ("夜市", "小吃", "美食"), 90, "night"),
    ("magong", "馬公天后宮", "澎湖", 23.5647, 119.5635, ("古蹟", "宗教"), 45, "morning"),
    ("bridge", "澎湖跨海大橋", "澎湖", 23.6520, 119.5420, ("景觀", "離島"), 45, "evening"),
    ("jiufen", "九份老街", "新北", 25.1097, 121.8451, ("老街", "美食", "小吃"), 150, "afternoon"),
    ("tamsui", "淡水老街", "新北", 25.1700, 121.4400, ("老街", "小吃"), 120, "evening"),
]
BY_KEY = {p[0]: p for p in PLACES}


def seg(key: str, chapter: int = 1, **changes) -> Segment:
    """The segment about place ``key``; another ``chapter`` is another video segment of that place."""
    _, place, city, lat, lon, tags, visit, best = BY_KEY[key]
    data = {
        "segment_id": f"t-{key}#{chapter:02d}",
        "video_id": f"t-{key}",
        "title": f"{place} 走走",
        "place": place,
        "city": city,
        "lat": lat,
        "lon": lon,
        "start_s": 10.0 * chapter,
        "end_s": 10.0 * chapter + 60,
        "text": f"{place}的介紹。",
        "tags": list(tags),
        "visit_minutes": visit,
        "best_time": best,
        "source": VideoSource(kind="local", ref=f"t-{key}.mp4"),
    }
    data.update(changes)
    return Segment(**data)


def segs(*keys: str) -> list[Segment]:
    return [seg(k) for k in keys]


def hualien_stops() -> list[Segment]:
    """花蓮 as the sample corpus has it: the gorge has no restaurant, the food is in town, at 新城 (an ice) and
    at 玉里. In order: 清水斷崖, 砂卡礑步道, 燕子口, 液香扁食, 廟口紅茶, 佳興冰菓室, 鯉魚潭, 六十石山, 玉里麵,
    東大門夜市."""
    gorge = dict(city="花蓮", area="太魯閣峽谷", tags=["自然", "步道"], best_time="morning")
    return [
        seg("taroko", place="清水斷崖", lat=24.2188, lon=121.6932, visit_minutes=40, **gorge),
        seg("taroko", 2, place="砂卡礑步道", lat=24.1631, lon=121.6127, visit_minutes=120, **gorge),
        seg("taroko", 3, place="燕子口", lat=24.1732, lon=121.5667, visit_minutes=45, **gorge),
        seg("beef", place="液香扁食", city="花蓮", lat=23.9778, lon=121.6078, best_time="any"),
        seg("beef", 2, place="廟口紅茶", city="花蓮", lat=23.9745, lon=121.6092),
        seg("beef", 3, place="佳興冰菓室", city="花蓮", lat=24.1283, lon=121.6413, tags=["小吃", "甜點"]),
        seg("sunmoon", place="鯉魚潭", city="花蓮", lat=23.9288, lon=121.5099, visit_minutes=120),
        seg("chishang", place="六十石山", city="花蓮", lat=23.2389, lon=121.3065, visit_minutes=90),
        seg("beef", 4, place="玉里麵", city="花蓮", lat=23.3357, lon=121.3117, best_time="any"),
        seg("dongdamen"),
    ]


PENGHU = [  # place, area, lat, lon, tags, visit minutes, best time, hours: the sample corpus's places.csv
    ("雙心石滬", "七美", 23.219, 119.443, ["離島", "海邊"], 40, "morning", ""),
    ("望夫石", "七美", 23.2128, 119.4362, ["離島", "景觀"], 20, "morning", ""),
    ("小台灣", "七美", 23.1983, 119.433, ["離島", "海邊"], 20, "morning", ""),
    ("馬公天后宮", "馬公市區", 23.5647, 119.5635, ["古蹟", "宗教"], 45, "morning", "07:00-19:00"),
    ("觀音亭", "馬公市區", 23.5696, 119.5604, ["景觀", "夜景"], 45, "evening", ""),
    ("馬公中央老街", "馬公市區", 23.565, 119.5641, ["老街", "小吃", "古蹟"], 45, "any", ""),
    ("澎湖海鮮餐廳", "馬公市區", 23.5668, 119.569, ["美食", "海邊"], 60, "any", "11:00-21:00"),
    ("富園百元海鮮", "馬公市區", 23.5668, 119.5681, ["美食", "海邊"], 60, "evening", "17:00-22:00"),
    ("玉冠嫩仙草", "馬公市區", 23.5662, 119.5672, ["甜點", "小吃"], 20, "any", "11:00-21:00"),
    ("澎湖跨海大橋", "北環", 23.639, 119.547, ["景觀", "海邊"], 45, "evening", ""),
    ("大菓葉柱狀玄武岩", "北環", 23.5957, 119.5165, ["自然", "景觀"], 30, "any", ""),
    ("二崁聚落", "北環", 23.6005, 119.5068, ["古蹟", "老街", "小吃"], 60, "afternoon", ""),
    ("通梁古榕", "北環", 23.6497, 119.5522, ["自然", "古蹟"], 30, "any", ""),
    ("易家仙人掌冰", "北環", 23.6493, 119.5531, ["甜點", "小吃"], 20, "afternoon", "09:00-18:00"),
    ("奎壁山摩西分海", "", 23.5975, 119.6748, ["自然", "海邊"], 60, "any", ""),
]


def penghu_stops() -> list[Segment]:
    """澎湖 as the sample corpus has it: 七美 (a boat away) with three sights and no food, 馬公's old town and
    its restaurants, the north ring (西嶼, 白沙) and 奎壁山."""
    return [
        seg("magong", k, place=place, city="澎湖", area=area, lat=lat, lon=lon, tags=tags, visit_minutes=visit,
            best_time=best, hours=hours)
        for k, (place, area, lat, lon, tags, visit, best, hours) in enumerate(PENGHU, start=1)
    ]  # fmt: skip
