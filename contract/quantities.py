"""Numbers with units, ranges with inclusive/exclusive bounds and date windows, read from policy text.

Policies write "50万（含）至100万元", "不超过3%", "超过3%且不超过8%", "200万元（含）以上", "首单货款九折", "24个月",
"2026年9月1日至2027年6月30日". Everything is Decimal; money is normalised to 元 (万元 × 10 000), a discount written in
折 keeps its unit (九折 = 9 折 = a 10 % discount, see `discount_percent`).

Bounds: "以上/以下/以内/不超过/不低于" include the number itself (民法典第一千二百五十九条: 以上、以下、以内、届满包括本数;
不满、超过、以外不包括本数), an explicit （含）/（不含） overrides, and a bare "X至Y" includes both ends. Adjacent tiers that
both claim a boundary are settled by the table (`contract.tables.settle_tiers`). Chinese numerals are read by
`contract.numerals`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from contract.numerals import CN_DIGITS, CN_NUM, cn_number

NUM = r"\d+(?:,\d{3})*(?:\.\d+)?"

# unit as written → (canonical unit, factor to the canonical unit)
UNITS: dict[str, tuple[str, Decimal]] = {
    "亿元": ("元", Decimal(100_000_000)),
    "万元": ("元", Decimal(10_000)),
    "千元": ("元", Decimal(1_000)),
    "元": ("元", Decimal(1)),
    "块": ("元", Decimal(1)),
    "万": ("元?", Decimal(10_000)),  # "50万" — money when the range or the header says 元
    "%": ("%", Decimal(1)),
    "％": ("%", Decimal(1)),
    "个百分点": ("%", Decimal(1)),
    "折": ("折", Decimal(1)),
    "个月": ("个月", Decimal(1)),
    "月": ("个月", Decimal(1)),
    "年": ("年", Decimal(1)),
    "周": ("天", Decimal(7)),
    "个工作日": ("工作日", Decimal(1)),
    "工作日": ("工作日", Decimal(1)),
    "天": ("天", Decimal(1)),
    "日": ("天", Decimal(1)),
    "小时": ("小时", Decimal(1)),
    "分钟": ("分钟", Decimal(1)),
    "万公里": ("km", Decimal(10_000)),
    "万km": ("km", Decimal(10_000)),
    "万千米": ("km", Decimal(10_000)),
    "公里": ("km", Decimal(1)),
    "km": ("km", Decimal(1)),
    "万次": ("次", Decimal(10_000)),
    "台次": ("台次", Decimal(1)),
    "次": ("次", Decimal(1)),
    "台": ("台", Decimal(1)),
    "辆": ("辆", Decimal(1)),
    "套": ("套", Decimal(1)),
    "件": ("件", Decimal(1)),
}
UNIT_RE = "|".join(sorted(map(re.escape, UNITS), key=len, reverse=True))
# "年" alone is a unit only after a small count ("2年"), never after a year ("2026年")
QUANTITY = re.compile(rf"(?P<num>{NUM}|{CN_NUM})\s*(?P<unit>{UNIT_RE})")


class ParseError(ValueError):
    """A number, range or date the policy states in a form this parser cannot read: a tool says "can't compute"."""


def number(text: str) -> Decimal:
    """Arabic or Chinese numeral → Decimal; ParseError otherwise."""
    t = text.strip().replace(",", "")
    try:
        return Decimal(t)
    except InvalidOperation:
        value = cn_number(t)
        if value is None:
            raise ParseError(f"not a number: {text!r}") from None
        return value


@dataclass(frozen=True)
class Quantity:
    value: Decimal  # in the canonical unit (元, %, 折, 个月, 天, km …)
    unit: str
    raw: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"value": str(self.value), "unit": self.unit, "raw": self.raw}

    @staticmethod
    def from_json(d: dict[str, Any]) -> Quantity:
        return Quantity(Decimal(d["value"]), d["unit"], d.get("raw", ""))


def _quantity(num: str, unit: str, raw: str) -> Quantity:
    canon, factor = UNITS[unit]
    if unit == "折" and len(num) == 2 and all(c in CN_DIGITS for c in num):
        # 九五折 / 七五折 are read digit by digit: 9.5 折, 7.5 折
        return Quantity(Decimal(f"{CN_DIGITS[num[0]]}.{CN_DIGITS[num[1]]}"), canon, raw)
    return Quantity(number(num) * factor, canon, raw)


def quantities(text: str) -> list[Quantity]:
    """Every number-with-unit in `text`, in order. A year ("2026年") and a date's month/day are not quantities."""
    out = []
    for m in QUANTITY.finditer(text):
        unit, num = m.group("unit"), m.group("num")
        if unit in ("年", "月", "日") and re.match(r"^\d{4}$", num):
            continue  # 2026年 is a date, not a duration
        if unit in ("月", "日") and _inside_date(text, m.start(), m.end()):
            continue
        q = _quantity(num, unit, m.group(0))
        out.append(Quantity(q.value, q.unit.rstrip("?"), q.raw))
    return out


