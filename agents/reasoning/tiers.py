"""Tier tables: a rate by this customer's amount (tiers across), a volume tier by last year's units with the quoted unit
price and total (stacked offers, order-size approval), a row tier by a value derived from CRM data (a vehicle's age)."""

from __future__ import annotations

import calendar
import re
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from agents.reasoning import dates, money
from agents.reasoning.asks import (
    ASKED_UNITS,
    EXTRA_WORDS,
    _claimed,
    _clause_around,
    asked_units,
    order_units,
    requested_discount,
    stated_total,
)
from agents.reasoning.base import (
    ToolContext,
    _clause,
    _governing,
    _match_value,
    _row_source,
    _version_input,
    _yuan_plain,
    en_range,
    field_input,
    fmt,
    governing_rows,
    priced_models,
    units_total,
)
from agents.reasoning.config import ToolSpec, has_word
from agents.reasoning.crm import FieldValue, MissingField, Product
from agents.reasoning.followup import select_devices
from agents.reasoning.lookup import LookupError_, find_rows, tier_across, tier_down
from agents.reasoning.offers import _scope_failures
from agents.reasoning.results import CannotCompute, Computed, Input, Result, Saving, Source, fact_of
from contract.numerals import cn_number
from contract.policy_facts import ClauseFact, Governing, RowFact


def tier_rate(spec: ToolSpec, ctx: ToolContext) -> list[Result]:
    y, q = dates.previous_quarter(ctx.today) if spec.period == "last_quarter" else dates.quarter_of(ctx.today)
    period = dates.quarter_label(y, q)
    start = date(y, 3 * q - 2, 1)
    g = _governing(ctx, spec, event=start)
    if isinstance(g, CannotCompute):
        return [g]
    rows = ctx.facts.rows(g.doc_id, g.version, table=spec.table)
    if not rows:
        return [CannotCompute(spec.tool, spec.id, f"《{g.title}》没有第 {spec.table} 张表")]
    if not ctx.crm.has_quarter_amounts():
        return [CannotCompute(spec.tool, spec.id, "CRM 没有按季度的采购金额（订单行金额未映射）")]
    amounts = ctx.crm.quarter_amounts(period)
    chosen: list[RowFact] = []
    models = ctx.entities.get("product_model", []) + ctx.entities.get("sku", [])
    if spec.model_column:
        for m in models:
            chosen += [r for r in find_rows(rows, spec.model_column, m) if r not in chosen]
    if not chosen:  # a product line named in the message
        chosen = [
            r for r in rows if (c := r.cell(spec.key_column)) is not None and c.raw and c.raw in ctx.text
        ]
    if not chosen:  # else every line they bought that quarter (largest first)
        bought = sorted(amounts.items(), key=lambda kv: kv[1].value, reverse=True)
        for cat, _ in bought:
            chosen += [r for r in find_rows(rows, spec.key_column, cat) if r not in chosen]
    if not chosen:
        return [CannotCompute(spec.tool, spec.id, f"{period} 没有可对应到《{g.title}》表格的采购记录")]
    label = spec.label or "比例"
    out: list[Result] = []
    for row in chosen[:3]:
        key_cell = row.cell(spec.key_column)
        key = key_cell.raw if key_cell else ""
        fv = amounts.get(key)
        amount = fv.value if fv else Decimal(0)  # a complete quarter without orders bought nothing
        source = _row_source(g, row)
        try:
            tier = tier_across(row, amount, "元")
        except LookupError_ as exc:
            out.append(CannotCompute(spec.tool, spec.id, str(exc), source))
            continue
        rate = tier.cell.quantity
        if rate is None or rate.unit != "%":
            out.append(CannotCompute(spec.tool, spec.id, f"「{tier.cell.raw}」不是可读的百分比", source))
            continue
        amount_text = money.fmt_yuan(amount)
        rate_text = f"{fmt(rate.value)}%"
        inputs = [
            Input("policy", row.evidence_id, f"{key}｜{tier.header}｜{tier.cell.raw}"),
            Input("evidence", fv.evidence_id, str(amount))
            if fv
            else Input("field", f"order_line.amount[{key},{period}]", "0"),
            *_version_input(g),
        ]
        when = (
            f"您上季度（{y}年第{q}季度）"
            if spec.period == "last_quarter"
            else f"您本季度（{y}年第{q}季度）至今"
        )
        if amount == 0:
            statement = f"{when}没有{key}采购，对应「{tier.header}」档，{label} {rate_text}"
            amount_text = tier.header
        else:
            statement = f"{when}{key}采购 {amount_text}，适用{label} {rate_text}"
        en_label = spec.label_en or "rate"
        en = (
            f"{'Last quarter' if spec.period == 'last_quarter' else 'This quarter'} (Q{q} {y}) your {key} "
            f"purchases came to {money.fmt_yuan_en(amount)}, so the {en_label} is {rate_text}"
        )
        slots: tuple[str, ...] = (amount_text, rate_text)
        if spec.money:
            value = money.percent_of(amount, rate.value, spec.rounding, spec.rounding_mode)
            statement += f"，按此计{label} {money.fmt_yuan(value)}"
            slots += (money.fmt_yuan(value),)
        out.append(_rate_fact(spec, rate.value, (statement, en), slots, inputs, source, f"{key}/{period}"))
    return out


def _rate_fact(
    spec: ToolSpec,
    rate: Decimal,
    said: tuple[str, str],
    slots: tuple[str, ...],
    inputs: list[Input],
    source: Source,
    subject: str,
    **more: Any,
) -> Computed:
    """A rate read from a tier table (in %), with what the customer hears in Chinese and in English."""
    return fact_of(
        spec, fmt(rate), "%", said[0], slots, inputs, source, subject=subject, statement_en=said[1], **more
    )


def row_tier(spec: ToolSpec, ctx: ToolContext) -> list[Result]:
    """A row chosen like row_lookup (match), then the tier across its header that holds a value derived from this
    customer's CRM data — e.g. a trade-in subsidy by the vehicle's age (车龄3年（含）以内 | 3年以上至6年（含） | …)."""
    g = _governing(ctx, spec)
    if isinstance(g, CannotCompute):
        return [g]
    described = _described_asset(spec, ctx)
    if described is not None:
        return _row_tier_described(spec, ctx, g, *described)
    rows = ctx.facts.rows(g.doc_id, g.version, table=spec.table)
    inputs: list[Input] = [*_version_input(g)]
    for column, source in spec.match.items():
        found = _match_value(source, ctx)
        if found is None:
            return [CannotCompute(spec.tool, spec.id, f"缺少「{column}」的取值（{source}）")]
        rows = find_rows(rows, column, found[0])
        inputs.append(found[1])
    if len(rows) != 1:
        return [CannotCompute(spec.tool, spec.id, f"《{g.title}》表中有 {len(rows)} 行符合条件，无法确定")]
    row = rows[0]
    try:
        group = ctx.crm.device_group(ctx.hints(), ctx.text)
    except MissingField as exc:
        return [CannotCompute(spec.tool, spec.id, str(exc), _row_source(g, row))]
    if len({str(d.get("installed_at", ""))[:10] for d in group}) > 1:
        # "10月份刚提的那8台": the batch the message names by its delivery month or size
        group = select_devices(group, ctx.text, ctx.today, ctx.count_units) or group
    days = sorted({str(d.get("installed_at", ""))[:10] for d in group})
    if len(days) > 1:
        if len(days) <= MAX_BATCHES and "" not in days:
            # a fleet's few deliveries and no one named ("车队的X7整体换一轮，每批能补多少"): each batch's own age and
            # subsidy, as a term is stated per batch — not "which one?"
            out: list[Result] = []
            for day in days:
                batch = [d for d in group if str(d.get("installed_at", ""))[:10] == day]
                out += _row_tier_group(
                    spec, ctx, g, row, list(inputs), batch, units=_traded_units(ctx.text, len(batch))
                )
            return out
        return [
            CannotCompute(
                spec.tool,
                spec.id,
                f"有 {len(group)} 台符合「{'、'.join(ctx.hints())}」的设备且交付日不同，无法确定是哪一批",
                _row_source(g, row),
            )
        ]
    return _row_tier_group(spec, ctx, g, row, inputs, group)


