"""Sentiment (−1…+1) and urgency (0…1) from keywords, emoji signals and voice pause/hesitation signals."""

from __future__ import annotations

import re

NEGATIVE = (
    "投诉",
    "不满",
    "太差",
    "生气",
    "失望",
    "坑",
    "垃圾",
    "离谱",
    "怎么回事",
    "还没",
    "一直",
    "再不",
    "complain",
    "terrible",
    "angry",
    "unacceptable",
    "disappointed",
)
POSITIVE = ("谢谢", "感谢", "太好了", "不错", "满意", "辛苦", "thanks", "thank you", "great")
URGENT = (
    "急",
    "马上",
    "立刻",
    "尽快",
    "今天必须",
    "停机",
    "手术",
    "报警",
    "过热",
    "故障",
    "urgent",
    "asap",
    "immediately",
)


# Affect and escalation, in groups: a complaint is said by several of them at once (anger spelled out, a demand to
# escalate, a threat to take the business elsewhere, a failure that keeps coming back), whatever topic it is about.
# Generic language, no taxonomy's words; `affect_groups` counts how many groups a message shows.
AFFECT_GROUPS: dict[str, tuple[str, ...]] = {
    "exclaim": ("！！", "!!", "？！", "?!", "！？"),
    "escalate": (
        "领导",
        "负责人",
        "上级",
        "店长",
        "总经理",
        "投诉",
        "12315",
        "消协",
        "曝光",
        "媒体",
        "律师",
        "起诉",
        "manager",
        "supervisor",
        "your boss",
        "escalate",
        "lawyer",
        "complain",
    ),
    "threat": (
        "再也不",
        "不会再",
        "不在你们",
        "换一家",
        "别家",
        "never again",
        "elsewhere",
        "take our business",
        "last time we",
    ),
    "again": (
        "第二次",
        "第三次",
        "第三回",
        "好几次",
        "又坏",
        "又出",
        "还没修好",
        "都没修好",
        "没人理",
        "没人管",
        "没人回",
        "没人联系",
        "again",
        "nobody",
        "no one",
        "third time",
    ),
    "anger": (
        "气死",
        "太差",
        "态度",
        "不像话",
        "离谱",
        "无语",
        "垃圾",
        "坑人",
        "受够",
        "什么玩意",
        "ridiculous",
        "unacceptable",
        "terrible",
        "fed up",
        "sick of",
    ),
}


# The same groups by shape, in either language: a count of attempts or of waiting (修了三回 / 来了第4趟 / the 3rd time /
# how many times / waited five days / 等了一周), a fault back again (又亮了 / 又坏了 / keeps coming back / still not
# fixed), a demand for someone above the person served (找你们老板 / someone senior / who is in charge), a verdict on
# the business as a whole (worst dealer / useless / 到底行不行).
AFFECT_SHAPES: dict[str, re.Pattern[str]] = {
    "again": re.compile(
        r"[二两三四五六七八九十几\d]\s*(?:次|回|趟|遍)(?:了|都|还)|第[二三四五六七八九十\d]\s*(?:次|回|趟)"
        # a fault back again (又亮了 / 又坏了 / 又不行了), not a new order or visit (又订了 / 又来了); a count of times, not
        # a frequency ("2 times a year")
        r"|又(?:[坏响亮漏停卡抖熄断掉]|出(?:问题|毛病|故障)?|报|不(?:行|好|灵))了"
        r"|\b(?:\d+(?:st|nd|rd|th)|second|third|fourth|fifth|\d+)\s+times?\b(?!\s+(?:a|an|per|each|every)\s)"
        r"|how many times|keeps? coming back"
        r"|\bstill (?:not|isn't|hasn't|won't|doesn't)|\bnot fixed\b|\bcame back\b|\bwait(?:ed|ing)?\s+(?:for\s+)?"
        r"(?:\d+|a|two|three|four|five|several)\s+(?:days?|weeks?)|等了\s*[一二两三四五六七八九十几\d半]+\s*(?:天|周|个?星期|个?月)",
        re.I,
    ),
    "escalate": re.compile(
        # the business's head office asked for (找你们总部 / 投诉到总部), not the customer's own (我们总部在杭州)
        r"你们(?:的)?(?:老板|主管|头儿|总部)|(?:找|投诉到|告到|反映到|打到|联系)(?:你们)?总部|\bin charge\b|\bsomeone (?:senior|higher)|\bhigher up|\bhead office\b|\bformal complaint\b",
        re.I,
    ),
    "anger": re.compile(
        r"\bworst\b|\buseless\b|\brubbish\b|\bjoke\b|\bwaste of (?:my )?time\b|\bfed up\b|到底行不行|什么破|搞什么",
        re.I,
    ),
}


