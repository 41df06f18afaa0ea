"""An offer named by what it gives (round 21): «那边QX9立减八千，我们这怎么没有», «听说每台补六千», «上个月那个打八折的，
这周还能用吗». The customer asks about one of the pack's offers (a campaign, a subsidy) by its content — an amount off,
a rate, a gift's value — not by the word for an offer, and asks it as a complaint, a price, a date: the encoders read
the words around it (便宜多少, 退, the service it is on). Which offers exist is the pack's own record: the table the
offer intent's scope tool reads (tools.yaml: a `scope_rows` tool of that intent, its `doc` and `table`). A row is named
when the message says one of its amounts (the same figure, in digits, with thousands separators or in Chinese numerals:
8000 = 8,000 = 八千; a rate: 8折 = 八折) together with a word of the same benefit (its object, its verb, a model code) or
of the row's name; a benefit that names no model of its own is about the row's models. A figure alone («能打9折吗» when
9折 is another item's offer) names nothing. Nothing here is a tenant's word: amounts and words come from the row."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from agents.understanding.records import _bigrams
from contract.numerals import CN_DIGITS

_CN_DIGIT = CN_DIGITS  # one table of written digits (contract/numerals.py)
_CN_UNIT = {"千": 1000, "万": 10000, "k": 1000, "K": 1000}
# a figure followed by a unit of its own (a distance, a count, a weight) or standing in a compound with one (3万8千公里)
# is that unit's, not an amount of money
_OTHER_UNIT = (
    r"(?![\d一二两三四五六七八九十千万]*\s*(?:公里|千米|km|里|米|次|台|辆|个|人|吨|公斤|年|月|天|号|%))"
)
_NUM = re.compile(
    r"(?<![A-Za-z\-\d.万千])(\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![A-Za-z\d])\s*(折|千|万|k\b|K\b)?"
    + _OTHER_UNIT
)
_CN_AMOUNT = re.compile(
    r"(?<![\d一二两三四五六七八九十万千])([一二两三四五六七八九十]{1,3})\s*(千|万|折)" + _OTHER_UNIT
)
NAME_WORDS = (
    2  # words of a row's name a message must share to name it by its name (one, 冬季, is any season's)
)
_CODE = re.compile(r"(?<![A-Za-z\d])[A-Za-z]{1,4}-?\d{1,3}[A-Za-z\d]*(?:-[A-Za-z\d]+)?", re.I)
_SEGMENT = re.compile(r"[，,；;。（）()]")
MIN_MONEY = 100  # a smaller bare figure is a count, a day, a point: not an amount of money


def _cn_number(s: str) -> int:
    if s == "十":
        return 10
    if "十" in s:
        a, _, b = s.partition("十")
        return (_CN_DIGIT.get(a, 1) if a else 1) * 10 + (_CN_DIGIT.get(b, 0) if b else 0)
    return int("".join(str(_CN_DIGIT[c]) for c in s if c in _CN_DIGIT) or 0)


def amounts(text: str) -> set[str]:
    """The amounts a text says: money as its figure («8000», from 8,000 / 8千 / 八千), a rate as «折:N» (8折, 八折)."""
    out: set[str] = set()
    for m in _NUM.finditer(text):
        value, unit = int(m.group(1).replace(",", "")), m.group(2) or ""
        if unit == "折":
            out.add(f"折:{value}")
        elif unit in _CN_UNIT:
            out.add(str(value * _CN_UNIT[unit]))
        elif value >= MIN_MONEY:
            out.add(str(value))
    for m in _CN_AMOUNT.finditer(text):
        value = _cn_number(m.group(1))
        if m.group(2) == "折":
            out.add(f"折:{value}")
        elif value:
            out.add(str(value * _CN_UNIT[m.group(2)]))
    return out


def _words(text: str) -> set[str]:
    return _bigrams(text) | {c.upper().replace("-", "") for c in _CODE.findall(text)}


@dataclass(frozen=True)
class OfferRow:
    """One offer of the pack's table: its id, name words, and per benefit (a piece of its cells): amounts and words."""

    id: str
    name_words: frozenset[str]
    benefits: tuple[tuple[frozenset[str], frozenset[str]], ...] = field(default_factory=tuple)