MAX_BATCHES = 4  # a fleet delivered in up to this many batches is answered batch by batch


def _row_tier_group(
    spec: ToolSpec,
    ctx: ToolContext,
    g: Governing,
    row: RowFact,
    inputs: list[Input],
    group: list[dict[str, Any]],
    units: int | None = None,
) -> list[Result]:
    """row_tier for one delivery batch (one date): its age, tier and subsidy, per unit and for the batch."""
    try:
        # the batch's first asset by its own id (no hints: an open ticket about the model must not pick another)
        fv = ctx.crm.date_field("device.installed_at", [], str(group[0].get("id", "")))
    except MissingField as exc:
        return [CannotCompute(spec.tool, spec.id, str(exc), _row_source(g, row))]
    start: date = fv.value
    held = _held_too_briefly(spec, ctx, g, start, fv, group)
    if held is not None:
        return [held]
    # age by the calendar: whole years plus the elapsed share of the current year, so "3年（含）以内" holds a vehicle
    # exactly on its third anniversary and not a day later
    years = ctx.today.year - start.year - ((ctx.today.month, ctx.today.day) < (start.month, start.day))
    anniversary = dates.add_years(start, years)
    following = dates.add_years(start, years + 1)
    share = Decimal((ctx.today - anniversary).days) / Decimal((following - anniversary).days)
    age = Decimal(years) + share.quantize(Decimal("0.0001"))
    months = (
        years * 12
        + (ctx.today.year - anniversary.year) * 12
        + ctx.today.month
        - anniversary.month
        - (ctx.today.day < anniversary.day)
    )
    age_text = f"{months // 12} 年 {months % 12} 个月" if months % 12 else f"{months // 12} 年"
    try:
        tier = tier_across(row, age, "年")
    except LookupError_ as exc:
        return [CannotCompute(spec.tool, spec.id, str(exc), _row_source(g, row))]
    inputs.insert(0, Input("policy", row.evidence_id, f"{tier.header}｜{tier.cell.raw}"))
    inputs.append(field_input(fv, start.isoformat()))
    label = spec.label or "标准"
    first = row.cells[0].raw if row.cells else ""
    if units is None:
        units = _traded_units(ctx.text, len(group))
    who = f"您的{fv.label}" if units <= 1 else f"您这批{units}台{group[0].get('name') or ''}"
    statement = f"{who}交付日为{dates.zh_date(start)}，车龄 {age_text}，属「{tier.header}」，{first}{label}为{tier.cell.raw}"
    slots: tuple[str, ...] = (tier.cell.raw,)
    per = tier.cell.quantity.value if tier.cell.quantity is not None else None
    y, mo = divmod(months, 12)
    years_en = f"{y} year{'s' if y != 1 else ''}" + (f" {mo} month{'s' if mo != 1 else ''}" if mo else "")
    en = f"{fv.label} delivered on {start.isoformat()}: {years_en} old ({tier.header}), {label} {tier.cell.raw}"
    bonus = _batch_bonus(spec, ctx, g, units, inputs)
    per, statement, en, slots = _bonus_and_total(spec, per, bonus, units, statement, en, slots)
    if bonus and not bonus[2] and units > 1:  # a batch below the bonus threshold: say what it would take
        statement += f"；{spec.bonus_clause}批量{bonus[1]}台（含）以上每台另加 {_yuan_plain(bonus[0])} 元，本次{units}台未达到"
        en += f"; the bulk bonus of CNY {_yuan_plain(bonus[0])} per unit starts at {bonus[1]} units ({units} now)"
    return [
        Computed(
            spec.tool,
            spec.id,
            tier.cell.raw,
            "text",
            statement,
            slots,
            tuple(inputs),
            _row_source(g, row),
            subject=fv.label,
            statement_en=en,
            saving=Saving(str(per), label, (label, g.title)) if per is not None else None,
        )
    ]


def _traded_units(text: str, batch: int) -> int:
    """How many of a batch of `batch` units the message trades in: the fewest it counts that the batch holds («那20台
    Z5，假如先拿15台出来置换» → 15, «如果只换8台呢» → 8, «12台全换» → 12); the whole batch when it counts none (a count
    above the batch is of something else: the new cars ordered)."""
    counts = [
        int(m.group(1))
        for m in ASKED_UNITS.finditer(text)
        if not _claimed(text, m.start(), m.end())
        and 0 < int(m.group(1)) <= batch
        and not REST_BEFORE.search(text[max(0, m.start() - 24) : m.start()])
    ]
    return min(counts) if counts else batch


# a count said as the rest of the batch, kept for later («先换8台，剩下4台明年再说», «另外7台», "the other 6"): not traded
REST_BEFORE = re.compile(
    r"(?:剩下|剩余|其余|余下|另外|其他|rest of(?: the)?|remaining|the other)\s*(?:的|那)?\s*(?:\d+[^（(\d]{0,12}[（(])?$",
    re.I,
)


def _age(start: date, today: date) -> tuple[Decimal, int]:
    """(age in years by the calendar: whole years plus the elapsed share of the current one; whole months)."""
    years = today.year - start.year - ((today.month, today.day) < (start.month, start.day))
    anniversary = dates.add_years(start, years)
    following = dates.add_years(start, years + 1)
    share = Decimal((today - anniversary).days) / Decimal((following - anniversary).days)
    months = (
        years * 12
        + (today.year - anniversary.year) * 12
        + today.month
        - anniversary.month
        - (today.day < anniversary.day)
    )
    return Decimal(years) + share.quantize(Decimal("0.0001")), months


YEAR_MONTH = re.compile(
    r"((?:19|20)\d{2}|(?<![\d.])\d{2}(?=\s*年\s*\d{1,2}\s*月))\s*年\s*(?:(\d{1,2})\s*月份?(?:\s*(\d{1,2})\s*[日号])?)?"
)  # «19年3月上牌»: a two-digit year with its month is that year of this century (or the last, when it is ahead)


def _year_of(raw: str, today: date) -> int:
    y = int(raw)
    if y >= 100:
        return y
    return 2000 + y if 2000 + y <= today.year else 1900 + y


def _described_asset(spec: ToolSpec, ctx: ToolContext) -> tuple[date, date, str, str] | None:
    """An asset only the message describes ("一台2024年3月上牌的大众"): (earliest start, latest start, the words read,
    the clause they were in), when `text_date_words` follow a year and month and the CRM holds no asset the message
    names; None otherwise."""
    if not spec.text_date_words or not spec.text_match:
        return None
    found = None
    parts = re.split(r"[，。！？；,!?;\n]|\.\s", ctx.text)
    for part in parts:
        for m in YEAR_MONTH.finditer(part):
            after = part[m.end() : m.end() + 6]
            if any(after.lstrip("的").startswith(w) or w in after[:4] for w in spec.text_date_words):
                found = (m, part)
                break
        if found:
            break
    if found is None:
        found = _described_en(spec, parts)
    if found is None:
        return _described_by_age(spec, ctx, parts)
    m, part = found
    own = _described_own(ctx, part, m.group(0))
    try:
        group = ctx.crm.device_group(ctx.hints(), ctx.text)
        # the CRM has the asset: its own record counts — unless the clause that dates the car names none of the
        # tenant's brands or models and the year it says is more than a year from every delivery the CRM holds
        # (another car: "我家还有台2015年上牌的…" beside the customer's own recent one). A year off by one is the
        # customer's own car read by its order or its registration ("2023年底买的", delivered early the next year).
        delivered = [str(d.get("installed_at") or "")[:4] for d in (group or [])]
        years = {int(year) for year in delivered if year.isdigit()}
        if own or not years or any(abs(_year_of(m.group(1), ctx.today) - year) <= 1 for year in years):
            return None
    except MissingField:
        pass
    y = _year_of(m.group(1), ctx.today)
    if not m.group(2):
        # a year alone ("2016年上牌的"): every day of it; the row holds only when both ends fall in the same tier
        return date(y, 1, 1), date(y, 12, 31), m.group(0), part
    mo = int(m.group(2))
    if not 1 <= mo <= 12:
        return None
    if m.group(3):
        day = date(y, mo, int(m.group(3)))
        return day, day, m.group(0), part
    last = dates.add_months(date(y, mo, 1), 1).toordinal() - 1
    return date(y, mo, 1), date.fromordinal(last), m.group(0), part


