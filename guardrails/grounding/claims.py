"""Claims a draft makes that evidence must support: percentages (3%, 百分之三, 97折), money (¥1,200 / 1200元 / 1.2万元),
dates (2026-07-01, 2026年7月1日, 7月1日), quantities with units (15天, 2年, 30 days), product models (AB-700, XY-3.5),
versions (V3.2), bare numbers, and promises (保证, 承诺, 一定, guarantee). Each claim has a normalised value so the
draft's wording and the evidence's wording compare equal."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from contract.numerals import CN_NUM_CHARS, cn_to_number

NUM = rf"(?:\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?|[{CN_NUM_CHARS}]+)"
_MONTHS = {
    m: i
    for i, m in enumerate(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ],
        1,
    )
}


@dataclass(frozen=True)
class Claim:
    kind: str  # percent | money | date | quantity | model | version | number | promise
    text: str
    value: object
    start: int
    end: int


def _num(s: str) -> float | None:
    return cn_to_number(s.replace(",", ""))


def _yuan(amount: str, scale: str) -> float | None:
    v = _num(amount)
    return None if v is None else v * {"万": 1e4, "千": 1e3, "亿": 1e8}.get(scale or "", 1.0)


def _discount_off(s: str) -> float | None:
    """97折 / 九七折 → 3 (% off); 9折 → 10; 8.5折 → 15."""
    s = s.replace("点", ".")
    digits = "".join(str(int(cn_to_number(c) or 0)) if c not in ".0123456789" else c for c in s)
    try:
        paid = float(digits)
    except ValueError:
        return None
    paid = paid * 10 if paid < 10 else paid  # 9折 → 90 %, 97折 → 97 %
    return round(100 - paid, 4) if 0 < paid < 100 else None


_UNIT_CANON = {
    "个工作日": "工作日",
    "工作日": "工作日",
    "working days": "工作日",
    "business days": "工作日",
    "天": "天",
    "日": "天",
    "day": "天",
    "days": "天",
    "小时": "小时",
    "hour": "小时",
    "hours": "小时",
    "周": "周",
    "星期": "周",
    "week": "周",
    "weeks": "周",
    "个月": "月",
    "月": "月",
    "month": "月",
    "months": "月",
    "年": "年",
    "year": "年",
    "years": "年",
    "件": "件",
    # Measure words for people, places, pieces and cases: 2人, 3家, 100枚, 5例 (a closed list; see the report).
    "人": "人",
    "名": "人",
    "位": "人",
    "家": "家",
    "枚": "枚",
    "例": "例",
    "张": "张",
    "份": "份",
    "台": "台",
    "套": "套",
    "盒": "盒",
    "支": "支",
    "个": "个",
    "次": "次",
    "箱": "箱",
    # an English count names no measure word: "5 units" is 5台, 5件 or 5套 of the evidence (COUNT_UNITS)
    "units": "count",
    "unit": "count",
    "pcs": "count",
    "sets": "套",
    "set": "套",
}
_TIME_UNITS = {"工作日", "天", "小时", "周", "月", "年"}
# what an English count ("units") may stand for in Chinese evidence: the measure words of things sold
COUNT_UNITS = {"件", "台", "套", "盒", "支", "个", "箱", "张", "份", "枚"}


def _quantity(amount: str, unit: str) -> tuple[float, str] | None:
    """15天 → (15, 天). Chinese numerals only count before time units: 一个 / 这次 are wording, not claims."""
    canon_unit = _UNIT_CANON[unit.lower()]
    if not amount[0].isdigit() and canon_unit not in _TIME_UNITS:
        return None
    value = _num(amount)
    return None if value is None else (value, canon_unit)


_UNITS = "|".join(sorted(map(re.escape, _UNIT_CANON), key=len, reverse=True))

# (kind, regex, value function); order matters: earlier kinds claim their span first.
_PATTERNS: list[tuple[str, re.Pattern[str], object]] = [
    (
        "date",
        re.compile(r"(\d{4})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})\s*[日号]?"),
        lambda m: (int(m[1]), int(m[2]), int(m[3])),
    ),
    (
        "date",
        re.compile(r"(?i)\b(" + "|".join(_MONTHS) + r")\s+(\d{1,2}),?\s+(\d{4})"),
        lambda m: (int(m[3]), _MONTHS[m[1].lower()], int(m[2])),
    ),
    (
        "date",
        re.compile(r"(?i)\b(\d{1,2})\s+(" + "|".join(_MONTHS) + r")\s+(\d{4})"),
        lambda m: (int(m[3]), _MONTHS[m[2].lower()], int(m[1])),
    ),
    ("date", re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月(?!\s*\d)"), lambda m: (int(m[1]), int(m[2]), None)),
    (
        "date",
        re.compile(r"(?<![\d.])(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]"),
        lambda m: (None, int(m[1]), int(m[2])),
    ),
    (
        "date",
        re.compile(r"(?<![\d.])(\d{4})\s*年(?!\s*\d)(?!度?以?[内后前])"),
        lambda m: (int(m[1]), None, None),
    ),
    ("percent", re.compile(rf"百分之\s*({NUM})"), lambda m: _num(m[1])),
    ("percent", re.compile(rf"({NUM})\s*(?:%|个百分点|个点)"), lambda m: _num(m[1])),
    (
        "percent",
        re.compile(
            r"(?<![\d.])((?:\d(?:\.\d)?|\d{2}|[一二三四五六七八九]{1,2}(?:点[一二三四五六七八九])?))\s*折"
        ),
        lambda m: _discount_off(m[1]),
    ),
    ("money", re.compile(rf"(?:[¥$]|RMB|CNY)\s*({NUM})\s*(万|千|亿)?\s*元?"), lambda m: _yuan(m[1], m[2])),
    ("money", re.compile(rf"({NUM})\s*(万|千|亿)?\s*(?:元|块钱|块|人民币)"), lambda m: _yuan(m[1], m[2])),
    ("version", re.compile(r"(?i)(?<![A-Za-z0-9])V\s?(\d+(?:\.\d+)+|\d+)(?![\d.])"), lambda m: m[1]),
    (
        "model",
        re.compile(r"(?<![A-Za-z0-9])([A-Z]{1,4})[-\s]?(\d{1,4}(?:\.\d+)?[A-Z]?)(?![A-Za-z0-9])"),
        lambda m: (m[1] + m[2]).upper(),
    ),
    ("quantity", re.compile(rf"(?i)({NUM})\s*({_UNITS})"), lambda m: _quantity(m[1], m[2])),
    ("number", re.compile(r"(?<![\d.\[])\d+(?:\.\d+)?(?![\d\]])"), lambda m: _num(m[0])),
]
PROMISE = re.compile(
    r"(?i)(保证|承诺|一定|肯定会|确保|绝对|包退|包换|包赔|百分百|稳赚|无条件|\bguarantee[ds]?\b|\bpromise[ds]?\b|"
    r"\bdefinitely\b|\bcertainly\b|\bassure[ds]?\b|\bwithout fail\b)"
)
_CITATION = re.compile(r"\[\d{1,3}\]")


def canon(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace("￥", "¥")


def extract(text: str) -> list[Claim]:
    """Claims in `text` (already NFKC): longest-first per kind order, no two claims overlapping."""
    taken = bytearray(len(text) + 1)
    for m in _CITATION.finditer(text):
        taken[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
    claims: list[Claim] = []
    for kind, regex, fn in _PATTERNS:
        for m in regex.finditer(text):
            if any(taken[m.start() : m.end()]):
                continue
            value = fn(m)  # type: ignore[operator]
            if value is None:
                continue
            if kind == "number" and len(m[0]) < 2 and "." not in m[0]:
                continue  # single digits (第3条, 1个) carry too little to check on their own
            taken[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
            claims.append(Claim(kind, m[0], value, m.start(), m.end()))
    titles = [t.span() for t in re.finditer(r"《[^》]{1,60}》", text)]
    for m in PROMISE.finditer(text):
        if any(a <= m.start() < b for a, b in titles):
            continue  # a word of a cited document's title (《…质量保证政策》) promises nothing
        claims.append(Claim("promise", m[0], m[0].lower(), m.start(), m.end()))
    return sorted(claims, key=lambda c: c.start)
