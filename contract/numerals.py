"""Spoken and mixed digit strings: 一三八一七六二四五九零, 幺三八 (幺 = 1), 两 (= 2), 洞 (= 0), 一三八 1762 四五九零,
一三八，一七六二，四五九零. Shared by the PII masker (which needs the normalised text to be exactly as long as the
original, so a match is a span of the original) and the voice pipeline (which wants plain digits to show).

Only a *run* is converted: Chinese and ASCII digits joined by at most one separator (space, comma, 、, dash), holding at
least `min_digits` digits and at least one Chinese digit. Seven digits read one by one are a number read aloud, never
prose; shorter runs (二零二四年, E二零三) are left as they are unless the caller asks for a lower minimum."""

from __future__ import annotations

import re
from collections.abc import Iterator

HAN_DIGITS = "〇零洞幺一二两三四五六七八九"
_TO_ASCII = str.maketrans(HAN_DIGITS, "00011223456789")
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
