"""WeChat emoji codes and Unicode emoji → sentiment / intent signals.

The table (code → meaning, sentiment −1…+1, urgency 0…1, intent hint):

| code | meaning | sentiment | urgency | intent hint |
|---|---|---|---|---|
| [微笑] 🙂 😊 | polite smile (in WeChat often cool or passive-aggressive: kept near neutral) | +0.1 | 0 | |
| [捂脸] 🤦 | embarrassed / exasperated | −0.3 | 0.1 | complaint |
| [OK] 👌 | agreement, acknowledgement | +0.4 | 0 | acknowledge |
| [抱拳] 🙏 | thanks, please (polite request) | +0.4 | 0.1 | thanks |
| [强] 👍 | approval | +0.6 | 0 | acknowledge |
| [弱] 👎 | disapproval | −0.6 | 0.1 | complaint |
| [流泪] 😭 😢 | distress | −0.6 | 0.3 | complaint |
| [发怒] 😡 😠 | anger | −0.9 | 0.5 | complaint |
| [撇嘴] | displeasure | −0.4 | 0.1 | complaint |
| [难过] ☹️ | sad | −0.5 | 0.2 | complaint |
| [擦汗] 😅 | awkward / under pressure | −0.2 | 0.2 | |
| [疑问] ❓ 🤔 | confused, asking | 0 | 0.1 | question |
| [握手] 🤝 | deal, cooperation | +0.5 | 0 | acknowledge |
| [玫瑰] 🌹 | goodwill | +0.5 | 0 | thanks |
| [愉快] 😄 😁 | happy | +0.6 | 0 | |
| [呲牙] 😀 | grin | +0.5 | 0 | |
| [囧] 😓 | embarrassed | −0.2 | 0 | |
| [炸弹] 💣 | furious | −0.8 | 0.4 | complaint |
| [急] ⏰ 🔥 | hurry | −0.1 | 0.6 | urgent |

Unknown codes are kept as text with a neutral meaning; several emoji add up and are clipped to the −1…+1 / 0…1 range.
"""

from __future__ import annotations

import re
from typing import NamedTuple


class EmojiMeaning(NamedTuple):
    meaning_zh: str
    sentiment: float
    urgency: float
    intent_hint: str


_T = EmojiMeaning
EMOJI_TABLE: dict[str, EmojiMeaning] = {
    "[微笑]": _T("微笑（礼貌，语气中性）", 0.1, 0.0, ""),
    "[捂脸]": _T("捂脸（尴尬、无奈）", -0.3, 0.1, "complaint"),
    "[OK]": _T("OK（同意、收到）", 0.4, 0.0, "acknowledge"),
    "[抱拳]": _T("抱拳（拜托、感谢）", 0.4, 0.1, "thanks"),
    "[强]": _T("点赞（认可）", 0.6, 0.0, "acknowledge"),
    "[弱]": _T("踩（不认可）", -0.6, 0.1, "complaint"),
    "[流泪]": _T("流泪（难受、着急）", -0.6, 0.3, "complaint"),
    "[发怒]": _T("发怒（生气）", -0.9, 0.5, "complaint"),
    "[撇嘴]": _T("撇嘴（不满）", -0.4, 0.1, "complaint"),
    "[难过]": _T("难过", -0.5, 0.2, "complaint"),
    "[擦汗]": _T("擦汗（尴尬、有压力）", -0.2, 0.2, ""),
    "[疑问]": _T("疑问（不明白）", 0.0, 0.1, "question"),
    "[握手]": _T("握手（合作）", 0.5, 0.0, "acknowledge"),
    "[玫瑰]": _T("玫瑰（友好）", 0.5, 0.0, "thanks"),
    "[愉快]": _T("愉快", 0.6, 0.0, ""),
    "[呲牙]": _T("呲牙（开心）", 0.5, 0.0, ""),
    "[囧]": _T("囧（尴尬）", -0.2, 0.0, ""),
    "[炸弹]": _T("炸弹（非常生气）", -0.8, 0.4, "complaint"),
    "[急]": _T("着急", -0.1, 0.6, "urgent"),
}
UNICODE_ALIASES = {
    "🙂": "[微笑]", "😊": "[微笑]", "🤦": "[捂脸]", "👌": "[OK]", "🙏": "[抱拳]", "👍": "[强]", "👎": "[弱]",
    "😭": "[流泪]", "😢": "[流泪]", "😡": "[发怒]", "😠": "[发怒]", "☹️": "[难过]", "☹": "[难过]", "😅": "[擦汗]",
    "❓": "[疑问]", "🤔": "[疑问]", "🤝": "[握手]", "🌹": "[玫瑰]", "😄": "[愉快]", "😁": "[愉快]", "😀": "[呲牙]",
    "😓": "[囧]", "💣": "[炸弹]", "⏰": "[急]", "🔥": "[急]",
}  # fmt: skip
WECHAT_CODE = re.compile(r"\[[\u4e00-\u9fffA-Za-z]{1,4}\]")
UNICODE_EMOJI = re.compile("|".join(re.escape(k) for k in sorted(UNICODE_ALIASES, key=len, reverse=True)))


def lookup(code: str) -> EmojiMeaning | None:
    code = code.strip()
    return EMOJI_TABLE.get(UNICODE_ALIASES.get(code, code))


def find_emoji(text: str) -> list[str]:
    """Every known WeChat code and Unicode emoji in the text, in order (citation markers like [1] are not emoji)."""
    found = [m.group(0) for m in WECHAT_CODE.finditer(text) if m.group(0) in EMOJI_TABLE]
    found += [m.group(0) for m in UNICODE_EMOJI.finditer(text)]
    return found


def emoji_signals(codes: list[str]) -> dict[str, float]:
    sentiment = urgency = 0.0
    hints: dict[str, float] = {}
    for code in codes:
        meaning = lookup(code)
        if meaning is None:
            continue
        sentiment += meaning.sentiment
        urgency += meaning.urgency
        if meaning.intent_hint:
            hints[f"emoji_hint_{meaning.intent_hint}"] = hints.get(f"emoji_hint_{meaning.intent_hint}", 0) + 1
    if not codes:
        return {}
    return {
        "emoji_count": float(len(codes)),
        "emoji_sentiment": max(-1.0, min(1.0, sentiment)),
        "emoji_urgency": max(0.0, min(1.0, urgency)),
        **hints,
    }