# A commitment of the other side said to have lapsed (round 22): what was promised («说好/答应/承诺/保证/拍胸脯/合同上写的/
# 不是说», "you promised", "was supposed to") and that the time has passed without it («都过了», «今天都9号了», «过去4天了»,
# «到今天还没», «结果…还没» (结果 alone is a connective; the customer's own side after it is no lapse), «连…都没», "it's Wednesday now", "nobody has even called"). Said together, the customer holds the
# business to its word: a grievance about whatever was promised (a delivery, a call back), not a question about it.
# Generic language, no taxonomy's words.
_PROMISED = re.compile(
    r"说好|讲好|约好|答应(?:过|了|我|我们)?|承诺|保证过|拍胸脯|打包票|合同上(?:写|签|定)|不是说"
    r"|\b(?:you|they|he|she)\s+(?:promised|said|told (?:me|us))\b|\bwas supposed to\b|\bwere supposed to\b",
    re.I,
)
_LAPSED = re.compile(
    r"(?:都|已经|早就?)过了|过去\s*[一二两三四五六七八九十几\d]+\s*(?:天|周|个?星期|个?月)|都\s*(?:\d{1,2}\s*月)?\s*\d{1,2}\s*[号日]了"
    r"|(?:到|直到)(?:今天|现在|目前)[^，。？！,.?!\n]{0,8}?(?:还|都|也)?(?:没|不)|结果[^，。？！,.?!\n我咱]{0,8}?(?:还|又|没|不|根本|压根)|连[^，。？！,.?!\n]{0,8}?都没"
    r"|没见着|没见到|没影|影子都|没(?:有)?(?:人来|人联系|人管|动静|消息|下文|准信|音讯)"
    r"|\b(?:it'?s|now it'?s|today is)\s+\w+day\b|\bnow\b[^.?!]{0,30}\b(?:nobody|no one|nothing|still|not)\b"
    r"|\bnobody has\b|\bstill (?:no|not|nothing)\b|\bhas(?:n't| not) (?:come|arrived|happened)\b",
    re.I,
)


def broken_promise(text: str) -> bool:
    """Whether the message says a commitment of the other side has lapsed (see _PROMISED, _LAPSED): the promise named,
    and after it the time passed without it."""
    m = _PROMISED.search(text)
    return m is not None and _LAPSED.search(text, m.end()) is not None


def affect_groups(text: str) -> int:
    """How many affect groups (AFFECT_GROUPS, by their words or their shapes) the message shows."""
    low = text.lower()
    return sum(
        1
        for group, words in AFFECT_GROUPS.items()
        if any(w in low for w in words) or (group in AFFECT_SHAPES and AFFECT_SHAPES[group].search(text))
    )


def score_sentiment(text: str, signals: dict[str, float]) -> tuple[float, float]:
    low = text.lower()
    neg = sum(low.count(w) for w in NEGATIVE)
    pos = sum(low.count(w) for w in POSITIVE)
    sentiment = 0.35 * (pos - neg) + signals.get("emoji_sentiment", 0.0)
    urgency = 0.3 * sum(1 for w in URGENT if w in low) + signals.get("emoji_urgency", 0.0)
    urgency += 0.1 * text.count("！") + 0.1 * text.count("!")
    # a hesitant caller (long pauses, fillers) is unsure, not angry: lower the sentiment only a little
    if signals.get("hesitation", 0.0) > 0.5:
        sentiment -= 0.1
    return max(-1.0, min(1.0, round(sentiment, 3))), max(0.0, min(1.0, round(urgency, 3)))
