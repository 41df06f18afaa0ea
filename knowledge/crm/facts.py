"""Turn a customer snapshot into the `Customer360`: every fact an `Evidence` (CUSTOMER_FACT) naming the table, row key
and field it came from, with the SQL and parameters that read it. Every mapped column becomes a fact: the canonical
ones with their Chinese labels, the mapping's `extra:` fields with their own label and unit (source_ids.attribute names
the field, so playbook conditions can test any of them)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from contract.evidence import Evidence, EvidenceKind
from contract.ports import Customer360
from knowledge.crm.mapping import CrmMapping, ExtraField
from knowledge.crm.queries import EXTRA_PREFIX, catalog_max
from knowledge.crm.snapshot import Snapshot, as_date

WINDOWS = (30, 90, 180, 365)
_WINDOW_ITEMS = tuple((w, f"{w}d") for w in WINDOWS)
_WINDOW_KEYS = tuple(key for _, key in _WINDOW_ITEMS)
MAX_ROW_KEYS = 50  # lineage lists at most this many row keys and says how many there were
PROFILE_LABELS = {
    "name": "客户名称",
    "kind": "客户类型",
    "tier": "客户等级",
    "owner_rep": "负责销售",
    "business_unit": "事业部",
    "region": "区域",
    "city": "城市",
}


def fact(
    snap: Snapshot,
    table: str,
    row_key: str,
    field: str,
    title: str,
    content: str,
    lineage: dict[str, Any],
    aspect: str = "",  # tells apart two facts read from one row and field (one order, two categories)
    *,
    entity: str = "",
    attribute: str = "",  # the canonical or extra field name (tier, warranty_end, mileage_km …)
    scope: str = "",  # "catalog": company data (the price list), not this customer's own record
) -> Evidence:
    parts = (snap.customer_id, table, row_key, field, aspect) + ((snap.tenant,) if snap.tenant else ())
    parts += (scope,) if scope else ()
    source = {"table": table, "row_key": row_key, "field": field, "customer_id": snap.customer_id}
    if snap.tenant:
        source["tenant"] = snap.tenant
    if entity:
        source["entity"] = entity
    if attribute:
        source["attribute"] = attribute
    if scope:
        source["scope"] = scope
    return Evidence(
        id=Evidence.make_id(EvidenceKind.CUSTOMER_FACT, *parts),
        kind=EvidenceKind.CUSTOMER_FACT,
        title=title,
        content=content,
        source_ids=source,
        version=snap.day,  # facts are as of the day they were read
        lineage=lineage,
    )


def _col(m: CrmMapping, entity: str, field: str) -> str:
    return m.entities[entity].columns[field]


def _left(days: int) -> str:
    return f"剩余 {days} 天" if days >= 0 else f"已过期 {-days} 天"


def capped(keys: list[str]) -> dict[str, Any]:
    return {"row_keys": keys[:MAX_ROW_KEYS], "row_count": len(keys)}


def _shown(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):  # every digit, never an exponent: ":g" showed 1287065.5 as "1.28707e+06"
        return str(int(value)) if value.is_integer() else format(Decimal(repr(value)), "f")
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def normalise_rows(snap: Snapshot, m: CrmMapping) -> None:
    """Extras arrive as the driver's text: dates become `date`, numbers `float`, lists are split on their `sep`."""
    prefixes = {"profile": ("customer", EXTRA_PREFIX), "contacts": ("contact", EXTRA_PREFIX)}
    prefixes.update({k: (k.rstrip("s"), EXTRA_PREFIX) for k in ("orders", "contracts", "tickets", "devices")})
    for name, sec in snap.sections.items():
        targets = []
        if name in prefixes:
            targets.append(prefixes[name])
        if name == "profile":
            targets.append(("rep", "rx_"))
        if name == "order_lines":
            targets += [("product", "px_"), ("order_line", "lx_")]
        if name == "catalog":
            targets.append(("product", "px_"))
        for entity, prefix in targets:
            if entity not in m.entities:
                continue
            for attr, spec in m.entities[entity].extra.items():
                for row in sec.rows:
                    if prefix + attr in row:
                        row[prefix + attr] = _coerce(row[prefix + attr], spec)
        for row in sec.rows:
            for k in ("confirmed_ship_date", "warranty_end"):
                if k in row:
                    row[k] = as_date(row[k])


