"""Vocabulary for the intent parser: places that stand for a city, interest words, pace words.

City names and their own aliases live in ``core.text`` (``canonical_city``).
"""

from __future__ import annotations

# Famous places people name instead of the city (「墾丁三天」 is a 屏東 trip).
PLACE_CITIES = {
    "安平": "台南",
    "旗津": "高雄",
    "駁二": "高雄",
    "礁溪": "宜蘭",
    "羅東": "宜蘭",
    "九份": "新北",
    "淡水": "新北",
    "平溪": "新北",
    "十分": "新北",
    "烏來": "新北",
    "野柳": "新北",
    "北投": "台北",
    "陽明山": "台北",
    "西門町": "台北",
    "大稻埕": "台北",
    "日月潭": "南投",
    "清境": "南投",
    "阿里山": "嘉義",
    "太魯閣": "花蓮",
    "墾丁": "屏東",
    "恆春": "屏東",
    "小琉球": "屏東",
    "綠島": "台東",
    "蘭嶼": "台東",
    "鹿港": "彰化",
    "逢甲": "台中",
    # the corpus's other areas (places.csv `area`), so 「三峽鶯歌一日遊」 is a 新北 trip, not a city-less one
    "三峽": "新北",
    "鶯歌": "新北",
    "金瓜石": "新北",
    "金山": "新北",
    "萬里": "新北",
    "溪頭": "南投",
    "八斗子": "基隆",
    "頭城": "宜蘭",
    "七美": "澎湖",
    "馬公": "澎湖",
    "北環": "澎湖",
    "玉里": "花蓮",
    "富里": "花蓮",
    "池上": "台東",
    "貓空": "台北",
    "艋舺": "台北",
    "西子灣": "高雄",
}

# tag → words that ask for it (tags are the corpus tag list in assets/corpus/authoring/FORMAT.md).
INTEREST_WORDS: dict[str, tuple[str, ...]] = {
    "美食": ("美食", "好吃", "吃吃喝喝", "餐廳", "料理", "吃貨", "必吃", "想吃", "愛吃", "吃的"),
    "小吃": ("小吃", "路邊攤", "在地吃"),
    "古蹟": ("古蹟", "古城", "老建築", "古厝", "城堡"),
    "歷史": ("歷史", "文化", "古早"),
    "夜市": ("夜市",),
    "自然": ("自然", "森林", "山林", "爬山", "湖", "瀑布", "綠意", "芬多精", "山景"),
    "海邊": ("海邊", "海灘", "沙灘", "看海", "海景", "衝浪", "玩水", "海岸"),
    "溫泉": ("溫泉", "泡湯"),
    "親子": ("親子", "小孩", "孩子", "小朋友", "兒童", "家庭"),
    "文青": ("文青", "文創", "藝文"),
    "博物館": ("博物館", "展館"),
    "步道": ("步道", "健行", "登山"),
    "購物": ("購物", "逛街", "血拼", "伴手禮", "買東西"),
    "夜景": ("夜景",),
    "老街": ("老街",),
    "宗教": ("廟宇", "寺廟", "拜拜", "宗教", "媽祖", "廟"),
    "日出": ("日出",),
    "藝術": ("藝術", "美術館", "展覽"),
    "離島": ("離島", "跳島"),
    "農場": ("農場", "牧場", "採果"),
    "咖啡": ("咖啡",),
    "甜點": ("甜點", "甜食", "下午茶", "豆花", "剉冰"),
    "景觀": ("景觀", "風景", "拍照", "打卡", "景色"),
}

KID_WORDS = ("親子", "小孩", "孩子", "小朋友", "兒童", "帶小孩", "寶寶")
ELDER_WORDS = ("長輩", "爸媽", "父母", "阿公", "阿嬤", "爺爺", "奶奶", "老人家")

# Checked before PACKED_WORDS: 「不要太緊湊」 is relaxed.
RELAXED_WORDS = (
    "輕鬆",
    "悠閒",
    "慢慢",
    "放鬆",
    "慢活",
    "慢遊",
    "不要太趕",
    "不要太緊湊",
    "別太趕",
    "不趕",
    "不要太累",
    "休閒",
    "隨興",
    "耍廢",
    "走走就好",
    "少排一點",
    "少一點景點",
    "鬆一點",
)
PACKED_WORDS = (
    "緊湊",
    "充實",
    "多排一點",
    "越多越好",
    "塞滿",
    "排滿",
    "跑很多",
    "行程滿",
    "特種兵",
    "暴走",
    "多一點景點",
    "多跑幾個",
    "趕一點",
)
LATE_START_WORDS = ("不要太早", "睡晚一點", "晚點出發", "睡到自然醒", "晚一點出門")

# Words that ask for a plan rather than only a list of places (trip lengths are parsed separately).
PLAN_WORDS = ("行程", "規劃", "安排", "排", "玩", "旅行", "旅遊", "日遊", "走走", "出遊", "一趟", "度假", "週末")
# A question about places ("有什麼夜市？") gets a list of segments unless it also gives a trip length.
QUESTION_WORDS = ("有什麼", "有哪些", "哪裡", "哪些", "推薦", "好吃嗎", "在哪")

