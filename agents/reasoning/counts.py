"""Aggregates over the customer's own CRM records, and a CRM date chained with a policy interval.

record_count: how many of the customer's records (assets) there are, in all and per group (a model), each group cited
to the facts it was counted from — "一共几台" is answered from the CRM, never guessed.

next_due: the last time something was done (a CRM date per asset: the last service) plus the interval the governing
clause sets for that asset's row (a clause part starting with the asset's class: "租用设备每500小时或3个月") → the day
it is next due, and whether it is already past. Assets of a fleet that share the date and the class are one batch. An
interval with a usage part as well ("每500小时或3个月，以先到者为准") is due at whichever comes first: the day the usage
part is reached is estimated from the asset's recorded usage (an odometer) over the days since its use began.

Words of the pack's industry (the unit an asset is counted in, what the due thing is called) come from tools.yaml
(count_units, label); the defaults here are neutral."""

from __future__ import annotations

import math
import re
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from agents.reasoning import dates
from agents.reasoning.base import ToolContext, _version_input, governing_clause
from agents.reasoning.config import ToolSpec
from agents.reasoning.crm import MissingField
from agents.reasoning.results import CannotCompute, Computed, Input, Result
from contract.quantities import quantities

MAX_GROUPS = 3  # more batches than this are summed up (how many are past due, the earliest still ahead)


def _get(record: dict[str, Any], field: str) -> Any:
    v = record.get(field)
    return record.get("x_" + field) if v in (None, "") else v


def _ev(record: dict[str, Any]) -> str:
    return str((record.get("evidence_ids") or [""])[0] or record.get("evidence_id") or "")


def _records(spec: ToolSpec, ctx: ToolContext) -> list[dict[str, Any]]:
    if spec.records == "devices":
        return ctx.crm.all_devices()
    if spec.records == "orders":
        return ctx.crm.entity_records("order")
    return [dict(r) for r in ctx.crm.crm.get(spec.records) or []]


def _sep(name: str) -> str:
    """A name ending in Latin letters or digits ("… SUV") keeps a space before the count that follows it."""
    return f"{name} " if re.search(r"[A-Za-z0-9]$", name) else name


def record_count(spec: ToolSpec, ctx: ToolContext) -> list[Result]:
    """The customer's records of `records` (matching `where`), counted in all and per `group_by` value, through the
    tenant's `template` ({total}, {groups}, {unit}); each group's first record is cited."""
    records = _records(spec, ctx)
    for field_name, allowed in spec.where.items():
        records = [r for r in records if str(_get(r, field_name) or "") in allowed]
    if not records:
        return [CannotCompute(spec.tool, spec.id, f"CRM 中没有该客户的相关记录（{spec.records}）")]
    unit = ctx.count_units[0] if ctx.count_units else ""
    key = spec.group_by or "name"
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        groups.setdefault(str(_get(r, key) or "").strip(), []).append(r)
    ordered = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    total = len(records)
    said = "、".join(f"{_sep(name)}{len(rs)}{unit}" for name, rs in ordered if name)
    said_en = ", ".join(f"{len(rs)} × {name}" for name, rs in ordered if name)
    values = {"total": total, "groups": said, "unit": unit, "groups_en": said_en}
    try:
        statement = spec.template.format(**values) if spec.template else f"共{total}{unit}（{said}）"
        statement_en = (
            spec.template_en.format(**values) if spec.template_en else f"{total} in all ({said_en})"
        )
    except (KeyError, IndexError) as exc:
        return [CannotCompute(spec.tool, spec.id, f"tools.yaml 模板引用了不存在的字段 {exc}")]
    inputs = tuple(
        Input(
            "evidence" if _ev(rs[0]) else "field", _ev(rs[0]) or f"{spec.records}.{key}", f"{name}｜{len(rs)}"
        )
        for name, rs in ordered
    )
    slots = tuple(s for s in (f"{total}{unit}", *(f"{len(rs)}{unit}" for _, rs in ordered)) if s in statement)
    return [
        Computed(
            spec.tool,
            spec.id,
            str(total),
            unit or "count",
            statement,
            slots[:3],
            inputs,
            subject=f"{spec.records}/{key}",
            statement_en=statement_en,
            cite_inputs=True,  # the CRM's records are what the count is read from
        )
    ]


PART_BREAK = re.compile(r"[：:，,；;。]")
MONTHS = re.compile(r"(\d+)\s*个月")
TIME_UNITS = {"个月", "年", "天", "工作日", "分钟"}
NEUTRAL_COUNT_WORD = "个"  # a count of assets when the pack names no measure word (tools.yaml count_units)


