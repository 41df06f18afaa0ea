"""Digit-run recogniser: resident IDs, mobiles, landlines, bank cards, foreign phones, bare-digit permits.

A run is digits joined by at most three separators (space, dash, brackets), so 138 1234 5678, 138-1234-5678 and
(0571) 8888 6666 are one run. Inside a run we try the longest consecutive groups first, so a date or a quantity typed
next to a phone number does not hide it. Then the digits are classified by length, prefix and checksum, and the nearest
context cue decides the ambiguous cases (an 11-digit order number after 订单号 is not a phone)."""

from __future__ import annotations

import re

from guardrails.pii.checksums import luhn_valid, resident_id_structure, resident_id_valid
from guardrails.pii.context import money_context, nearest_cue
from guardrails.pii.types import Candidate

# An ID's check character may follow its last digit after one space when digits were read one by one ("9 8 X").
_RUN = re.compile(r"\d+(?:[ \t\-()（）]{1,3}\d+)*(?: ?[Xx](?![A-Za-z]))?")
_GROUP = re.compile(r"\d+(?: ?[Xx](?![A-Za-z]))?")
_MAX_GROUPS = 7  # a 19-digit card in 4-digit blocks is 5 groups; +86 138 1234 5678 is 4
# Digits read one by one come out of ASR spaced ("1 3 8 1 7 6 2 4 5 9 0"): when a run is made of short groups, look as
# far as the digit budget allows instead of stopping at _MAX_GROUPS.
_MAX_DIGITS = 22


def _classify(d: str, cue: str | None, plus: bool, whole: bool = True) -> tuple[str, float] | None:
    """`whole`: the digits are the entire run; cue-only classes (a bare 8-digit landline) need that."""
    n = len(d)
    if n < 7:
        return None  # nothing we recognise is shorter than a 7-digit local landline
    ends_x = d[-1] in "Xx"
    if ends_x and n != 18:
        return None
    if n in (15, 18) and resident_id_structure(d):
        if resident_id_valid(d):
            return "CN_RESIDENT_ID", 1.0 if n == 18 else (0.9 if cue != "order" else 0.3)
        if cue == "id":
            return "CN_RESIDENT_ID", 0.7  # a mistyped check digit is still somebody's ID
    if ends_x:
        return None
    if plus:
        return _international(d)
    order = cue == "order"
    if n == 11 and d[0] == "1" and d[1] in "3456789":
        return ("CN_MOBILE", 0.95) if not order else None
    if n == 13 and d.startswith("86") and d[2] == "1" and d[3] in "3456789":
        return ("CN_MOBILE", 0.95) if not order else None
    if d[0] == "0" and d[1] != "0" and (n == 11 or (n == 12 and d[1] not in "12")):
        return ("CN_LANDLINE", 0.9) if not order else None
    if 16 <= n <= 19 and d[0] in "3456" and luhn_valid(d):
        return ("BANK_CARD", 1.0 if cue == "card" else 0.9) if not order else None
    if 16 <= n <= 19 and cue == "card":
        return "BANK_CARD", 0.6
    if not whole:
        return None
    if cue == "phone" and 7 <= n <= 8 and d[0] in "23456789":
        return "CN_LANDLINE", 0.7
    if (
        cue == "phone"
        and n == 10
        and d[:3] not in ("400", "800")
        and d[0] in "23456789"
        and d[3] in "23456789"
    ):
        return "PHONE", 0.8  # a North American number typed without format
    if cue == "permit" and n in (8, 10):
        return "TRAVEL_PERMIT", 0.9
    if cue == "passport" and n == 9:
        return "PASSPORT", 0.9
    if cue == "ssn" and n == 9:
        return "US_SSN", 0.9
    return None


def _international(d: str) -> tuple[str, float] | None:
    """After a '+': China goes to its own types, every other country code is PHONE."""
    if d.startswith("86"):
        rest = d[2:]
        if len(rest) == 11 and rest[0] == "1" and rest[1] in "3456789":
            return "CN_MOBILE", 0.95
        if 9 <= len(rest) <= 11:
            return "CN_LANDLINE", 0.9
        return None
    return ("PHONE", 0.9) if 8 <= len(d) <= 15 else None


# A label glued to the number (TEL138…, mob.138…): the letters before the digits are a phone's, not a code's.
_PHONE_LABEL = re.compile(r"(?:^|[^A-Za-z])(?:tel|phone|mobile|mob|cell|fax|hp)[.:#]?$", re.IGNORECASE)
# A mobile in 3-4-4 groups joined by a separator the run does not take (138.1762.4590, 138/1762/4590, 138_1762_4590,
# 138·1762·4590): the same separator twice, and the exact phone shape, so versions, dates and IPs do not match.
_SEPARATED_MOBILE = re.compile(r"(?<![0-9])(?:\+?86[ .]?)?1[3-9]\d([./_·•])\d{4}\1\d{4}(?![0-9]|[./_·•]\d)")