def _coerce(value: Any, spec: ExtraField) -> Any:
    if value is None or value == "":
        return None
    try:
        if spec.type == "date":
            return as_date(value)
        if spec.type == "number":
            return float(value)
    except (TypeError, ValueError):
        return value  # shown as read; the CSV import refuses such cells, a live CRM may still hold them
    if spec.type == "list":
        return [v.strip() for v in str(value).split(spec.sep) if v.strip()]
    return value


def _attribute_facts(
    snap: Snapshot,
    m: CrmMapping,
    entity: str,
    row: dict[str, Any],
    row_key: str,
    subject: str,
    lineage: dict[str, Any],
    fields: tuple[str, ...] = (),
    prefix: str = EXTRA_PREFIX,
    scope: str = "",
) -> list[Evidence]:
    """One fact per non-empty canonical `fields` and per extra of `entity` found in `row`."""
    ent = m.entities[entity]
    out = []
    items: list[tuple[str, str, str, str]] = [(f, f, ent.columns[f], "") for f in fields if f in ent.columns]
    items += [(name, prefix + name, e.column, e.unit) for name, e in ent.extra.items()]
    for attr, key, col, unit in items:
        value = row.get(key)
        if value in (None, "", []):
            continue
        label = m.label(entity, attr)
        text = f"{subject}{label} = {_shown(value)}{(' ' + unit) if unit else ''}"
        lin = {**lineage, "row_keys": [row_key], "values": {attr: _plain(value)}}
        if unit:
            lin["unit"] = unit
        title = f"产品目录·{label}" if scope == "catalog" else label
        out.append(
            fact(
                snap,
                ent.table,
                row_key,
                col,
                title,
                text,
                lin,
                aspect=attr,
                entity=entity,
                attribute=attr,
                scope=scope,
            )
        )
    return out


def build_360(snap: Snapshot, m: CrmMapping) -> Customer360:
    normalise_rows(snap, m)
    p, cid = snap.profile, snap.customer_id
    c360 = Customer360(
        customer_id=cid,
        name=str(p.get("name") or ""),
        tier=str(p.get("tier") or ""),
        owner_rep=str(p.get("owner_rep") or ""),
        business_unit=str(p.get("business_unit") or ""),
        region=str(p.get("region") or ""),
    )
    _profile(snap, m, c360)
    _purchases(snap, m, c360)
    _orders(snap, m, c360)
    bought = _products(snap, m, c360)
    _catalog(snap, m, c360, bought)
    _contracts(snap, m, c360)
    _tickets(snap, m, c360)
    _devices(snap, m, c360, dict(m.option("telemetry", "metric_labels", {}) or {}))
    return c360


def _profile(snap: Snapshot, m: CrmMapping, c360: Customer360) -> None:
    sec, table = snap.sections["profile"], m.entities["customer"].table
    for f, label in PROFILE_LABELS.items():
        value = snap.profile.get(f)
        if value in (None, ""):
            continue
        text = f"{label} = {value}"
        if f == "owner_rep" and snap.profile.get("rep_name"):
            text += f"（{snap.profile['rep_name']}，{snap.profile.get('rep_team_name') or snap.profile.get('rep_team') or ''}）"
        col = m.entities["customer"].columns[f]
        c360.facts.append(
            fact(
                snap, table, snap.customer_id, col, label, text, sec.lineage(), entity="customer", attribute=f
            )
        )
    c360.facts += _attribute_facts(snap, m, "customer", snap.profile, snap.customer_id, "", sec.lineage())
    owner = str(snap.profile.get("owner_rep") or "")
    if owner and m.entities["rep"].extra:  # the owning rep's own extra columns (position …)
        subject = f"负责销售 {snap.profile.get('rep_name') or owner} "
        c360.facts += _attribute_facts(
            snap, m, "rep", snap.profile, owner, subject, sec.lineage(), prefix="rx_"
        )
    if "contacts" in snap.sections:
        sec, table = snap.sections["contacts"], m.entities["contact"].table
        for r in sec.rows:
            text = f"联系人 = {r['name']}" + (f"（{r['title']}）" if r.get("title") else "")
            c360.facts.append(
                fact(
                    snap,
                    table,
                    str(r["id"]),
                    _col(m, "contact", "name"),
                    "联系人",
                    text,
                    sec.lineage(),
                    entity="contact",
                    attribute="name",
                )
            )
            subject = f"联系人 {r['name']} "
            c360.facts += _attribute_facts(snap, m, "contact", r, str(r["id"]), subject, sec.lineage())


