"""Chinese numerals to numbers, for the small values drafts state (百分之三点五, 两年, 十五天, 一千二百元)."""

from __future__ import annotations

_DIGIT = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_UNIT = {"十": 10, "百": 100, "千": 1000}
CN_NUM_CHARS = "零〇一二两三四五六七八九十百千万点"


def cn_to_number(text: str) -> float | None:
    """三 → 3, 十五 → 15, 二十 → 20, 一百零五 → 105, 三点五 → 3.5, 1.5 → 1.5; None if it is not a number."""
    text = text.strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        pass
    if "点" in text:
        whole, _, frac = text.partition("点")
        w = cn_to_number(whole) if whole else 0.0
        if w is None or not frac or any(c not in _DIGIT for c in frac):
            return None
        return w + float("0." + "".join(str(_DIGIT[c]) for c in frac))
    if "万" in text:
        high, _, low = text.partition("万")
        h = cn_to_number(high) if high else 1.0
        lo = cn_to_number(low) if low else 0.0
        return None if h is None or lo is None else h * 10000 + lo
    total, current = 0, 0
    for ch in text:
        if ch in _DIGIT:
            current = _DIGIT[ch]
        elif ch in _UNIT:
            total += (current or 1) * _UNIT[ch]
            current = 0
        else:
            return None
    return float(total + current)