def _interval(body: str, row: str) -> tuple[str, int, str] | None:
    """The clause part for this asset class (it starts with the class word, so 非营运 is not read for 营运), its
    months, and the whole clause's closing rule (以先到者为准) when it has one."""
    parts = [p.strip() for p in PART_BREAK.split(body) if p.strip()]
    mine = [p for p in parts if row and p.startswith(row) and MONTHS.search(p)]
    if not mine:
        timed = [p for p in parts if MONTHS.search(p)]
        mine = timed if len(timed) == 1 else []
    if len(mine) != 1:
        return None
    m = MONTHS.search(mine[0])
    rule = next((p for p in parts if p not in mine and not MONTHS.search(p) and "为准" in p), "")
    return mine[0], int(m.group(1)) if m else 0, rule


def _usage_part(part: str, unit: str) -> tuple[Decimal, str] | None:
    """The usage quantity of an interval part in `unit` ("每500小时或3个月", 小时 → (500, "500小时")); None without one."""
    if not unit:
        return None
    found = [q for q in quantities(part) if q.unit == unit and q.unit not in TIME_UNITS]
    return (found[0].value, found[0].raw) if found else None


def _number(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value).replace(",", "")) if value not in (None, "") else None
    except InvalidOperation:
        return None


def _daily_use(
    spec: ToolSpec, ds: list[dict[str, Any]], today: date
) -> tuple[Decimal, dict[str, Any]] | None:
    """The highest average use per day of a batch (usage recorded ÷ days since its use began) and its asset: the
    first of the batch to reach the usage part. None when the CRM has no usage or no start day for them."""
    if not (spec.mileage_field and spec.usage_since and spec.usage_unit):
        return None
    usage_f = spec.mileage_field.partition(".")[2] or spec.mileage_field
    since_f = spec.usage_since.partition(".")[2] or spec.usage_since
    best: tuple[Decimal, dict[str, Any]] | None = None
    for d in ds:
        used = _number(_get(d, usage_f))
        since = str(_get(d, since_f) or "")[:10]
        if used is None or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", since):
            continue
        days = (today - date.fromisoformat(since)).days
        if days <= 0:
            continue
        rate = used / days
        if best is None or rate > best[0]:
            best = (rate, d)
    return best


def _en_quantity(value: Decimal, unit: str) -> str:
    return f"{value:,.0f} {unit}"


