"""The message as the readers read it: traditional characters as simplified ones (agents/traditional.py) and the
function words of Cantonese (粤语) and Shanghainese (沪语) as their Mandarin counterparts, so intent, the stance reader,
the reasoning tools and the screens reach their word lists (written in Mandarin) whichever way the customer writes:
«我架車嘅保養套餐唔想要喇 可唔可以退錢» reads «我那台车的保养套餐不想要了 可不可以退钱», «阿拉迭只套餐好退伐 几钿» reads
«我们这个套餐能退吗 多少钱».

perceive applies it where it applied the traditional → simplified table alone (the perceived text every later node
reads); the message itself (what pages and the thread display) keeps the customer's own words, the vault the raw values.

Only a text that carries a dialect's own marks is read as that dialect (a character or word no Mandarin sentence uses:
嘅 佢 咗 冇 哋 …, 阿拉 侬 几钿 啥辰光 …), so a Mandarin message is never changed: 系统 / 联系 / 仲裁 / 阿拉伯 / 步伐 stay as written.
A mark alone changes nothing that is not a dialect's word. Nothing here is a tenant's word."""

from __future__ import annotations

import re

from agents.traditional import to_simplified as _table_simplified

# traditional characters customers write that agents/traditional.py's table does not list (the dialects' own words,
# parts and faults): read here too, after that table
_MORE = str.maketrans(
    dict(
        zip(
            "見聽講領腳墊爛諗揀盤罰擋鬆緊輕鏡劃廢憑詢諮嘗試戰儀蓋鎖廂櫃遲識維紙終隻喚攤漲劑噴燒閃顯飾賺虧檔銀積趕遞閒須誰絡靜環",
            "见听讲领脚垫烂谂拣盘罚挡松紧轻镜划废凭询咨尝试战仪盖锁厢柜迟识维纸终只唤摊涨剂喷烧闪显饰赚亏档银积赶递闲须谁络静环",
            strict=True,
        )
    )
)


def to_simplified(text: str) -> str:
    """`text` with traditional characters in their simplified form (agents/traditional.py's table, then `_MORE`)."""
    return _table_simplified(text).translate(_MORE)


