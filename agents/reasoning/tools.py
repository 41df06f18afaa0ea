"""The reasoning tools. Each reads the governing version's structured facts (contract.ports.FactSource) and this
customer's CRM fields, computes in Decimal / calendar arithmetic, and returns `Computed` (with every input) or
`CannotCompute` (with the reason). Nothing here guesses: a missing field, an ambiguous table or an unparseable number
stops the tool. What the customer asks for ("九折", "你们答应过9折") is a request input, never a fact."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from agents.reasoning import dates, money
from agents.reasoning.config import ToolSpec
from agents.reasoning.crm import CrmRecord, MissingField
from agents.reasoning.lookup import LookupError_, Tier, find_rows, tier_across, tier_down
from agents.reasoning.results import CannotCompute, Computed, Input, Result, Source
from contract.numerals import han_to_ascii
from contract.policy_facts import ClauseFact, Governing, NoGoverningVersion, RowFact
from contract.ports import FactSource
from contract.quantities import ParseError, Quantity, date_windows, discount_percent, quantities

SPOKEN_CODE = re.compile(r"(?<![A-Za-z])([A-Za-z])([零〇一二三四五六七八九幺两]{3,5})")


def spoken_codes(text: str) -> str:
    """Codes read aloud in a transcript ("P零二一七") written as codes ("P0217") so table cells can match them."""
    return SPOKEN_CODE.sub(lambda m: m.group(1).upper() + han_to_ascii(m.group(2)), text)


@dataclass
class ToolContext:
    facts: FactSource
    crm: CrmRecord
    entities: dict[str, list[str]]
    text: str  # the customer's message (masked): requests are read from it, never facts
    today: date
    lang: str = "zh"

    def __post_init__(self) -> None:
        self.text = spoken_codes(self.text)

    def hints(self) -> list[str]:
        keep = ("serial_number", "product_model", "sku", "vin", "plate", "asset_id", "alarm_code")
        return [v for k in keep for v in self.entities.get(k, [])]


def fmt(value: Decimal) -> str:
    return money.fmt_number(value)


def _governing(ctx: ToolContext, spec: ToolSpec, event: date | None = None) -> Governing | CannotCompute:
    if not spec.doc:
        return CannotCompute(spec.tool, spec.id, "tools.yaml 未指定政策文档 doc")
    field = ctx.facts.event_field(spec.doc)
    if field and event is None:
        try:
            event = ctx.crm.date_field(field, ctx.hints(), ctx.text).value
        except MissingField as exc:
            return CannotCompute(spec.tool, spec.id, f"{exc}，无法确定适用哪个版本的《{spec.doc}》")
    try:
        return ctx.facts.governing(spec.doc, as_of=ctx.today, event=event)
    except NoGoverningVersion as exc:
        return CannotCompute(spec.tool, spec.id, str(exc))


def _row_source(g: Governing, row: RowFact) -> Source:
    return Source(g.doc_id, g.version, g.title, row.clause, str(row.row), row.evidence_id)


def _version_input(g: Governing) -> list[Input]:
    if g.reason == "event_window":
        return [Input("field", g.event_field, g.event_date)]
    return []


# ---- tier_rate: a rate from a tier table by this customer's purchase amount ------------------------------------


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
        out.append(
            Computed(
                spec.tool,
                spec.id,
                fmt(rate.value),
                "%",
                statement,
                slots,
                tuple(inputs),
                source,
                subject=f"{key}/{period}",
                statement_en=en,
            )
        )
    return out


# ---- row_lookup: the row for this customer / this message, stated from its cells ---------------------------------


def _match_value(source: str, ctx: ToolContext) -> tuple[str, Input] | None:
    kind, _, name = source.partition(":")
    if kind == "entity":
        values = ctx.entities.get(name, [])
        return (values[0], Input("message", f"entity.{name}", values[0])) if values else None
    if kind == "crm":
        try:
            fv = ctx.crm.profile(name.split(".")[-1])
        except MissingField:
            return None
        return str(fv.value), Input(
            "evidence" if fv.evidence_id else "field", fv.evidence_id or fv.path, str(fv.value)
        )
    if kind == "text":
        return None  # resolved against the column's own values (below)
    return source, Input("policy", "tools.yaml", source)


def row_lookup(spec: ToolSpec, ctx: ToolContext) -> list[Result]:
    g = _governing(ctx, spec)
    if isinstance(g, CannotCompute):
        return [g]
    rows = ctx.facts.rows(g.doc_id, g.version, table=spec.table)
    if not rows:
        return [CannotCompute(spec.tool, spec.id, f"《{g.title}》没有第 {spec.table} 张表")]
    inputs: list[Input] = [*_version_input(g)]
    for column, source in spec.match.items():
        if source.startswith("text:") or source == "text":
            # a value of this column that the customer's message names (e.g. an alarm code, a 情形)
            named = [r for r in rows if (c := r.cell(column)) is not None and c.raw and c.raw in ctx.text]
            if not named:
                return [CannotCompute(spec.tool, spec.id, f"消息里没有提到「{column}」中的任何一项")]
            rows = named
            inputs.append(Input("message", f"text.{column}", named[0].cell(column).raw))  # type: ignore[union-attr]
            continue
        found = _match_value(source, ctx)
        if found is None:
            return [CannotCompute(spec.tool, spec.id, f"缺少「{column}」的取值（{source}）")]
        value, inp = found
        rows = find_rows(rows, column, value)
        inputs.append(inp)
        if not rows:
            return [CannotCompute(spec.tool, spec.id, f"《{g.title}》表中没有「{column}」为「{value}」的行")]
    if len(rows) > 1:
        return [CannotCompute(spec.tool, spec.id, f"《{g.title}》表中有 {len(rows)} 行符合条件，无法确定")]
    row = rows[0]
    values = {h: c.raw for h, c in zip(row.headers, row.cells, strict=True)}
    outputs = spec.outputs or [h for h in row.headers if h not in spec.match]
    missing = [o for o in outputs if not values.get(o)]
    if missing:
        return [CannotCompute(spec.tool, spec.id, f"表中缺少列 {missing}", _row_source(g, row))]
    if spec.template:
        try:
            statement = spec.template.format(**values)
        except (KeyError, IndexError) as exc:
            return [CannotCompute(spec.tool, spec.id, f"tools.yaml 模板引用了不存在的列 {exc}")]
    else:
        statement = "，".join(f"{o}：{values[o]}" for o in outputs)
    slots = tuple(values[o] for o in outputs if re.search(r"\d", values[o]))
    inputs.insert(0, Input("policy", row.evidence_id, row.as_text()))
    return [
        Computed(
            spec.tool,
            spec.id,
            "；".join(values[o] for o in outputs),
            "text",
            statement,
            slots,
            tuple(inputs),
            _row_source(g, row),
            subject="/".join(values.get(c, "") for c in spec.match),
        )
    ]


# ---- authority: the asked discount against what the actor may grant ---------------------------------------------

REQUEST = re.compile(
    r"(?P<q>(?:\d+(?:\.\d+)?|[一二三四五六七八九]{1,2}(?:点[一二三四五六七八九])?)\s*折|\d+(?:\.\d+)?\s*(?:%|个点|个百分点))"
)


# a bare "78%" is a discount only when the words around it are about price ("SOC 78%" on a dashboard photo is not)
DISCOUNT_CONTEXT = re.compile(
    r"折扣|优惠|打折|让|便宜|降|减|价|阶梯|给|批|再|返|discount|off|price", re.IGNORECASE
)


CLAUSE_BREAK = re.compile(r"[，。,；;！？!?\n]")


def _clause_around(text: str, start: int, end: int, reach: int = 12) -> str:
    """The words around a figure within its own clause (up to `reach` characters each side)."""
    left = CLAUSE_BREAK.split(text[max(0, start - reach) : start])[-1]
    right = CLAUSE_BREAK.split(text[end : end + reach])[0]
    return left + text[start:end] + right


def requested_discount(text: str) -> tuple[Decimal, str] | None:
    """The discount the customer asks for, as % off, and how they wrote it ("九折" → 10); None when none is named.
    "折" and "个点" are discount words themselves; a "%" counts when a price word is within 12 characters of it."""
    m = next(
        (
            m
            for m in REQUEST.finditer(text)
            if "折" in m.group("q")
            or "点" in m.group("q")
            or DISCOUNT_CONTEXT.search(_clause_around(text, m.start(), m.end()))
        ),
        None,
    )
    if not m:
        return None
    raw = m.group("q").replace("个百分点", "%").replace("个点", "%")
    try:
        q = quantities(raw)
        if not q:
            return None
        return discount_percent(q[0]), m.group("q")
    except ParseError:
        return None


def approver_row(rows: list[RowFact], column: str, off: Decimal, above: Decimal | None = None) -> Tier:
    """Who may grant `off` % : with disjoint tiers the one holding it; with a ladder of ceilings (2%以内 / 3%以内 /
    5%以内 / 5%以上) the lowest ceiling that holds it — the most junior role that may decide. `above`: the asking
    role's own ceiling; an approver is a higher rung ("提交上一级审批"), never a peer with the same or a lower one."""
    holding = []
    for r in rows:
        c = r.cell(column)
        if c is not None and c.range is not None and c.range.unit in ("%", "") and c.range.contains(off):
            high = c.range.high
            if above is not None and high is not None and high <= above:
                continue
            holding.append((r, c))
    if not holding:
        raise LookupError_(f"「{column}」没有哪一档包含 {off}%")
    inf = Decimal("Infinity")
    holding.sort(key=lambda rc: rc[1].range.high if rc[1].range and rc[1].range.high is not None else inf)
    first = holding[0][1].range
    tied = [rc for rc in holding if rc[1].range and rc[1].range.high == (first.high if first else None)]
    if len(tied) > 1:
        return tier_down([rc[0] for rc in tied], column, off, "%")  # two equal ceilings: ambiguous, says why
    r, c = holding[0]
    return Tier(c.raw, c, r)


