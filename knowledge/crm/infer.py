"""Propose a CRM mapping from a folder of CSVs or a SQL database: tables are matched to entities (customers, reps,
contacts, products, orders and lines, assets/installed base → device, contracts, tickets, telemetry) by their names
(English and Chinese), and columns to fields by name, type and sampled values — a foreign key is the column whose
values are the other table's ids. Columns with no canonical field become `extra:` with an inferred type; columns that
look like personal data (phone, ID number, e-mail) go to `never_read:`. The admin reviews the YAML; `copilot tenant
validate` then checks it against the data."""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from contract.errors import UserError
from knowledge.crm.model import ENTITIES, REQUIRED_ENTITIES

SAMPLE_ROWS = 500
IDENT = re.compile(r"^[^\W\d]\w{0,62}$")

TABLE_WORDS: dict[str, tuple[str, ...]] = {
    "customer": ("customer", "customers", "cust", "client", "clients", "account", "accounts", "客户"),
    "rep": (
        "rep",
        "reps",
        "salesrep",
        "sales_rep",
        "staff",
        "employee",
        "employees",
        "user",
        "users",
        "销售",
        "员工",
    ),
    "contact": ("contact", "contacts", "联系人"),
    "product": (
        "product",
        "products",
        "item",
        "items",
        "sku",
        "skus",
        "goods",
        "material",
        "产品",
        "商品",
        "物料",
    ),
    "order": ("order", "orders", "salesorder", "so", "订单"),
    "order_line": (
        "line",
        "lines",
        "orderline",
        "order_line",
        "order_lines",
        "order_item",
        "order_items",
        "明细",
    ),
    "contract": ("contract", "contracts", "agreement", "agreements", "subscription", "subscriptions", "合同"),
    "ticket": (
        "ticket",
        "tickets",
        "case",
        "cases",
        "workorder",
        "work_order",
        "service_request",
        "工单",
        "报修",
    ),
    "device": (
        "device",
        "devices",
        "asset",
        "assets",
        "installed_base",
        "installedbase",
        "vehicle",
        "vehicles",
        "equipment",
        "machine",
        "machines",
        "设备",
        "资产",
        "车辆",
    ),
    "telemetry": (
        "telemetry",
        "reading",
        "readings",
        "metric",
        "metrics",
        "iot",
        "sensor",
        "tlm",
        "读数",
        "遥测",
    ),
}
PREFIXES = ("crm", "erp", "dms", "svc", "iot", "tlm", "tbl", "t", "dim", "fact", "ods", "dw")

# field → name cues (substring match on the lowercased column) and the value kind it needs
FIELD_CUES: dict[str, tuple[tuple[str, ...], str]] = {
    "name": (("name", "名称", "姓名", "名字"), "string"),
    "kind": (("kind", "type", "类型", "类别"), "string"),
    "tier": (("tier", "grade", "level", "vip", "plan", "package", "等级", "级别", "套餐"), "string"),
    "business_unit": (("bu", "business_unit", "division", "事业部", "业务"), "string"),
    "region": (("region", "area", "大区", "区域"), "string"),
    "city": (("city", "城市"), "string"),
    "team": (("team", "group", "团队", "小组"), "string"),
    "team_name": (("team_name", "group_name", "团队名"), "string"),
    "title": (("title", "job", "position", "职务", "职位", "标题"), "string"),
    "category": (("category", "family", "class", "品类", "类别", "分类"), "string"),
    "model": (("model", "型号"), "string"),
    "order_date": (("order_date", "date", "day", "下单", "日期", "created"), "date"),
    "status": (("status", "state", "状态"), "string"),
    "amount": (("amount", "total", "金额", "总价"), "number"),
    "confirmed_ship_date": (("ship", "confirmed", "发货", "交货"), "date"),
    "discount": (("discount", "disc", "折扣"), "number"),
    "quantity": (("qty", "quantity", "数量", "count"), "number"),
    "start_date": (("start", "begin", "开始", "生效"), "date"),
    "end_date": (("end", "expire", "expiry", "到期", "结束", "截止"), "date"),
    "subject": (("subject", "summary", "title", "description", "主题", "描述"), "string"),
    "priority": (("priority", "优先级"), "string"),
    "opened_at": (("opened", "open_date", "created", "报修", "创建"), "date"),
    "installed_at": (("install", "delivery", "deliver", "commission", "安装", "交付"), "date"),
    "warranty_end": (("warranty", "wty", "质保", "保修"), "date"),
    "reading_date": (("reading_date", "date", "day", "time", "日期"), "date"),
    "metric": (("metric", "指标"), "string"),
    "value": (("value", "reading", "数值", "读数"), "number"),
    "unit": (("unit", "单位"), "string"),
}
FOREIGN_KEYS: dict[str, dict[str, str]] = {  # entity → field → the entity whose id it holds
    "customer": {"owner_rep": "rep"},
    "contact": {"customer_id": "customer"},
    "order": {"customer_id": "customer"},
    "order_line": {"order_id": "order", "product_id": "product"},
    "contract": {"customer_id": "customer"},
    "ticket": {"customer_id": "customer", "device_id": "device"},
    "device": {"customer_id": "customer", "product_id": "product"},
    "telemetry": {"device_id": "device"},
}
PII = (
    "mobile",
    "phone",
    "tel",
    "email",
    "mail",
    "id_card",
    "idcard",
    "id_no",
    "身份证",
    "手机",
    "电话",
    "邮箱",
    "证件",
)
ID_CUES = ("id", "no", "code", "num", "编号", "号", "key")
STRONG_ID = ("sku", "vin", "serial", "serial_no", "sn", "uuid")