def _inside_date(text: str, start: int, end: int) -> bool:
    return any(d.start() <= start and end <= d.end() for d in DATE.finditer(text))


def discount_percent(q: Quantity) -> Decimal:
    """A discount as the percentage taken off: 九折 (9 折) → 10, 8.5折 → 15, 95折 → 5; 10% → 10."""
    if q.unit == "%":
        return q.value
    if q.unit != "折":
        raise ParseError(f"{q.raw!r} is not a discount")
    tenths = q.value if q.value < 10 else q.value / 10  # 95折 means 9.5 折
    return (Decimal(10) - tenths) * 10


# ---- ranges ------------------------------------------------------------------------------------------------------

INCL_MARK = r"[（(]\s*含\s*[)）]"
EXCL_MARK = r"[（(]\s*不含\s*[)）]"
BOUND = rf"(?P<@n>{NUM}|{CN_NUM})\s*(?P<@u>{UNIT_RE})?\s*(?P<@m>{INCL_MARK}|{EXCL_MARK})?"


def _bound(tag: str) -> str:
    return BOUND.replace("@", tag)


BETWEEN = re.compile(_bound("a") + r"\s*(?:至|到|~|～|—|–|-)\s*" + _bound("b"))
# "3年以上至6年（含）": above A up to B
ABOVE_TO = re.compile(_bound("a") + r"\s*(?:以上|及以上)\s*(?:至|到|~|～)\s*" + _bound("b"))
LOWER_WORDS = r"(?:达到|超过|高于|多于|大于|不低于|不少于|至少|满|≥|>=|>|不小于)"
UPPER_WORDS = r"(?:不超过|不高于|不多于|最多|少于|低于|不足|不满|未满|小于|≤|<=|<|不大于)"
PRE_LOW = re.compile(rf"(?<!不)(?P<w>{LOWER_WORDS})\s*" + _bound("a"))
PRE_HIGH = re.compile(rf"(?<!不)(?P<w>{UPPER_WORDS})\s*" + _bound("b"))
POST = re.compile(
    _bound("a")
    + r"\s*(?P<w>及以上|以上|及以下|以下|以内|之内|内)\s*(?P<tail>"
    + INCL_MARK
    + "|"
    + EXCL_MARK
    + ")?"
)
EXCLUSIVE_WORDS = {"超过", "高于", "多于", "大于", ">", "少于", "低于", "不足", "不满", "未满", "小于", "<"}


@dataclass(frozen=True)
class Range:
    """low/high in one canonical unit; None = unbounded on that side. `explicit_*` records a written （含）/（不含）."""

    unit: str
    low: Decimal | None = None
    high: Decimal | None = None
    low_inclusive: bool = True
    high_inclusive: bool = True
    explicit_low: bool = False
    explicit_high: bool = False
    raw: str = ""

    def contains(self, value: Decimal) -> bool:
        if self.low is not None and (value < self.low or (value == self.low and not self.low_inclusive)):
            return False
        return not (
            self.high is not None and (value > self.high or (value == self.high and not self.high_inclusive))
        )

    def describe(self) -> str:
        lo = "" if self.low is None else f"{'[' if self.low_inclusive else '('}{self.low}"
        hi = "" if self.high is None else f"{self.high}{']' if self.high_inclusive else ')'}"
        return f"{lo or '(-∞'}, {hi or '+∞)'} {self.unit}"

    def as_json(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "low": None if self.low is None else str(self.low),
            "high": None if self.high is None else str(self.high),
            "low_inclusive": self.low_inclusive,
            "high_inclusive": self.high_inclusive,
            "explicit_low": self.explicit_low,
            "explicit_high": self.explicit_high,
            "raw": self.raw,
        }

    @staticmethod
    def from_json(d: dict[str, Any]) -> Range:
        return Range(
            d["unit"],
            None if d["low"] is None else Decimal(d["low"]),
            None if d["high"] is None else Decimal(d["high"]),
            d["low_inclusive"],
            d["high_inclusive"],
            d.get("explicit_low", False),
            d.get("explicit_high", False),
            d.get("raw", ""),
        )


def _value(m: re.Match[str], tag: str, unit_hint: str | None) -> tuple[Decimal, str]:
    num, unit = m.group(f"{tag}n"), m.group(f"{tag}u") or unit_hint
    if unit is None:
        return number(num), ""
    q = _quantity(num, unit, m.group(0))
    return q.value, q.unit


def _mark(m: re.Match[str], tag: str) -> bool | None:
    mark = m.group(f"{tag}m")
    if not mark:
        return None
    return "不含" not in mark