RESTRICTED = re.compile(r"限[^，。；;]{0,12}")


def _other_kind_only(row: RowFact, spec: ToolSpec, ctx: ToolContext) -> bool:
    """A rung whose own cells restrict it to another kind of customer ("自行决定，限本人负责的企业客户" when this customer
    is an individual) cannot decide for this one. Needs tools.yaml `kind_words` (CRM kind → the word the table uses)."""
    if not spec.kind_words:
        return False
    try:
        kind = str(ctx.crm.profile("kind").value)
    except MissingField:
        return False
    mine = spec.kind_words.get(kind, "")
    others = [w for k, w in spec.kind_words.items() if k != kind and w]
    for cell in row.cells:
        for m in RESTRICTED.finditer(cell.raw):
            said = m.group(0)
            if any(w in said for w in others) and not (mine and mine in said):
                return True
    return False


def _actor(spec: ToolSpec, ctx: ToolContext, rows: list[RowFact]) -> tuple[str, tuple[Input, ...]]:
    """Whose limit applies: the role the 360 gives (spec.actor_field, e.g. the owning rep's 岗位) when the authority table
    has a row for it, else the configured `actor`."""
    if spec.actor_field and "." in spec.actor_field:
        entity, attribute = spec.actor_field.split(".", 1)
        fv = ctx.crm.entity_fact(entity, attribute)
        if fv is not None and find_rows(rows, spec.approver_column, str(fv.value)):
            return str(fv.value), (Input("evidence", fv.evidence_id, str(fv.value)),)
    return spec.actor, ()


def _discount_worth(
    ctx: ToolContext, off: Decimal, inputs: tuple[Input, ...]
) -> tuple[str, tuple[tuple[str, ...], tuple[Input, ...]]]:
    """What the asked discount is worth on the list price of the model the message names ("，按S7指导价 225,800 元计
    为 4,516 元"), or "" when no priced model is named (never a guessed price)."""
    models = ctx.entities.get("product_model", []) or [m for m in [ctx.crm.priced_model_in(ctx.text)] if m]
    if not models:
        return "", ((), ())
    try:
        price = ctx.crm.list_price(models[0])
    except MissingField:
        return "", ((), ())
    amount = money.rounded(price.value * off / Decimal(100), "1", "half_up")
    text = f"，按{models[0]}指导价 {_yuan_plain(price.value)} 元计为 {_yuan_plain(amount)} 元"
    return text, ((_yuan_plain(amount),), (Input("evidence", price.evidence_id, str(price.value)),))


def authority(spec: ToolSpec, ctx: ToolContext) -> list[Result]:
    g = _governing(ctx, spec)
    if isinstance(g, CannotCompute):
        return [g]
    rows = ctx.facts.rows(g.doc_id, g.version, table=spec.table)
    if not rows:
        return [CannotCompute(spec.tool, spec.id, f"《{g.title}》没有第 {spec.table} 张表")]
    asked = requested_discount(ctx.text)
    if asked is None:
        return [CannotCompute(spec.tool, spec.id, "客户没有提出具体的折扣")]
    off, written = asked
    actor, actor_input = _actor(spec, ctx, rows)
    spec = spec.model_copy(update={"actor": actor})
    own = find_rows(rows, spec.approver_column, spec.actor)
    own_limit = own[0].cell(spec.limit_column) if len(own) == 1 else None
    if own_limit is None or own_limit.range is None:
        return [CannotCompute(spec.tool, spec.id, f"表中找不到「{spec.actor}」的权限上限")]
    own_cell = own[0].cell(spec.limit_column)
    assert own_cell is not None and own_cell.range is not None
    ladder = [r for r in rows if r in own or not _other_kind_only(r, spec, ctx)]
    try:
        tier = approver_row(ladder, spec.limit_column, off, above=own_cell.range.high)
    except LookupError_ as exc:
        if own_cell.range.contains(off):
            tier = Tier(own_cell.raw, own_cell, own[0])
        else:
            return [CannotCompute(spec.tool, spec.id, str(exc))]
    approver_cell = tier.row.cell(spec.approver_column)
    approver = approver_cell.raw if approver_cell else ""
    within = own_cell.range.contains(off)
    off_text = f"{fmt(off)}%"
    asked_text = written if "折" in written else off_text
    inputs = (
        Input("message", "message.requested_discount", written),
        Input("policy", own[0].evidence_id, own[0].as_text()),
        Input("policy", tier.row.evidence_id, tier.row.as_text()),
        *_version_input(g),
        *actor_input,
    )
    source = _row_source(g, tier.row)
    worth, worth_slots = _discount_worth(ctx, off, inputs)
    if worth:
        inputs = (*inputs, *worth_slots[1])
    if within:
        statement = f"您提到的{asked_text}（折扣 {off_text}）在{spec.actor}可自行决定的范围内（{own_cell.raw}）{worth}"
        en = f"the {off_text} discount you asked for is within what a {spec.actor} may grant ({own_cell.raw})"
        return [
            Computed(
                spec.tool,
                spec.id,
                "within",
                "bool",
                statement,
                (off_text, *worth_slots[0]),
                inputs,
                source,
                subject=off_text,
                statement_en=en,
            )
        ]
    zhe = f"（即折扣 {off_text}）" if "折" in written else ""
    statement = (
        f"您提到的{asked_text}{zhe}超出{spec.actor}的权限（{own_cell.raw}），须由{approver}审批{worth}"
    )
    en = (
        f"a {off_text} discount is above what I may grant as {spec.actor} ({own_cell.raw}) and needs approval by "
        f"{approver}"
    )
    # to the customer: what the rep may decide alone and who decides the rest — their figure is a request, never an
    # offer, and nothing above the rep's own limit is promised
    say = f"按规定我（{spec.actor}）可自行决定的折扣为{own_cell.raw}，您提到的{asked_text}超出这一权限，须由{approver}审批"
    return [
        Computed(
            spec.tool,
            spec.id,
            approver,
            "text",
            statement,
            (own_cell.raw, approver),
            inputs,
            source,
            subject=off_text,
            statement_en=en,
            needs_approval=approver,
            next_step=f"提交{approver}审批",
            say=say,
        )
    ]


# ---- term_end: a term from a clause, counted from a CRM date ----------------------------------------------------


def _clause(ctx: ToolContext, g: Governing, label: str) -> ClauseFact | None:
    return next((c for c in ctx.facts.clauses(g.doc_id, g.version) if c.clause == label), None)


def _term(clause: ClauseFact, words: str) -> Quantity | None:
    """The first period (个月 / 年 / 天) written after `words` in the clause ("整机保修24个月" → 24 个月)."""
    text = clause.text
    at = text.find(words) if words else 0
    if at < 0:
        return None
    for q in quantities(text[at : at + len(words) + 16]):
        if q.unit in ("个月", "年", "天"):
            return q
    return None


def _pick_row(rows: list[RowFact], column: str, value: str) -> RowFact | None:
    """The row whose `column` names `value`: exact, then the cell starting with it ("营运" → "营运车辆", not
    "非营运车辆"), then the only cell containing it."""
    cells: list[tuple[RowFact, str]] = []
    for r in rows:
        cell = r.cell(column)
        cells.append((r, cell.raw if cell is not None else ""))
    for hit in ([r for r, c in cells if c == value], [r for r, c in cells if c and c.startswith(value)]):
        if len(hit) == 1:
            return hit[0]
    hit = [r for r, c in cells if c and value in c]
    return hit[0] if len(hit) == 1 else None


def term_end(spec: ToolSpec, ctx: ToolContext) -> list[Result]:
    if spec.row_column and spec.term_column:
        return _term_from_table(spec, ctx)
    g = _governing(ctx, spec)
    if isinstance(g, CannotCompute):
        return [g]
    clause = _clause(ctx, g, spec.clause)
    if clause is None:
        return [CannotCompute(spec.tool, spec.id, f"《{g.title}》没有{spec.clause}")]
    source = Source(g.doc_id, g.version, g.title, clause.clause, "", clause.evidence_id)
    q = _term(clause, spec.term)
    if q is None:
        return [CannotCompute(spec.tool, spec.id, f"{spec.clause}里读不出「{spec.term}」的期限", source)]
    try:
        fv = ctx.crm.date_field(spec.start_field, ctx.hints(), ctx.text)
    except MissingField as exc:
        return [CannotCompute(spec.tool, spec.id, str(exc), source)]
    start: date = fv.value
    if q.value != q.value.to_integral():
        return [CannotCompute(spec.tool, spec.id, f"期限「{q.raw}」不是整数", source)]
    end = dates.term_end(start, int(q.value), q.unit, spec.end_rule)
    left = dates.days_between(ctx.today, end)
    who = f"您的{fv.label}" if fv.label else "您的设备"
    status = f"还剩 {left} 天" if left >= 0 else f"已于{dates.zh_date(end)}到期，目前已过保"
    statement = f"{who}自{dates.zh_date(start)}起{spec.term}{q.raw}，" + (
        f"至{dates.zh_date(end)}，{status}" if left >= 0 else status
    )
    en = f"{who}: {spec.term} {q.raw} from {start.isoformat()} runs to {end.isoformat()}; " + (
        f"{left} days left" if left >= 0 else f"ended {-left} days ago"
    )
    inputs = (
        Input("policy", clause.evidence_id, q.raw),
        Input("evidence" if fv.evidence_id else "field", fv.evidence_id or fv.path, start.isoformat()),
        *_version_input(g),
    )
    term: list[Result] = [
        Computed(
            spec.tool,
            spec.id,
            end.isoformat(),
            "date",
            statement,
            (dates.zh_date(end),),
            inputs,
            source,
            subject=fv.label,
            statement_en=en,
        )
    ]
    return term + _coverage(spec, ctx, g, term)


