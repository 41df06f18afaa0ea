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