# an age said instead of a date ("开了4年多了", "用了五年", "车龄3年半", "a 7-year-old Passat", "it's 4 years old")
AGE_SAID = re.compile(
    r"(?:开了|用了|跑了|车龄|买了)\s*(\d+|[一二两三四五六七八九十]+)\s*年(多|半)?"
    r"|\b(\d+)(?:\s+|-)years?(?:\s+|-)old\b",
    re.IGNORECASE,
)


def _years_before(day: date, n: int) -> date:
    """The same day `n` years earlier (29 February → 28 February)."""
    year = day.year - n
    return date(year, day.month, min(day.day, calendar.monthrange(year, day.month)[1]))


def _described_by_age(
    spec: ToolSpec, ctx: ToolContext, parts: list[str]
) -> tuple[date, date, str, str] | None:
    """A car the message dates by its age ("别的牌子的老出租，开了4年多了"): its first registration between the day
    that age (and the rest of that year, for 多 or a bare N年) ends and the day it begins — unless the age reads as one
    of the customer's own CRM assets (a start year within one year of a delivery, or a tenant model named)."""
    for i, part in enumerate(parts):
        m = AGE_SAID.search(part)
        if m is None:
            continue
        raw = m.group(1) or m.group(3)
        n = int(raw) if raw.isdigit() else cn_number(raw)
        if n is None or not 0 < int(n) < 40:
            continue
        n = int(n)
        around = "，".join(
            parts[max(0, i - 1) : i + 1]
        )  # the clause before it says which car ("10台别的牌子的")
        if _described_own(ctx, around, m.group(0)):
            return None
        if m.group(2) == "半":
            first = last = dates.add_months(_years_before(ctx.today, n + 1), 6)
        else:
            last = _years_before(ctx.today, n)
            first = _years_before(ctx.today, n + 1) + timedelta(days=1)
        try:
            group = ctx.crm.device_group(ctx.hints(), ctx.text)
            years = {int(y) for d in (group or []) if (y := str(d.get("installed_at") or "")[:4]).isdigit()}
            if any(abs(first.year - y) <= 1 or abs(last.year - y) <= 1 for y in years):
                return None
        except MissingField:
            pass
        return first, last, m.group(0), around
    return None


YEAR_ALONE = re.compile(r"(?<![\d.,])((?:19|20)\d{2})()()(?![\d年])")
# an English year used as a car's attribute ("my 2022 Passat", "an old 2018 one"): the car is dated by it
YEAR_ATTRIBUTE_EN = re.compile(
    r"\b(?:my|our|an?|the|this|that|old)\s+(?:old\s+)?((?:19|20)\d{2})\s+[A-Za-z]", re.I
)


def _described_en(spec: ToolSpec, parts: list[str]) -> tuple[re.Match[str], str] | None:
    """The English form of a described asset: a clause with one of the tenant's English `text_date_words` anywhere
    in it ("bought it in 2024", "is from 2018", "registered in March 2019") and a year (with its month when given),
    or a year written as the car's attribute ("my 2022 Passat")."""
    words = [w.lower() for w in spec.text_date_words if w.isascii()]
    for part in parts:
        if not re.search(r"[A-Za-z]{3}", part):
            continue
        low = part.lower()
        if not (any(has_word(w, low) for w in words) or YEAR_ATTRIBUTE_EN.search(part)):
            continue
        m = YEAR_MONTH.search(part) or YEAR_ALONE.search(part)
        if m is not None:
            return m, part
    return None


def _described_own(ctx: ToolContext, part: str, said: str) -> list[str]:
    """The tenant's brands or models that describe the dated car in its clause: one the customer's CRM assets are
    (their own car), or one written right after the date ("2019年买的X7"); a model named elsewhere in the clause is
    the car they want ("2019年买的别家车想换X7")."""
    named = [w for k in ("brand", "product_model") for w in ctx.entities.get(k, []) if w and w in part]
    try:
        owned = " ".join(str(d.get("name") or "") for d in ctx.crm.all_devices())
    except (AttributeError, MissingField):
        owned = ""
    at = part.find(said)
    after = part[at + len(said) : at + len(said) + 8] if at >= 0 else ""
    return [w for w in named if w in owned or w in after]


def _row_tier_described(
    spec: ToolSpec, ctx: ToolContext, g: Governing, first: date, last: date, said: str, part: str
) -> list[Result]:
    """row_tier for an asset the message describes: the row of another maker's asset (`text_match`) unless the clause
    names one of the tenant's brands or models; its age from the month the message gives (both ends of the month must
    fall in the same tier, else "can't compute" and the exact day is asked for)."""
    rows = ctx.facts.rows(g.doc_id, g.version, table=spec.table)
    own = _described_own(ctx, part, said)
    match = spec.match if own else spec.text_match
    inputs: list[Input] = [*_version_input(g), Input("message", "message", f"{said}（{part.strip()}）")]
    for column, source in match.items():
        found = _match_value(source, ctx)
        if found is None:
            return [CannotCompute(spec.tool, spec.id, f"缺少「{column}」的取值（{source}）")]
        rows = find_rows(rows, column, found[0])
    if len(rows) != 1:
        return [CannotCompute(spec.tool, spec.id, f"《{g.title}》表中有 {len(rows)} 行符合条件，无法确定")]
    row = rows[0]
    if last > ctx.today:
        return [CannotCompute(spec.tool, spec.id, f"消息里的日期 {said} 晚于今天", _row_source(g, row))]
    try:
        tiers = {tier_across(row, _age(d, ctx.today)[0], "年").header for d in (first, last)}
        tier = tier_across(row, _age(first, ctx.today)[0], "年")
    except LookupError_ as exc:
        return [CannotCompute(spec.tool, spec.id, str(exc), _row_source(g, row))]
    if len(tiers) > 1:
        return [
            CannotCompute(
                spec.tool,
                spec.id,
                f"{said}落在两个车龄档位之间，需要具体日期（{'、'.join(sorted(tiers))}）",
                _row_source(g, row),
            )
        ]
    months = _age(first, ctx.today)[1]
    age_text = f"{months // 12} 年 {months % 12} 个月" if months % 12 else f"{months // 12} 年"
    if "月" not in said:  # a year alone: the least the age can be, whatever day of that year it was
        months = _age(last, ctx.today)[1] // 12 * 12
        age_text = f"{months // 12} 年以上"
    inputs.insert(0, Input("policy", row.evidence_id, f"{tier.header}｜{tier.cell.raw}"))
    label = spec.label or "标准"
    first_cell = row.cells[0].raw if row.cells else ""
    by_age = not re.search(r"(?:19|20)\d{2}", said)  # an age said ("开了4年多"), not a date
    statement = (
        f"按您说的{said}，旧车车龄在 {age_text}，属「{tier.header}」，{first_cell}{label}为{tier.cell.raw}"
        if by_age
        else f"按您说的{said}初次登记，旧车到今天车龄约 {age_text}，属「{tier.header}」，{first_cell}{label}为{tier.cell.raw}"
    )
    y, mo = divmod(months, 12)
    years_en = f"{y} year{'s' if y != 1 else ''}" + (f" {mo} month{'s' if mo != 1 else ''}" if mo else "")
    when_en = f"{first.year}-{first.month:02d}" if "月" in said else str(first.year)
    if "月" not in said:
        years_en = f"over {y} year{'s' if y != 1 else ''}"
    head_en = "your car, as you describe it" if by_age else f"your car first registered in {when_en}"
    en = f"{head_en}: {'about ' if '月' in said else ''}{years_en} old ({tier.header}), {label} {tier.cell.raw}"
    per = tier.cell.quantity.value if tier.cell.quantity is not None else None
    slots: tuple[str, ...] = (tier.cell.raw,)
    # several of them in the clause that names them ("10台别的牌子的老出租"): the batch bonus and the total
    counted = asked_units(part)
    units = int(counted.group(1)) if counted else 1
    bonus = _batch_bonus(spec, ctx, g, units, inputs) if units > 1 and per is not None else None
    if per is not None and units > 1:
        inputs.append(Input("message", "message.units", counted.group(0) if counted else str(units)))
    per, statement, en, slots = _bonus_and_total(spec, per, bonus, units, statement, en, slots)
    return [
        Computed(
            spec.tool,
            spec.id,
            tier.cell.raw,
            "text",
            statement,
            slots,
            tuple(inputs),
            _row_source(g, row),
            subject=f"{said}/{first_cell}",
            statement_en=en,
            saving=Saving(str(per), label, (label, g.title)) if per is not None else None,
        )
    ]