def _term_from_table(spec: ToolSpec, ctx: ToolContext) -> list[Result]:
    """A term read from a table row chosen by a CRM field (车辆类别 by device.use_type), counted from a CRM date; the
    row's distance limit (km) is checked against the odometer when the CRM has one."""
    try:
        ctx.crm.date_field(spec.start_field, ctx.hints(), ctx.text)
    except MissingField:
        batches = _batches(ctx, spec)
        # a fleet's batches (one delivery date each): each batch's own term and version
        if batches is not None:
            per_batch: list[Result] = []
            for first_id, count in batches:
                for r in _term_from_table(spec, replace(ctx, text=first_id, entities={})):
                    # "您12台某品牌L5…交付日为…": the batch, not one VIN
                    if isinstance(r, Computed) and count > 1:

                        def batch(t: str, n: int = count, vin: str = first_id) -> str:
                            return t.replace("您的", f"您{n}台", 1).replace(f"（{vin}）", "", 1)

                        r = replace(r, statement=batch(r.statement), say=batch(r.say))
                    per_batch.append(r)
            return per_batch
    g = _governing(ctx, spec)
    if isinstance(g, CannotCompute):
        return [g]
    rows = [r for r in ctx.facts.rows(g.doc_id, g.version) if r.cell(spec.row_column) is not None]
    if spec.clause:
        rows = [r for r in rows if r.clause == spec.clause] or rows
    if not rows:
        return [CannotCompute(spec.tool, spec.id, f"《{g.title}》没有「{spec.row_column}」表")]
    try:
        by = (
            ctx.crm.device_field(spec.row_by.partition(".")[2], ctx.hints(), ctx.text)
            if spec.row_by
            else None
        )
        fv = ctx.crm.date_field(spec.start_field, ctx.hints(), ctx.text)
    except MissingField as exc:
        return [CannotCompute(spec.tool, spec.id, str(exc))]
    row = _pick_row(rows, spec.row_column, str(by.value)) if by else (rows[0] if len(rows) == 1 else None)
    if row is None:
        return [
            CannotCompute(
                spec.tool, spec.id, f"「{spec.row_column}」里找不到「{by.value if by else ''}」对应的行"
            )
        ]
    out: list[Result] = []
    col_spec = spec
    for i, column in enumerate(_asked_columns(row, spec, ctx.text)):
        label = spec.label if column == spec.term_column else re.split(r"[（(]", column)[0]
        col_spec = spec.model_copy(update={"term_column": column, "label": label})
        out += _term_in_column(col_spec, ctx, g, row, fv, by, first=i == 0)
    if col_spec is not spec and spec.label[-2:] and not col_spec.label.endswith(spec.label[-2:]):
        # "动力总成" + the configured label's own ending ("整车质保" → 质保): "动力总成质保期内"
        col_spec = col_spec.model_copy(update={"label": col_spec.label + spec.label[-2:]})
    return out + _coverage(col_spec, ctx, g, out)  # who pays under the term asked last (动力总成 when named)


def _coverage(spec: ToolSpec, ctx: ToolContext, g: Governing, terms: list[Result]) -> list[Result]:
    """Who pays, when the message asks it (`covered_words`: 自费, 免费, 掏钱 …): within the term just computed, the
    policy's in-term clause (`covered_clause`: "…由服务站免费维修或更换零部件…"); past it (date or mileage), the
    after-term clause (`expired_clause`: "…自费维修"). Quoted from the governing version, cited; nothing is guessed."""
    if not spec.covered_words or not any(w in ctx.text for w in spec.covered_words):
        return []
    term = next((r for r in reversed(terms) if isinstance(r, Computed)), None)
    if term is None:
        return []
    ended = "已过保" in term.statement or "已超过" in term.statement
    label = spec.clause_label_for(ended)
    if not label:
        return []
    clause = _clause(ctx, g, label)
    if clause is None:
        return [CannotCompute(spec.tool, spec.id, f"《{g.title}》没有{label}")]
    body = re.sub(r"^\s*第[一二三四五六七八九十百\d]+条\s*", "", clause.text.strip())
    quote = re.split(r"(?<=[。！？])", body)[0].strip().rstrip("。；;，,")
    quote = re.sub(
        r"^在[^，。]{1,8}[内后]，", "", quote
    )  # "在质保期内，…" after "目前仍在整车质保期内" says it twice
    if not quote:
        return []
    what = term.name if not term.subject else term.subject
    statement = (
        f"目前已超出{spec.label or '期限'}期，{quote}"
        if ended
        else f"目前仍在{spec.label or '期限'}期内，{quote}"
    )
    en = "the term has ended: " if ended else "still within the term: "
    return [
        Computed(
            spec.tool,
            spec.id,  # the same tool's answer (who pays under the term it computed), cited to its own clause
            "ended" if ended else "covered",
            "text",
            statement,
            tuple(w for w in ("免费", "自费", "不向客户收取") if w in quote)[:1],
            (
                Input("policy", clause.evidence_id, quote),
                Input("evidence", term.inputs[1].ref, term.output)
                if len(term.inputs) > 1
                else Input("field", "term_end", term.output),
            ),
            Source(g.doc_id, g.version, g.title, clause.clause, "", clause.evidence_id),
            subject=f"{what}/{label}",
            statement_en=en + quote,
        )
    ]


def _batches(ctx: ToolContext, spec: ToolSpec) -> list[tuple[str, int]] | None:
    """Several assets match and they came in two or three deliveries (one date each): (first asset id, count) per
    batch, oldest first; None when one asset is meant or the batches are too many to state (then ask which)."""
    try:
        group = ctx.crm.device_group(ctx.hints(), ctx.text)
    except MissingField:
        return None
    field = spec.start_field.partition(".")[2] or "installed_at"
    by_day: dict[str, list[dict[str, Any]]] = {}
    for d in group:
        by_day.setdefault(str(d.get(field, ""))[:10], []).append(d)
    if len(group) < 2 or not 1 <= len(by_day) <= 3 or "" in by_day:
        return None
    return [(str(ds[0].get("id", "")), len(ds)) for _, ds in sorted(by_day.items())]


def _en_term(raw: str) -> str:
    """ "24个月或15万km" → "24 months or 150,000 km": an English term carries its own figures (the grounding check
    reads them in the fact's evidence)."""
    text = re.sub(r"(\d+(?:\.\d+)?)万\s*km", lambda m: f"{Decimal(m.group(1)) * 10000:,.0f} km", raw)
    text = re.sub(r"(\d+)\s*个月", r"\1 months", text)
    text = re.sub(r"(\d+)\s*年", r"\1 years", text)
    return text.replace("或", " or ")


def _column_words(header: str) -> list[str]:
    """ "动力总成（发动机、变速箱）" → [动力总成, 发动机, 变速箱]: the words a customer would use for a column."""
    return [w for w in re.split(r"[（）()、/,，\s]|及|和|与", header) if len(w) >= 2]


ASKS_TERM = re.compile(r"保修|质保|保[到几多]|保\S{0,2}(?:年|月|公里)|warranty", re.IGNORECASE)


def _asked_columns(row: RowFact, spec: ToolSpec, text: str) -> list[str]:
    """The configured term column, plus the other term columns a question about the term names ("动力电池保几年",
    "发动机和变速箱保修到什么时候" → their columns); a fault described with the same words ("发动机故障灯") asks nothing."""
    if not ASKS_TERM.search(text) and not any(w in text for w in spec.covered_words):
        return [spec.term_column]
    asked = [
        h
        for h in row.headers
        if h != spec.row_column and h != spec.term_column and any(w in text for w in _column_words(h))
    ]
    return [spec.term_column, *asked[:2]]


def _term_in_column(
    spec: ToolSpec, ctx: ToolContext, g: Governing, row: RowFact, fv: Any, by: Any, *, first: bool = True
) -> list[Result]:
    source = _row_source(g, row)
    cell = row.cell(spec.term_column)
    if cell is None:
        return [CannotCompute(spec.tool, spec.id, f"表中没有「{spec.term_column}」列", source)]
    periods = [q for q in quantities(cell.raw) if q.unit in ("个月", "年", "天")]
    if not periods or periods[0].value != periods[0].value.to_integral():
        return [CannotCompute(spec.tool, spec.id, f"「{cell.raw}」里读不出整数期限", source)]
    q = periods[0]
    start: date = fv.value
    end = dates.term_end(start, int(q.value), q.unit, spec.end_rule)
    left = dates.days_between(ctx.today, end)
    key = row.cell(spec.row_column)
    kind = key.raw if key else ""
    who = f"您的{fv.label}" if fv.label else "您的车辆"
    label = spec.label or spec.term_column
    # "交付日为…" states a past fact; "于…交付" reads like a delivery promise to the rails
    lead = f"{who}交付日为{dates.zh_date(start)}，属{kind}，" if first else ""  # the vehicle is said once
    statement = f"{lead}{label}{cell.raw}，" + (
        f"至{dates.zh_date(end)}，还剩 {left} 天"
        if left >= 0
        else f"已于{dates.zh_date(end)}到期，目前已过保"
    )
    # what the customer hears: the term and its end; days left and the mileage only when they matter (below)
    say = statement.split("，还剩 ")[0] if left >= 0 else statement
    slots: tuple[str, ...] = (dates.zh_date(end),)
    inputs = [
        Input("policy", row.evidence_id, f"{kind}｜{spec.term_column}｜{cell.raw}"),
        Input("evidence" if fv.evidence_id else "field", fv.evidence_id or fv.path, start.isoformat()),
        *_version_input(g),
    ]
    if by is not None:
        inputs.append(Input("field", by.path, str(by.value)))
    km = [x for x in quantities(cell.raw) if x.unit == "km"]
    if km and spec.mileage_field:
        try:
            odo = ctx.crm.device_field(spec.mileage_field.partition(".")[2], ctx.hints(), ctx.text)
            odometer = Decimal(str(odo.value))
        except (MissingField, ArithmeticError, ValueError):
            odometer = None
        if odometer is not None:
            rest = km[0].value - odometer
            inputs.append(Input("field", odo.path, str(odometer)))
            if rest > 0:
                statement += f"；当前里程 {odometer:,.0f} km，距 {km[0].raw} 上限还剩 {rest:,.0f} km"
                if rest * 5 < km[0].value:  # within the last fifth of the mileage: the customer should know
                    say += f"，当前里程距 {km[0].raw} 上限仅剩 {rest:,.0f} km"
            else:
                statement += (
                    f"；当前里程 {odometer:,.0f} km，已超过 {km[0].raw} 上限，按时间与里程先到者为准已过保"
                )
                say += f"，当前里程 {odometer:,.0f} km 已超过 {km[0].raw} 上限，按时间与里程先到者为准已过保"
            slots += (f"{abs(rest):,.0f} km",) if rest > 0 else ()
    en = (
        f"your {fv.label} was delivered on {start.isoformat()} ({kind}); its {label} of {_en_term(cell.raw)} "
        + (f"runs until {end.isoformat()}" if left >= 0 else f"ended on {end.isoformat()}")
    )
    return [
        Computed(
            spec.tool,
            spec.id,
            end.isoformat(),
            "date",
            statement,
            slots,
            tuple(inputs),
            source,
            subject=fv.label,
            statement_en=en,
            say=say if say != statement else "",
        )
    ]


