"""Chinese numerals, written and spoken: the one digit table the policy parser (contract.quantities), the grounding
check (guardrails.grounding), the PII masker (guardrails.pii) and the voice desk (channels.voice) all read.

Written numerals: 三 → 3, 二十四 → 24, 一百零五 → 105, 三点五 → 3.5, 一万二 → 12000 (`cn_number`, exact Decimal;
`cn_to_number`, a float that also reads Arabic digits).

Spoken and mixed digit strings: 一三八一七六二四五九零, 幺三八 (幺 = 1), 两 (= 2), 洞 (= 0), 一三八 1762 四五九零,
一三八，一七六二，四五九零. The PII masker needs the normalised text to be exactly as long as the original (so a match is a
span of the original); the voice pipeline wants plain digits to show.

Only a *run* is converted: Chinese and ASCII digits joined by at most one separator (space, comma, 、, dash), holding at
least `min_digits` digits and at least one Chinese digit. Seven digits read one by one are a number read aloud, never
prose; shorter runs (二零二四年, E二零三) are left as they are unless the caller asks for a lower minimum."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

# ---- written numerals ----------------------------------------------------------------------------------------------

CN_DIGITS: dict[str, int] = {
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
CN_UNITS: dict[str, int] = {"十": 10, "百": 100, "千": 1000}
# a Chinese numeral inside a regex (no 万: policy text writes 万 as a unit, 50万元)
CN_NUM = "[零〇一二两三四五六七八九十百千]+(?:点[零〇一二三四五六七八九]+)?"
CN_NUM_CHARS = "零〇一二两三四五六七八九十百千万点"  # what a numeral in a draft may be made of


def cn_number(text: str) -> Decimal | None:
    """三 → 3, 十五 → 15, 二十四 → 24, 一百零五 → 105, 三点五 → 3.5, 一万二千 → 12000; None when it is not a Chinese
    numeral."""
    if not text:
        return None
    if "点" in text:
        whole, _, frac = text.partition("点")
        w = cn_number(whole) if whole else Decimal(0)
        if w is None or not frac or any(c not in CN_DIGITS for c in frac):
            return None
        return w + Decimal("0." + "".join(str(CN_DIGITS[c]) for c in frac))
    if "万" in text:
        high, _, low = text.partition("万")
        h = cn_number(high) if high else Decimal(1)
        lo = cn_number(low) if low else Decimal(0)
        return None if h is None or lo is None else h * 10000 + lo
    total, current = 0, 0
    for ch in text:
        if ch in CN_DIGITS:
            current = CN_DIGITS[ch]
        elif ch in CN_UNITS:
            total += (current or 1) * CN_UNITS[ch]
            current = 0
        else:
            return None
    return Decimal(total + current)


def cn_to_number(text: str) -> float | None:
    """Arabic or Chinese numeral → float (1.5 → 1.5, 三点五 → 3.5, 一百零五 → 105); None if it is not a number."""
    text = text.strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        pass
    value = cn_number(text)
    return None if value is None else float(value)


# ---- spoken digit runs -----------------------------------------------------------------------------------------------

# A caller reading digits one by one also says 洞 (0) and 幺 (1).
SPOKEN_DIGITS: dict[str, int] = {**CN_DIGITS, "洞": 0, "幺": 1}
HAN_DIGITS = "".join(SPOKEN_DIGITS)
_TO_ASCII = str.maketrans({c: str(v) for c, v in SPOKEN_DIGITS.items()})
# Full-width digits count as digits too (the masker turns them half-width first; the voice side may not).
_DIGIT = rf"[0-9０-９{HAN_DIGITS}]"
_SEP = r"[ \u3000,，、\-－]"
# A run may end in an ID check character: X, x, or 叉 (how a caller says it).
_RUN = re.compile(rf"{_DIGIT}(?:{_SEP}?{_DIGIT})*(?:{_SEP}?[Xx叉](?![A-Za-z]))?")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_SEP_CHARS = frozenset(" \u3000,，、-－")
DEFAULT_MIN_DIGITS = 7


def han_to_ascii(text: str) -> str:
    """Every Chinese digit character → its ASCII digit (one character each; nothing else changes)."""
    return text.translate(_TO_ASCII)


def spoken_runs(text: str, min_digits: int = DEFAULT_MIN_DIGITS) -> Iterator[tuple[int, int]]:
    """(start, end) of every digit run with at least `min_digits` digits and at least one Chinese digit."""
    for m in _RUN.finditer(text):
        start, end = m.start(), m.end()
        # 13812345678一直开着, 两个: a lone Chinese digit glued to written digits and followed by a word is that word's
        # first character, not the number's last digit
        if (
            end < len(text)
            and _CJK.match(text[end])
            and text[end] not in HAN_DIGITS
            and text[end - 1] in HAN_DIGITS
            and (end - start < 2 or text[end - 2] not in HAN_DIGITS)
        ):
            end -= 1
        run = text[start:end]
        digits = sum(1 for c in run if c not in _SEP_CHARS and c not in "Xx叉")
        if digits >= min_digits and any(c in HAN_DIGITS for c in run):
            yield start, end


def _convert_run(run: str) -> str:
    """Digits to ASCII, separators to a space (the masker's digit grouping reads spaces), 叉 to X; same length."""
    out = []
    for c in han_to_ascii(run):
        if c in _SEP_CHARS and c != "-":
            out.append(" ")
        elif c == "叉":
            out.append("X")
        elif "０" <= c <= "９":
            out.append(chr(ord(c) - 0xFEE0))
        else:
            out.append(c)
    return "".join(out)


def normalise_spoken(text: str, min_digits: int = DEFAULT_MIN_DIGITS) -> str:
    """Length-preserving: each spoken / mixed digit run becomes ASCII digits with plain spaces between its groups."""
    if not any(c in HAN_DIGITS for c in text):
        return text
    parts: list[str] = []
    pos = 0
    for start, end in spoken_runs(text, min_digits):
        parts.append(text[pos:start])
        parts.append(_convert_run(text[start:end]))
        pos = end
    parts.append(text[pos:])
    return "".join(parts)


def spoken_to_digits(text: str, min_digits: int = DEFAULT_MIN_DIGITS) -> str:
    """For display (the voice desk): each run becomes compact digits, separators dropped (一三八 1762 → 1381762)."""
    if not any(c in HAN_DIGITS for c in text):
        return text
    parts: list[str] = []
    pos = 0
    for start, end in spoken_runs(text, min_digits):
        parts.append(text[pos:start])
        parts.append(_convert_run(text[start:end]).replace(" ", "").replace("-", ""))
        pos = end
    parts.append(text[pos:])
    return "".join(parts)