HELD = re.compile(r"满\s*(\d+)\s*(个月|年)")


def _held_too_briefly(
    spec: ToolSpec, ctx: ToolContext, g: Governing, start: date, fv: FieldValue, group: list[dict[str, Any]]
) -> Computed | None:
    """The row does not apply yet: the asset has been held for less than the clause's least time ("旧车登记在购车人
    名下满6个月"), counted from its start date by the calendar (2026-05-25 + 6个月 → 2026-11-25). None when it has, or
    when the spec names no such clause."""
    if not spec.min_held_clause:
        return None
    clause = _clause(ctx, g, spec.min_held_clause)
    m = HELD.search(clause.text) if clause is not None else None
    if clause is None or m is None:
        return None
    n = int(m.group(1))
    months = n * 12 if m.group(2) == "年" else n
    full = dates.add_months(start, months)
    if ctx.today >= full:
        return None
    label = spec.label or "标准"
    period = f"{n}{m.group(2)}"
    units = len(group)
    who = f"您的{fv.label}" if units <= 1 else f"您这批{units}台{group[0].get('name') or ''}"
    statement = (
        f"{who}交付日为{dates.zh_date(start)}，到今天未满{period}（{dates.zh_date(full)}满{period}），"
        f"按{spec.min_held_clause}「{m.group(0)}」的条件暂不能申请{label}"
    )
    en = (
        f"{fv.label} delivered on {start.isoformat()}: held less than {months} months (the {label} needs "
        f"{months} months, reached on {full.isoformat()}), so it does not qualify yet"
    )
    source = Source(g.doc_id, g.version, g.title, spec.min_held_clause, "", clause.evidence_id)
    inputs = (
        Input("policy", clause.evidence_id, m.group(0)),
        field_input(fv, start.isoformat()),
        *_version_input(g),
    )
    return Computed(
        spec.tool,
        spec.id,
        "false",
        "text",
        statement,
        (period, dates.zh_date(full)),
        inputs,
        source,
        subject=fv.label,
        statement_en=en,
    )


def _clause_says(
    ctx: ToolContext, g: Governing, label: str, *patterns: str
) -> tuple[ClauseFact, list[re.Match[str]]] | None:
    """The clause `label` of the governing version and where each pattern first matches it; None when the clause is
    missing or a pattern finds nothing (the rule is not written as the tool reads it: it is not applied)."""
    clause = _clause(ctx, g, label)
    if clause is None:
        return None
    found = [re.search(p, clause.text) for p in patterns]
    if any(m is None for m in found):
        return None
    return clause, [m for m in found if m is not None]


def _bonus_and_total(
    spec: ToolSpec,
    per: Decimal | None,
    bonus: tuple[Decimal, int, bool] | None,
    units: int,
    statement: str,
    en: str,
    slots: tuple[str, ...],
) -> tuple[Decimal | None, str, str, tuple[str, ...]]:
    """The batch bonus per unit (when the batch earns it) and the total for several units, said in both languages and
    locked as slots: one wording for every trade-in tier sentence. Returns the per-unit amount with the bonus."""
    if per is not None and bonus and bonus[2]:
        per += bonus[0]
        statement += f"；批量{units}台按{spec.bonus_clause}每台另加 {_yuan_plain(bonus[0])} 元，每台合计 {_yuan_plain(per)} 元"
        en += f"; with the bulk bonus ({bonus[1]} units or more) CNY {_yuan_plain(bonus[0])} more: CNY {_yuan_plain(per)} per unit"
        slots += (_yuan_plain(per),)
    if per is not None and units > 1:
        statement += f"，{units} 台共 {_yuan_plain(per * units)} 元"
        en += f", CNY {_yuan_plain(per * units)} for {units}"
        slots += (_yuan_plain(per * units),)
    return per, statement, en, slots


def _batch_bonus(
    spec: ToolSpec, ctx: ToolContext, g: Governing, units: int, inputs: list[Input]
) -> tuple[Decimal, int, bool] | None:
    """The per-unit amount a batch clause adds ("批量换新10台（含）以上的，每台…另加1000元") for this customer's kind
    (企业客户 …, by tools.yaml kind_words): (amount, the least units, whether this many units qualify); None when the
    clause does not speak to this customer."""
    if not spec.bonus_clause:
        return None
    found = _clause_says(ctx, g, spec.bonus_clause, r"(\d+)\s*台[（(]含[)）]以上", r"另加\s*(\d[\d,]*)\s*元")
    if found is None:
        return None
    clause, (least, extra) = found
    if spec.kind_words:
        try:
            kind = str(ctx.crm.profile("kind").value)
        except MissingField:
            return None
        named = [w for w in spec.kind_words.values() if w and w in clause.text]
        if named and spec.kind_words.get(kind, "") not in named:
            return None
    inputs.append(Input("policy", clause.evidence_id, f"{least.group(0)}｜另加{extra.group(1)}元"))
    n = int(least.group(1))
    return Decimal(extra.group(1).replace(",", "")), n, units >= n


# the customer asks us to match a price ("别家给到11.8万，你们能跟吗"): a price is asked for, whatever the words
MATCH_ASK = re.compile(r"能跟|跟吗|跟不跟|跟得上|能不能跟|也给到|一样的价|同样的价|同价|match", re.IGNORECASE)
PRICE_WORDS = re.compile(
    r"单价|折后价|折后|到手价|落地价|多少钱|什么价|啥价|几多钱|unit price|net price|price after"
    r"|what(?:'s| is) the price|how much (?:is|for|would)",
    re.IGNORECASE,
)


def _units_model_first(text: str, models: list[str], asked: re.Match[str] | None) -> list[str]:
    """ "他们的X7和Q5多少钱？我们订6台K2" → K2 first: the model written right after (else before) the asked units is
    the one the units are of; other models the message names are context."""
    if asked is None or len(models) < 2:
        return models

    def code(m: str) -> str:
        found = re.findall(r"[A-Za-z]{1,3}\d{1,3}[A-Za-z]?", m)
        return found[-1] if found else m

    after = text[asked.end() : asked.end() + 8]
    before = text[max(0, asked.start() - 8) : asked.start()]
    near = [m for m in models if code(m) in after] or [m for m in models if code(m) in before]
    return near[:1] + [m for m in models if m not in near[:1]]