@dataclass
class ColumnProfile:
    name: str
    values: list[str]
    kind: str = "string"  # string | number | date | list | empty
    unique: bool = False

    @property
    def distinct(self) -> set[str]:
        return {v for v in self.values if v}


@dataclass
class TableProfile:
    name: str
    columns: dict[str, ColumnProfile] = field(default_factory=dict)
    rows: int = 0


def _kind(values: list[str]) -> str:
    filled = [v for v in values if v.strip()]
    if not filled:
        return "empty"

    def all_match(fn: Any) -> bool:
        try:
            return all(fn(v) for v in filled)
        except ValueError:
            return False

    if all_match(lambda v: float(v.replace(",", "")) is not None):
        return "number"
    if all_match(lambda v: date.fromisoformat(v.strip()[:10].replace("/", "-")) is not None):
        return "date"
    if sum(1 for v in filled if re.search(r"[;；|]", v)) >= max(1, len(filled) // 5):
        return "list"
    return "string"


def _profile(name: str, header: list[str], rows: list[list[str]]) -> TableProfile:
    t = TableProfile(str(name), rows=len(rows))
    for i, col in enumerate(str(h) for h in header):  # drivers may hand back str subclasses (quoted_name)
        vals = [r[i] if i < len(r) else "" for r in rows]
        filled = [v for v in vals if v]
        t.columns[col] = ColumnProfile(
            col, vals, _kind(vals), bool(filled) and len(set(filled)) == len(filled)
        )
    return t


def profile_csv_dir(directory: Path) -> list[TableProfile]:
    directory = Path(directory)
    if not directory.is_dir():
        raise UserError(f"not a folder of CSVs: {directory}", reason="infer_source")
    out = []
    for path in sorted(directory.glob("*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader, [])
            rows = [r for _, r in zip(range(SAMPLE_ROWS), reader, strict=False)]
        out.append(_profile(path.stem, [h.strip() for h in header], rows))
    if not out:
        raise UserError(f"no CSV files in {directory}", reason="infer_source")
    return out


def profile_sql(url: str) -> list[TableProfile]:
    from sqlalchemy import MetaData, Table, select

    from knowledge.crm.connector import create_readonly_engine

    engine = create_readonly_engine(url, statement_timeout_ms=10_000)
    out = []
    try:
        meta = MetaData()
        meta.reflect(engine)
        with engine.connect() as conn:
            for name, tbl in sorted(meta.tables.items()):
                assert isinstance(tbl, Table)
                rows = conn.execute(select(tbl).limit(SAMPLE_ROWS)).all()
                header = [c.name for c in tbl.columns]
                text = [["" if v is None else str(v) for v in r] for r in rows]
                out.append(_profile(name, header, text))
    finally:
        engine.dispose()
    if not out:
        raise UserError(f"no tables in {url}", reason="infer_source")
    return out


def _tokens(name: str) -> list[str]:
    parts = [p for p in re.split(r"[_\-\s.]+|(?<=[a-z])(?=[A-Z])", name.lower()) if p]
    while parts and parts[0] in PREFIXES and len(parts) > 1:
        parts = parts[1:]
    return parts


def _table_score(t: TableProfile, entity: str) -> float:
    words = TABLE_WORDS[entity]
    toks = _tokens(t.name)
    joined = "_".join(toks)
    score = 0.0
    if joined in words:
        score += 4
    elif any(tok in words for tok in toks):
        score += 2.5 if toks[-1] in words else 1.5
    elif any(w in t.name for w in words if not w.isascii()):
        score += 3
    cols = " ".join(c.lower() for c in t.columns)
    if entity == "order_line" and re.search(r"qty|quantity|数量", cols) and re.search(r"order", cols):
        score += 1
    if entity == "telemetry" and re.search(r"metric|reading|value", cols):
        score += 1
    return score


def _assign_tables(tables: list[TableProfile]) -> dict[str, TableProfile]:
    pairs = sorted(
        ((_table_score(t, e), e, t.name) for t in tables for e in TABLE_WORDS),
        key=lambda x: -x[0],
    )
    by_name = {t.name: t for t in tables}
    out: dict[str, TableProfile] = {}
    used: set[str] = set()
    for score, entity, name in pairs:
        if score < 1.5 or entity in out or name in used:
            continue
        out[entity] = by_name[name]
        used.add(name)
    return out


def _cue_score(col: str, cues: tuple[str, ...]) -> float:
    c = col.lower()
    best = 0.0
    for cue in cues:
        if c == cue:
            best = max(best, 3.0)
        elif c.endswith("_" + cue) or c.startswith(cue + "_") or (not cue.isascii() and cue in c):
            best = max(best, 2.0)
        elif len(cue) > 2 and cue in c:
            best = max(best, 1.0)
    return best


def _id_column(t: TableProfile, entity: str) -> str | None:
    best, best_score = None, 0.0
    stem = entity.split("_")[0]
    for col, p in t.columns.items():
        if p.kind in ("date", "empty") or not p.unique:
            continue  # a key is unique; a day is never a key, even when the sample happens to be unique
        c = col.lower()
        score = 0.0
        if c in ("id", f"{stem}_id", f"{stem}_no", f"{stem}id", *STRONG_ID):
            score = 4
        elif any(c.endswith(cue) or c.startswith(cue) for cue in ID_CUES) or "编号" in c:
            score = 2
        first = list(t.columns).index(col) == 0
        if score <= 0 and not first:
            continue  # an unnamed column is a key only when it comes first (a count may be unique by chance)
        score += 2
        if first:
            score += 1.5  # exports put the key first
        if score > best_score:
            best, best_score = col, score
    return best if best_score > 0 else None


@dataclass
class Proposal:
    table: str
    columns: dict[str, str] = field(default_factory=dict)
    extra: dict[str, dict[str, Any]] = field(default_factory=dict)
    wide_metrics: dict[str, str] = field(default_factory=dict)
    never_read: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _overlap(col: ColumnProfile, ids: set[str]) -> float:
    vals = col.distinct
    if not vals or not ids:
        return 0.0
    return len(vals & ids) / len(vals)


def _structural(tables: list[TableProfile], assigned: dict[str, TableProfile]) -> None:
    """Tables whose names said nothing, placed by what they hold: a table whose ids other tables' orders point at is
    the product table; one that points at customers with install/warranty dates (or whose ids tickets point at) is the
    installed base; one with a status is tickets, one with end dates contracts; one pointing at devices with a date and
    numbers is telemetry."""
    left = [t for t in tables if all(t is not a for a in assigned.values())]

    def ids_of(entity: str) -> set[str]:
        t = assigned.get(entity)
        col = _id_column(t, entity) if t else None
        return t.columns[col].distinct if t and col else set()

    def points_at(t: TableProfile, ids: set[str]) -> bool:
        return any(_overlap(p, ids) >= 0.8 for p in t.columns.values())

    def has(t: TableProfile, field: str) -> bool:
        cues, kind = FIELD_CUES[field]
        return any(
            _cue_score(c, cues) >= 1 and (kind == "string" or p.kind == kind) for c, p in t.columns.items()
        )

    order_side = [assigned[e] for e in ("order", "order_line") if e in assigned]
    if "product" not in assigned:
        for t in left:
            col = _id_column(t, "product")
            if col and any(
                _overlap(p, t.columns[col].distinct) >= 0.8 for o in order_side for p in o.columns.values()
            ):
                assigned["product"] = t
                break
    customers = ids_of("customer")
    for t in [t for t in left if all(t is not a for a in assigned.values())]:
        if not customers or not points_at(t, customers):
            continue
        if "ticket" not in assigned and has(t, "status") and not has(t, "end_date"):
            assigned["ticket"] = t
        elif "contract" not in assigned and has(t, "end_date"):
            assigned["contract"] = t
        elif "device" not in assigned and (has(t, "installed_at") or has(t, "warranty_end")):
            assigned["device"] = t
    devices = ids_of("device")
    if "telemetry" not in assigned and devices:
        for t in [t for t in left if all(t is not a for a in assigned.values())]:
            numeric = sum(1 for p in t.columns.values() if p.kind == "number")
            dated = any(p.kind == "date" for p in t.columns.values())
            if points_at(t, devices) and dated and numeric:
                assigned["telemetry"] = t
                break


def infer_mapping(tables: list[TableProfile]) -> dict[str, Proposal]:
    assigned = _assign_tables(tables)
    _structural(tables, assigned)
    props: dict[str, Proposal] = {}
    ids: dict[str, set[str]] = {}
    for entity, t in assigned.items():
        prop = Proposal(t.name)
        idc = _id_column(t, entity)
        if idc:
            prop.columns["id"] = idc
            ids[entity] = t.columns[idc].distinct
        props[entity] = prop
    # order lines inside the orders table: the order table has a product and a quantity column
    if "order" in assigned and "order_line" not in assigned:
        t = assigned["order"]
        has_qty = any(_cue_score(c, FIELD_CUES["quantity"][0]) >= 1 for c in t.columns)
        if has_qty:
            props["order_line"] = Proposal(t.name, notes=["order lines live in the orders table"])
            assigned["order_line"] = t
            line_id = next((c for c in t.columns if re.search(r"line", c.lower())), None)
            props["order_line"].columns["id"] = line_id or props["order"].columns.get("id", "")
    for entity, t in assigned.items():
        _fields(entity, t, props[entity], ids)
    for (
        entity,
        t,
    ) in assigned.items():  # second pass: what no entity of the table claimed is extra / never_read
        _leftovers(entity, t, props, assigned)
    return props


def _fields(entity: str, t: TableProfile, prop: Proposal, ids: dict[str, set[str]]) -> None:
    used = set(prop.columns.values())
    for f, target in FOREIGN_KEYS.get(entity, {}).items():  # foreign keys by values, then by name
        target_ids = ids.get(target, set())
        cands = []
        for col, p in t.columns.items():
            if col in used and not (entity == "order_line" and f == "order_id"):
                continue
            ov = _overlap(p, target_ids)
            name_hint = _cue_score(col, (target, target[:4], "owner", "rep", "sales", "serial", "vin", "sku"))
            if ov >= 0.8 or (not target_ids and name_hint >= 2):
                cands.append((ov + 0.1 * name_hint, col))
        if cands:
            col = max(cands)[1]
            prop.columns[f] = col
            used.add(col)
    for f in ENTITIES[entity].fields:
        if f in prop.columns or f not in FIELD_CUES:
            continue
        cues, kind = FIELD_CUES[f]
        best, best_score = None, 0.0
        for col, p in t.columns.items():
            if col in used or any(x in col.lower() for x in PII):
                continue
            if kind in ("date", "number") and p.kind != kind:
                continue
            if kind == "string" and p.kind == "date":
                continue
            score = _cue_score(col, cues)
            if score > best_score:
                best, best_score = col, score
        if best is not None and best_score >= 1:
            prop.columns[f] = best
            used.add(best)
    if entity == "telemetry" and not {"metric", "value"} <= set(prop.columns):
        for f in ("metric", "value", "unit"):
            prop.columns.pop(f, None)
        if "id" in prop.columns and not t.columns[prop.columns["id"]].unique:
            prop.columns.pop("id")
        if prop.columns.get("id") == prop.columns.get("device_id"):
            prop.columns.pop("id", None)
        used = set(prop.columns.values())
        for col, p in t.columns.items():
            if col not in used and p.kind == "number":
                prop.wide_metrics[_attr(col)] = col
        prop.notes.append("wide telemetry: one column per metric")


def _leftovers(
    entity: str, t: TableProfile, props: dict[str, Proposal], assigned: dict[str, TableProfile]
) -> None:
    prop = props[entity]
    shared = [e for e, other in assigned.items() if other is t and e != entity]
    if shared and entity == "order_line":
        return  # leftovers of a shared table are offered once, on the order
    claimed = {c for e in [entity, *shared] for c in props[e].columns.values()}
    claimed |= {c for e in [entity, *shared] for c in props[e].wide_metrics.values()}
    for col, p in t.columns.items():
        if col in claimed:
            continue
        if any(x in col.lower() for x in PII):
            prop.never_read.append(col)
            continue
        if entity == "telemetry":
            continue  # a reading takes no extras (its numbers are wide_metrics, found above)
        kind = "string" if p.kind == "empty" else p.kind
        spec_extra: dict[str, Any] = {"column": col, "type": kind}
        if kind == "list":
            spec_extra["sep"] = next(
                (sep for sep in (";", "；", "|") if any(sep in v for v in p.values)), ";"
            )
        prop.extra[_attr(col)] = spec_extra


def _attr(col: str) -> str:
    """An extra field's name from its column: lowercased words (Chinese stays Chinese); a stable fallback otherwise."""
    a = re.sub(r"\W+", "_", col.lower()).strip("_")
    if a and IDENT.match(a):
        return a
    return "field_" + hashlib.sha256(col.encode("utf-8")).hexdigest()[:8]


def to_yaml(props: dict[str, Proposal], source: str) -> str:
    """The proposal as mapping YAML with review notes as comments."""
    lines = [
        f"# CRM mapping proposed by `copilot tenant infer-mapping {source}` — review every line, then run",
        "# `copilot tenant validate` (checks it against the data). Left: the copilot's field; right: your column.",
    ]
    missing = [e for e in REQUIRED_ENTITIES if e not in props]
    if missing:
        lines.append(f"# TODO: no table found for required entities: {', '.join(missing)}")
    body: dict[str, Any] = {"entities": {}}
    for entity in ENTITIES:
        if entity not in props:
            continue
        p = props[entity]
        ent: dict[str, Any] = {"table": p.table, "columns": dict(p.columns)}
        if p.extra:
            ent["extra"] = p.extra
        if p.wide_metrics:
            ent["wide_metrics"] = p.wide_metrics
        if p.never_read:
            ent["never_read"] = p.never_read
        need = [f for f in ENTITIES[entity].required if f not in p.columns]
        if p.wide_metrics:
            need = [f for f in need if f not in ("id", "metric", "value")]
        if need:
            ent["columns"].update({f: "TODO" for f in need})
        body["entities"][entity] = ent
    text = yaml.safe_dump(body, allow_unicode=True, sort_keys=False, width=120, default_flow_style=None)
    notes = [f"# {e}: {n}" for e, p in props.items() for n in p.notes]
    return "\n".join([*lines, *notes, text])


def infer_from(source: str) -> str:
    """A CSV folder path or a SQL URL → proposed mapping YAML."""
    tables = profile_sql(source) if "://" in source else profile_csv_dir(Path(source))
    return to_yaml(infer_mapping(tables), source)
