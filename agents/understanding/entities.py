"""Entities by rules: product models (LCP-3.5, PS-700), device serials, alarm codes, SKUs, order ids, amounts,
percentages and dates. Pronouns like 「这个型号」 resolve to the product mentioned earlier in the conversation."""

from __future__ import annotations

import re

ALARM_CODE = re.compile(r"(?<![A-Za-z0-9])([A-Z]-\d{2,4})(?![\d.])")  # E-203: one letter, then digits
SERIAL = re.compile(r"([A-Z]{2}-\d{4}-\d{3,6})(?!\d)")  # CA-2023-0815
PRODUCT_MODEL = re.compile(r"(?<![A-Za-z0-9-])([A-Z]{2,4}-\d{1,4}(?:\.\d+)?)(?![\d-])")
SKU = re.compile(r"SKU\s*[:：#-]?\s*([A-Za-z0-9-]{3,})", re.I)
ORDER_ID = re.compile(r"(?:订单号?|单号|order\s*(?:no\.?|id|#)?)\s*[:：#]?\s*([A-Za-z0-9-]{6,})", re.I)
AMOUNT = re.compile(
    r"(?:[¥￥]\s*\d[\d,]*(?:\.\d+)?|\d[\d,]*(?:\.\d+)?\s*(?:万元|元|块钱|块|万|RMB|rmb|yuan))"
)
PERCENT = re.compile(
    r"(?:\d+(?:\.\d+)?\s*[%％]|百分之[零一二三四五六七八九十百\d.]+|[一二三四五六七八九]\s*个点|\d+\s*个点)"
)
DISCOUNT = re.compile(r"(?<![\d.])(\d{1,2}(?:\.\d)?\s*折|[一二三四五六七八九][五]?折)")
DATE = re.compile(
    r"(?:\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}[日号]?|\d{1,2}月\d{1,2}[日号]|\d{4}年\d{1,2}月"
    r"|今天|明天|后天|昨天|本周[一二三四五六日天]?|下周[一二三四五六日天]?|月底|月初|年底)"
)
REFERS_BACK = re.compile(
    r"(这个|该|这款|此|那个|这种)(型号|产品|款|器械|设备|东西)|\b(this|that)\s+(model|product)\b", re.I
)


def extract_entities(text: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}

    def add(kind: str, value: str) -> None:
        value = value.strip()
        if value and value not in found.setdefault(kind, []):
            found[kind].append(value)

    serials = SERIAL.findall(text)
    for s in serials:
        add("serial_number", s)
    scrubbed = SERIAL.sub(" ", text)
    for code in ALARM_CODE.findall(scrubbed):
        add("alarm_code", code)
    for model in PRODUCT_MODEL.findall(scrubbed):
        add("product_model", model)
    for pattern, kind in ((SKU, "sku"), (ORDER_ID, "order_id")):
        for m in pattern.findall(text):
            add(kind, m)
    for pattern, kind in (
        (PERCENT, "percentage"),
        (DISCOUNT, "discount"),
        (AMOUNT, "amount"),
        (DATE, "date"),
    ):
        for m in pattern.findall(text):
            add(kind, m)
    return {k: v for k, v in found.items() if v}


def resolve_references(
    text: str, entities: dict[str, list[str]], context: dict[str, list[str]]
) -> dict[str, list]:
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
