"""A terse follow-up ("那个呢", "什么时候到期", "多少钱") is about what the conversation narrowed to, not about every asset
or order the customer has: when the current message names nothing that selects records, the assets and orders an
earlier turn (customer's or rep's) named — a delivery month or date, a model, a count matching a batch, an order
number, a VIN or plate tail — scope the tools. Only a non-empty subset narrows; anything else keeps all records."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from agents.reasoning.crm import CrmRecord
from contract.numerals import cn_number

LOOK_BACK = 4  # earlier turns read, newest first
MODEL = re.compile(r"(?<![A-Za-z0-9])([A-Z]{1,3}\d{1,3}[A-Z]?)(?![A-Za-z0-9])")
FULL_DAY = re.compile(r"(20\d{2})-(\d{1,2})-(\d{1,2})")
YEAR_MONTH = re.compile(
    r"(20\d{2}|(?<!\d)\d{2}(?=\s*年\s*\d{1,2}\s*月)|去年|今年|前年)\s*年?\s*"
    r"(?:(\d{1,2})\s*月(?:份)?(?:\s*(\d{1,2})\s*[日号])?)?"
)
BARE_MONTH = re.compile(r"(?<![\d个年])(\d{1,2})\s*月(?:份)?(?:\s*(\d{1,2})\s*[日号])?")
RELATIVE_YEAR = {"今年": 0, "去年": 1, "前年": 2}
RELATIVE_MONTH = {"上个月": 1, "上月": 1, "这个月": 0, "本月": 0}


def count_pattern(units: tuple[str, ...]) -> re.Pattern[str] | None:
    """A count of assets in the pack's own measure words ("那3台" with 台 listed); None when the pack lists none."""
    if not units:
        return None
    words = "|".join(re.escape(u) for u in sorted(units, key=len, reverse=True))
    return re.compile(rf"(?P<pre>[那这批的]?)\s*(?P<n>\d{{1,3}}|[一两二三四五六七八九十])\s*(?:{words})")


# a tail of an asset's id or plate ("尾号1234", "AB12C"); not a figure with its unit ("119700元", "2026年")
TAIL = re.compile(r"(?<![A-Za-z0-9])([A-Za-z0-9]{4,17})(?![A-Za-z0-9])(?!\s*[元万台辆件套年月日号%个天kK])")


@dataclass(frozen=True)
class Scope:
    """What an earlier turn narrowed the conversation to: asset ids (None = no narrowing) and order ids."""

    device_ids: frozenset[str] | None = None
    order_ids: tuple[str, ...] = ()
    turns_back: int = 0


def _day_matches(installed: str, year: int | None, month: int | None, day: int | None) -> bool:
    try:
        d = date.fromisoformat(installed[:10])
    except ValueError:
        return False
    return (
        (year is None or d.year == year)
        and (month is None or d.month == month)
        and (day is None or d.day == day)
    )


def _by_date(devices: list[dict[str, Any]], text: str, today: date) -> list[dict[str, Any]] | None:
    """The assets delivered on the days / in the months / years the text names; None when it names no such date or
    none of the assets was delivered then (the date is about something else: an invoice, a meeting)."""
    wanted: list[tuple[int | None, int | None, int | None]] = []
    rest = text
    for m in FULL_DAY.finditer(text):
        wanted.append((int(m.group(1)), int(m.group(2)), int(m.group(3))))
    rest = FULL_DAY.sub(" ", rest)
    for m in YEAR_MONTH.finditer(rest):
        word = m.group(1)
        if not word.isdigit() and word not in RELATIVE_YEAR:
            continue
        if word.isdigit() and "年" not in m.group(0) and not m.group(2):
            continue  # a bare four-digit number is not a year
        year = int(word) if word.isdigit() else today.year - RELATIVE_YEAR[word]
        year = 2000 + year if year < 100 else year  # "24年8月"
        wanted.append(
            (year, int(m.group(2)) if m.group(2) else None, int(m.group(3)) if m.group(3) else None)
        )
    rest = YEAR_MONTH.sub(lambda m: " " if ("年" in m.group(0) or m.group(2)) else m.group(0), rest)
    for m in BARE_MONTH.finditer(rest):
        wanted.append((None, int(m.group(1)), int(m.group(2)) if m.group(2) else None))
    for word, back in RELATIVE_MONTH.items():
        if word in text:
            y, m0 = divmod(today.year * 12 + today.month - 1 - back, 12)
            wanted.append((y, m0 + 1, None))
    wanted = [w for w in wanted if w[1] is None or 1 <= w[1] <= 12]
    if not wanted:
        return None
    hit = [d for d in devices if any(_day_matches(str(d.get("installed_at", "")), *w) for w in wanted)]
    return hit or None