PER_UNIT = re.compile(r"每台(?:补贴|立减|优惠|减)\s*(\d[\d,]*)\s*元")


PER_UNIT = re.compile(r"每台(?:补贴|立减|优惠|减)\s*(\d[\d,]*)\s*元")
MIN_UNITS = re.compile(r"(\d+)\s*台[（(]含[)）]以上")


_OTHER_CODE = re.compile(r"(?<![A-Za-z0-9])[A-Z]{1,3}\d{1,3}[A-Z]?(?![A-Za-z0-9])")


def _stacked(
    spec: ToolSpec, ctx: ToolContext, model: str, count: Decimal
) -> tuple[Decimal, str, list[Input]] | None:
    """The per-unit amount of the offer rows the rule clause lets stack on the tier price, for this customer, this
    model and this many units (None when none applies). A row stacks when a sentence of the rule clause names its id
    with 同享/叠加 and no 不; a sentence naming it with 不适用 and this customer's industry excludes them."""
    stack = spec.stack
    assert stack is not None
    sub = spec.model_copy(update={"doc": stack.doc, "table": stack.table, "clause": stack.rule_clause})
    g = _governing(ctx, sub)
    if isinstance(g, CannotCompute):
        return None
    clause = _clause(ctx, g, stack.rule_clause)
    if clause is None:
        return None
    try:
        industry = str(ctx.crm.profile("industry").value)
    except MissingField:
        industry = ""
    sentences = [x for x in re.split(r"[。；;]", clause.text) if x.strip()]
    scoped = sub.model_copy(update={"scope": stack.scope, "kind_words": stack.kind_words})
    for row in ctx.facts.rows(g.doc_id, g.version, table=stack.table):
        id_cell = row.cell(stack.id_column)
        rid = id_cell.raw if id_cell is not None else ""
        about = [x for x in sentences if rid and rid in x]
        if not any(("同享" in x or "叠加" in x) and "不" not in x for x in about):
            continue
        if industry and any("不适用" in x and industry in x for x in about):
            continue
        inputs: list[Input] = [Input("policy", clause.evidence_id, f"{rid}｜{stack.rule_clause}")]
        # the offer's model scope is checked against the model priced alone: another model the message names (a fleet
        # already running, one looked at before) is no model of this quote; the rest of the message (its dates) stays
        own = _OTHER_CODE.sub(lambda c: c.group(0) if c.group(0) in model else "", ctx.text)
        alone = replace(ctx, text=f"{own} {model}", entities={**ctx.entities, "product_model": [model]})
        if _scope_failures(row, scoped, alone, inputs):
            continue
        amount_cell = row.cell(stack.amount_column)
        text = amount_cell.raw if amount_cell else ""
        m = re.search(
            rf"{re.escape(model)}每台(?:补贴|立减|优惠|减)\s*(\d[\d,]*)\s*元", text
        ) or PER_UNIT.search(text)
        least = MIN_UNITS.search(text)
        if m is None or (least is not None and count < int(least.group(1))):
            continue
        name_cell = row.cell(stack.name_column) if stack.name_column else None
        # the last day of the offer's period (its date column): a quote it is stacked on holds till then
        date_cell = row.cell(stack.scope["date"]) if "date" in stack.scope else None
        ends = ZH_DAY.findall(date_cell.raw) if date_cell is not None else []
        until = f"，{ends[-1]}及之前下单" if ends else ""
        label = f"{name_cell.raw}（{rid}{until}）" if name_cell is not None and name_cell.raw else rid
        inputs.insert(0, Input("policy", row.evidence_id, row.as_text()))
        return Decimal(m.group(1).replace(",", "")), label, inputs
    return None


ZH_DAY = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日")


def _iso(zh: str) -> str:
    """«2026年12月31日» → "2026-12-31"."""
    y, mo, d = (int(x) for x in re.findall(r"\d+", zh))
    return f"{y:04d}-{mo:02d}-{d:02d}"


def _plain_bounds(header: str) -> str:
    """A tier's bounds as a person says them: "10台（含）至30台" → "10至30台", "60台（含）以上" → "60台及以上"."""
    text = re.sub(r"（含）|\(含\)", "", header)
    text = re.sub(r"(\d+)\s*([^\d\s至]{1,2})\s*至\s*(\d+)\s*\2", r"\1至\3\2", text)
    return text.replace("以上", "及以上").replace("及及以上", "及以上")