def offer_row(
    cells: dict[str, str], id_columns: Iterable[str], skip: Iterable[str], product: str = ""
) -> OfferRow:
    """An OfferRow of one table row (header -> cell text): `id_columns` name it, `skip` (its period, region, customer
    columns) are scope, not benefit; `product` is the column of the models it is for."""
    ids = [cells.get(c, "") for c in id_columns if cells.get(c)]
    skipped = set(skip) | set(id_columns)
    models = {c.upper().replace("-", "") for c in _CODE.findall(cells.get(product, ""))} if product else set()
    benefits = []
    for header, cell in cells.items():
        if header in skipped:
            continue
        for piece in _SEGMENT.split(cell):
            found = amounts(piece)
            if not found:
                continue
            words = _words(piece)
            if not _CODE.search(piece):
                words |= models  # a benefit that names no model of its own is about the row's models
            benefits.append((frozenset(found), frozenset(words)))
    name = " ".join(ids)
    return OfferRow(ids[-1] if ids else name, frozenset(_words(name)), tuple(benefits))


def named_offer(rows: Iterable[OfferRow], text: str) -> tuple[str, str] | None:
    """(row id, the amount said) of the first row the message names by an amount and a word of the same benefit (or
    of the row's name); None."""
    said = amounts(text)
    if not said:
        return None
    words = _words(text)
    for row in rows:
        for found, benefit_words in row.benefits:
            hit = found & said
            if hit and (benefit_words & words or len(row.name_words & words) >= NAME_WORDS):
                return row.id, sorted(hit)[0]
    return None


_SENTENCE = re.compile(r"(?<=[。！？!?])|(?<=\.)\s+")


def asked_offer(rows: Iterable[OfferRow], text: str) -> tuple[str, str] | None:
    """`named_offer` of a sentence that asks, in the message's primary need when it has one (agents.understanding.intent
    primary_need): an offer named as background («…立减八千真的心动了。再让两个点可以不？») or in a second question
    («…how much trade-in subsidy do I get? And does the 8000 off apply on top?») is not what is asked."""
    from agents.understanding.intent import primary_need
    from agents.understanding.questions import asks

    rows = list(rows)
    for sentence in _SENTENCE.split(primary_need(text) or text):
        if sentence.strip() and asks(sentence):
            named = named_offer(rows, sentence)
            if named:
                return named
    return None


def pack_offer_rows(facts: Any, tools: Any, offer_intent: str, days: Iterable[date]) -> list[OfferRow]:
    """The rows of the table the offer intent's scope tool reads (tools.yaml), in the version governing on the first
    of `days` that has one; [] when the pack has none or the facts cannot be read."""
    out: list[OfferRow] = []
    if facts is None or not offer_intent:
        return out
    for spec in (getattr(tools, "intents", None) or {}).get(offer_intent, []):
        if getattr(spec, "tool", "") != "scope_rows" or not getattr(spec, "doc", ""):
            continue
        scope = dict(getattr(spec, "scope", None) or {})
        skip = [v for k, v in scope.items() if k != "product"]
        version = next((v for v in (_governing(facts, spec.doc, day) for day in days) if v), "")
        if not version:
            continue
        for row in facts.rows(spec.doc, version, table=spec.table):
            cells = {h: c.raw for h, c in zip(row.headers, row.cells, strict=False)}
            out.append(offer_row(cells, list(spec.name_columns or []), skip, scope.get("product", "")))
    return out


def _governing(facts: Any, doc: str, day: date) -> str:
    """The version of `doc` governing on `day`; '' when none does (or the snapshot does not hold the doc)."""
    try:
        return str(facts.governing(doc, as_of=day).version)
    except Exception:  # NoGoverningVersion, an unknown doc: nothing governs that day
        return ""