def renewal_window(spec: ToolSpec, ctx: ToolContext) -> list[Result]:
    g = _governing(ctx, spec)
    if isinstance(g, CannotCompute):
        return [g]
    clause = _clause(ctx, g, spec.clause) if spec.clause else None
    days = spec.days
    if clause is not None and days is None:
        m = re.search(r"前\s*(\d+)\s*[日天]", clause.text)
        days = int(m.group(1)) if m else None
    if days is None:
        return [CannotCompute(spec.tool, spec.id, f"{spec.clause or '条款'}里读不出续约期天数")]
    source = Source(
        g.doc_id,
        g.version,
        g.title,
        clause.clause if clause else "",
        "",
        clause.evidence_id if clause else "",
    )
    try:
        fv = ctx.crm.date_field(spec.field or "contract.end_date", ctx.hints(), ctx.text)
    except MissingField as exc:
        return [CannotCompute(spec.tool, spec.id, str(exc), source)]
    end: date = fv.value
    window = dates.window_before(end, days)
    left = dates.days_between(ctx.today, end)
    if left < 0:
        state = f"已过期 {-left} 天"
    elif window.contains(ctx.today):
        state = f"还有 {left} 天，已进入期满前{days}日的续约期"
    else:
        state = f"还有 {left} 天，{dates.zh_date(window.start)}起进入续约期"
    ref = f"（{fv.label}）" if fv.label else ""
    statement = f"您的合同{ref}{'将于' if left >= 0 else '已于'}{dates.zh_date(end)}到期，{state}"
    en = f"the contract {fv.label} ends on {end.isoformat()}; {left} days left" + (
        f", inside the {days}-day renewal window" if window.contains(ctx.today) else ""
    )
    inputs = (
        Input("evidence" if fv.evidence_id else "field", fv.evidence_id or fv.path, end.isoformat()),
        Input("policy", source.evidence_id, f"期满前{days}日"),
    )
    return [
        Computed(
            spec.tool,
            spec.id,
            str(left),
            "days",
            statement,
            (dates.zh_date(end),),
            inputs,
            source,
            subject=fv.label,
            statement_en=en,
        )
    ]


def days_since(spec: ToolSpec, ctx: ToolContext) -> list[Result]:
    category = spec.category or next((c for c in ctx.entities.get("product_line", [])), "")
    try:
        fv = ctx.crm.last_purchase(category)
    except MissingField as exc:
        return [CannotCompute(spec.tool, spec.id, str(exc))]
    try:
        day = date.fromisoformat(str(fv.value)[:10])
    except ValueError:
        return [CannotCompute(spec.tool, spec.id, f"最近采购日期不可读：{fv.value!r}")]
    n = dates.days_between(day, ctx.today)
    statement = f"距上次采购{fv.label}（{dates.zh_date(day)}）已 {n} 天"
    return [
        Computed(
            spec.tool,
            spec.id,
            str(n),
            "days",
            statement,
            (f"{n} 天",),
            (Input("evidence" if fv.evidence_id else "field", fv.evidence_id or fv.path, day.isoformat()),),
            subject=fv.label,
            statement_en=f"{n} days since the last {fv.label} purchase ({day.isoformat()})",
        )
    ]


# ---- eligibility: scope checks against a document ---------------------------------------------------------------


def eligibility(spec: ToolSpec, ctx: ToolContext) -> list[Result]:
    g = _governing(ctx, spec)
    if isinstance(g, CannotCompute):
        return [g]
    clauses = ctx.facts.clauses(g.doc_id, g.version)
    meta = ctx.facts.meta(g.doc_id, g.version)
    failed, passed, inputs = [], [], list(_version_input(g))
    cite = next((c for c in clauses if c.citable), None)
    for check in spec.checks:
        if check == "region":
            region = str(getattr(meta, "region", "") or "")
            try:
                fv = ctx.crm.profile("region")
            except MissingField as exc:
                return [CannotCompute(spec.tool, spec.id, str(exc))]
            inputs.append(
                Input("evidence" if fv.evidence_id else "field", fv.evidence_id or fv.path, str(fv.value))
            )
            if region.lower() in ("", "all", "全国", "*") or region == fv.value:
                passed.append(f"区域{fv.value}")
            else:
                failed.append(f"区域{fv.value}不在适用范围（{region}）")
        elif check == "window":
            windows = [(c, w) for c in clauses for w in c.date_windows]
            if not windows:
                return [CannotCompute(spec.tool, spec.id, f"《{g.title}》里没有写明日期区间")]
            c, w = windows[0]
            cite = c
            start, end = date.fromisoformat(w["start"]), date.fromisoformat(w["end"])
            inputs.append(Input("policy", c.evidence_id, w["raw"]))
            label = f"{dates.zh_date(start)}至{dates.zh_date(end)}"
            (passed if start <= ctx.today <= end else failed).append(
                f"在活动期内（{label}）" if start <= ctx.today <= end else f"不在活动期内（{label}）"
            )
        elif check == "customer_kind":
            try:
                fv = ctx.crm.profile("kind")
            except MissingField as exc:
                return [CannotCompute(spec.tool, spec.id, str(exc))]
            inputs.append(
                Input("evidence" if fv.evidence_id else "field", fv.evidence_id or fv.path, str(fv.value))
            )
            (passed if str(fv.value) in spec.customer_kinds else failed).append(f"客户类型{fv.value}")
        elif check == "product_line":
            lines = list(getattr(meta, "product_lines", []) or [])
            asked = ctx.entities.get("product_line", []) + ctx.entities.get("product_model", [])
            if lines and asked and not any(a in lines or any(a in c.text for c in clauses) for a in asked):
                failed.append(f"产品{'、'.join(asked)}不在适用产品线（{'、'.join(lines)}）")
            else:
                passed.append("产品线")
    source = Source(
        g.doc_id, g.version, g.title, cite.clause if cite else "", "", cite.evidence_id if cite else ""
    )
    ok = not failed
    what = spec.label or f"《{g.title}》"
    statement = (
        f"贵司符合{what}的参与条件（{'，'.join(p for p in passed if p != '产品线')}）"
        if ok
        else f"贵司暂不符合{what}的条件：{'；'.join(failed)}"
    )
    return [
        Computed(
            spec.tool,
            spec.id,
            "true" if ok else "false",
            "bool",
            statement,
            (),
            tuple(inputs),
            source,
            subject=g.doc_id,
            statement_en=("eligible" if ok else "not eligible: " + "; ".join(failed)),
        )
    ]


ARITH = re.compile(r"^\s*([A-Za-z_][\w]*)\s*([-+*])\s*([A-Za-z_][\w]*|\d+(?:\.\d+)?)\s*$")
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _day(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    text = str(value or "")
    return date.fromisoformat(text[:10]) if ISO_DAY.match(text) else None


def _arith(expr: str, record: dict[str, Any], today: date | None = None) -> Decimal:
    """ "a - b" / "a + b" / "a * b" over the record's numeric fields (or a number); "today - a_date" / "date - date"
    = days between: nothing else is evaluated."""
    m = ARITH.match(expr)
    if not m:
        return _formula(expr, record)

    def raw(name: str) -> Any:
        if name == "today" and today is not None:
            return today
        if re.match(r"^\d", name):
            return Decimal(name)
        v = record.get(name, record.get("x_" + name))
        if v in (None, ""):
            raise MissingField(f"缺少 CRM 字段 {name}")
        return v

    left, op, right = raw(m.group(1)), m.group(2), raw(m.group(3))
    if op == "-" and (d1 := _day(left)) is not None and (d2 := _day(right)) is not None:
        return Decimal(dates.days_between(d2, d1))
    a, b = Decimal(str(left)), Decimal(str(right))
    return a - b if op == "-" else a + b if op == "+" else a * b


def _formula(expr: str, record: dict[str, Any]) -> Decimal:
    """A money formula over the record's numeric fields and the policy's figures, in Decimal: + - * / and brackets
    only ("price * (visits_total - visits_used) / visits_total * (100 - fee) / 100"); anything else is refused."""
    import ast

    try:
        tree = ast.parse(expr, mode="eval")
    except SyntaxError as exc:
        raise ValueError(f"看不懂的计算式：{expr!r}") from exc

    def ev(node: ast.AST) -> Decimal:
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub | ast.Mult | ast.Div):
            a, b = ev(node.left), ev(node.right)
            if isinstance(node.op, ast.Div):
                if b == 0:
                    raise ValueError("除数为 0")
                return a / b
            return a + b if isinstance(node.op, ast.Add) else a - b if isinstance(node.op, ast.Sub) else a * b
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -ev(node.operand)
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, int | float)
            and not isinstance(node.value, bool)
        ):
            return Decimal(str(node.value))
        if isinstance(node, ast.Name):
            v = record.get(node.id, record.get("x_" + node.id))
            if v in (None, ""):
                raise MissingField(f"缺少 CRM 字段 {node.id}")
            return Decimal(str(v).replace(",", ""))
        raise ValueError(f"只支持 + - * / 与括号的计算：{expr!r}")

    return ev(tree)