def _purchases(snap: Snapshot, m: CrmMapping, c360: Customer360) -> None:
    sec = snap.sections["order_lines"]
    qty: dict[str, dict[str, float]] = defaultdict(lambda: dict.fromkeys(_WINDOW_KEYS, 0.0))
    keys: dict[str, list[str]] = defaultdict(list)
    longest, today = max(WINDOWS), snap.today
    for r in sec.rows:  # the same additions in the same order as a per-window loop: bit-identical sums
        age = (today - r["order_date"]).days
        if age > longest:
            continue
        windows, q = qty[r["category"]], float(r["quantity"] or 0)
        for w, key in _WINDOW_ITEMS:
            if age <= w:
                windows[key] += q
        keys[r["category"]].append(str(r["line_id"]))
    last = snap.sections["last_purchase"]
    for r in last.rows:
        qty[r["category"]]  # a category bought long ago still appears, with zeros
        c360.last_purchase[r["category"]] = r["order_date"].isoformat()
        days = (snap.today - r["order_date"]).days
        text = f"{r['category']} 最近一次采购 = {r['order_date'].isoformat()}（订单 {r['order_id']}，距今 {days} 天）"
        lin = last.lineage(row_keys=[str(r["order_id"])], values={"order_date": r["order_date"].isoformat()})
        c360.facts.append(
            fact(
                snap,
                m.entities["order"].table,
                str(r["order_id"]),
                _col(m, "order", "order_date"),
                "最近采购",
                text,
                lin,
                aspect=str(r["category"]),
            )
        )
    line_table = m.entities["order_line"].table
    _quarter_amounts(snap, m, c360, sec)
    for cat in sorted(qty):
        windows = qty[cat]
        c360.purchases_by_category[cat] = windows
        text = f"{cat} 采购数量：" + "，".join(f"近{w}天 {windows[f'{w}d']:g}" for w in WINDOWS)
        lin = sec.lineage(**capped(keys[cat]), values=windows)
        c360.facts.append(
            fact(
                snap,
                line_table,
                f"{snap.customer_id}/{cat}",
                _col(m, "order_line", "quantity"),
                "分品类采购",
                text,
                lin,
            )
        )


def quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def _quarter_amounts(snap: Snapshot, m: CrmMapping, c360: Customer360, sec: Any) -> None:
    """Purchase amount and quantity per category and calendar quarter, from the first quarter of last year to the
    current one, when order lines carry an amount: one fact each, its values in lineage (the reasoning tools read them:
    a rebate tier from last quarter's amount, a volume tier from last year's quantity)."""
    if not m.has("order_line", "amount"):
        return
    this_q = quarter_of(snap.today)
    wanted = [
        (y, q) for y in (snap.today.year - 1, snap.today.year) for q in (1, 2, 3, 4) if (y, q) <= this_q
    ]
    # (category, quarter) → [amount, quantity, row keys]: one lookup per row instead of three
    acc: dict[tuple[str, tuple[int, int]], list[Any]] = {}
    # Per row: one dict lookup instead of quarter_of + a list scan (many lines share a date). The sums are added in
    # row order as before, so every float is bit-identical. Not pushed into a grouped SQL query: the lineage names the
    # order-lines read and its row keys, and a database's SUM (PostgreSQL numeric) would round differently.
    in_window = set(wanted)
    quarter_on: dict[date, tuple[int, int] | None] = {}  # the quarter of a day, None when outside the window
    for r in sec.rows:
        day = r["order_date"]
        if day in quarter_on:
            yq = quarter_on[day]
        else:
            q = quarter_of(day)
            yq = quarter_on[day] = q if q in in_window else None
        if yq is not None and (value := r.get("amount")) is not None:
            k = (r["category"], yq)
            a = acc.get(k)
            if a is None:
                a = acc[k] = [0.0, 0.0, []]
            a[0] += float(value)
            a[1] += float(r.get("quantity") or 0)
            a[2].append(str(r["line_id"]))
    for (cat, (yy, qq)), (amount, n, row_keys) in sorted(acc.items(), key=_by_key):
        period = f"{yy}Q{qq}"
        start = date(yy, 3 * qq - 2, 1)
        status = "current" if (yy, qq) == this_q else "complete"
        text = f"{cat} {yy}年第{qq}季度采购金额 = {amount:,.2f} 元，数量 {n:g}" + (
            "（本季度至今）" if status == "current" else ""
        )
        values = {
            "category": cat,
            "quarter": period,
            "start": start.isoformat(),
            "amount": round(amount, 2),
            "quantity": n,
        }
        lin = sec.lineage(**capped(row_keys), values={**values, "status": status})
        c360.facts.append(
            fact(
                snap,
                m.entities["order_line"].table,
                f"{snap.customer_id}/{cat}/{period}",
                _col(m, "order_line", "amount"),
                "季度采购金额",
                text,
                lin,
                aspect=period,
            )
        )


