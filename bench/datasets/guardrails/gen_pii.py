"""Labelled PII strings: hand-written Chinese and English templates filled with generated values, plus hard negatives
(order and waybill numbers, dates, amounts, hotlines, product models) that must NOT be flagged.

Labelling guide: a span covers the value as written (with its spaces, dashes, a leading +86 / 0086, brackets inside it);
PERSON is a full name (surname + given name) — 张经理 / 王总 alone are not labelled; ADDRESS runs from the first
province / city / district written to the last house / building / room part.

The templates and e-mail parts come from the tenant folder (<tenant>/synthetic/gen_pii.yaml, default
copilot/tenants/demo); this file keeps the slots, the value formats and the mixing."""

from __future__ import annotations

import random
from pathlib import Path

import pii_values as pv
from tenant_vocabulary import Vocabulary


# {slot} → (entity, maker). A maker returns the text as it will appear.
def _fmt_digits(rng: random.Random, value: str, groups: list[int]) -> str:
    style = rng.random()
    if style < 0.45:
        return value
    if style < 0.65:
        sep = rng.choice([" ", "-"])
        out, i = [], 0
        for g in groups:
            out.append(value[i : i + g])
            i += g
        if i < len(value):
            out.append(value[i:])
        return sep.join(x for x in out if x)
    if style < 0.85:
        return value.translate(pv.FULLWIDTH)
    return " ".join(value[i : i + 4] for i in range(0, len(value), 4))


def _mobile(rng: random.Random) -> str:
    m = pv.mobile(rng)
    r = rng.random()
    if r < 0.1:
        return "+86 " + _fmt_digits(rng, m, [3, 4, 4])
    if r < 0.14:
        return "0086-" + m
    return _fmt_digits(rng, m, [3, 4, 4])


def _landline(rng: random.Random) -> str:
    area, local = pv.landline(rng)
    return rng.choice(
        [
            f"{area}-{local}",
            f"{area} {local}",
            f"{area}{local}",
            f"{area}-{local[:4]} {local[4:]}",
            f"{area}-{local}".translate(pv.FULLWIDTH),
        ]
    )


def _card(rng: random.Random) -> str:
    c = pv.bank_card(rng)
    return _fmt_digits(rng, c, [4, 4, 4, 4, 4])


def _rid(rng: random.Random) -> str:
    if rng.random() < 0.12:
        return pv.resident_id_15(rng)
    v = pv.resident_id(rng)
    return _fmt_digits(rng, v, [6, 8, 4])


def _permit(rng: random.Random) -> str:
    return rng.choice(
        [
            f"H{pv.digits(rng, 8)}",
            f"M{pv.digits(rng, 8)}",
            f"C{pv.digits(rng, 8)}",
            f"C{rng.choice('ABCDEFGHJK')}{pv.digits(rng, 7)}",
            f"L{pv.digits(rng, 8)}",
            f"H{pv.digits(rng, 10)}",
        ]
    )


def _passport(rng: random.Random) -> str:
    return rng.choice(
        [f"E{pv.digits(rng, 8)}", f"E{rng.choice('ABCDEFGHJK')}{pv.digits(rng, 7)}", f"G{pv.digits(rng, 8)}"]
    )


def _mo_id(rng: random.Random) -> str:
    return f"{rng.choice('1578')}{pv.digits(rng, 6)}({rng.randint(0, 9)})"


def _email(rng: random.Random, words: Vocabulary) -> str:
    user = rng.choice(words.texts("email_users"))
    return f"{user}@{rng.choice(words.texts('email_domains'))}"


MAKERS = {
    "CN_MOBILE": _mobile,
    "CN_LANDLINE": _landline,
    "BANK_CARD": _card,
    "CN_RESIDENT_ID": _rid,
    "HK_ID": pv.hk_id,
    "TW_ID": pv.tw_id,
    "MO_ID": _mo_id,
    "TRAVEL_PERMIT": _permit,
    "PASSPORT": _passport,
    "CN_USCC": pv.uscc,
    "CN_PLATE": pv.plate,
    "US_SSN": pv.ssn,
    "PHONE": pv.us_phone,
    "ADDRESS": pv.zh_address,
    "EN_ADDRESS": pv.en_address,
    "PERSON": pv.zh_name,
    "EN_PERSON": pv.en_name,
}
LABEL = {"EN_ADDRESS": "ADDRESS", "EN_PERSON": "PERSON"}


def _spoken(rng: random.Random) -> str:
    m = pv.mobile(rng)
    return "".join("零幺二三四五六七八九"[int(d)] for d in m)