def _row_figures(
    spec: ToolSpec, ctx: ToolContext, record: dict[str, Any]
) -> dict[str, Decimal] | CannotCompute:
    """Figures read from the policy table row this record names (a package's 价格 by its 编码)."""
    out: dict[str, Decimal] = {}
    for name, ref in spec.row_values.items():
        sub = spec.model_copy(update={"doc": ref.doc})
        g = _governing(ctx, sub)
        if isinstance(g, CannotCompute):
            return g
        key = str(record.get(ref.key_field, record.get("x_" + ref.key_field, "")) or "")
        rows = (
            find_rows(ctx.facts.rows(g.doc_id, g.version, table=ref.table), ref.key_column, key)
            if key
            else []
        )
        if len(rows) != 1:
            return CannotCompute(
                spec.tool, spec.id, f"《{g.title}》中找不到「{ref.key_column}」为「{key}」的唯一一行"
            )
        cell = rows[0].cell(ref.column)
        q = cell.quantity if cell is not None else None
        if q is None:
            return CannotCompute(
                spec.tool, spec.id, f"「{ref.column}」不是可读的数：{cell.raw if cell else ''}"
            )
        out[name] = q.value
    return out


CONDITION = re.compile(r"^\s*(\w+)\s*(<=|>=|==|!=|<|>)\s*(\S+)\s*$")


def _holds(when: str, values: dict[str, Any]) -> bool:
    """ "days <= 7 and status == pending": numbers compare as numbers, anything else as text."""
    for part in re.split(r"\s+and\s+", when.strip()):
        m = CONDITION.match(part)
        if not m:
            raise ValueError(f"看不懂的条件：{part!r}（写成「字段 <= 数字」或「字段 == 取值」）")
        name, op, want = m.groups()
        have = values.get(name, values.get("x_" + name))
        if have is None:
            return False
        try:
            a, b = Decimal(str(have).replace(",", "")), Decimal(want)
            ok = {"<=": a <= b, ">=": a >= b, "==": a == b, "!=": a != b, "<": a < b, ">": a > b}[op]
        except ArithmeticError:
            if op not in ("==", "!="):
                raise ValueError(f"「{name}」不是数字，只能用 == / !=") from None
            ok = (str(have) == want) == (op == "==")
        if not ok:
            return False
    return True


def _policy_values(
    spec: ToolSpec, ctx: ToolContext
) -> tuple[dict[str, Decimal], Source | None] | CannotCompute:
    """The figures tools.yaml names by unit in the governing clause (续购价 1980 元/台/年), and that clause as the
    source the answer cites."""
    if not spec.doc or not spec.clause:
        return {}, None
    g = _governing(ctx, spec)
    if isinstance(g, CannotCompute):
        return g
    clause = _clause(ctx, g, spec.clause)
    if clause is None:
        return CannotCompute(spec.tool, spec.id, f"《{g.title}》没有{spec.clause}")
    source = Source(g.doc_id, g.version, g.title, clause.clause, "", clause.evidence_id)
    found: dict[str, Decimal] = {}
    for name, unit in spec.policy_values.items():
        m = re.search(rf"(\d[\d,]*(?:\.\d+)?)\s*{re.escape(unit)}", clause.text)
        if m is None:
            return CannotCompute(spec.tool, spec.id, f"{spec.clause}里没有以「{unit}」计的数", source)
        found[name] = Decimal(m.group(1).replace(",", ""))
    return found, source