# ---- Cantonese -------------------------------------------------------------------------------------------------------
# words written only in Cantonese (none of them is a Mandarin word), longest first; simplified forms (the table has run)
_YUE_WORDS = (
    ("唔该晒", "谢谢"),
    ("唔該晒", "谢谢"),
    ("多谢晒", "谢谢"),
    ("唔该", "麻烦"),
    ("唔該", "麻烦"),
    ("係咪", "是不是"),
    ("系咪", "是不是"),
    ("係唔係", "是不是"),
    ("系唔系", "是不是"),
    ("唔係", "不是"),
    ("唔系", "不是"),
    ("唔知", "不知道"),
    ("唔好意思", "不好意思"),
    ("唔好", "不要"),
    ("唔使", "不用"),
    ("唔驶", "不用"),
    ("唔得", "不行"),
    ("得唔得", "行不行"),
    ("佢哋", "他们"),
    ("我哋", "我们"),
    ("你哋", "你们"),
    ("有冇", "有没有"),
    ("幾多錢", "多少钱"),
    ("几多钱", "多少钱"),
    ("幾錢", "多少钱"),
    ("几钱", "多少钱"),
    ("幾多折", "几折"),
    ("几多折", "几折"),
    ("幾多", "多少"),
    ("几多", "多少"),
    ("幾時", "什么时候"),
    ("几时", "什么时候"),
    ("乜嘢", "什么"),
    ("咩嘢", "什么"),
    ("乜野", "什么"),
    ("而家", "现在"),
    ("依家", "现在"),
    ("宜家", "现在"),
    ("邊個", "谁"),
    ("边个", "谁"),
    ("邊度", "哪里"),
    ("边度", "哪里"),
    ("琴日", "昨天"),
    ("寻日", "昨天"),
    ("尋日", "昨天"),
    ("听日", "明天"),
    ("聽日", "明天"),
    ("點樣", "怎么样"),
    ("点样", "怎么样"),
    ("點解", "为什么"),
    ("点解", "为什么"),
    ("點算", "怎么办"),
    ("点算", "怎么办"),
    ("平啲", "便宜点"),
    ("平d", "便宜点"),
    ("平D", "便宜点"),
    ("退返", "退回"),
    ("攞返", "拿回"),
    ("听讲", "听说"),
    ("真系定假", "真的假的"),
    ("听人讲", "听人说"),
    ("著咗", "亮了"),
    ("着咗", "亮了"),
    ("揸车", "开车"),
    ("揸車", "开车"),
    ("查埋", "也查"),
    ("睇埋", "也看"),
)
_YUE_CHARS = {
    "嘅": "的",
    "佢": "他",
    "咗": "了",
    "嗰": "那",
    "喺": "在",
    "哋": "们",
    "冇": "没有",
    "咩": "什么",
    "乜": "什么",
    "睇": "看",
    "嚟": "来",
    "攞": "拿",
    "畀": "给",
    "俾": "给",
    "嘢": "东西",
    "噉": "这样",
    "咁": "这么",
    "搵": "找",
    "揸": "开",
    "谂": "想",
    "㗎": "",
    "喎": "",
    "囉": "",
    "啩": "",
}
_YUE_DONE = re.compile(r"[喇嘞](?!叭)")  # 喇 / 嘞 closing a clause = 了 (喇叭 stays)
# a Cantonese text: one of its own characters or words (to tell 係 = 是, 架 = 台, 唔 = 不 from their Mandarin uses)
_YUE_MARK = re.compile(
    "[嘅佢咗啲嗰喺哋冇咩睇嚟攞畀嘢噉咁㗎喎囉啩搵揸諗谂]|係咪|系咪|唔(?=[\u4e00-\u9fff])|幾多|几多|有冇|而家|依家"
)
_YUE_IS = re.compile(r"(?<![联聯關关体體派直院世维維])[係系](?![统統列数數])")  # 係 «is»; 联系 / 系统 stay
# «佢架AB9», «我架X5», «部車»: 架 / 部, the measure words of a car, after its owner or opening the message
_YUE_CAR = re.compile(r"(?<=[\u4e00-\u9fff])(\s*)(?:呢|嗰)?架(?=\s*(?:[A-Za-z]{1,3}\d|车|車))")
_YUE_NOT_YET = re.compile(r"未(?=\s*(?:[呀啊呢啦吖]?\s*(?:[?？。!！，,]|$)))")
_YUE_SOME = re.compile(r"(?<=[我你他们們])啲")  # «我哋啲X3»: our X3s
_YUE_SAY = re.compile(
    r"(?<![电電对對说說讲講会會])[話话](?=\s*[佢他她我你])"
)  # «我老公話佢…»: 話 = 说 (not 电话)
_YUE_NOT = re.compile(r"唔(?=[\u4e00-\u9fff])")  # 唔 before a word = 不 (唔， alone is a hesitation)
# 仲 = 还 before what it qualifies (仲有, 仲喺, 仲未, 仲要 …); 仲裁 and a name's 仲 stay
_YUE_STILL = re.compile(r"仲(?=[有要想是系喺在未可能会得不没好揸开使用])")


def cantonese(text: str) -> str:
    """`text` (simplified) with Cantonese function words read as Mandarin ones; unchanged when it has no Cantonese
    mark (the measure word 架 before a car is read even so: «我架X5»)."""
    marked = _YUE_MARK.search(text) is not None
    if not marked and "架" not in text:
        return text
    out = text
    if marked:
        for yue, zh in _YUE_WORDS:
            out = out.replace(yue, zh)
    out = _YUE_CAR.sub(r"\1那台", out)
    if not marked:
        return out
    out = _YUE_IS.sub("是", out)
    out = _YUE_NOT_YET.sub("没", out)
    out = _YUE_SOME.sub("的", out)
    out = _YUE_SAY.sub("说", out)
    out = _YUE_NOT.sub("不", out)
    out = _YUE_STILL.sub("还", out)
    out = out.replace("啲", "些")
    out = _YUE_DONE.sub("了", out)
    return "".join(_YUE_CHARS.get(c, c) for c in out)