FILLERS = {
    "ORDER_NO": lambda r: (
        r.choice(["SO", "PO", "DD", ""])
        + r.choice(["2024", "2025", "2026"])
        + pv.digits(r, r.choice([8, 10, 12]))
    ),
    "ORDER11": lambda r: pv.mobile(
        r
    ),  # an order number that looks exactly like a mobile: context must decide
    "WAYBILL": lambda r: r.choice(["SF", "YT", "JD", "7"]) + pv.digits(r, 13),
    "INVOICE_NO": lambda r: pv.digits(r, 8),
    "DATE8": lambda r: f"{r.randint(2023, 2026)}{r.randint(1, 12):02d}{r.randint(1, 28):02d}",
    "DATE_ISO": lambda r: f"{r.randint(2023, 2026)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}",
    "DATE_CN": lambda r: f"{r.randint(2023, 2026)}年{r.randint(1, 12)}月{r.randint(1, 28)}日",
    "AMOUNT": lambda r: f"{r.randint(1, 999)},{r.randint(0, 999):03d}.{r.randint(0, 99):02d}",
    "BIGAMOUNT": lambda r: str(
        r.randint(10_000_000_000, 99_999_999_999)
    ),  # 11 digits: looks like a mobile, is money
    "WAN": lambda r: str(r.randint(10, 999)),
    "SMALL": lambda r: str(r.randint(2, 300)),
    "REGNO": lambda r: f"{r.randint(2018, 2026)}3{pv.digits(r, 6)}",
}


def fill(
    rng: random.Random, template: str, tenant_dir: Path | None = None
) -> tuple[str, list[dict[str, object]]]:
    out, spans, i = [], [], 0
    while i < len(template):
        if template[i] == "{":
            j = template.index("}", i)
            slot = template[i + 1 : j]
            if slot in FILLERS:
                out.append(FILLERS[slot](rng))
            else:
                entity, value = _slot_value(rng, slot, tenant_dir)
                start = sum(map(len, out))
                out.append(value)
                if entity:
                    spans.append({"entity": entity, "start": start, "end": start + len(value)})
            i = j + 1
        else:
            out.append(template[i])
            i += 1
    return "".join(out), spans


def _slot_value(rng: random.Random, slot: str, tenant_dir: Path | None) -> tuple[str, str]:
    if slot == "EMAIL":  # the e-mail parts are the tenant's (customers' domains)
        return "EMAIL", _email(rng, Vocabulary("gen_pii", tenant_dir))
    if slot == "CN_MOBILE_SPOKEN":
        return "CN_MOBILE", _spoken(rng)
    if slot == "TW_PERMIT":
        return "TRAVEL_PERMIT", pv.digits(rng, 8)
    if slot == "US_PASSPORT":
        return "PASSPORT", pv.digits(rng, 9)
    return LABEL.get(slot, slot), MAKERS[slot](rng)


def build(seed: int = 20261130, tenant_dir: Path | None = None) -> list[dict[str, object]]:
    words = Vocabulary("gen_pii", tenant_dir)
    positive, negative = words.texts("positive_templates"), words.texts("hard_negative_templates")
    rng = random.Random(seed)
    rows: list[dict[str, object]] = []
    for _ in range(4):
        for t in positive:
            text, spans = fill(rng, t, tenant_dir)
            rows.append({"text": text, "spans": spans, "kind": "positive"})
    for _ in range(3):
        for t in negative:
            text, spans = fill(rng, t, tenant_dir)
            rows.append({"text": text, "spans": spans, "kind": "hard_negative"})
    rows.extend(_long_texts(rng, positive, negative, tenant_dir))
    for n, row in enumerate(rows):
        row["id"] = f"pii-{n:04d}"
        row["lang"] = (
            "en" if sum(c.isascii() for c in str(row["text"])) > 0.8 * len(str(row["text"])) else "zh"
        )
    return rows


def _long_texts(
    rng: random.Random, positive: list[str], negative: list[str], tenant_dir: Path | None
) -> list[dict[str, object]]:
    """Very long texts (a pasted chat log): PII buried among hundreds of sentences of hard negatives."""
    rows = []
    for _ in range(4):
        parts: list[str] = []
        spans: list[dict[str, object]] = []
        for k in range(120):
            t = rng.choice(negative) if k % 10 else rng.choice(positive)
            text, sp = fill(rng, t, tenant_dir)
            offset = sum(map(len, parts))
            spans += [{**s, "start": int(s["start"]) + offset, "end": int(s["end"]) + offset} for s in sp]
            parts.append(text + "\n")
        rows.append({"text": "".join(parts), "spans": spans, "kind": "long_text"})
    return rows
