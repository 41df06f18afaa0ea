"""Entities by rules: the tenant pack's own patterns (entities.yaml or a `patterns:` block in vocabulary.yaml: model,
serial, SKU, VIN, fault-code shapes as regexes) and vocabulary terms first, then generic shapes (order ids, amounts,
percentages, discounts, dates and letter-digit model/code shapes, which a pack may switch off). Pronouns like
「这个型号」 resolve to the product mentioned earlier in the conversation."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

# Generic shapes. A pack's patterns run first and their matches are scrubbed, so a VIN or a pack serial is never
# re-read as a model or a code by these.
ALARM_CODE = re.compile(r"(?<![A-Za-z0-9])([A-Z]-\d{2,4})(?![\d.])")  # E-203: one letter, then digits
SERIAL = re.compile(r"([A-Z]{2}-\d{4}-\d{3,6})(?!\d)")  # CA-2023-0815
PRODUCT_MODEL = re.compile(r"(?<![A-Za-z0-9-])([A-Z]{2,4}-\d{1,4}(?:\.\d+)?)(?![\d-])")
SKU = re.compile(r"SKU\s*[:：#-]?\s*([A-Za-z0-9-]{3,})", re.I)
ORDER_ID = re.compile(r"(?:订单号?|单号|order\s*(?:no\.?|id|#)?)\s*[:：#]?\s*([A-Za-z0-9-]{6,})", re.I)
AMOUNT = re.compile(
    r"(?:[¥￥]\s*\d[\d,]*(?:\.\d+)?|\d[\d,]*(?:\.\d+)?\s*(?:万元|元|块钱|块|万|RMB|rmb|yuan))"
)
# an amount said digit by digit (a voice transcript: «两 个 点», «八 八 折») or in English words is the same amount
PERCENT = re.compile(
    r"(?:\d+(?:\.\d+)?\s*[%％]|百分之[零一二三四五六七八九十百\d.]+|[一二两三四五六七八九十]\s*个\s*点|\d+(?:\.\d+)?\s*个\s*点"
    r"|\b(?:\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten)\s*(?:percent|per cent)\b)",
    re.I,
)
DISCOUNT = re.compile(
    r"(?<![\d.])(\d{1,2}(?:\.\d)?\s*折|[一二三四五六七八九](?:\s*[一二三四五六七八九])?\s*折)"
)
DATE = re.compile(
    r"(?:\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}[日号]?|\d{1,2}月\d{1,2}[日号]|\d{4}年\d{1,2}月"
    r"|今天|明天|后天|昨天|本周[一二三四五六日天]?|下周[一二三四五六日天]?|月底|月初|年底)"
)
REFERS_BACK = re.compile(
    r"(这个|该|这款|此|那个|这种|这台|这辆)(型号|产品|款|器械|设备|东西|车|车型|机器)|\b(this|that)\s+(model|product)\b",
    re.I,
)

# kinds the generic shapes produce and whose matches are scrubbed before the next shape runs
SHAPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("serial_number", SERIAL),
    ("alarm_code", ALARM_CODE),
    ("product_model", PRODUCT_MODEL),
)
VALUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("percentage", PERCENT),
    ("discount", DISCOUNT),
    ("amount", AMOUNT),
    ("date", DATE),
)


@dataclass(frozen=True)
class CompiledPattern:
    kind: str
    regex: re.Pattern[str]
    group: int = 0  # 0 = the whole match; n = capture group n


@dataclass(frozen=True)
class EntityRules:
    """What one tenant extracts: its patterns (first), its vocabulary terms, and whether the generic shapes run."""

    patterns: tuple[CompiledPattern, ...] = ()
    terms: dict[str, tuple[str, ...]] = field(default_factory=dict)  # kind → literal terms (product names …)
    generic_shapes: bool = True


DEFAULT_RULES = EntityRules()


def _value(m: re.Match[str], group: int) -> str:
    if group:
        return m.group(group) or ""
    return m.group(1) if m.re.groups == 1 else m.group(0)


def extract_entities(text: str, rules: EntityRules = DEFAULT_RULES) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}

    def add(kind: str, value: str) -> None:
        value = value.strip()
        if value and value not in found.setdefault(kind, []):
            found[kind].append(value)

    scrubbed = text
    for p in rules.patterns:  # the pack's shapes win over the generic ones
        for m in p.regex.finditer(scrubbed):
            add(p.kind, _value(m, p.group))
        scrubbed = p.regex.sub(" ", scrubbed)
    low = text.lower()
    for kind, terms in rules.terms.items():
        for term in terms:
            if term and term.lower() in low:
                add(kind, term)
    if rules.generic_shapes:
        for kind, regex in SHAPES:
            for m in regex.finditer(scrubbed):
                add(kind, m.group(1))
            if kind != "product_model":  # a model may share its shape with nothing else
                scrubbed = regex.sub(" ", scrubbed)
    for kind, regex in (("sku", SKU), ("order_id", ORDER_ID)):
        for value in regex.findall(text):
            add(kind, value)
    for kind, regex in VALUES:
        for value in regex.findall(text):
            add(kind, value)
    return {k: v for k, v in found.items() if v}


def compile_rules(
    patterns: Iterable[tuple[str, str, int, bool]],
    terms: dict[str, list[str]] | None = None,
    *,
    generic_shapes: bool = True,
) -> EntityRules:
    """(kind, regex, group, ignore_case) rows → EntityRules. Regexes were checked when the tenant loaded."""
    compiled = tuple(
        CompiledPattern(kind, re.compile(regex, re.I if ignore_case else 0), group)
        for kind, regex, group, ignore_case in patterns
    )
    return EntityRules(
        patterns=compiled,
        terms={k: tuple(dict.fromkeys(v)) for k, v in (terms or {}).items() if v},
        generic_shapes=generic_shapes,
    )


def resolve_references(
    text: str, entities: dict[str, list[str]], context: dict[str, list[str]]
) -> dict[str, list[str]]:
    """Fills product_model from earlier turns when the customer refers back (「这个型号」) without naming one."""
    if "product_model" in entities or not context.get("product_model"):
        return entities
    if REFERS_BACK.search(text):
        return {
            **entities,
            "product_model": [context["product_model"][-1]],
            "resolved_from_context": ["product_model"],
        }
    return entities