def volume_tier(spec: ToolSpec, ctx: ToolContext) -> list[Result]:
    """The volume tier from last calendar year's units in a category (a fleet discount ladder), and — when the
    message asks for N units of a model the CRM prices — the discounted unit price and the total."""
    found = governing_rows(ctx, spec)
    if isinstance(found, CannotCompute):
        return [found]
    g, rows = found
    if not ctx.crm.has_quarter_amounts():
        return [CannotCompute(spec.tool, spec.id, "CRM 没有按季度的采购记录（订单行金额未映射）")]
    year = ctx.today.year - 1
    units, ids = ctx.crm.year_quantity(spec.category, year)
    inputs: list[Input] = [Input("evidence", i, "quarter") for i in ids] or [
        Input("field", f"order_line.quantity[{spec.category},{year}]", "0")
    ]
    inputs += _version_input(g)
    n = fmt(units)
    try:
        tier = tier_down(rows, spec.tier_column, units, "台")
    except LookupError_:
        lowest = min(
            (r for r in rows if (c := r.cell(spec.tier_column)) is not None and c.range is not None),
            key=lambda r: r.cell(spec.tier_column).range.low or Decimal(0),  # type: ignore[union-attr]
            default=None,
        )
        need_cell = lowest.cell(spec.tier_column) if lowest is not None else None
        need = need_cell.raw if need_cell is not None else ""
        statement = f"贵司{year}年{spec.category}采购 {n} 台，未达到最低阶梯（{need}），不享受阶梯折扣"
        en = f"your {year} purchases came to {n} units ({spec.category}), below the lowest tier ({en_range(need)})"
        src = _row_source(g, lowest) if lowest is not None else Source(g.doc_id, g.version, g.title)
        slots: tuple[str, ...] = (f"{n} 台",)
        # (a tier priced on a policy table's row — a package — is no quote of a vehicle model the message names)
        listed = (
            _list_quote(spec, ctx, inputs)
            if spec.quote and spec.price_row is None
            else _package_list_quote(spec, ctx, inputs)
            if spec.price_row is not None
            else None
        )
        if (
            listed is not None
        ):  # "我们的话单价多少": no tier, so the list price (any discount is a request to approve)
            statement, en, slots = statement + listed[0], en + listed[1], slots + listed[2]
        return [
            Computed(
                spec.tool,
                spec.id,
                "none",
                "text",
                statement,
                slots,
                tuple(inputs),
                src,
                subject=str(year),
                statement_en=en,
            )
        ]
    models = priced_models(ctx)
    # a product of the price list named by its code or name (a part, a package): priced at its own kind's column
    product = ctx.crm.named_product(ctx.text) if spec.category_columns and spec.quote else None
    if product is not None and spec.category_columns.get(product.kind) == spec.output_column:
        product = None  # a vehicle: priced by the model the message names, as before
    if product is not None:
        models = []
    column = spec.output_column
    if product is not None:
        column = spec.category_columns.get(product.kind, "")
        if not column:
            return [
                CannotCompute(
                    spec.tool,
                    spec.id,
                    f"《{g.title}》的阶梯表没有「{product.kind or product.name}」类产品的折扣列",
                    _row_source(g, tier.row),
                )
            ]
    out_cell = tier.row.cell(column)
    rate = out_cell.quantity if out_cell is not None else None
    if rate is None or rate.unit != "%":
        return [CannotCompute(spec.tool, spec.id, f"「{column}」不是可读的百分比", _row_source(g, tier.row))]
    key_cell = tier.row.cell(spec.key_column) if spec.key_column else None
    key = key_cell.raw if key_cell is not None else ""
    inputs.insert(0, Input("policy", tier.row.evidence_id, tier.row.as_text()))
    rate_text = f"{fmt(rate.value)}%"
    # the tier by its name and its bounds as a person says them ("属F2阶梯（10至30台）"), not the table's cell
    # ("10台（含）至30台"): how far the next tier is stays readable
    bounds = _plain_bounds(tier.header)
    tier_said = f"属{key}阶梯（{bounds}）" if key else f"属{bounds}一档"
    statement = f"贵司{year}年{spec.category}采购 {n} 台，{tier_said}，{column} {rate_text}"
    en = (
        f"your {year} purchases came to {n} units ({spec.category}), so you are in tier {key} ({en_range(tier.header)}) "
        f"with a {rate_text} discount"
    )
    slots = (rate_text, f"{n} 台")
    asked = asked_units(ctx.text)
    if (
        spec.price_row is not None
    ):  # the tier's rate on a product priced in a policy table (a package per unit)
        return _package_quote(spec, ctx, g, tier.row, rate.value, asked, (statement, en, slots, inputs), year)
    pairs = _model_counts(ctx.text, models) if spec.quote and product is None else []
    if len(pairs) >= 2:  # one order of several models ("10台Z5、4台X5"): each line, then the order
        return [_multi_quote(spec, ctx, g, tier.row, rate.value, pairs, (statement, en, slots, inputs), year)]
    models = _units_model_first(ctx.text, models, asked) if spec.quote else []
    price: FieldValue | None = None
    if product is not None:
        price, name = product.price, product.label()
        inputs.append(Input("evidence", product.kind_evidence_id or product.price.evidence_id, product.kind))
        asked = product_units(ctx.text, product) or asked
    elif models:
        name = models[0]
        if asked is not None and order_units(ctx.text, name) is None:
            asked = None  # a fleet held («15台在跑») or another model's count: no order of this one to total
        try:
            price = ctx.crm.list_price(name)
        except MissingField:
            price = None
    over: tuple[str, str] | None = None
    said = ""  # what the customer hears when the rep's what-if is added (below): the statement without it
    quoted: tuple[str, str, str, str] | None = None
    if price is not None and (
        asked is not None or PRICE_WORDS.search(ctx.text) or MATCH_ASK.search(ctx.text)
    ):
        # "折后单价多少": the unit price; "再订20台": the unit price and the total, then what stacks and who approves
        unit_price = money.discounted(price.value, rate.value, spec.rounding, spec.rounding_mode)
        inputs.append(Input("evidence", price.evidence_id, str(price.value)))
        statement += f"；{name} 指导价 {_yuan_plain(price.value)} 元，折后单价 {_yuan_plain(unit_price)} 元"
        en += (
            f"; the {name} lists at CNY {_yuan_plain(price.value)}, so your net unit price is "
            f"CNY {_yuan_plain(unit_price)}"
        )
        slots += (_yuan_plain(unit_price),)
        quoted = (name, str(price.value), str(unit_price), str(rate.value))
        if asked is not None:
            count = Decimal(asked.group(1))
            unit_word = asked.group(2) if asked.lastindex and asked.lastindex >= 2 else ""
            per = unit_word or ("台" if product is None else "件")
            total = money.rounded(unit_price * count, spec.rounding, spec.rounding_mode)
            inputs.append(Input("message", "message.units", asked.group(0)))
            statement += f"，{asked.group(1)} {per}合计 {_yuan_plain(total)} 元"
            en += f", CNY {_yuan_plain(total)} for {asked.group(1)}"
            slots += (_yuan_plain(total),)
            stacked = _stacked(spec, ctx, name, count) if spec.stack and product is None else None
            order_total = total
            if stacked is not None:
                per_unit, label, stack_inputs = stacked
                net = unit_price - per_unit
                order_total = money.rounded(net * count, spec.rounding, spec.rounding_mode)
                statement += (
                    f"；叠加{label}每台 {_yuan_plain(per_unit)} 元后，单价 {_yuan_plain(net)} 元，"
                    f"{asked.group(1)} 台合计 {_yuan_plain(order_total)} 元"
                )
                code = re.search(r"（([^（），]+)(?:，([^（）]*))?）$", label)
                by = ZH_DAY.search(code.group(2) or "") if code else None
                until_en = f" (orders by {_iso(by.group(0))})" if by else ""
                en += (
                    f"; with the {code.group(1) if code else 'stacking'} offer{until_en} of CNY {_yuan_plain(per_unit)} per unit on top, CNY {_yuan_plain(net)} per unit, "
                    f"CNY {_yuan_plain(order_total)} for {asked.group(1)}"
                )
                inputs += stack_inputs
                slots += (_yuan_plain(net), _yuan_plain(order_total))
            over = _order_approval(spec, ctx, order_total, inputs)
            if over is not None:
                statement += f"；{over[1]}"
                slots += (over[0],)
            # the what-if price is after the stacked offer too: else the extra point reads as a higher price
            extra = _extra_on_tier(
                ctx, rate.value, price.value, count, spec, stacked[0] if stacked else Decimal(0)
            )
            if extra is not None:  # the rep's what-if: never said to the customer (a request, not an offer)
                said = statement
                statement += extra[0]
                en += extra[2]
                inputs.append(Input("message", "message.requested_discount", extra[1]))
    subject = f"{year}/{product.code or product.name}" if product is not None else str(year)
    return [
        _rate_fact(
            spec,
            rate.value,
            (statement, en),
            slots,
            inputs,
            _row_source(g, tier.row),
            subject,
            needs_approval=over[0] if over is not None else "",
            say=said,
            quote=quoted,
        )
    ]


def _model_code(model: str) -> str:
    found = re.findall(r"[A-Za-z]{1,3}\d{1,3}[A-Za-z]?", model)
    return found[-1] if found else model


def _model_counts(text: str, models: list[str]) -> list[tuple[str, Decimal, str]]:
    """Each priced model the message counts on its own ("10台Z5、4台X5", "Z5 10台"): (model, count, the words read),
    in the message's order; [] unless every pair is unambiguous."""
    out: list[tuple[str, Decimal, str]] = []
    for model in dict.fromkeys(models):
        code = re.escape(_model_code(model))
        m = re.search(
            rf"(\d+)\s*(?:台|辆)\s*[\u4e00-\u9fff]{{0,4}}?{code}(?![0-9A-Za-z])", text
        ) or re.search(rf"(?<![0-9A-Za-z]){code}\s*(\d+)\s*(?:台|辆)", text)
        if m is None:
            return []
        if BOUGHT.search(_clause_around(text, m.start(), m.end())):
            continue  # what was bought ("去年买了8台X5"), not this order
        out.append((model, Decimal(m.group(1)), m.group(0)))
    return sorted(out, key=lambda p: text.find(p[2]))


# a count of what the customer already has ("去年买了8台X5", "上次提的3台X7"): not a line of the order asked
BOUGHT = re.compile(r"[买提订交到采]了|去年|上次|之前|已经|已有|bought|ordered")