# A landline in groups joined by a separator the run does not take (010.6234.5678, 0571.8888.6666, 021/5888/1234): the
# area code (0 then 2-3 digits), then 7-8 digits in one or two groups after the same separator. The digits must make
# a landline (_classify), so versions, dates and IPs (2.10.3, 2024.10.05, 10.62.34.56) do not match.
_SEPARATED_LANDLINE = re.compile(
    r"(?<![0-9.])0[1-9]\d{1,2}([./_·•])(?:\d{3,4}\1\d{4}|\d{7,8})(?![0-9]|[./_·•]\d)"
)


def _glued(text: str, start: int) -> bool:
    """The digits at `start` continue a code (SO13812345678, CA-2023-0815's tail, AB-200) or a decimal, unless what
    they are glued to is a phone label."""
    if start == 0:
        return False
    before = text[start - 1]
    code = (before.isascii() and before.isalnum()) or before in "_."
    if not code and start > 1 and before == "-" and text[start - 2].isascii() and text[start - 2].isalpha():
        code = True  # AB-200, E-203
    return code and not _PHONE_LABEL.search(text[max(0, start - 8) : start])


def find_numbers(text: str) -> list[Candidate]:
    out: list[Candidate] = []
    for run in _RUN.finditer(text):
        start = run.start()
        end = run.end()
        if end < len(text) and text[end] == "." and end + 1 < len(text) and text[end + 1].isdigit():
            continue  # a decimal amount, or a dotted number (handled by _separated below)
        groups = [(m.start(), m.end()) for m in _GROUP.finditer(text, start, end)]
        if _glued(text, start):
            # the first group is a code's tail; a phone after a space may still follow (订单SO-1 138 1762 4590)
            groups = groups[1:]
            if not groups or text[groups[0][0] - 1] not in " \t":
                continue
        if _business_line(text[start:end]):
            continue  # 400-800-1234: a company hotline; its parts are not a landline either
        out.extend(_scan_groups(text, groups))
    return out + _separated(text)


def _separated(text: str) -> list[Candidate]:
    out: list[Candidate] = []
    for m in _SEPARATED_MOBILE.finditer(text):
        start = m.start()
        if _glued(text, start) or money_context(text, start, m.end()):
            continue
        if nearest_cue(text, start) == "order":
            continue  # an order number after its cue keeps its shape (订单号138.1762.4590)
        out.append(Candidate("CN_MOBILE", start, m.end(), 0.95))
    for m in _SEPARATED_LANDLINE.finditer(text):
        start = m.start()
        if _glued(text, start) or money_context(text, start, m.end()):
            continue
        digits = "".join(c for c in m.group(0) if c.isdigit())
        if _classify(digits, nearest_cue(text, start), plus=False) == ("CN_LANDLINE", 0.9):
            out.append(Candidate("CN_LANDLINE", start, m.end(), 0.9))  # an order cue makes _classify say None
    return out


def _business_line(run: str) -> bool:
    digits = "".join(c for c in run if c.isdigit())
    return len(digits) == 10 and digits[:3] in ("400", "800")


def _last_group(groups: list[tuple[int, int]], i: int) -> int:
    """The furthest group j such that groups i..j hold at most _MAX_DIGITS characters (at least _MAX_GROUPS groups)."""
    total, j = 0, i
    while j < len(groups):
        total += groups[j][1] - groups[j][0]
        if total > _MAX_DIGITS and j - i >= _MAX_GROUPS:
            break
        j += 1
    return max(i, min(j, len(groups)) - 1)


def _scan_groups(text: str, groups: list[tuple[int, int]]) -> list[Candidate]:
    found: list[Candidate] = []
    i = 0
    while i < len(groups):
        hit = None
        for j in range(_last_group(groups, i), i - 1, -1):
            s, e = groups[i][0], groups[j][1]
            digits = "".join(text[a:b] for a, b in groups[i : j + 1]).replace(" ", "")
            if len(digits) > _MAX_DIGITS:
                continue
            plus = s > 0 and text[s - 1] == "+"
            if digits.startswith("00") and len(digits) > 10:
                plus, digits = True, digits[2:]  # 0086 … is +86 …
            if money_context(text, s, e):
                break
            whole = i == 0 and j == len(groups) - 1
            label = _classify(digits, nearest_cue(text, s), plus, whole)
            if label is not None:
                span_start = s - 1 if s > 0 and text[s - 1] == "+" else s
                hit = (Candidate(label[0], span_start, e, label[1]), j)
                break
        if hit is None:
            i += 1
            continue
        found.append(hit[0])
        i = hit[1] + 1
    return found
