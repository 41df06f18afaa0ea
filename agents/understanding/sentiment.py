"""Sentiment (−1…+1) and urgency (0…1) from keywords, emoji signals and voice pause/hesitation signals."""

from __future__ import annotations

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


def affect_groups(text: str) -> int:
    """How many affect groups (AFFECT_GROUPS) the message shows."""
    low = text.lower()
    return sum(1 for words in AFFECT_GROUPS.values() if any(w in low for w in words))


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
