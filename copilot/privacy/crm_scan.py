"""`copilot privacy scan`: a PIPL field-level baseline of the connected CRM through its mapping.

For every column of every table the CRM exposes (read-only connection), three signals say whether it holds personal
information: its name (手机, mobile, id_card …), its type and a sample of its values (the PII masker's recognisers,
plus the shape of Chinese person names). Each personal column then gets a status an admin can act on:

  exposed_unmasked   the mapping makes the copilot read it, and the values are plain: they reach the rep's screen and
                     the ledger's CRM evidence. Act: add it to the entity's `never_read`, or stop mapping it.
  exposed_masked     read by the copilot, but the values are already masked at the source (138****5678)
  encrypted          values look like ciphertext / hashes (nothing readable is sampled)
  never_read         listed under `never_read:` — the query builder refuses to select it
  not_read           not mapped: the copilot never selects it (but nothing stops a later mapping: prefer never_read)

PIPL art. 28 sensitive categories (identity numbers, financial accounts, precise location, health) are flagged."""

from __future__ import annotations

import math
import re
from collections import Counter
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import MetaData, Table, inspect, select
from sqlalchemy.exc import SQLAlchemyError

from contract.errors import BackendUnavailable, UserError
from copilot.ledger.canonical import now_iso
from guardrails.pii import detect
from guardrails.pii.names import _COMPOUND, _SINGLE

# column-name cues → PII kind
_NAME_CUES: list[tuple[str, re.Pattern[str]]] = [
    ("CN_RESIDENT_ID", re.compile(r"id_?card|id_?no|idcard|身份证|证件|national_id|cert_no", re.I)),
    ("BANK_CARD", re.compile(r"bank|card_no|acct|account_no|iban|银行|卡号|账号", re.I)),
    ("CN_MOBILE", re.compile(r"mobile|phone|tel|cell|手机|电话|联系方式", re.I)),
    ("EMAIL", re.compile(r"e_?mail|邮箱", re.I)),
    ("ADDRESS", re.compile(r"addr|address|地址|street|住址", re.I)),
    (
        "PERSON",
        re.compile(
            r"contact_name|person|^name$|姓名|联系人|full_name|first_name|last_name|salutation|称呼", re.I
        ),
    ),
    ("BIRTH_DATE", re.compile(r"birth|生日|出生", re.I)),
    ("WECHAT_ID", re.compile(r"wechat|weixin|openid|unionid|external_userid|微信", re.I)),
    ("CN_PLATE", re.compile(r"plate|车牌", re.I)),
    ("VIN", re.compile(r"\bvin\b|vin_?no|车架", re.I)),
    ("LOCATION", re.compile(r"latitude|longitude|\blat\b|\blng\b|gps|定位", re.I)),
    ("HEALTH", re.compile(r"diagnos|patient|病历|诊断|health", re.I)),
]
SENSITIVE = {"CN_RESIDENT_ID", "BANK_CARD", "LOCATION", "HEALTH", "PASSPORT", "HK_ID", "TW_ID", "MO_ID"}
_VIN = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")
_MASKED = re.compile(r"\*{3,}|＊{2,}|x{4,}", re.I)
_CIPHER = re.compile(r"^(?:[A-Za-z0-9+/]{24,}={0,2}|[0-9a-f]{32,})$")
_PERSON_SHAPE = re.compile(r"^[\u4e00-\u9fff]{2,4}$")


def _looks_like_person(value: str) -> bool:
    if not _PERSON_SHAPE.match(value):
        return False
    return value[:2] in _COMPOUND or (value[0] in _SINGLE and len(value) <= 3)


def _entropy(value: str) -> float:
    counts = Counter(value)
    return -sum(c / len(value) * math.log2(c / len(value)) for c in counts.values())


def classify_values(values: list[str]) -> dict[str, Any]:
    """What the sampled values of one column look like: PII kinds found (share of values), masked, ciphertext."""
    texts = [v for v in values if v]
    if not texts:
        return {"sampled": 0}
    kinds: Counter[str] = Counter()
    masked = cipher = person = vin = 0
    for v in texts:
        found = {c.entity for c in detect(v[:2000])}
        kinds.update(found)
        masked += bool(_MASKED.search(v))
        cipher += bool(_CIPHER.match(v) and _entropy(v) > 3.5 and not found)
        person += _looks_like_person(v)
        vin += bool(_VIN.match(v.upper()) and any(ch.isalpha() for ch in v) and any(ch.isdigit() for ch in v))
    n = len(texts)
    distinct = len(set(texts)) / n
    share = {k: round(c / n, 3) for k, c in kinds.items() if c / n >= 0.2}
    # person names vary row to row; a column of a few repeated short words (华东, 华南) is a category, not people
    if person / n >= 0.6 and (distinct >= 0.3 or n < 10):
        share["PERSON"] = round(person / n, 3)
    if vin / n >= 0.6:
        share["VIN"] = round(vin / n, 3)
    return {
        "sampled": n,
        "kinds": share,
        "masked_share": round(masked / n, 3),
        "cipher_share": round(cipher / n, 3),
    }