def _multi_quote(
    spec: ToolSpec,
    ctx: ToolContext,
    g: Governing,
    row: RowFact,
    rate: Decimal,
    pairs: list[tuple[str, Decimal, str]],
    said: tuple[str, str, tuple[str, ...], list[Input]],
    year: int,
) -> Result:
    """The tier's rate on each model of one order, with the offers that stack on each (per unit, counted on the
    order), then the order's total and its size rule (approval above a sum)."""
    statement, en, slots, inputs = said
    order = Decimal(0)
    for model, count, written in pairs:
        try:
            price = ctx.crm.list_price(model)
        except MissingField as exc:
            return CannotCompute(spec.tool, spec.id, str(exc), _row_source(g, row))
        unit = money.discounted(price.value, rate, spec.rounding, spec.rounding_mode)
        inputs.append(Input("evidence", price.evidence_id, str(price.value)))
        inputs.append(Input("message", "message.units", written))
        line = f"；{model} 指导价 {_yuan_plain(price.value)} 元，折后单价 {_yuan_plain(unit)} 元"
        net = unit
        stacked = _stacked(spec, ctx, model, count) if spec.stack else None
        if stacked is not None:
            per_unit, label, stack_inputs = stacked
            net = unit - per_unit
            line += f"，叠加{label}每台 {_yuan_plain(per_unit)} 元后单价 {_yuan_plain(net)} 元"
            inputs += stack_inputs
        total = money.rounded(net * count, spec.rounding, spec.rounding_mode)
        line += f"，{fmt(count)} 台合计 {_yuan_plain(total)} 元"
        statement += line
        en += f"; {model}: CNY {_yuan_plain(net)} per unit, CNY {_yuan_plain(total)} for {fmt(count)}"
        slots += (_yuan_plain(net), _yuan_plain(total))
        order += total
    statement += f"；整单合计 {_yuan_plain(order)} 元"
    en += f"; the order comes to CNY {_yuan_plain(order)}"
    slots += (_yuan_plain(order),)
    over = _order_approval(spec, ctx, order, inputs)
    if over is not None:
        statement += f"；{over[1]}"
        slots += (over[0],)
    return _rate_fact(
        spec,
        rate,
        (statement, en),
        slots,
        inputs,
        _row_source(g, row),
        f"{year}/" + "+".join(_model_code(m) for m, _, _ in pairs),
        needs_approval=over[0] if over is not None else "",
    )


def _list_quote(
    spec: ToolSpec, ctx: ToolContext, inputs: list[Input]
) -> tuple[str, str, tuple[str, ...]] | None:
    """Below the lowest tier: the model the message prices at its CRM list price, and the total for the units asked
    ("；X7 指导价 225,800 元，3 台合计 677,400 元"); None when no priced model or no price is asked."""
    asked = asked_units(ctx.text)
    models = priced_models(ctx)
    models = _units_model_first(ctx.text, models, asked)
    if not models or (asked is None and not PRICE_WORDS.search(ctx.text)):
        return None
    try:
        price = ctx.crm.list_price(models[0])
    except MissingField:
        return None
    if asked is not None and order_units(ctx.text, models[0]) is None:
        asked = None  # a fleet held or another model's count: no order of this one to total
    inputs.append(Input("evidence", price.evidence_id, str(price.value)))
    zh = f"；{models[0]} 指导价 {_yuan_plain(price.value)} 元"
    en = f"; the {models[0]} lists at CNY {_yuan_plain(price.value)}"
    slots: tuple[str, ...] = (_yuan_plain(price.value),)
    if asked is not None:
        total = money.rounded(price.value * Decimal(asked.group(1)), spec.rounding, spec.rounding_mode)
        inputs.append(Input("message", "message.units", asked.group(0)))
        zh += f"，{asked.group(1)} 台合计 {_yuan_plain(total)} 元"
        en += f", CNY {_yuan_plain(total)} for {asked.group(1)}"
        slots += (_yuan_plain(total),)
    return zh, en, slots


def _package_list_quote(
    spec: ToolSpec, ctx: ToolContext, inputs: list[Input]
) -> tuple[str, str, tuple[str, ...]] | None:
    """Below the lowest tier: the policy table's product the message names (a package "2200元/台/年") at its table
    price, and the total for the units asked ("；保养包（PKG-X） 2,200 元/台/年，2 台合计 4,400 元")."""
    priced = _priced_row(spec, ctx, spec.price_row)
    if priced is None:
        return None
    name, row_price, unit, price_ev = priced
    inputs.append(Input("policy", price_ev, f"{name}｜{_yuan_plain(row_price)}{unit}"))
    code = re.search(r"（([^）]+)）", name)
    per = _per_unit_en(unit)
    zh = f"；{name} {_yuan_plain(row_price)} {unit}"
    en = f"; the {code.group(1) if code else 'package'} package costs CNY {_yuan_plain(row_price)}{per}"
    slots: tuple[str, ...] = (_yuan_plain(row_price),)
    asked = asked_units(ctx.text)
    if asked is not None:
        _, said_total, slot = units_total(row_price, asked, inputs, spec.rounding, spec.rounding_mode)
        zh += said_total
        en += f", CNY {slot} for {asked.group(1)}"
        slots += (slot,)
    return zh, en, slots


# a count written beside the product it counts: "20个FL-9", "FL-9x20", "50 AC-2"
UNIT_WORDS = r"台|辆|个(?!点|百分点|月|工作日|小时)|件|套|只|支|块|组|pcs|units?"


def product_units(text: str, product: Product) -> re.Match[str] | None:
    """How many of `product` the message asks for: a number right before its code or name (with or without a unit
    word: "20个AB-60"), else right after it ("AB-60x20", a file name); None when the message gives no count beside it."""
    after_match: re.Match[str] | None = None
    for token in (t for t in (product.code, product.name) if t):
        for at in (m.start() for m in re.finditer(re.escape(token), text)):
            before = re.search(
                rf"(\d+)\s*({UNIT_WORDS})?\s*(?:x\s*)?$", text[max(0, at - 12) : at], re.IGNORECASE
            )
            if before is not None:
                return before
            after_match = after_match or re.match(
                r"\s*[x×*]\s*(\d+)()", text[at + len(token) :], re.IGNORECASE
            )
    return after_match


def _package_quote(
    spec: ToolSpec,
    ctx: ToolContext,
    g: Governing,
    row: RowFact,
    rate: Decimal,
    asked: re.Match[str] | None,
    said: tuple[str, str, tuple[str, ...], list[Input]],
    year: int,
) -> list[Result]:
    """The tier's rate on a product priced in a policy table row the message names (a package "2200元/台/年")."""
    statement, en, slots, inputs = said
    priced = _priced_row(spec, ctx, spec.price_row)
    if priced is None:
        return [CannotCompute(spec.tool, spec.id, "消息里没有提到价格表中的产品", _row_source(g, row))]
    name, row_price, unit, price_ev = priced
    unit_price = money.discounted(row_price, rate, spec.rounding, spec.rounding_mode)
    inputs.append(Input("policy", price_ev, f"{name}｜{_yuan_plain(row_price)}{unit}"))
    statement += f"；{name} {_yuan_plain(row_price)} {unit}，折后 {_yuan_plain(unit_price)} {unit}"
    # the same price for an English reader: the row by its code, the unit's measure words in English
    code = re.search(r"（([^）]+)）", name)
    per = _per_unit_en(unit)
    en += (
        f"; the {code.group(1) if code else 'package'} package costs CNY {_yuan_plain(row_price)}{per}, "
        f"CNY {_yuan_plain(unit_price)}{per} with the discount"
    )
    slots += (_yuan_plain(unit_price),)
    if asked:
        _, said_total, slot = units_total(unit_price, asked, inputs, spec.rounding, spec.rounding_mode)
        statement += said_total
        en += f", CNY {slot} for {asked.group(1)}"
        slots += (slot,)
    return [
        fact_of(
            spec,
            fmt(rate),
            "%",
            statement,
            slots,
            inputs,
            _row_source(g, row),
            subject=f"{year}/{name}",
            statement_en=en,
        )
    ]