# ---- Shanghainese (Wu) ------------------------------------------------------------------------------------------------
# 阿拉 / 伊拉 are words only where no proper name goes on from them: 阿拉伯, 阿拉善, 阿拉斯加, 阿拉木图, 阿拉丁, 伊拉克 …
_WU_NAME_TAIL = "伯善斯丁木贡蕾巴克"
_WU_PRONOUN = re.compile(
    rf"([阿伊])拉(?![{_WU_NAME_TAIL}])"
)  # 阿拉 = 我们, 伊拉 = 他们 (a word, not a name's head)
_WU_WORDS = (
    ("屋里厢", "家里"),
    ("啥辰光", "什么时候"),
    ("辰光", "时候"),
    ("几钿", "多少钱"),
    ("多少钿", "多少钱"),
    ("哪能", "怎么"),
    ("今朝", "今天"),
    ("明朝", "明天"),
    ("昨日", "昨天"),
    ("交关", "很"),
    ("物事", "东西"),
    ("覅", "不要"),
    ("侬", "你"),
)
# a Shanghainese text: one of its own words (阿拉伯 is Arabic; 伐 only at a clause's end, not 步伐 / 征伐)
_WU_MARK = re.compile(
    rf"[阿伊]拉(?![{_WU_NAME_TAIL}])|侬|几钿|啥辰光|覅|屋里厢|哪能|今朝|明朝|交关|迭[只部个辆台趟]|搿[只部个辆台]"
    r"|(?<![步征讨砍杀])伐(?=\s|[?？。!！，,~～]|$)"
)
_WU_THIS = re.compile(r"[迭搿](?=[只部个辆台趟种])")  # 迭只 / 搿部 = 这个 / 这部
_WU_MEASURE = re.compile(r"(?<=这)只")  # 这只套餐 = 这个套餐
_WU_Q = re.compile(r"(?<![步征讨砍杀])伐(?=\s|[?？。!！，,~～]|$)")  # 伐 closing a question = 吗
_WU_NOT = re.compile(r"勿(?=[\u4e00-\u9fff])")  # 勿 = 不 (勿想要 → 不想要)
_WU_OFF = re.compile(r"(?<=[退卖卖交扔甩用吃掉赔])脱")  # 退脱 = 退掉
_WU_CAN = re.compile(r"(?<![你我他她们就只还最很真挺太])好(?=[退换提修开用办续买])")  # 好退 = 能退
_WU_BIT = re.compile(r"(?<=[便宜快早慢贵多少])眼(?=\s*(?:吗|伐|[?？。!！，,]|$))")  # 便宜眼 = 便宜点


def shanghainese(text: str) -> str:
    """`text` (simplified) with Shanghainese function words read as Mandarin ones; unchanged without a Wu mark."""
    if _WU_MARK.search(text) is None:
        return text
    out = _WU_Q.sub("吗", text)
    out = _WU_PRONOUN.sub(lambda m: "我们" if m.group(1) == "阿" else "他们", out)
    for wu, zh in _WU_WORDS:
        out = out.replace(wu, zh)
    out = _WU_THIS.sub("这", out)
    out = _WU_MEASURE.sub("个", out)
    out = _WU_NOT.sub("不", out)
    out = _WU_OFF.sub("掉", out)
    out = _WU_CAN.sub("能", out)
    return _WU_BIT.sub("点", out)


def reading(text: str) -> str:
    """The text the readers read: simplified characters, Cantonese and Shanghainese read as Mandarin. Idempotent;
    a Mandarin text in simplified characters is returned unchanged."""
    return shanghainese(cantonese(to_simplified(text)))


def is_dialect(text: str) -> bool:
    """Whether `text` carries a Cantonese or Shanghainese mark (what `reading` reads as Mandarin)."""
    simple = to_simplified(text)
    return _YUE_MARK.search(simple) is not None or _WU_MARK.search(simple) is not None