def crm_record(spec: ToolSpec, ctx: ToolContext) -> list[Result]:
    """One of this customer's CRM records stated through the tenant's template, with simple field arithmetic
    (visits left = total - used). The CRM is the source; no policy row is read."""
    if spec.records == "orders":  # orders reach the tools as facts, one per field
        records = ctx.crm.entity_records("order")
    else:
        records = [dict(r) for r in ctx.crm.crm.get(spec.records) or []]
    records = [r for r in records if all(r.get(f, r.get("x_" + f)) not in (None, "") for f in spec.require)]
    for field_name, allowed in spec.where.items():
        records = [r for r in records if str(r.get(field_name, r.get("x_" + field_name, ""))) in allowed]
    policy = _policy_values(spec, ctx)
    if isinstance(policy, CannotCompute):
        return [policy]
    policy_figures, rule_source = policy
    if not records:
        return [CannotCompute(spec.tool, spec.id, f"CRM 中没有该客户的相关记录（{spec.records}）")]
    named = [r for r in records if str(r.get("id", "")) and str(r.get("id")) in ctx.text]
    if not named and spec.pick == "named":  # words of the record (a subject) in the message
        named = [
            r
            for r in records
            if any(w in ctx.text for w in re.findall(r"[\u4e00-\u9fff]{2,}", str(r.get("subject", ""))))
        ]
    if spec.pick == "only" and len(records) > 1 and len(named) != 1:
        return [CannotCompute(spec.tool, spec.id, f"有 {len(records)} 条记录，消息里没有指明哪一条")]
    date_key = next(
        (k for k in ("opened_at", "order_date", "end_date", "installed_at") if k in records[0]), ""
    )
    record = named[0] if len(named) == 1 else max(records, key=lambda r: str(r.get(date_key, "")))
    values: dict[str, Any] = {}
    for k, v in record.items():
        key = k[2:] if k.startswith("x_") else k
        shown = spec.labels.get(key, {}).get(str(v), v)
        if isinstance(shown, float) and shown.is_integer():
            shown = int(shown)
        if isinstance(shown, int | float) and not isinstance(shown, bool) and abs(shown) >= 1000:
            shown = _yuan_plain(Decimal(str(shown)))  # 20000 → 20,000, as the other answers write amounts
        if isinstance(shown, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", shown):
            shown = dates.zh_date(date.fromisoformat(shown))  # dates read as the other answers write them
        values[key] = shown
        values.setdefault(k, shown)
    row_figures = _row_figures(spec, ctx, record) if spec.row_values else {}
    if isinstance(row_figures, CannotCompute):
        return [row_figures]
    policy_figures = {**policy_figures, **row_figures}
    scope = {**record, **{k: v for k, v in policy_figures.items()}}
    for name, figure in policy_figures.items():
        values[name] = _yuan_plain(figure) if figure >= 1000 else fmt(figure)
    for name, expr in spec.compute.items():
        try:
            result = _arith(expr, scope, ctx.today)
        except MissingField as exc:
            return [CannotCompute(spec.tool, spec.id, str(exc))]
        if name in spec.round_whole:  # 按元四舍五入取整
            result = money.rounded(result, "1", "half_up")
        scope[name] = result
        values[name] = _yuan_plain(result) if abs(result) >= 1000 else fmt(result)
    template = spec.template
    for case in spec.cases:
        if _holds(case.when, {**values, **scope}):
            template = case.template
            break
    else:
        if spec.cases and not spec.template:
            return [CannotCompute(spec.tool, spec.id, "记录不符合 tools.yaml 列出的任何情形")]
    try:
        statement = (
            template.format(**values) if template else "，".join(f"{k}：{v}" for k, v in values.items())
        )
    except (KeyError, IndexError) as exc:
        return [CannotCompute(spec.tool, spec.id, f"tools.yaml 模板引用了记录里没有的字段 {exc}")]
    ev = str(record.get("evidence_id") or (record.get("evidence_ids") or [""])[0])
    used = set(re.findall(r"\{(\w+)\}", template))
    by_field = dict(record.get("evidence_by_field") or {})
    # cite the facts holding the fields the sentence states (an order's confirmed date), else the record's own fact
    cited = [str(by_field[f]) for f in used if f in by_field][:2] or ([ev] if ev else [])
    inputs = tuple(
        Input("evidence" if ev else "field", ev or f"{spec.records}.{k}", str(v))
        for k, v in record.items()
        if k in used or "x_" + k in record
    )
    policy_inputs = tuple(
        Input(
            "policy",
            rule_source.evidence_id,
            f"{spec.policy_values[n] if n in spec.policy_values else spec.row_values[n].column}｜{fmt(v)}",
        )
        for n, v in policy_figures.items()
        if rule_source is not None
    )
    slots = tuple(str(values[n]) for n in spec.compute if str(values[n]) in statement)
    return [
        Computed(
            spec.tool,
            spec.id,
            statement,
            "text",
            statement,
            slots,
            (inputs or (Input("evidence" if ev else "field", ev or spec.records, str(record.get("id", ""))),))
            + tuple(Input("evidence", e, "cited") for e in cited if e != ev)
            + policy_inputs,
            rule_source
            or Source(),  # the clause the rule or the figures come from, when tools.yaml names one
            subject=str(record.get("id", "")),
            cite_inputs=True,  # the CRM record itself is the source the customer is told about
            # an open ticket already exists: the next step follows it up instead of opening another
            next_step=OPEN_TICKET_STEP if spec.records == "open_tickets" else "",
        )
    ]


OPEN_TICKET_STEP = "follow_up_open_ticket"


def _named_rows(rows: list[RowFact], columns: list[str], text: str) -> list[RowFact]:
    """Rows the message names: a name cell written in it, else the row sharing most (≥ 3) two-character words."""
    exact = [
        r for r in rows if any((c := r.cell(col)) is not None and c.raw and c.raw in text for col in columns)
    ]
    if exact:
        return exact
    grams = {
        text[i : i + 2] for i in range(len(text) - 1) if re.match(r"[\u4e00-\u9fff]{2}", text[i : i + 2])
    }
    # codes and figures the row also writes (S7, 8000); a year or a grouped amount's digits name no row
    grams |= set(re.findall(r"[A-Za-z]+\d+|(?<![\d,.])(?!(?:19|20)\d\d(?!\d))\d{3,}(?![\d,.])", text))
    scored = []
    for r in rows:
        hay = "".join(c.raw for c in r.cells)
        scored.append((len({g for g in grams if g in hay}), r))
    scored.sort(key=lambda x: -x[0])
    if scored and scored[0][0] >= 3 and (len(scored) == 1 or scored[0][0] > scored[1][0]):
        return [scored[0][1]]
    return []


WANT = re.compile(r"(?:换成|换台|换辆|换个|换|想买|买台|买辆|买|订|要)\s*(?:一台|一辆|台|辆)?\s*$")


def _wanted_first(text: str, models: list[str]) -> list[str]:
    """ "我那台L5想换台S7" → S7 first: the model written right after 换/买/订/要 is the one being bought (an offer's
    price is about it); the others keep their order."""

    def code(m: str) -> str:
        found = re.findall(r"[A-Za-z]{1,3}\d{1,3}[A-Za-z]?", m)
        return found[-1] if found else m

    def where(m: str) -> int:
        return text.find(m) if m in text else text.find(code(m))

    wanted = [m for m in models if (at := where(m)) > 0 and WANT.search(text[max(0, at - 4) : at])]
    return wanted[:1] + [m for m in models if m not in wanted[:1]]


def _net_price(ctx: ToolContext, values: dict[str, str]) -> tuple[str, Decimal, Decimal, str] | None:
    """The model the message names, its CRM list price and the per-unit cut this offer row gives that model
    ("S7每台立减8000元，L5每台立减5000元" → L5: 5000); None when the row gives it no per-unit cut."""
    models = ctx.entities.get("product_model", []) or [m for m in [ctx.crm.priced_model_in(ctx.text)] if m]
    for model in _wanted_first(ctx.text, models)[:2]:
        codes = re.findall(r"[A-Za-z]{1,3}\d{1,3}[A-Za-z]?", model) or [model]
        pattern = rf"{re.escape(codes[-1])}每台(?:补贴|立减|优惠|减)\s*(\d[\d,]*)\s*元"
        m = next((m for v in values.values() if (m := re.search(pattern, v))), None)
        if m is None:
            continue
        try:
            price = ctx.crm.list_price(model)
        except MissingField:
            continue
        return codes[-1], price.value, Decimal(m.group(1).replace(",", "")), price.evidence_id
    return None


def _scope_failures(row: RowFact, spec: ToolSpec, ctx: ToolContext, inputs: list[Input]) -> list[str]:
    """Why this customer is outside the row's scope ([] = inside). Missing CRM data fails the check, never passes it."""
    fails: list[str] = []
    every = tuple(spec.all_words)
    for kind, column in spec.scope.items():
        cell = row.cell(column)
        raw = cell.raw if cell else ""
        if not raw or any(w in raw for w in every):
            continue
        if kind == "date":
            windows = date_windows(raw)
            if not windows:
                fails.append(f"{column}「{raw}」读不出日期")
            elif not windows[0].contains(ctx.today):
                w = windows[0]
                fails.append(
                    f"活动已于{dates.zh_date(w.end)}结束"
                    if ctx.today > w.end
                    else f"活动{dates.zh_date(w.start)}才开始"
                )
        elif kind == "region":
            try:
                fv = ctx.crm.profile("region")
            except MissingField as exc:
                fails.append(str(exc))
                continue
            inputs.append(
                Input("evidence" if fv.evidence_id else "field", fv.evidence_id or fv.path, str(fv.value))
            )
            if str(fv.value) not in raw:
                fails.append(f"适用区域为{raw}，您在{fv.value}")
        elif kind == "product":
            asked = ctx.entities.get("product_model", []) + re.findall(r"[A-Z]{1,3}\d{1,3}", ctx.text)
            if asked and not any(a in raw for a in asked):
                fails.append(f"适用车型为{raw}，不含{'、'.join(dict.fromkeys(asked))}")
        elif kind == "customer":
            try:
                fv = ctx.crm.profile("kind")
            except MissingField as exc:
                fails.append(str(exc))
                continue
            inputs.append(
                Input("evidence" if fv.evidence_id else "field", fv.evidence_id or fv.path, str(fv.value))
            )
            word = spec.kind_words.get(str(fv.value), str(fv.value))
            if word not in raw:
                fails.append(f"客户类型限{raw}")
    return fails


def scope_rows(spec: ToolSpec, ctx: ToolContext) -> list[Result]:
    """Offers (table rows) checked against this customer: the rows the message names, with why they do or do not
    apply (period, region, product, customer type), plus the rows that do apply to what they asked about."""
    g = _governing(ctx, spec)
    if isinstance(g, CannotCompute):
        return [g]
    rows = ctx.facts.rows(g.doc_id, g.version, table=spec.table)
    if not rows:
        return [CannotCompute(spec.tool, spec.id, f"《{g.title}》没有第 {spec.table} 张表")]
    named = _named_rows(rows, spec.name_columns, ctx.text) if spec.name_columns else []
    out: list[Result] = []
    for row in rows:
        inputs: list[Input] = [Input("policy", row.evidence_id, row.as_text()), *_version_input(g)]
        fails = _scope_failures(row, spec, ctx, inputs)
        if row not in named and fails:
            continue
        values = {h: c.raw for h, c in zip(row.headers, row.cells, strict=True)}
        try:
            what = spec.template.format(**values) if spec.template else row.as_text()
        except (KeyError, IndexError) as exc:
            return [CannotCompute(spec.tool, spec.id, f"tools.yaml 模板引用了不存在的列 {exc}")]
        statement = f"{what}，您不适用：{'；'.join(fails)}" if fails else f"{what}，您符合条件"
        slots = tuple(v for v in values.values() if re.search(r"\d", v) and v in statement)[:3]
        net = _net_price(ctx, values) if not fails else None
        if net is not None:  # "L5每台立减5000元" and the customer asks about an L5: its price after the offer
            model, price, cut, price_ev = net
            statement += f"；{model}指导价 {_yuan_plain(price)} 元，立减后 {_yuan_plain(price - cut)} 元"
            slots += (_yuan_plain(price - cut),)
            inputs.append(Input("evidence", price_ev, str(price)))
        out.append(
            Computed(
                spec.tool,
                spec.id,
                "false" if fails else "true",
                "bool",
                statement,
                slots,
                tuple(inputs),
                _row_source(g, row),
                subject=row.as_text()[:40],
            )
        )
    if not out:
        return [CannotCompute(spec.tool, spec.id, f"《{g.title}》中没有适用于贵司的项目")]
    return out[:3]


def row_tier(spec: ToolSpec, ctx: ToolContext) -> list[Result]:
    """A row chosen like row_lookup (match), then the tier across its header that holds a value derived from this
    customer's CRM data — e.g. a trade-in subsidy by the vehicle's age (车龄3年（含）以内 | 3年以上至6年（含） | …)."""
    g = _governing(ctx, spec)
    if isinstance(g, CannotCompute):
        return [g]
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
        return [
            CannotCompute(
                spec.tool,
                spec.id,
                f"有 {len(group)} 台符合「{'、'.join(ctx.hints())}」的设备且交付日不同，无法确定是哪一批",
                _row_source(g, row),
            )
        ]
    try:
        # the batch's first asset by its own id (no hints: an open ticket about the model must not pick another)
        fv = ctx.crm.date_field("device.installed_at", [], str(group[0].get("id", "")))
    except MissingField as exc:
        return [CannotCompute(spec.tool, spec.id, str(exc), _row_source(g, row))]
    start: date = fv.value
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
    inputs.append(
        Input("evidence" if fv.evidence_id else "field", fv.evidence_id or fv.path, start.isoformat())
    )
    label = spec.label or "标准"
    first = row.cells[0].raw if row.cells else ""
    units_m = ASKED_UNITS.search(ctx.text)
    units = int(units_m.group(1)) if units_m else len(group)
    who = f"您的{fv.label}" if units <= 1 else f"您这批{units}台{group[0].get('name') or ''}"
    statement = f"{who}交付日为{dates.zh_date(start)}，车龄 {age_text}，属「{tier.header}」，{first}{label}为{tier.cell.raw}"
    slots: tuple[str, ...] = (tier.cell.raw,)
    per = tier.cell.quantity.value if tier.cell.quantity is not None else None
    bonus = _batch_bonus(spec, ctx, g, units, inputs)
    if per is not None and bonus:
        per += bonus[0]
        statement += f"；批量{units}台按{spec.bonus_clause}每台另加 {_yuan_plain(bonus[0])} 元，每台合计 {_yuan_plain(per)} 元"
        slots += (_yuan_plain(per),)
    if per is not None and units > 1:
        statement += f"，{units} 台共 {_yuan_plain(per * units)} 元"
        slots += (_yuan_plain(per * units),)
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
            statement_en=f"{fv.label}: {age_text}, {tier.header}: {tier.cell.raw}",
        )
    ]


def _batch_bonus(
    spec: ToolSpec, ctx: ToolContext, g: Governing, units: int, inputs: list[Input]
) -> tuple[Decimal] | None:
    """The per-unit amount a batch clause adds ("批量置换10台（含）以上的，每台…另加1000元"), when this many units
    qualify and the clause's customer kind (企业客户 …, by tools.yaml kind_words) is this customer's."""
    if not spec.bonus_clause:
        return None
    clause = _clause(ctx, g, spec.bonus_clause)
    if clause is None:
        return None
    least = re.search(r"(\d+)\s*台[（(]含[)）]以上", clause.text)
    extra = re.search(r"另加\s*(\d[\d,]*)\s*元", clause.text)
    if least is None or extra is None or units < int(least.group(1)):
        return None
    if spec.kind_words:
        try:
            kind = str(ctx.crm.profile("kind").value)
        except MissingField:
            return None
        named = [w for w in spec.kind_words.values() if w and w in clause.text]
        if named and spec.kind_words.get(kind, "") not in named:
            return None
    inputs.append(Input("policy", clause.evidence_id, f"{least.group(0)}｜另加{extra.group(1)}元"))
    return (Decimal(extra.group(1).replace(",", "")),)


