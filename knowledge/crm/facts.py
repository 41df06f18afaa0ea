"""Turn a customer snapshot into the `Customer360`: every fact an `Evidence` (CUSTOMER_FACT) naming the table, row key
and field it came from, with the SQL and parameters that read it."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from contract.evidence import Evidence, EvidenceKind
from contract.ports import Customer360
from knowledge.crm.mapping import CrmMapping
from knowledge.crm.snapshot import Snapshot

WINDOWS = (30, 90, 180, 365)
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
) -> Evidence:
    return Evidence(
        id=Evidence.make_id(EvidenceKind.CUSTOMER_FACT, snap.customer_id, table, row_key, field, aspect),
        kind=EvidenceKind.CUSTOMER_FACT,
        title=title,
        content=content,
        source_ids={"table": table, "row_key": row_key, "field": field, "customer_id": snap.customer_id},
        version=snap.today.isoformat(),  # facts are as of the day they were read
        lineage=lineage,
    )


def _col(m: CrmMapping, entity: str, field: str) -> str:
    return m.entities[entity].columns[field]


def _left(days: int) -> str:
    return f"剩余 {days} 天" if days >= 0 else f"已过期 {-days} 天"


def capped(keys: list[str]) -> dict[str, Any]:
    return {"row_keys": keys[:MAX_ROW_KEYS], "row_count": len(keys)}


def build_360(snap: Snapshot, m: CrmMapping) -> Customer360:
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
        c360.facts.append(fact(snap, table, snap.customer_id, col, label, text, sec.lineage()))
    if "contacts" in snap.sections:
        sec, table = snap.sections["contacts"], m.entities["contact"].table
        for r in sec.rows:
            text = f"联系人 = {r['name']}" + (f"（{r['title']}）" if r.get("title") else "")
            c360.facts.append(
                fact(snap, table, str(r["id"]), _col(m, "contact", "name"), "联系人", text, sec.lineage())
            )


def _purchases(snap: Snapshot, m: CrmMapping, c360: Customer360) -> None:
    sec = snap.sections["order_lines"]
    qty: dict[str, dict[str, float]] = defaultdict(lambda: {f"{w}d": 0.0 for w in WINDOWS})
    keys: dict[str, list[str]] = defaultdict(list)
    for r in sec.rows:
        age = (snap.today - r["order_date"]).days
        for w in WINDOWS:
            if age <= w:
                qty[r["category"]][f"{w}d"] += float(r["quantity"] or 0)
        if age <= max(WINDOWS):
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
    """Purchase amount per category and calendar quarter (the last four complete quarters and the current one), when
    order lines carry an amount: one fact each, its values in lineage (the reasoning tools read them, e.g. a rebate
    tier from last quarter's amount)."""
    if not m.has("order_line", "amount"):
        return
    this_q = quarter_of(snap.today)
    wanted = [this_q]
    y, q = this_q
    for _ in range(4):
        y, q = (y, q - 1) if q > 1 else (y - 1, 4)
        wanted.append((y, q))
    sums: dict[tuple[str, tuple[int, int]], float] = defaultdict(float)
    keys: dict[tuple[str, tuple[int, int]], list[str]] = defaultdict(list)
    for r in sec.rows:
        yq = quarter_of(r["order_date"])
        if yq in wanted and r.get("amount") is not None:
            sums[(r["category"], yq)] += float(r["amount"])
            keys[(r["category"], yq)].append(str(r["line_id"]))
    for (cat, (yy, qq)), amount in sorted(sums.items()):
        period = f"{yy}Q{qq}"
        start = date(yy, 3 * qq - 2, 1)
        status = "current" if (yy, qq) == this_q else "complete"
        text = f"{cat} {yy}年第{qq}季度采购金额 = {amount:,.2f} 元" + (
            "（本季度至今）" if status == "current" else ""
        )
        values = {"category": cat, "quarter": period, "start": start.isoformat(), "amount": round(amount, 2)}
        lin = sec.lineage(**capped(keys[(cat, (yy, qq))]), values={**values, "status": status})
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
        row = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in r.items()}
        c360.contracts.append({**row, "days_to_expiry": days_left, "evidence_id": ev.id})


def _tickets(snap: Snapshot, m: CrmMapping, c360: Customer360) -> None:
    if "tickets" not in snap.sections:
        return
    sec, table = snap.sections["tickets"], m.entities["ticket"].table
    for r in sec.rows:
        text = f"未关闭工单 {r['id']}：{r.get('subject') or ''}（状态 {r['status']}"
        text += f"，开单 {r['opened_at'].isoformat()}）" if r.get("opened_at") else "）"
        ev = fact(snap, table, str(r["id"]), _col(m, "ticket", "status"), "未关闭工单", text, sec.lineage())
        c360.facts.append(ev)
        row = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in r.items()}
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
        for metric, r in sorted(latest.get(dev_id, {}).items()):
            label = labels.get(metric, metric)
            day = r["reading_date"].isoformat()
            entry["latest"][metric] = {
                "value": r["value"],
                "unit": r.get("unit") or "",
                "date": day,
                "label": label,
            }
            text = f"设备 {dev_id} 最新{label} = {r['value']:g}{r.get('unit') or ''}（{day}）"
            lin = snap.sections["telemetry"].lineage(row_keys=[str(r["id"])])
            ev = fact(
                snap,
                m.entities["telemetry"].table,
                str(r["id"]),
                _col(m, "telemetry", "value"),
                f"设备读数·{label}",
                text,
                lin,
            )
            c360.facts.append(ev)
            entry["evidence_ids"].append(ev.id)
        c360.devices.append(entry)