def _unify(unit_a: str, unit_b: str) -> str:
    units = {u.rstrip("?") for u in (unit_a, unit_b) if u}
    if len(units) > 1:
        raise ParseError(f"a range mixes units {sorted(units)}")
    return units.pop() if units else ""


def parse_range(text: str, default_unit: str = "") -> Range | None:
    """The first range phrase in `text`, or None when there is none. "50万（含）至100万元" → [500000, 1000000] 元."""
    t = text.strip()
    lows = list(PRE_LOW.finditer(t))
    highs = list(PRE_HIGH.finditer(t))
    if lows and highs:  # "超过3%且不超过8%"
        lo, hi = lows[0], highs[0]
        a, ua = _value(lo, "a", hi.group("bu"))
        b, ub = _value(hi, "b", lo.group("au"))
        unit = _unify(ua, ub) or default_unit
        return Range(
            unit, a, b, lo.group("w") not in EXCLUSIVE_WORDS, hi.group("w") not in EXCLUSIVE_WORDS, raw=t
        )
    if m := ABOVE_TO.search(t):
        a, ua = _value(m, "a", m.group("bu"))
        b, ub = _value(m, "b", m.group("au"))
        unit = _unify(ua, ub) or default_unit
        lb = _mark(m, "b")
        return Range("元" if unit == "元?" else unit, a, b, True, lb is not False, False, lb is not None, t)
    if m := BETWEEN.search(t):
        ub_raw = m.group("bu")
        a, ua = _value(m, "a", ub_raw)  # "50万至100万元": the first bound takes the second's unit
        b, ub = _value(m, "b", m.group("au"))
        unit = _unify(ua, ub) or default_unit
        if ua == "元?" or ub == "元?":
            unit = "元"
        la, lb = _mark(m, "a"), _mark(m, "b")
        return Range(unit, a, b, la is not False, lb is not False, la is not None, lb is not None, t)
    if m := POST.search(t):
        v, u = _value(m, "a", None)
        unit = (u.rstrip("?") or default_unit) if u != "元?" else "元"
        mark = _mark(m, "a")
        if mark is None and m.group("tail"):  # "5%以内（含）": the mark after the word
            mark = "不含" not in m.group("tail")
        if m.group("w") in ("以上", "及以上"):
            return Range(unit, low=v, low_inclusive=mark is not False, explicit_low=mark is not None, raw=t)
        return Range(unit, high=v, high_inclusive=mark is not False, explicit_high=mark is not None, raw=t)
    if lows:
        v, u = _value(lows[0], "a", None)
        return Range(
            (u.rstrip("?") or default_unit),
            low=v,
            low_inclusive=lows[0].group("w") not in EXCLUSIVE_WORDS,
            raw=t,
        )
    if highs:
        v, u = _value(highs[0], "b", None)
        return Range(
            (u.rstrip("?") or default_unit),
            high=v,
            high_inclusive=highs[0].group("w") not in EXCLUSIVE_WORDS,
            raw=t,
        )
    return None


# ---- dates -------------------------------------------------------------------------------------------------------

DATE = re.compile(r"(?P<y>\d{4})\s*(?:年|-|/|\.)\s*(?P<m>\d{1,2})\s*(?:月|-|/|\.)\s*(?P<d>\d{1,2})\s*日?")
DATE_WINDOW = re.compile(
    DATE.pattern.replace("?P<y>", "?P<y1>").replace("?P<m>", "?P<m1>").replace("?P<d>", "?P<d1>")
    + r"\s*(?:起)?\s*(?:至|到|~|～|—|–|-)\s*"
    + DATE.pattern.replace("?P<y>", "?P<y2>").replace("?P<m>", "?P<m2>").replace("?P<d>", "?P<d2>")
)


def parse_date(text: str) -> date:
    m = DATE.search(text)
    if not m:
        raise ParseError(f"no date in {text!r}")
    try:
        return date(int(m["y"]), int(m["m"]), int(m["d"]))
    except ValueError as exc:
        raise ParseError(f"not a calendar date: {m.group(0)!r}") from exc


def dates(text: str) -> list[date]:
    out = []
    for m in DATE.finditer(text):
        try:
            out.append(date(int(m["y"]), int(m["m"]), int(m["d"])))
        except ValueError:
            continue
    return out


@dataclass(frozen=True)
class DateWindow:
    start: date
    end: date  # inclusive
    raw: str = ""

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def as_json(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "raw": self.raw}


def date_windows(text: str) -> list[DateWindow]:
    """ "2026年9月1日至2027年6月30日" → a window including both days."""
    out = []
    for m in DATE_WINDOW.finditer(text):
        try:
            a = date(int(m["y1"]), int(m["m1"]), int(m["d1"]))
            b = date(int(m["y2"]), int(m["m2"]), int(m["d2"]))
        except ValueError:
            continue
        if a <= b:
            out.append(DateWindow(a, b, m.group(0)))
    return out