def _per_unit_en(unit: str) -> str:
    """ "元/台/年" → " per unit per year": the measure words after the currency, in English ("" when none)."""
    words = {"台": "unit", "辆": "unit", "件": "item", "年": "year", "月": "month", "次": "visit"}
    return "".join(f" per {words[p]}" for p in unit.split("/")[1:] if p in words)


WHAT_IF_HEDGE = (
    "（须按审批权限确认）"  # the rep's what-if price: not an offer until the authority check says so
)


def _extra_on_tier(
    ctx: ToolContext,
    tier_rate: Decimal,
    list_price: Decimal,
    count: Decimal,
    spec: ToolSpec,
    stacked: Decimal = Decimal(0),
) -> tuple[str, str, str] | None:
    """A discount asked on top of the tier ("阶梯之外再让1个点"): the unit price and total if it were granted, added
    to the tier rate off the list price (5% + 1% = 6%), for the rep to weigh — (text, the ask as written) or None."""
    asked = requested_discount(ctx.text)
    if asked is None:
        return None
    off, written = asked
    m = re.search(re.escape(written), ctx.text)
    total = stated_total(ctx.text, written)  # "总共7个点": the tier inside it, the rest on top
    if m is None or not (total or EXTRA_WORDS.search(_clause_around(ctx.text, m.start(), m.end()))):
        return None
    if total and off <= tier_rate:
        return None  # the tier gives it already (the authority check says so)
    combined = off if total else tier_rate + off
    extra = off - tier_rate if total else off
    # `stacked`: an offer's per-unit amount stacked on the tier price, taken off this price as well
    unit = money.discounted(list_price, combined, spec.rounding, spec.rounding_mode) - stacked
    order = money.rounded(unit * count, spec.rounding, spec.rounding_mode)
    text = (
        f"；如阶梯之外再让 {fmt(extra)}%（合计 {fmt(combined)}%{'，再叠加上述补贴' if stacked else ''}），"
        f"单价 {_yuan_plain(unit)} 元，"
        f"{fmt(count)} 台合计 {_yuan_plain(order)} 元{WHAT_IF_HEDGE}"
    )
    en = (
        f"; with {fmt(extra)}% more on top of the tier ({fmt(combined)}% in all"
        f"{', the offer above stacked too' if stacked else ''}), CNY {_yuan_plain(unit)} per unit, "
        f"CNY {_yuan_plain(order)} for {fmt(count)} (subject to the approval rules)"
    )
    return text, written, en


def _priced_row(spec: ToolSpec, ctx: ToolContext, ref: Any) -> tuple[str, Decimal, str, str] | None:
    """The row of a price table the message names (by any of its cells: a code such as PKG-X, or a name), with its
    price and the unit the price is written in ("2200元/台/年" → 2200, "元/台/年")."""
    sub = spec.model_copy(update={"doc": ref.doc})
    g = _governing(ctx, sub)
    if isinstance(g, CannotCompute):
        return None
    rows = ctx.facts.rows(g.doc_id, g.version, table=ref.table)

    def names(raw: str) -> bool:  # a name or a code of the row written in the message, not a bare figure
        return (
            len(raw) >= 4
            and raw in ctx.text
            and (not re.search(r"\d", raw) or bool(re.fullmatch(r"[A-Z]{2,5}-[A-Z0-9]{1,4}", raw)))
        )

    named = [r for r in rows if any(names(c.raw) for c in r.cells)]
    if not named and ref.key_column:
        # the product asked for by its kind only ("保养包多少钱"): the customer's own one, by the code their CRM
        # contracts hold (a fleet's fleet package), when exactly one row of the table is theirs
        codes = {
            str(v)
            for c in (getattr(ctx.crm, "crm", {}) or {}).get("contracts") or []
            for v in c.values()
            if isinstance(v, str) and v
        }
        named = [r for r in rows if (k := r.cell(ref.key_column)) is not None and k.raw in codes]
    if len(named) != 1:
        return None
    row = named[0]
    cell = row.cell(ref.column)
    if cell is None or cell.quantity is None:
        return None
    unit = cell.raw[cell.raw.find("元") :] if "元" in cell.raw else "元"
    key = row.cell(ref.key_column)
    name = (
        f"{row.cells[0].raw}（{key.raw}）"
        if key is not None and key.raw != row.cells[0].raw
        else row.cells[0].raw
    )
    return name, cell.quantity.value, unit, row.evidence_id


def _order_approval(
    spec: ToolSpec, ctx: ToolContext, total: Decimal, inputs: list[Input]
) -> tuple[str, str] | None:
    """An order-size rule of the authority document ("单笔订单金额超过300万元的，无论折扣比例，均须报总经理审批"):
    (approver, what the customer hears) when the order total is above it, else None."""
    if not spec.approval_doc or not spec.approval_clause:
        return None
    sub = spec.model_copy(update={"doc": spec.approval_doc})
    g = _governing(ctx, sub)
    if isinstance(g, CannotCompute):
        return None
    found = _clause_says(
        ctx,
        g,
        spec.approval_clause,
        r"金额超过\s*(\d+(?:\.\d+)?)\s*(万元|元)",
        r"(?:报|由)([\u4e00-\u9fff]{2,5}?)审批",
    )
    if found is None:
        return None
    clause, (limit, who) = found
    threshold = Decimal(limit.group(1)) * (10000 if limit.group(2) == "万元" else 1)
    if total <= threshold:
        return None
    inputs.append(Input("policy", clause.evidence_id, limit.group(0)))
    said = (
        f"订单金额 {_yuan_plain(total)} 元超过{limit.group(1)}{limit.group(2)}，"
        f"按《{g.title}》{spec.approval_clause}须报{who.group(1)}审批"
    )
    return who.group(1), said


def tier_price(spec: ToolSpec, ctx: ToolContext, key: str) -> tuple[Decimal, str, str, list[Input]] | None:
    found = tier_price_at(spec, ctx, key)
    return found[:4] if found is not None else None


def tier_price_at(
    spec: ToolSpec, ctx: ToolContext, key: str
) -> tuple[Decimal, str, str, list[Input], Source] | None:
    """A volume_tier entry with a `price_row`: the row whose key column is `key` (a contract's package code) priced at
    this customer's tier — (unit price, the tier's name, its rate as said, the inputs read); None when the customer is
    below every tier or a figure cannot be read (the other price then stands alone)."""
    ref = spec.price_row
    if ref is None or not ref.key_column or not key or not ctx.crm.has_quarter_amounts():
        return None
    found = governing_rows(ctx, spec)
    if isinstance(found, CannotCompute):
        return None
    g, rows = found
    year = ctx.today.year - 1
    units, ids = ctx.crm.year_quantity(spec.category, year)
    try:
        tier = tier_down(rows, spec.tier_column, units, "台")
    except LookupError_:
        return None
    cell = tier.row.cell(spec.output_column)
    rate = cell.quantity if cell is not None else None
    if rate is None or rate.unit != "%":
        return None
    pg = _governing(ctx, spec.model_copy(update={"doc": ref.doc}))
    if isinstance(pg, CannotCompute):
        return None
    priced = find_rows(ctx.facts.rows(pg.doc_id, pg.version, table=ref.table), ref.key_column, key)
    price_cell = priced[0].cell(ref.column) if len(priced) == 1 else None
    if price_cell is None or price_cell.quantity is None:
        return None
    unit_price = money.discounted(price_cell.quantity.value, rate.value, spec.rounding, spec.rounding_mode)
    key_cell = tier.row.cell(spec.key_column) if spec.key_column else None
    name = key_cell.raw if key_cell is not None else _plain_bounds(tier.header)
    inputs = [
        Input("policy", tier.row.evidence_id, tier.row.as_text()),
        *(Input("evidence", i, "quarter") for i in ids),
        Input("policy", priced[0].evidence_id, priced[0].as_text()),
    ]
    return unit_price, name, f"{fmt(rate.value)}%", inputs, _row_source(g, tier.row)