ASKED_UNITS = re.compile(r"(\d+)\s*(?:台|辆)")
PRICE_WORDS = re.compile(
    r"单价|折后价|折后|到手价|落地价|多少钱|unit price|net price|price after", re.IGNORECASE
)


def _yuan_plain(value: Decimal) -> str:
    """117180 → "117,180", 4300.5 → "4,300.50": amounts as a quote writes them."""
    q = money.rounded(value, "0.01")
    return f"{q:,.0f}" if q == q.to_integral() else f"{q:,.2f}"


def _units_model_first(text: str, models: list[str], asked: re.Match[str] | None) -> list[str]:
    """ "他们的S7和L5多少钱？我们订6台E5" → E5 first: the model written right after (else before) the asked units is
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
MIN_UNITS = re.compile(r"(\d+)\s*台[（(]含[)）]以上")


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
        if _scope_failures(row, scoped, replace(ctx, text=f"{ctx.text} {model}"), inputs):
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
        label = f"{name_cell.raw}（{rid}）" if name_cell is not None and name_cell.raw else rid
        inputs.insert(0, Input("policy", row.evidence_id, row.as_text()))
        return Decimal(m.group(1).replace(",", "")), label, inputs
    return None


def volume_tier(spec: ToolSpec, ctx: ToolContext) -> list[Result]:
    """The volume tier from last calendar year's units in a category (a fleet discount ladder), and — when the
    message asks for N units of a model the CRM prices — the discounted unit price and the total."""
    g = _governing(ctx, spec)
    if isinstance(g, CannotCompute):
        return [g]
    rows = ctx.facts.rows(g.doc_id, g.version, table=spec.table)
    if not rows:
        return [CannotCompute(spec.tool, spec.id, f"《{g.title}》没有第 {spec.table} 张表")]
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
        src = _row_source(g, lowest) if lowest is not None else Source(g.doc_id, g.version, g.title)
        return [
            Computed(
                spec.tool,
                spec.id,
                "none",
                "text",
                statement,
                (f"{n} 台",),
                tuple(inputs),
                src,
                subject=str(year),
                statement_en=f"your {year} purchases came to {n} units ({spec.category}), below the lowest tier ({need})",
            )
        ]
    out_cell = tier.row.cell(spec.output_column)
    rate = out_cell.quantity if out_cell is not None else None
    if rate is None or rate.unit != "%":
        return [
            CannotCompute(
                spec.tool, spec.id, f"「{spec.output_column}」不是可读的百分比", _row_source(g, tier.row)
            )
        ]
    key_cell = tier.row.cell(spec.key_column) if spec.key_column else None
    key = key_cell.raw if key_cell is not None else ""
    inputs.insert(0, Input("policy", tier.row.evidence_id, tier.row.as_text()))
    rate_text = f"{fmt(rate.value)}%"
    statement = f"贵司{year}年{spec.category}采购 {n} 台，属{key}阶梯（{tier.header}），{spec.output_column} {rate_text}"
    en = f"your {year} purchases came to {n} units ({spec.category}), so you are in tier {key} ({tier.header}) with a {rate_text} discount"
    slots: tuple[str, ...] = (rate_text, f"{n} 台")
    asked = ASKED_UNITS.search(ctx.text)
    if (
        spec.price_row is not None
    ):  # the tier's rate on a product priced in a policy table (a package per unit)
        priced = _priced_row(spec, ctx, spec.price_row)
        if priced is None:
            return [
                CannotCompute(spec.tool, spec.id, "消息里没有提到价格表中的产品", _row_source(g, tier.row))
            ]
        name, row_price, unit, price_ev = priced
        unit_price = money.discounted(row_price, rate.value, spec.rounding, spec.rounding_mode)
        inputs.append(Input("policy", price_ev, f"{name}｜{_yuan_plain(row_price)}{unit}"))
        statement += f"；{name} {_yuan_plain(row_price)} {unit}，折后 {_yuan_plain(unit_price)} {unit}"
        slots += (_yuan_plain(unit_price),)
        if asked:
            total = money.rounded(unit_price * Decimal(asked.group(1)), spec.rounding, spec.rounding_mode)
            inputs.append(Input("message", "message.units", asked.group(0)))
            statement += f"，{asked.group(1)} 台合计 {_yuan_plain(total)} 元"
            slots += (_yuan_plain(total),)
        return [
            Computed(
                spec.tool,
                spec.id,
                fmt(rate.value),
                "%",
                statement,
                slots,
                tuple(inputs),
                _row_source(g, tier.row),
                subject=f"{year}/{name}",
                statement_en=en,
            )
        ]
    models = ctx.entities.get("product_model", []) or [m for m in [ctx.crm.priced_model_in(ctx.text)] if m]
    models = _units_model_first(ctx.text, models, asked) if spec.quote else []
    if not asked and models and PRICE_WORDS.search(ctx.text):  # "折后单价多少": the unit price alone
        try:
            price = ctx.crm.list_price(models[0])
        except MissingField:
            price = None
        if price is not None:
            unit_price = money.discounted(price.value, rate.value, spec.rounding, spec.rounding_mode)
            inputs.append(Input("evidence", price.evidence_id, str(price.value)))
            statement += (
                f"；{models[0]} 指导价 {_yuan_plain(price.value)} 元，折后单价 {_yuan_plain(unit_price)} 元"
            )
            en += f"; the {models[0]} lists at CNY {_yuan_plain(price.value)}, so your net unit price is CNY {_yuan_plain(unit_price)}"
            slots += (_yuan_plain(unit_price),)
    over: tuple[str, str] | None = None
    said = ""  # what the customer hears when the rep's what-if is added (below): the statement without it
    if asked and models:
        try:
            price = ctx.crm.list_price(models[0])
        except MissingField:
            price = None
        if price is not None:
            count = Decimal(asked.group(1))
            unit_price = money.discounted(price.value, rate.value, spec.rounding, spec.rounding_mode)
            total = money.rounded(unit_price * count, spec.rounding, spec.rounding_mode)
            inputs += [
                Input("message", "message.units", asked.group(0)),
                Input("evidence", price.evidence_id, str(price.value)),
            ]
            statement += (
                f"；{models[0]} 指导价 {_yuan_plain(price.value)} 元，折后单价 {_yuan_plain(unit_price)} 元，"
                f"{asked.group(1)} 台合计 {_yuan_plain(total)} 元"
            )
            stacked = _stacked(spec, ctx, models[0], count) if spec.stack else None
            if stacked is not None:
                per_unit, label, stack_inputs = stacked
                net = unit_price - per_unit
                net_total = money.rounded(net * count, spec.rounding, spec.rounding_mode)
                statement += (
                    f"；叠加{label}每台 {_yuan_plain(per_unit)} 元后，单价 {_yuan_plain(net)} 元，"
                    f"{asked.group(1)} 台合计 {_yuan_plain(net_total)} 元"
                )
                inputs += stack_inputs
                slots += (_yuan_plain(net), _yuan_plain(net_total))
            en += f"; {models[0]} list CNY {_yuan_plain(price.value)}, net CNY {_yuan_plain(unit_price)}, total CNY {_yuan_plain(total)}"
            slots += (_yuan_plain(unit_price), _yuan_plain(total))
            order_total = net_total if stacked is not None else total
            over = _order_approval(spec, ctx, order_total, inputs)
            if over is not None:
                statement += f"；{over[1]}"
                slots += (over[0],)
            extra = _extra_on_tier(ctx, rate.value, price.value, count, spec)
            if (
                extra is not None
            ):  # the rep's what-if: never said to the customer (it is a request, not an offer)
                said = statement
                statement += extra[0]
                inputs.append(Input("message", "message.requested_discount", extra[1]))
    return [
        Computed(
            spec.tool,
            spec.id,
            fmt(rate.value),
            "%",
            statement,
            slots,
            tuple(inputs),
            _row_source(g, tier.row),
            subject=str(year),
            statement_en=en,
            needs_approval=over[0] if over is not None else "",
            say=said,
        )
    ]


EXTRA_WORDS = re.compile(r"再|额外|另外|之外|多让|加|上浮|on top|extra|additional", re.IGNORECASE)


def _extra_on_tier(
    ctx: ToolContext, tier_rate: Decimal, list_price: Decimal, count: Decimal, spec: ToolSpec
) -> tuple[str, str] | None:
    """A discount asked on top of the tier ("阶梯之外再让1个点"): the unit price and total if it were granted, added
    to the tier rate off the list price (5% + 1% = 6%), for the rep to weigh — (text, the ask as written) or None."""
    asked = requested_discount(ctx.text)
    if asked is None:
        return None
    off, written = asked
    m = re.search(re.escape(written), ctx.text)
    if m is None or not EXTRA_WORDS.search(_clause_around(ctx.text, m.start(), m.end())):
        return None
    combined = tier_rate + off
    unit = money.discounted(list_price, combined, spec.rounding, spec.rounding_mode)
    total = money.rounded(unit * count, spec.rounding, spec.rounding_mode)
    text = (
        f"；如阶梯之外再让 {fmt(off)}%（合计 {fmt(combined)}%），单价 {_yuan_plain(unit)} 元，"
        f"{fmt(count)} 台合计 {_yuan_plain(total)} 元（须按审批权限确认）"
    )
    return text, written


def _priced_row(spec: ToolSpec, ctx: ToolContext, ref: Any) -> tuple[str, Decimal, str, str] | None:
    """The row of a price table the message names (by any of its cells: a code such as PKG-F, or a name), with its
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
    clause = _clause(ctx, g, spec.approval_clause)
    if clause is None:
        return None
    limit = re.search(r"金额超过\s*(\d+(?:\.\d+)?)\s*(万元|元)", clause.text)
    who = re.search(r"(?:报|由)([\u4e00-\u9fff]{2,5}?)审批", clause.text)
    if limit is None or who is None:
        return None
    threshold = Decimal(limit.group(1)) * (10000 if limit.group(2) == "万元" else 1)
    if total <= threshold:
        return None
    inputs.append(Input("policy", clause.evidence_id, limit.group(0)))
    said = (
        f"订单金额 {_yuan_plain(total)} 元超过{limit.group(1)}{limit.group(2)}，"
        f"按《{g.title}》{spec.approval_clause}须报{who.group(1)}审批"
    )
    return who.group(1), said