def _by_key(item: tuple[tuple[str, tuple[int, int]], list[Any]]) -> tuple[str, tuple[int, int]]:
    return item[0]  # keys are unique: sorting by them alone is the order sorted(sums.items()) gave


def _contracts(snap: Snapshot, m: CrmMapping, c360: Customer360) -> None:
    if "contracts" not in snap.sections:
        return
    sec, table = snap.sections["contracts"], m.entities["contract"].table
    for r in sec.rows:
        end: date = r["end_date"]
        days_left = (end - snap.today).days
        ev = fact(
            snap,
            table,
            str(r["id"]),
            _col(m, "contract", "end_date"),
            "合同到期",
            f"合同 {r['id']}「{r.get('title') or ''}」到期日 = {end.isoformat()}（状态 {r.get('status') or '-'}，{_left(days_left)}）",
            sec.lineage(row_keys=[str(r["id"])]),
        )
        c360.facts.append(ev)
        more = _attribute_facts(
            snap, m, "contract", r, str(r["id"]), f"合同 {r['id']} ", sec.lineage(), ("tier", "start_date")
        )
        c360.facts += more
        row = {k: _plain(v) for k, v in r.items()}
        ids = [ev.id, *(e.id for e in more)]
        c360.contracts.append({**row, "days_to_expiry": days_left, "evidence_id": ev.id, "evidence_ids": ids})


def _tickets(snap: Snapshot, m: CrmMapping, c360: Customer360) -> None:
    if "tickets" not in snap.sections:
        return
    sec, table = snap.sections["tickets"], m.entities["ticket"].table
    for r in sec.rows:
        text = f"未关闭工单 {r['id']}：{r.get('subject') or ''}（状态 {r['status']}"
        text += f"，开单 {r['opened_at'].isoformat()}）" if r.get("opened_at") else "）"
        ev = fact(snap, table, str(r["id"]), _col(m, "ticket", "status"), "未关闭工单", text, sec.lineage())
        c360.facts.append(ev)
        c360.facts += _attribute_facts(snap, m, "ticket", r, str(r["id"]), f"工单 {r['id']} ", sec.lineage())
        row = {k: _plain(v) for k, v in r.items()}
        c360.open_tickets.append({**row, "evidence_id": ev.id})