# Region words: a place name that means an area of the gazetteer (「墾丁」 is the 恆春 peninsula, not 小琉球).
REGION_AREAS = {
    "墾丁": "恆春半島", "恆春": "恆春半島", "太魯閣": "太魯閣峽谷", "日月潭": "日月潭", "阿里山": "阿里山",
    "清境": "清境", "北投": "北投", "安平": "安平", "九份": "九份・金瓜石", "金瓜石": "九份・金瓜石",
    "淡水": "淡水", "小琉球": "小琉球", "七美": "七美", "礁溪": "礁溪", "旗津": "旗津", "平溪": "平溪線",
    "十分": "平溪線", "烏來": "烏來", "陽明山": "陽明山", "溪頭": "溪頭", "池上": "池上", "貓空": "貓空",
    "三峽": "三峽・鶯歌", "鶯歌": "三峽・鶯歌", "八斗子": "八斗子", "頭城": "頭城", "金山": "金山・萬里",
    "萬里": "金山・萬里", "玉里": "玉里・富里", "富里": "玉里・富里", "艋舺": "艋舺", "大稻埕": "大稻埕",
    "西子灣": "西子灣", "台中海線": "台中海線", "馬公": "馬公市區", "北環": "北環",
}  # fmt: skip
# English and pinyin names of those places: (city, gazetteer area) — "Kenting" is the 恆春 peninsula in 屏東.
ENGLISH_PLACES = {
    "kenting": ("屏東", "恆春半島"), "hengchun": ("屏東", "恆春半島"), "xiaoliuqiu": ("屏東", "小琉球"),
    "liuqiu": ("屏東", "小琉球"), "taroko": ("花蓮", "太魯閣峽谷"), "sun moon lake": ("南投", "日月潭"),
    "qingjing": ("南投", "清境"), "cingjing": ("南投", "清境"), "xitou": ("南投", "溪頭"),
    "alishan": ("嘉義", "阿里山"), "jiufen": ("新北", "九份・金瓜石"), "tamsui": ("新北", "淡水"),
    "danshui": ("新北", "淡水"), "pingxi": ("新北", "平溪線"), "wulai": ("新北", "烏來"),
    "sanxia": ("新北", "三峽・鶯歌"), "yingge": ("新北", "三峽・鶯歌"), "beitou": ("台北", "北投"),
    "yangmingshan": ("台北", "陽明山"), "maokong": ("台北", "貓空"), "anping": ("台南", "安平"),
    "jiaoxi": ("宜蘭", "礁溪"), "chishang": ("台東", "池上"), "cijin": ("高雄", "旗津"),
    "qijin": ("高雄", "旗津"), "qimei": ("澎湖", "七美"), "magong": ("澎湖", "馬公市區"),
}  # fmt: skip
NEAR_WORDS = ("附近", "周邊", "一帶", "周圍", "近郊")
BUDGET_WORDS = {"low": ("省錢", "小資", "便宜", "平價", "窮遊", "預算有限", "budget", "cheap"),
                "high": ("奢華", "高級", "頂級", "預算充足", "不怕花錢", "luxury")}  # fmt: skip
SUNRISE_WORDS = ("日出", "sunrise")
EARLY_HOME_WORDS = ("早點回", "早一點回", "早點結束", "早點離開", "趕車", "搭車回")

# English requests: words → the zh-TW tags and pace/party the parser knows.
ENGLISH_INTERESTS = {
    "美食": ("food", "eat", "restaurant", "cuisine"), "小吃": ("street food", "snack"),
    "夜市": ("night market",), "溫泉": ("hot spring", "onsen"), "海邊": ("beach", "sea", "coast", "ocean"),
    "博物館": ("museum",), "古蹟": ("historic", "heritage", "old town"), "自然": ("nature", "lake", "mountain"),
    "步道": ("hiking", "hike", "trail"), "宗教": ("temple",), "咖啡": ("coffee", "cafe", "café"),
    "甜點": ("dessert", "sweets"), "購物": ("shopping",), "夜景": ("night view",), "日出": ("sunrise",),
    "文青": ("hipster", "art district", "creative"), "老街": ("old street",), "親子": ("kids", "children", "family"),
}  # fmt: skip
ENGLISH_RELAXED = ("relaxed", "relaxing", "slow", "easy", "chill", "laid-back", "leisurely")
ENGLISH_PACKED = ("packed", "busy", "as much as possible", "intense")
ENGLISH_KIDS = ("kids", "children", "child", "family")
ENGLISH_ELDERS = ("parents", "elderly", "grandparents", "seniors")
ENGLISH_PLAN = ("plan", "trip", "itinerary", "tour", "visit", "travel", "day trip", "weekend")
ENGLISH_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "a": 1, "half": 1}