def _by_model(devices: list[dict[str, Any]], text: str) -> list[dict[str, Any]] | None:
    codes = set(MODEL.findall(text))
    if not codes:
        return None

    def owns(d: dict[str, Any], code: str) -> bool:
        pattern = rf"(?<![A-Za-z0-9]){re.escape(code)}(?![A-Za-z0-9])"
        return any(re.search(pattern, str(d.get(k, ""))) for k in ("name", "product_id"))

    hit = [d for d in devices if any(owns(d, c) for c in codes)]
    return hit or None


def _squash(s: str) -> str:
    return re.sub(r"[\s·.\-]", "", s).upper()


def _by_tail(devices: list[dict[str, Any]], text: str) -> list[dict[str, Any]] | None:
    """Assets whose id or another identifier (a plate) ends with a code the text writes ("尾号1234")."""
    tails = [t.upper() for t in TAIL.findall(text) if re.search(r"\d", t)]
    if not tails:
        return None

    def ids(d: dict[str, Any]) -> list[str]:
        out = []
        for k, v in d.items():
            if k in ("name", "product_id", "installed_at") or not isinstance(v, str) or len(v) < 5:
                continue
            if re.match(r"^\d{4}-\d{2}-\d{2}", v) or not re.search(r"\d", v):
                continue
            out.append(_squash(v))
        return out

    hit = [d for d in devices if any(i.endswith(t) for i in ids(d) for t in tails)]
    return hit or None


def _count(text: str, dated: bool, units: tuple[str, ...] = ()) -> int | None:
    """A count that points at a batch: after 那/这 ("那3台"), or beside a delivery date the same text names."""
    pattern = count_pattern(units)
    for m in pattern.finditer(text) if pattern is not None else ():
        if m.group("pre") or dated:
            n = m.group("n")
            return int(n) if n.isdigit() else int(cn_number(n) or 0)
    return None


def select_devices(
    devices: list[dict[str, Any]], text: str, today: date, units: tuple[str, ...] = ()
) -> list[dict[str, Any]] | None:
    """The assets a text selects, or None when it names nothing that matches an asset. Each thing named narrows the
    set (a date and a model: the model's assets of that date); a count keeps the batches (one delivery day each) of
    that size. A name that matches none of the assets is left out (a month that is an invoice's, a model not
    owned); a count no batch has is left out too."""
    named = False
    chosen = devices
    for pick in (_by_tail, _by_model):
        got = pick(chosen, text)
        if got is not None:
            named, chosen = True, got
    dated = _by_date(chosen, text, today)
    if dated is not None:
        named, chosen = True, dated
    n = _count(text, dated is not None, units)
    if n is not None:
        batches: dict[str, list[dict[str, Any]]] = {}
        for d in chosen:
            batches.setdefault(str(d.get("installed_at", ""))[:10], []).append(d)
        sized = [d for ds in batches.values() if len(ds) == n for d in ds]
        if sized:
            named, chosen = True, sized
    return chosen if named else None


def _order_ids(crm: CrmRecord) -> list[str]:
    return [str(r.get("id", "")) for r in crm.entity_records("order") if str(r.get("id", ""))]


def _strip(text: str, ids: list[str]) -> str:
    for i in ids:
        text = text.replace(i, " ")
    return text


def follow_up_scope(
    text: str, history: list[dict[str, Any]], crm: CrmRecord, hints: list[str], units: tuple[str, ...] = ()
) -> Scope:
    """What the conversation narrowed to, for a message that names no asset or order of its own: the newest earlier
    turn whose names select a non-empty proper subset of the assets (and, apart, the orders an earlier turn
    numbers). A message with its own names (or entity hints) keeps them: Scope() then."""
    orders = _order_ids(crm)
    devices = crm.all_devices()
    if hints or any(o in text for o in orders):
        return Scope()
    if devices and select_devices(devices, _strip(text, orders), crm.today, units) is not None:
        return Scope()
    earlier = [
        str(h.get("text") or "")
        for h in reversed(history)
        if h.get("role") in ("customer", "rep") and str(h.get("text") or "").strip()
    ][:LOOK_BACK]
    device_ids: frozenset[str] | None = None
    order_ids: tuple[str, ...] = ()
    back = 0
    for i, turn in enumerate(earlier, 1):
        if not order_ids:
            order_ids = tuple(o for o in orders if o in turn)
            back = back or (i if order_ids else 0)
        if device_ids is None and devices:
            got = select_devices(devices, _strip(turn, orders), crm.today, units)
            if got is not None and 0 < len(got) < len(devices):
                device_ids = frozenset(str(d.get("id", "")) for d in got)
                back = back or i
        if device_ids is not None and order_ids:
            break
    return Scope(device_ids, order_ids, back)


def scoped_text(text: str, scope: Scope) -> str:
    """The message with the order numbers an earlier turn named, as the order tools read a named order."""
    if not scope.order_ids:
        return text
    return f"{text} 〔上文订单：{'、'.join(scope.order_ids)}〕"