QUOTE_UNITS = re.compile(r"\d+(?:\.\d+)?\s*(?:个工作日|个月|小时|天|日|年|元|%|km|万km)")


def clause_quote(spec: ToolSpec, ctx: ToolContext) -> list[Result]:
    """A clause of the governing version said as the answer's next fact ("退款在审核通过后7个工作日内原路退回",
    "一般配车周期：现车15日内…"): from `term` (the words it starts at) to the end of that sentence, else the clause's
    first sentence. With `where`, only when one of the customer's `records` matches (an order still pending), and the
    template may name that record ({id}) beside the quote ({quote})."""
    g = _governing(ctx, spec)
    if isinstance(g, CannotCompute):
        return [g]
    clause = _clause(ctx, g, spec.clause)
    if clause is None:
        return [CannotCompute(spec.tool, spec.id, f"《{g.title}》没有{spec.clause}")]
    source = Source(g.doc_id, g.version, g.title, clause.clause, "", clause.evidence_id)
    record: dict[str, Any] = {}
    if spec.where:
        records = (
            ctx.crm.entity_records("order")
            if spec.records == "orders"
            else [dict(r) for r in ctx.crm.crm.get(spec.records) or []]
        )
        for field_name, allowed in spec.where.items():
            records = [r for r in records if str(r.get(field_name, r.get("x_" + field_name, ""))) in allowed]
        records = [r for r in records if all(r.get(f, r.get("x_" + f)) in (None, "") for f in spec.require)]
        if not records:
            return [CannotCompute(spec.tool, spec.id, f"CRM 中没有符合条件的记录（{spec.records}）", source)]
        named = [r for r in records if str(r.get("id", "")) and str(r.get("id")) in ctx.text]
        record = named[0] if named else max(records, key=lambda r: str(r.get("order_date", r.get("id", ""))))
    body = re.sub(r"^\s*第[一二三四五六七八九十百\d]+条\s*", "", clause.text.strip())
    at = body.find(spec.term) if spec.term else -1
    start, ends = (body[at:], r"(?<=[。！？；])") if at >= 0 else (body, r"(?<=[。！？])")
    quote = re.split(ends, start)[0]
    quote = quote.strip().rstrip("。；;，,")
    if not quote:
        return [CannotCompute(spec.tool, spec.id, f"{spec.clause}没有可引用的文字", source)]
    values = {**{k[2:] if k.startswith("x_") else k: v for k, v in record.items()}, "quote": quote}
    try:
        statement = spec.template.format(**values) if spec.template else quote
    except (KeyError, IndexError) as exc:
        return [CannotCompute(spec.tool, spec.id, f"tools.yaml 模板引用了不存在的字段 {exc}", source)]
    inputs: list[Input] = [Input("policy", clause.evidence_id, quote), *_version_input(g)]
    if record:
        ev = str((record.get("evidence_ids") or [""])[0] or record.get("evidence_id") or "")
        inputs.append(
            Input("evidence" if ev else "field", ev or f"{spec.records}.id", str(record.get("id", "")))
        )
    return [
        Computed(
            spec.tool,
            spec.id,
            quote,
            "text",
            statement,
            tuple(m.group(0) for m in QUOTE_UNITS.finditer(quote))[:3],
            tuple(inputs),
            source,
            subject=f"{spec.clause}/{record.get('id', '')}",
        )
    ]


AMOUNT = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*元")
PER_UNIT_WORD = re.compile(r"每(?:台|辆)")


def unit_amount(spec: ToolSpec, ctx: ToolContext) -> list[Result]:
    """A per-customer-kind amount a clause states ("个人客户整车订单须支付定金5000元，企业客户每台2000元"): the part of
    the clause naming this customer's kind (tools.yaml kind_words: CRM kind → the clause's word), its figure, and —
    when it is per unit and the message asks for N units — the total. Nothing is guessed: no part for this kind, or
    no figure in it, is "can't compute"."""
    g = _governing(ctx, spec)
    if isinstance(g, CannotCompute):
        return [g]
    clause = _clause(ctx, g, spec.clause)
    if clause is None:
        return [CannotCompute(spec.tool, spec.id, f"《{g.title}》没有{spec.clause}")]
    source = Source(g.doc_id, g.version, g.title, clause.clause, "", clause.evidence_id)
    try:
        kind = ctx.crm.profile("kind")
    except MissingField as exc:
        return [CannotCompute(spec.tool, spec.id, str(exc), source)]
    word = spec.kind_words.get(str(kind.value), "")
    body = re.sub(r"^\s*第[一二三四五六七八九十百\d]+条\s*", "", clause.text.strip())
    parts = [p for p in re.split(r"[，；;。]", body) if word and word in p]
    if len(parts) != 1:
        return [
            CannotCompute(
                spec.tool,
                spec.id,
                f"{spec.clause}里没有（或不止一处）写明「{word or kind.value}」的金额",
                source,
            )
        ]
    part = parts[0]
    m = AMOUNT.search(part)
    if m is None:
        return [CannotCompute(spec.tool, spec.id, f"「{part}」里读不出金额", source)]
    per = PER_UNIT_WORD.search(part[: m.start()])
    per_unit = per is not None
    amount = Decimal(m.group(1).replace(",", ""))
    label = spec.label or "金额"
    inputs: list[Input] = [
        Input("policy", clause.evidence_id, part),
        Input("evidence" if kind.evidence_id else "field", kind.evidence_id or kind.path, str(kind.value)),
        *_version_input(g),
    ]
    statement = f"{word}{label}{per.group(0) if per else ''} {_yuan_plain(amount)} 元"
    slots: tuple[str, ...] = (_yuan_plain(amount),)
    asked = ASKED_UNITS.search(ctx.text)
    if per_unit and asked:
        units = Decimal(asked.group(1))
        total = money.rounded(amount * units, "0.01")
        inputs.append(Input("message", "message.units", asked.group(0)))
        statement += f"，{asked.group(1)} 台共 {_yuan_plain(total)} 元"
        slots += (_yuan_plain(total),)
    return [
        Computed(
            spec.tool,
            spec.id,
            fmt(amount),
            "元",
            statement,
            slots,
            tuple(inputs),
            source,
            subject=f"{kind.value}/{asked.group(1) if per_unit and asked else ''}",
            statement_en=f"{label}: CNY {_yuan_plain(amount)}" + (" per unit" if per_unit else ""),
        )
    ]


LAST_YEAR_WORDS = ("去年", "上一年", "上年", "last year")


def year_total(spec: ToolSpec, ctx: ToolContext) -> list[Result]:
    """Units and amount this customer bought in a category in a calendar year, summed from the CRM's quarterly
    purchase facts: this year so far (`period: this_year`), or last year when the message says 去年 (or `last_year`)."""
    if not ctx.crm.has_quarter_amounts():
        return [CannotCompute(spec.tool, spec.id, "CRM 没有按季度的采购记录（订单行金额未映射）")]
    last = spec.period == "last_year" or any(w in ctx.text.lower() for w in LAST_YEAR_WORDS)
    year = ctx.today.year - 1 if last else ctx.today.year
    category = spec.category or next(iter(ctx.entities.get("product_line", [])), "")
    if not category:
        return [CannotCompute(spec.tool, spec.id, "tools.yaml 未指定品类 category，消息里也没有")]
    units, amount, ids = ctx.crm.year_totals(category, year)
    so_far = "" if last or ctx.today.month == 12 and ctx.today.day == 31 else "至今"
    when = f"{year}年{so_far}"
    if not ids:
        statement = f"贵司{when}没有{category}采购记录"
    else:
        statement = f"贵司{when}{category}采购 {fmt(units)} 台，金额合计 {_yuan_plain(amount)} 元"
    inputs = tuple(Input("evidence", i, "quarter") for i in ids) or (
        Input("field", f"order_line[{category},{year}]", "0"),
    )
    return [
        Computed(
            spec.tool,
            spec.id,
            str(amount),
            "元",
            statement,
            (f"{fmt(units)} 台", _yuan_plain(amount)) if ids else (),
            inputs,
            subject=f"{category}/{year}",
            statement_en=f"{year}{' to date' if so_far else ''}: {fmt(units)} units, CNY {_yuan_plain(amount)} ({category})",
            cite_inputs=True,
        )
    ]


TOOLS: dict[str, Any] = {
    "tier_rate": tier_rate,
    "row_lookup": row_lookup,
    "authority": authority,
    "term_end": term_end,
    "renewal_window": renewal_window,
    "eligibility": eligibility,
    "days_since": days_since,
    "crm_record": crm_record,
    "scope_rows": scope_rows,
    "row_tier": row_tier,
    "volume_tier": volume_tier,
    "clause_quote": clause_quote,
    "unit_amount": unit_amount,
    "year_total": year_total,
}


def run_tool(spec: ToolSpec, ctx: ToolContext) -> list[Result]:
    if spec.when_entities and not any(ctx.entities.get(k) for k in spec.when_entities):
        return []
    if spec.when_words and not any(w in ctx.text for w in spec.when_words):
        return []
    if spec.unless_words and any(w in ctx.text for w in spec.unless_words):
        return []
    if spec.only_kinds:
        try:
            kind = str(ctx.crm.profile("kind").value)
        except MissingField:
            return []
        if kind not in spec.only_kinds:
            return []
    try:
        return list(TOOLS[spec.tool](spec, ctx))
    except (ParseError, ValueError, ArithmeticError) as exc:  # a policy number the parser cannot read
        return [CannotCompute(spec.tool, spec.id, f"无法解析：{exc}")]