def next_due(spec: ToolSpec, ctx: ToolContext) -> list[Result]:
    """Per asset (a fleet's batches: the same last date and class), `start_field` (the last time it was done) plus the
    interval the governing `clause` sets for the asset's `row_by` class → the day it is next due; said with whether it
    is past due today. No date on record, or no interval for the class, is "can't compute"."""
    found = governing_clause(ctx, spec)
    if isinstance(found, CannotCompute):
        return [found]
    g, clause, source = found
    body = re.sub(r"^\s*第[一二三四五六七八九十百\d]+条\s*", "", clause.text.strip())
    field = spec.start_field.partition(".")[2] or spec.start_field
    row_field = spec.row_by.partition(".")[2]
    try:
        devices = ctx.crm.device_group(ctx.hints(), ctx.text)
    except MissingField:
        devices = ctx.crm.all_devices()
    batches: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for d in devices:
        day = str(_get(d, field) or "")[:10]
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", day):
            batches.setdefault((day, str(_get(d, row_field) or "") if row_field else ""), []).append(d)
    if not batches:
        return [CannotCompute(spec.tool, spec.id, f"CRM 中没有该客户资产的 {spec.start_field}", source)]
    label = spec.label
    label_en = spec.label_en
    word = ctx.count_units[0] if ctx.count_units else NEUTRAL_COUNT_WORD
    rows: list[tuple[str, int, date, date, str, list[dict[str, Any]], str, str, str, date]] = []
    usage_inputs: dict[str, list[Input]] = {}
    for (last_s, row), ds in sorted(batches.items()):
        interval = _interval(body, row)
        if interval is None:
            return [CannotCompute(spec.tool, spec.id, f"{spec.clause}里读不出「{row}」的间隔月数", source)]
        part, months, rule = interval
        last = date.fromisoformat(last_s)
        by_time = dates.add_months(last, months)
        due, said, said_en = by_time, "", ""
        usage = _usage_part(part, spec.usage_unit)
        rate = _daily_use(spec, ds, ctx.today) if usage else None
        if usage and rate and rate[0] > 0:
            amount, raw = usage
            by_use = last + timedelta(days=math.ceil(amount / rate[0]))
            per_day = f"{rate[0]:,.0f}"
            said = (
                f"按时间应在{dates.zh_date(by_time)}前，按至今日均约 {per_day} {spec.usage_unit} 估算"
                f"将于{dates.zh_date(by_use)}前后满{raw}"
            )
            said_en = (
                f"by time by {by_time.isoformat()}; at about {per_day} {spec.usage_unit} a day it reaches "
                f"{_en_quantity(amount, spec.usage_unit)} around {by_use.isoformat()}"
            )
            due = min(by_time, by_use)
            d = rate[1]
            usage_inputs[last_s + row] = [
                Input("field", spec.mileage_field, str(_get(d, spec.mileage_field.partition(".")[2]) or "")),
                Input("field", spec.usage_since, str(_get(d, spec.usage_since.partition(".")[2]) or "")[:10]),
            ]
        rows.append((part, months, last, due, rule, ds, row, said, said_en, by_time))
    lone = len(devices) == 1
    out: list[Result] = []
    if len(rows) <= MAX_GROUPS:
        for part, months, last, due, rule, ds, row, said, said_en, by_time in rows:
            by_use_first = due < by_time
            late = dates.days_between(due, ctx.today)
            name = str(ds[0].get("name") or "")
            who = (
                f"您的{name}" if lone else f"{len(ds)}{word}{name}" if len(rows) > 1 or len(ds) > 1 else name
            )
            when = f"已超期 {late} 天" if late > 0 else f"还有 {-late} 天" if late < 0 else "就是今天"
            ruled = f"（{rule}）" if rule else ""
            lead = f"，{said}，取先到者，" if said else "，"
            statement = (
                f"{who}最近一次{label}为{dates.zh_date(last)}，按{part}{ruled}{lead}"
                f"下次{label}应在{dates.zh_date(due)}前完成，{when}"
            )
            # what the customer hears: the rule, the day and how late, without the working (the rep's line keeps the
            # daily-use estimate); a day set by the usage estimate says so in three words
            both = f"按时间应在{dates.zh_date(by_time)}前，按目前的行驶里程估算，" if by_use_first else ""
            say = (
                f"{who}最近一次{label}为{dates.zh_date(last)}，按{part}{ruled}，"
                f"{both}下次{label}应在{dates.zh_date(due)}前完成，{when}"
            )
            usage = _usage_part(part, spec.usage_unit)
            what = f" {label_en}" if label_en else ""
            say_en = (
                f"{'your ' + name if lone else f'{len(ds)} × {name}'}: last{what} on {last.isoformat()}; "
                f"the next{what} is due by {due.isoformat()}"
                + (
                    f" (estimated from the mileage so far; by time {by_time.isoformat()})"
                    if by_use_first
                    else ""
                )
                + (f", {late} days overdue" if late > 0 else "")
            )
            en = (
                f"{'your ' + name if lone else f'{len(ds)} × {name}'}: last{what} on {last.isoformat()}; "
                f"every {months} months"
                + (f" or {_en_quantity(usage[0], spec.usage_unit)}" if usage else "")
                + (" (whichever comes first)" if rule or said_en else "")
                + (f": {said_en}" if said_en else "")
                + f", so the next{what} is due by {due.isoformat()}"
                + (f", {late} days overdue" if late > 0 else "")
            )
            inputs = [
                Input("policy", clause.evidence_id, part),
                Input(
                    "evidence" if _ev(ds[0]) else "field", _ev(ds[0]) or spec.start_field, last.isoformat()
                ),
                *_version_input(g),
            ]
            inputs += usage_inputs.get(last.isoformat() + row, [])
            if row:
                inputs.append(Input("field", spec.row_by, row))
            if len(ds) > 1:
                inputs.append(Input("field", f"{spec.start_field}[count]", str(len(ds))))
            out.append(
                Computed(
                    spec.tool,
                    spec.id,
                    due.isoformat(),
                    "date",
                    statement,
                    tuple(
                        dict.fromkeys(x for x in (dates.zh_date(last), dates.zh_date(due)) if x in statement)
                    ),
                    tuple(inputs),
                    source,
                    subject=f"{last.isoformat()}/{row}/{len(ds)}",
                    statement_en=en,
                    say=say if said else "",
                    say_en=say_en if said_en else "",
                )
            )
        return out
    # many batches: how many assets are past due, and the earliest day still ahead
    past = [r for r in rows if r[3] < ctx.today]
    ahead = [r for r in rows if r[3] >= ctx.today]
    n_past = sum(len(r[5]) for r in past)
    parts = "；".join(dict.fromkeys(r[0] for r in rows))
    statement = f"按{parts}，{len(devices)}{word}中有 {n_past} {word}已超过{label}间隔"
    if ahead:
        first = min(ahead, key=lambda r: r[3])
        statement += f"，其余最早一批应在{dates.zh_date(first[3])}前{label}"
    what = f" {label_en}" if label_en else ""
    en = f"{n_past} of {len(devices)} are past their{what} interval"
    if ahead:
        en += f"; the next{what} due is by {min(r[3] for r in ahead).isoformat()}"
    inputs = [Input("policy", clause.evidence_id, parts), *_version_input(g)]
    inputs += [Input("field", spec.start_field, f"{r[2].isoformat()}｜{len(r[5])}") for r in rows[:10]]
    return [
        Computed(
            spec.tool,
            spec.id,
            str(n_past),
            "count",
            statement,
            (f"{n_past} {word}",),
            tuple(inputs),
            source,
            subject=f"{spec.start_field}/all",
            statement_en=en,
        )
    ]