def _devices(snap: Snapshot, m: CrmMapping, c360: Customer360, labels: dict[str, str]) -> None:
    if "devices" not in snap.sections:
        return
    latest: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for r in snap.rows("telemetry"):  # ordered by device, day: the last row per metric is the latest
        latest[str(r["device_id"])][str(r["metric"])] = r
    dev_sec = snap.sections["devices"]
    for d in dev_sec.rows:
        dev_id = str(d["id"])
        entry: dict[str, Any] = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in d.items()}
        entry["latest"], entry["evidence_ids"] = {}, []
        ev = fact(
            snap,
            m.entities["device"].table,
            dev_id,
            _col(m, "device", "id"),
            "设备",
            f"在用设备 {dev_id}：{d.get('name') or ''}",
            dev_sec.lineage(),
        )
        c360.facts.append(ev)
        entry["evidence_ids"].append(ev.id)
        more = _attribute_facts(
            snap,
            m,
            "device",
            d,
            dev_id,
            f"设备 {dev_id} ",
            dev_sec.lineage(),
            ("warranty_end", "installed_at"),
        )
        c360.facts += more
        entry["evidence_ids"] += [e.id for e in more]
        if isinstance(d.get("warranty_end"), date):
            entry["warranty_days_left"] = (d["warranty_end"] - snap.today).days
        for metric, r in sorted(latest.get(dev_id, {}).items()):
            label = labels.get(metric, metric)
            day = r["reading_date"].isoformat()
            entry["latest"][metric] = {
                "value": r["value"],
                "unit": r.get("unit") or "",
                "date": day,
                "label": label,
            }
            text = f"设备 {dev_id} 最新{label} = {float(r['value']):g}{r.get('unit') or ''}（{day}）"
            lin = snap.sections["telemetry"].lineage(row_keys=[str(r["id"])])
            tel = m.entities["telemetry"]
            column_name = tel.wide_metrics.get(metric) or tel.columns.get("value", "value")
            ev = fact(
                snap,
                tel.table,
                str(r["id"]),
                column_name,
                f"设备读数·{label}",
                text,
                lin,
                aspect=metric if tel.wide_metrics else "",
                entity="telemetry",
                attribute=metric,
            )
            c360.facts.append(ev)
            entry["evidence_ids"].append(ev.id)
        c360.devices.append(entry)


def _orders(snap: Snapshot, m: CrmMapping, c360: Customer360) -> None:
    """The recent orders' own fields (status, amount, confirmed ship date, discount, extras), and the extras of their
    lines, as facts."""
    if "orders" not in snap.sections:
        return
    sec = snap.sections["orders"]
    fields = ("status", "amount", "confirmed_ship_date", "discount")
    recent: set[str] = set()
    for r in sec.rows:
        oid = str(r["id"])
        recent.add(oid)
        c360.facts += _attribute_facts(snap, m, "order", r, oid, f"订单 {oid} ", sec.lineage(), fields)
    if "order_line" in m.entities and m.entities["order_line"].extra and "order_lines" in snap.sections:
        lines = snap.sections["order_lines"]
        for r in lines.rows:
            if str(r["order_id"]) in recent:
                subject = f"订单 {r['order_id']} 行 {r['line_id']} "
                c360.facts += _attribute_facts(
                    snap, m, "order_line", r, str(r["line_id"]), subject, lines.lineage(), prefix="lx_"
                )


def _products(snap: Snapshot, m: CrmMapping, c360: Customer360) -> set[str]:
    """Extras of the products this customer bought in the lookback window (one fact per product and field); returns
    their ids."""
    seen: set[str] = set()
    if not m.entities["product"].extra or "order_lines" not in snap.sections:
        return seen
    sec = snap.sections["order_lines"]
    for r in sec.rows:
        pid = str(r.get("product_id") or "")
        if not pid or pid in seen:
            continue
        seen.add(pid)
        subject = f"产品 {r.get('product_name') or pid} "
        c360.facts += _attribute_facts(snap, m, "product", r, pid, subject, sec.lineage(), prefix="px_")
    return seen


def _catalog(snap: Snapshot, m: CrmMapping, c360: Customer360, bought: set[str]) -> None:
    """The company's price list (the product table's mapped extras) for products this customer did not buy, so a
    tool can price a model they ask about (queries._catalog: capped, their categories first). Each fact carries
    source_ids.scope = "catalog" and the title 产品目录·<label>: it is company data, not this customer's purchase."""
    sec = snap.sections.get("catalog")
    if sec is None:
        return
    cap = catalog_max(m)
    cut = len(sec.rows) > cap  # the query reads cap + 1 rows to tell
    note = {"catalog": {"cap": cap, "truncated": cut, "order": "bought categories first, then product id"}}
    for r in sec.rows[:cap]:
        pid = str(r.get("product_id") or "")
        if not pid or pid in bought:
            continue
        bought.add(pid)  # DISTINCT rows may still repeat an id whose extras differ between lines
        subject = f"产品 {r.get('product_name') or pid} "
        c360.facts += _attribute_facts(
            snap, m, "product", r, pid, subject, sec.lineage(**note), prefix="px_", scope="catalog"
        )
