"""Evaluate declared signals on a customer snapshot. Each fired signal is `Evidence` (kind SIGNAL) whose lineage holds
the query, tables, row keys and values that produced it; nothing here reads the database again."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from contract.evidence import Evidence, EvidenceKind
from knowledge.crm.facts import capped
from knowledge.crm.mapping import CrmMapping
from knowledge.crm.signal_specs import DAYS_SINCE_SECTIONS, SignalSpec
from knowledge.crm.snapshot import Snapshot


def evaluate(specs: list[SignalSpec], snap: Snapshot, m: CrmMapping) -> list[Evidence]:
    out: list[Evidence] = []
    for spec in specs:
        out.extend(_EVALUATORS[spec.type](spec, snap, m))
    return out


def _signal(
    spec: SignalSpec, snap: Snapshot, subject: str, content: str, lineage: dict[str, Any], **ids: str
) -> Evidence:
    source = {"signal_id": spec.id, "business_unit": spec.business_unit, "customer_id": snap.customer_id}
    if snap.tenant:
        source["tenant"] = snap.tenant
    source.update({k: str(v) for k, v in spec.params.items()})
    source.update(ids)
    return Evidence(
        id=Evidence.make_id(
            EvidenceKind.SIGNAL, spec.id, snap.customer_id, subject, *((snap.tenant,) if snap.tenant else ())
        ),
        kind=EvidenceKind.SIGNAL,
        title=spec.title or spec.id,
        content=content,
        source_ids=source,
        version=snap.today.isoformat(),
        lineage={**lineage, "signal_type": spec.type, "rule_params": spec.params},
    )


def _no_purchase(spec: SignalSpec, snap: Snapshot, m: CrmMapping) -> list[Evidence]:
    p = spec.typed()
    sec = snap.sections["last_purchase"]
    last = next((r for r in sec.rows if r["category"] == p.category), None)
    name = snap.profile.get("name", snap.customer_id)
    if last is None:
        content = f"{name} 从未采购 {p.category}（规则：{p.days} 天内无采购）"
        lineage = sec.lineage(row_keys=[], values={"last_purchase_date": None, "days_since": None})
    else:
        since = (snap.today - last["order_date"]).days
        if since <= p.days:
            return []
        content = (
            f"{name} 已 {since} 天未采购 {p.category}：最近一次 {last['order_date'].isoformat()}"
            f"（订单 {last['order_id']}），超过 {p.days} 天"
        )
        values = {"last_purchase_date": last["order_date"].isoformat(), "days_since": since}
        lineage = sec.lineage(row_keys=[str(last["order_id"])], values=values)
    return [_signal(spec, snap, p.category, content, lineage)]


def _contract_expiring(spec: SignalSpec, snap: Snapshot, m: CrmMapping) -> list[Evidence]:
    p = spec.typed()
    sec = snap.sections.get("contracts")
    if sec is None or not sec.rows:
        return []
    active = {str(s) for s in m.option("contract", "active_statuses", ["active"])}
    latest_end = max(r["end_date"] for r in sec.rows)
    out = []
    for r in sec.rows:
        left = (r["end_date"] - snap.today).days
        if "status" in r and r["status"] not in active:
            continue
        if not 0 <= left <= p.days or r["end_date"] < latest_end:  # a later contract means it was renewed
            continue
        content = f"合同 {r['id']}「{r.get('title') or ''}」将于 {r['end_date'].isoformat()} 到期（剩余 {left} 天，规则：{p.days} 天内）"
        values = {"end_date": r["end_date"].isoformat(), "days_left": left}
        lin = sec.lineage(row_keys=[str(r["id"])], values=values)
        out.append(_signal(spec, snap, str(r["id"]), content, lin, contract_id=str(r["id"])))
    return out


def _telemetry(spec: SignalSpec, snap: Snapshot, m: CrmMapping) -> list[Evidence]:
    p = spec.typed()
    sec = snap.sections.get("telemetry")
    if sec is None:
        return []
    label = (m.option("telemetry", "metric_labels", {}) or {}).get(p.metric, p.metric)
    daily: dict[str, dict[date, tuple[float, str]]] = defaultdict(dict)  # device → day → (max value, row key)
    for r in sec.rows:
        if r["metric"] != p.metric:
            continue
        day, value = r["reading_date"], float(r["value"])
        prev = daily[str(r["device_id"])].get(day)
        if prev is None or value > prev[0]:
            daily[str(r["device_id"])][day] = (value, str(r["id"]))
    out = []
    for device, days in sorted(daily.items()):
        last_day = max(days)
        if (snap.today - last_day).days >= p.consecutive_days:
            continue  # the device stopped reporting: no "running" streak to speak of
        streak: list[tuple[date, float, str]] = []
        day = last_day
        while day in days and days[day][0] > p.threshold:
            streak.append((day, *days[day]))
            day -= timedelta(days=1)
        if len(streak) < p.consecutive_days:
            continue
        streak.reverse()
        shown = "、".join(f"{d.isoformat()} {v:g}" for d, v, _ in streak)
        content = f"设备 {device} {label}连续 {len(streak)} 天超过阈值 {p.threshold:g}：{shown}"
        values = [{"date": d.isoformat(), "value": v} for d, v, _ in streak]
        lin = sec.lineage(row_keys=[k for _, _, k in streak], values=values)
        out.append(_signal(spec, snap, device, content, lin, device_id=device))
    return out


def _volume_drop(spec: SignalSpec, snap: Snapshot, m: CrmMapping) -> list[Evidence]:
    p = spec.typed()
    sec = snap.sections["order_lines"]
    recent: set[str] = set()
    baseline: set[str] = set()
    for r in sec.rows:
        age = (snap.today - r["order_date"]).days
        if age <= p.window_days:
            recent.add(str(r["order_id"]))
        elif age <= p.window_days + p.baseline_days:
            baseline.add(str(r["order_id"]))
    expected = len(baseline) * p.window_days / p.baseline_days
    if len(baseline) < p.min_baseline_orders or len(recent) >= expected * (1 - p.drop_ratio):
        return []
    drop = 1 - len(recent) / expected
    content = (
        f"近 {p.window_days} 天订单 {len(recent)} 笔，按此前 {p.baseline_days} 天的节奏应约 {expected:.1f} 笔，"
        f"下降 {drop:.0%}（规则：下降超过 {p.drop_ratio:.0%}）"
    )
    values = {
        "recent_orders": len(recent),
        "baseline_orders": len(baseline),
        "expected": round(expected, 2),
        "drop": round(drop, 3),
    }
    lin = sec.lineage(**capped(sorted(recent) + sorted(baseline)), values=values)
    return [_signal(spec, snap, f"{p.window_days}d", content, lin)]


def _warranty(spec: SignalSpec, snap: Snapshot, m: CrmMapping) -> list[Evidence]:
    p = spec.typed()
    sec = snap.sections.get("devices")
    if sec is None:
        return []
    out = []
    for d in sec.rows:
        end = d.get("warranty_end")
        if not isinstance(end, date):
            continue
        left = (end - snap.today).days
        if not 0 <= left <= p.days:
            continue
        name = f"（{d['name']}）" if d.get("name") else ""
        content = (
            f"设备 {d['id']}{name} 质保将于 {end.isoformat()} 到期（剩余 {left} 天，规则：{p.days} 天内）"
        )
        lin = sec.lineage(
            row_keys=[str(d["id"])], values={"warranty_end": end.isoformat(), "days_left": left}
        )
        out.append(_signal(spec, snap, str(d["id"]), content, lin, device_id=str(d["id"])))
    return out


def _days_since(spec: SignalSpec, snap: Snapshot, m: CrmMapping) -> list[Evidence]:
    p = spec.typed()
    sec = snap.sections.get(DAYS_SINCE_SECTIONS[p.entity])
    if sec is None:
        return []
    ent = m.entities[p.entity]
    key = f"x_{p.attribute}" if (p.is_extra or p.attribute not in ent.columns) else p.attribute
    label = m.label(p.entity, p.attribute)
    dated = []
    for r in sec.rows:
        value = r.get(key)
        if isinstance(value, date):
            row_key = str(r.get("id", snap.customer_id))
            dated.append((value, row_key))
    if not dated:
        return []
    overdue = [(d, k) for d, k in dated if (snap.today - d).days > p.days]
    if p.aggregate == "latest":
        newest = max(dated)
        overdue = [newest] if (snap.today - newest[0]).days > p.days else []
    if not overdue:
        return []
    overdue.sort()
    shown = "、".join(f"{k}（{d.isoformat()}，距今 {(snap.today - d).days} 天）" for d, k in overdue[:5])
    more = f" 等 {len(overdue)} 项" if len(overdue) > 5 else ""
    what = "最近一次" if p.aggregate == "latest" else ""
    content = f"{what}{label}已超过 {p.days} 天：{shown}{more}"
    values = [
        {"row_key": k, p.attribute: d.isoformat(), "days_since": (snap.today - d).days} for d, k in overdue
    ]
    lin = sec.lineage(**capped([k for _, k in overdue]), values=values[:50])
    return [_signal(spec, snap, p.field, content, lin)]


_EVALUATORS = {
    "no_purchase_in_category": _no_purchase,
    "contract_expiring": _contract_expiring,
    "telemetry_over_threshold": _telemetry,
    "order_volume_drop": _volume_drop,
    "warranty_expiring": _warranty,
    "days_since": _days_since,
}