def _mapping_index(mapping_path: Path) -> tuple[dict[tuple[str, str], str], dict[str, set[str]]]:
    """(table, column) → 'entity.field' for every column the copilot reads; table → never_read columns."""
    try:
        raw = yaml.safe_load(mapping_path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise UserError(
            f"CRM mapping {mapping_path} unreadable: {exc}", reason="crm_mapping_missing"
        ) from exc
    mapped: dict[tuple[str, str], str] = {}
    never: dict[str, set[str]] = {}
    for entity, spec in (raw.get("entities") or {}).items():
        spec = spec or {}
        table = spec.get("table", "")
        for field, column in (spec.get("columns") or {}).items():
            mapped[(table, str(column))] = f"{entity}.{field}"
        for field, extra in (spec.get("extra") or {}).items():
            column = extra.get("column") if isinstance(extra, dict) else extra
            mapped[(table, str(column))] = f"{entity}.{field}"
        metrics = spec.get("wide_metrics") or {}
        for column in metrics if isinstance(metrics, dict) else []:
            mapped[(table, str(column))] = f"{entity}.metric"
        never.setdefault(table, set()).update(str(c) for c in spec.get("never_read") or [])
    return mapped, never


def _status(kind_sources: dict[str, list[str]], values: dict[str, Any], mapped_as: str, never: bool) -> str:
    if never:
        return "never_read"
    if not mapped_as:
        return "not_read"
    if values.get("masked_share", 0) >= 0.6:
        return "exposed_masked"
    if values.get("cipher_share", 0) >= 0.6:
        return "encrypted"
    return "exposed_unmasked"


_ADVICE = {
    "exposed_unmasked": "the copilot reads it in clear: add it to `never_read` unless a suggestion needs it",
    "exposed_masked": "read by the copilot, masked at the source: keep the source masking",
    "encrypted": "stored encrypted/hashed: keep the key out of the copilot's reach",
    "never_read": "protected by never_read: the copilot cannot select it",
    "not_read": "not mapped today: add it to `never_read` so a later mapping cannot expose it",
}


def scan_crm(
    crm_url: str, mapping_path: Path, *, sample: int = 200, timeout_ms: int = 5000
) -> dict[str, Any]:
    from knowledge.crm.connector import create_readonly_engine

    mapped, never = _mapping_index(mapping_path)
    engine = create_readonly_engine(crm_url, statement_timeout_ms=timeout_ms)
    columns: list[dict[str, Any]] = []
    try:
        insp = inspect(engine)
        tables = sorted(insp.get_table_names())
        if not tables:
            raise UserError(f"the CRM at {crm_url.split('@')[-1]} has no tables", reason="crm_empty")
        with engine.connect() as conn:
            for table_name in tables:
                table = Table(table_name, MetaData(), autoload_with=conn)
                rows = conn.execute(select(table).limit(sample)).mappings().all()
                for col in table.columns:
                    values = [str(r[col.name]) for r in rows if r[col.name] is not None]
                    columns.append(_column_report(table_name, col, values, mapped, never))
    except SQLAlchemyError as exc:
        raise BackendUnavailable(
            f"CRM unreadable for the scan: {exc.__class__.__name__}", reason="crm_error"
        ) from exc
    finally:
        engine.dispose()
    present = {(c["table"], c["column"]) for c in columns}
    for table_name, cols in sorted(never.items()):
        for column in sorted(cols - {c for t, c in present if t == table_name}):
            columns.append(
                {
                    "table": table_name,
                    "column": column,
                    "type": "",
                    "mapped_as": "",
                    "pii_kinds": [k for k, cue in _NAME_CUES if cue.search(column)] or ["UNCLASSIFIED"],
                    "detected_by": {"mapping": ["never_read"]},
                    "sampled_values": 0,
                    "value_shares": {},
                    "pipl_category": "personal",
                    "status": "never_read",
                    "action": "listed in never_read and not present in the copilot's copy of the CRM",
                }
            )
    personal = [c for c in columns if c["pii_kinds"]]
    by_status = Counter(c["status"] for c in personal)
    return {
        "generated_at": now_iso(),
        "crm": crm_url.split("@")[-1].split("?")[0].rsplit("/", 1)[-1],
        "mapping": str(mapping_path),
        "sample_rows_per_table": sample,
        "summary": {
            "tables": len({c["table"] for c in columns}),
            "columns": len(columns),
            "personal_columns": len(personal),
            "sensitive_columns": sum(1 for c in personal if c["pipl_category"] == "sensitive"),
            "by_status": dict(sorted(by_status.items())),
            "exposed_unmasked": by_status.get("exposed_unmasked", 0),
        },
        "columns": columns,
    }


def _column_report(
    table: str, col: Any, values: list[str], mapped: dict[tuple[str, str], str], never: dict[str, set[str]]
) -> dict[str, Any]:
    by_name = [kind for kind, cue in _NAME_CUES if cue.search(col.name)]
    seen = classify_values(values)
    by_value = sorted(seen.get("kinds", {}))
    type_name = str(col.type).lower()
    sources: dict[str, list[str]] = {}
    for k in by_name:
        sources.setdefault(k, []).append("name")
    for k in by_value:
        sources.setdefault(k, []).append("values")
    if "BIRTH_DATE" in sources and "date" in type_name:
        sources["BIRTH_DATE"].append("type")
    # a company name column (cust_name) has person-shaped values only by accident: trust the values for PERSON only
    # when the name agrees or nearly every value has the shape
    if "PERSON" in sources and sources["PERSON"] == ["values"] and seen["kinds"].get("PERSON", 0) < 0.9:
        sources.pop("PERSON")
    kinds = sorted(sources)
    mapped_as = mapped.get((table, col.name), "")
    is_never = col.name in never.get(table, set())
    status = _status(sources, seen, mapped_as, is_never) if kinds else "not_personal"
    return {
        "table": table,
        "column": col.name,
        "type": type_name,
        "mapped_as": mapped_as,
        "pii_kinds": kinds,
        "detected_by": {k: sorted(set(v)) for k, v in sources.items()},
        "sampled_values": seen.get("sampled", 0),
        "value_shares": seen.get("kinds", {}),
        "pipl_category": ("sensitive" if set(kinds) & SENSITIVE else "personal") if kinds else "",
        "status": status,
        "action": _KEY_ADVICE
        if status == "exposed_unmasked" and _is_key(mapped_as)
        else _ADVICE.get(status, ""),
    }


_KEY_ADVICE = (
    "a key the copilot joins on (cannot be never_read): pseudonymise it at the source, or accept and document"
)


def _is_key(mapped_as: str) -> bool:
    field = mapped_as.rsplit(".", 1)[-1]
    return field == "id" or field.endswith("_id")


def render_markdown(report: dict[str, Any]) -> str:
    s = report["summary"]
    lines = [
        f"# PIPL 字段级基线 · CRM field-level privacy baseline — {report['crm']}",
        "",
        f"Generated {report['generated_at']} through `{report['mapping']}`; {report['sample_rows_per_table']} rows "
        f"sampled per table. {s['tables']} tables, {s['columns']} columns, **{s['personal_columns']} hold personal "
        f"information** ({s['sensitive_columns']} sensitive under PIPL art. 28).",
        "",
        "| status | columns |",
        "|---|---|",
        *[f"| {k} | {v} |" for k, v in s["by_status"].items()],
        "",
        "| table.column | type | PII | detected by | PIPL | copilot reads as | status | action |",
        "|---|---|---|---|---|---|---|---|",
    ]
    order = {"exposed_unmasked": 0, "not_read": 1, "exposed_masked": 2, "encrypted": 3, "never_read": 4}
    for c in sorted(
        (c for c in report["columns"] if c["pii_kinds"]),
        key=lambda c: (order.get(c["status"], 9), c["table"]),
    ):
        detected = "; ".join(f"{k}: {'+'.join(v)}" for k, v in c["detected_by"].items())
        lines.append(
            f"| {c['table']}.{c['column']} | {c['type']} | {', '.join(c['pii_kinds'])} | {detected} | "
            f"{c['pipl_category']} | {c['mapped_as'] or '—'} | **{c['status']}** | {c['action']} |"
        )
    return "\n".join(lines) + "\n"
