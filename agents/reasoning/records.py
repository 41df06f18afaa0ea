"""The customer's own CRM records stated through the tenant's templates (a ticket, an order, a contract), with simple
Decimal arithmetic over their fields and the policy's figures; a clause quoted as the answer; per-kind amounts; year
totals."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from agents.reasoning import dates, money
from agents.reasoning.asks import asked_units
from agents.reasoning.base import (
    ToolContext,
    _governing,
    _version_input,
    _yuan_plain,
    field_input,
    fmt,
    governing_clause,
    units_total,
)
from agents.reasoning.config import ToolSpec
from agents.reasoning.crm import EXTRA, MissingField
from agents.reasoning.lookup import find_rows
from agents.reasoning.results import CannotCompute, Computed, Input, Result, Source
from agents.reasoning.tiers import tier_price, tier_price_at

ARITH = re.compile(r"^\s*([A-Za-z_][\w]*)\s*([-+*])\s*([A-Za-z_][\w]*|\d+(?:\.\d+)?)\s*$")


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
    """The figures tools.yaml names by unit in the governing clause (续购价 1500 元/台/年), and that clause as the
    source the answer cites."""
    if not spec.doc or not spec.clause:
        return {}, None
    found_clause = governing_clause(ctx, spec)
    if isinstance(found_clause, CannotCompute):
        return found_clause
    g, clause, source = found_clause
    found: dict[str, Decimal] = {}
    for name, unit in spec.policy_values.items():
        m = re.search(rf"(\d[\d,]*(?:\.\d+)?)\s*{re.escape(unit)}", clause.text)
        if m is None:
            return CannotCompute(spec.tool, spec.id, f"{spec.clause}里没有以「{unit}」计的数", source)
        found[name] = Decimal(m.group(1).replace(",", ""))
    return found, source


DATE_PLUS = re.compile(r"^\s*(\w+)\s*([+-])\s*(\d+)\s*$")


def _compute(
    spec: ToolSpec, scope: dict[str, Any], values: dict[str, Any], today: date
) -> CannotCompute | None:
    """tools.yaml `compute` over the record as of `today`, into scope (numbers) and values (as said); "a_date + N"
    is the day N days later (the last day of a window: order_date + 7), "a_date - N" the day N days before (a window
    opening before an end: end_date - 30)."""
    for name, expr in spec.compute.items():
        plus = DATE_PLUS.match(expr)
        if plus and (start := _day(scope.get(plus.group(1)))) is not None:
            day = start + timedelta(days=int(plus.group(3)) * (1 if plus.group(2) == "+" else -1))
            scope[name] = day.isoformat()
            values[name] = dates.zh_date(day)
            continue
        try:
            result = _arith(expr, scope, today)
        except MissingField as exc:
            return CannotCompute(spec.tool, spec.id, str(exc))
        if name in spec.round_whole:  # 按元四舍五入取整
            result = money.rounded(result, "1", "half_up")
        scope[name] = result
        values[name] = _yuan_plain(result) if abs(result) >= 1000 else fmt(result)
    return None


def _on_days(
    spec: ToolSpec, ctx: ToolContext, scope: dict[str, Any], values: dict[str, Any], said_today: str
) -> list[str]:
    """What the record's cases say for each later day the message names (a date window, then the money it gives):
    the compute redone with that day as today, the case that holds then, its template_on with {on} the day. Only when
    the compute counts from today; a day whose case has no template_on, or reads as today's, is not said."""
    if not any("today" in e for e in spec.compute.values()) or not any(c.template_on for c in spec.cases):
        return []
    out: list[str] = []
    for words, day in dates.named_days(ctx.text, ctx.today):
        s, v = dict(scope), dict(values)
        if _compute(spec, s, v, day) is not None:
            continue
        case = next((c for c in spec.cases if _holds(c.when, {**v, **s})), None)
        if case is None or not case.template_on:
            continue
        weekday = "" if re.search(r"[周星期礼拜]|week|day", words, re.I) else f"，{dates.weekday_zh(day)}"
        v["on"] = f"{words}（{dates.zh_date(day)}{weekday}）"
        line = case.template_on.format(**v)
        if line not in out and line != said_today:
            out.append(line)
    return out


def _better_of(
    spec: ToolSpec, ctx: ToolContext, record: dict[str, Any], scope: dict[str, Any], values: dict[str, Any]
) -> list[Input]:
    """tools.yaml `better_of`: the record's row priced at this customer's tier by the named volume_tier entry; when
    that is lower than the policy figure it does not stack with, it replaces the figure in `scope` (the compute then
    totals it) and `values` gains {tier}, {rate}, {instead}. The inputs it read, [] when the policy figure stands."""
    cfg = spec.better_of
    if cfg is None or ctx.peer is None or cfg.value not in scope:
        return []
    peer = ctx.peer(cfg.tool)
    key = str(record.get(cfg.key_field, record.get("x_" + cfg.key_field, "")) or "")
    found = tier_price(peer, ctx, key) if peer is not None else None
    if found is None:
        return []
    price, tier, rate, inputs = found
    figure = Decimal(str(scope[cfg.value]))
    if price >= figure:
        return []
    values["instead"] = values.get(cfg.value, fmt(figure))
    scope[cfg.value] = price
    values[cfg.value] = _yuan_plain(price) if price >= 1000 else fmt(price)
    values["tier"], values["rate"] = tier, rate
    return inputs


def crm_record(spec: ToolSpec, ctx: ToolContext) -> list[Result]:
    """One of this customer's CRM records stated through the tenant's template, with simple field arithmetic
    (visits left = total - used). The CRM is the source; no policy row is read."""
    if spec.records == "orders":  # orders reach the tools as facts, one per field
        records = ctx.crm.entity_records("order")
    else:
        records = [dict(r) for r in ctx.crm.crm.get(spec.records) or []]
    records = [r for r in records if all(r.get(f, r.get("x_" + f)) not in (None, "") for f in spec.require)]
    every = list(records)
    for field_name, allowed in spec.where.items():
        records = [r for r in records if str(r.get(field_name, r.get("x_" + field_name, ""))) in allowed]
    policy = _policy_values(spec, ctx)
    if isinstance(policy, CannotCompute):
        return [policy]
    policy_figures, rule_source = policy
    if not records:
        lapsed = _lapsed_price(spec, ctx, every, rule_source)
        if lapsed is not None:
            return [lapsed]
        return [CannotCompute(spec.tool, spec.id, f"CRM 中没有该客户的相关记录（{spec.records}）")]
    named = [r for r in records if str(r.get("id", "")) and str(r.get("id")) in ctx.text]
    if spec.pick == "device" and not named:
        # the record of the asset the message is about (its plate, VIN, model, or an open ticket naming it)
        try:
            device = str(ctx.crm.device(ctx.hints(), ctx.text).get("id", ""))
        except MissingField:
            device = ""
        named = [r for r in records if device and str(r.get("device_id", "")) == device]
        if len(named) != 1:
            named = [r for r in records if _subject_named(str(r.get("subject", "")), ctx.text)]
        if len(named) != 1 and not device and thin_message(ctx.text):
            # a thin message that does not say which vehicle ("又这样了" under a photo, "还是上不了电"): the customer's
            # only such record on a vehicle is what it is about
            named = [r for r in records if r.get("device_id")]
        if len(named) != 1:
            return [CannotCompute(spec.tool, spec.id, "消息所指的车辆（资产）没有这类记录")]
    if not named and spec.pick == "named":  # words of the record (a subject) in the message
        named = [r for r in records if _subject_named(str(r.get("subject", "")), ctx.text)]
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
    counted = asked_units(ctx.text) if spec.units_field else None
    if counted is not None:  # the units the customer names, not the record's («只续8台» of a contract for 12)
        key = spec.units_field if spec.units_field in record else EXTRA + spec.units_field
        scope[key] = scope[spec.units_field] = int(counted.group(1))
        values[spec.units_field] = values[key] = int(counted.group(1))
    better = _better_of(spec, ctx, record, scope, values)
    base_scope, base_values = dict(scope), dict(values)
    computed = _compute(spec, scope, values, ctx.today)
    if isinstance(computed, CannotCompute):
        return [computed]
    template, template_en, replaces = spec.template, spec.template_en, tuple[str, ...]()
    if (
        better and spec.better_of is not None
    ):  # the tier's price beat the policy figure: said as the better one
        # (the tier price's own sentence is not replaced: it may be the answer to another ask — new vehicles added)
        template, template_en = spec.better_of.template, spec.better_of.template_en or template_en
    for case in spec.cases:
        if _holds(case.when, {**values, **scope}):
            template, template_en, replaces = (
                case.template,
                case.template_en or template_en,
                tuple(case.replaces),
            )
            break
    else:
        if spec.cases and not spec.template:
            return [CannotCompute(spec.tool, spec.id, "记录不符合 tools.yaml 列出的任何情形")]
    try:
        statement = (
            template.format(**values) if template else "，".join(f"{k}：{v}" for k, v in values.items())
        )
        # a later day the message names ("要是这周六去退…拖到下周二呢"): the same arithmetic with that day as today
        # (a date window, then the money it gives), one clause per day whose case has a template_on
        later = _on_days(spec, ctx, base_scope, base_values, template)
        statement_en = template_en.format(**values) if template_en else ""
    except (KeyError, IndexError) as exc:
        return [CannotCompute(spec.tool, spec.id, f"tools.yaml 模板引用了记录里没有的字段 {exc}")]
    if later:
        statement = "；".join([statement, *later])
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
    ) + tuple(better)
    slots = tuple(str(values[n]) for n in spec.compute if str(values[n]) in statement)
    asked_count = (Input("message", "message.units", counted.group(0)),) if counted is not None else ()
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
            + policy_inputs
            + asked_count,
            rule_source
            or Source(),  # the clause the rule or the figures come from, when tools.yaml names one
            subject=str(record.get("id", "")),
            statement_en=statement_en,
            replaces=replaces,
            cite_inputs=True,  # the CRM record itself is the source the customer is told about
            # an open ticket already exists: the next step follows it up instead of opening another
            next_step=OPEN_TICKET_STEP if spec.records == "open_tickets" else "",
        )
    ]


OPEN_TICKET_STEP = "follow_up_open_ticket"


def _lapsed_price(
    spec: ToolSpec, ctx: ToolContext, records: list[dict[str, Any]], rule_source: Source | None
) -> Computed | None:
    """A price for a record in a state the policy figure needs (a renewal price for a contract still running), when
    the customer's record has ended (its end date is past): the policy figure does not apply — said with why — and the
    price that does is the `better_of` tool's price at this customer's tier, for the units asked (else the record's).
    «条款写了续购1500，按1500续上» on a contract that lapsed: corrected, not sent for approval. None when no record
    ended, no `better_of` is set, or the customer has no tier."""
    cfg = spec.better_of
    if cfg is None or ctx.peer is None or not records:
        return None
    ended = [r for r in records if (d := _date_of(r.get("end_date", r.get("x_end_date")))) and d < ctx.today]
    if not ended:
        return None
    record = max(ended, key=lambda r: str(r.get("end_date", r.get("x_end_date", ""))))
    peer = ctx.peer(cfg.tool)
    key = str(record.get(cfg.key_field, record.get("x_" + cfg.key_field, "")) or "")
    found = tier_price_at(peer, ctx, key) if peer is not None else None
    if found is None:
        return None
    price, tier, rate, tier_inputs, tier_source = found
    counted = asked_units(ctx.text) if spec.units_field else None
    raw_units = (
        record.get(spec.units_field, record.get("x_" + spec.units_field)) if spec.units_field else None
    )
    units = (
        int(counted.group(1)) if counted is not None else int(raw_units) if raw_units not in (None, "") else 1
    )
    end = _date_of(record.get("end_date", record.get("x_end_date")))
    assert end is not None
    total = price * units
    rule = rule_source.label() if rule_source is not None else ""
    statement = (
        f"您的{record.get('title') or ''}（{record.get('id', '')}）已于{dates.zh_date(end)}到期，"
        f"{rule + '的' if rule else ''}续购价只适用于到期前的续购期，现在不适用；"
        f"按贵司{tier}阶梯的折扣 {rate} 重新购买，每台 {_yuan_plain(price) if price >= 1000 else fmt(price)} 元，"
        f"{units} 台合计 {_yuan_plain(total)} 元"
    )
    en = (
        f"your contract {record.get('id', '')} ended on {end.isoformat()}, so the renewal price no longer applies; "
        f"bought again at your tier {tier} discount of {rate}: CNY {_yuan_plain(price)} per unit, CNY "
        f"{_yuan_plain(total)} for {units}"
    )
    ev = str(record.get("evidence_id") or (record.get("evidence_ids") or [""])[0])
    inputs = (
        Input("evidence" if ev else "field", ev or f"{spec.records}.end_date", end.isoformat()),
        *tier_inputs,
        *((Input("message", "message.units", counted.group(0)),) if counted is not None else ()),
    )
    return Computed(
        spec.tool,
        spec.id,
        str(total),
        "元",
        statement,
        (dates.zh_date(end), _yuan_plain(price) if price >= 1000 else fmt(price), _yuan_plain(total)),
        inputs,
        tier_source,  # the price is the tier's (the renewal clause is why the renewal price does not apply)
        subject=f"{record.get('id', '')}/lapsed",
        statement_en=en,
        cite_inputs=True,
    )


def _date_of(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value not in (None, "") else None
    except ValueError:
        return None


PICTURE = re.compile(r"\[(?:image|图片|照片)\]|🖼")  # a picture part (its text, when OCR read any, follows it)
THIN_CJK = 20  # a message this short (in Chinese characters) says little beyond "it again"


def thin_message(text: str) -> bool:
    """A message that says little of its own: a short text, or a picture whose text could not be read."""
    return len(re.findall(r"[\u4e00-\u9fff]", text)) <= THIN_CJK or bool(PICTURE.search(text))


def _subject_named(subject: str, text: str) -> bool:
    """The message names a record by its subject: a whole run of its Chinese words ("充电口盖无法打开"), or three of
    its character pairs in one run of the message ("充电口盖打不开": 充电, 电口, 口盖)."""
    runs = re.findall(r"[\u4e00-\u9fff]{2,}", subject)
    if any(w in text for w in runs):
        return True
    pairs = {w[i : i + 2] for w in runs for i in range(len(w) - 1)}
    return any(sum(1 for p in pairs if p in run) >= 3 for run in re.findall(r"[\u4e00-\u9fff]{3,}", text))


QUOTE_UNITS = re.compile(r"\d+(?:\.\d+)?\s*(?:个工作日|个月|小时|天|日|年|元|%|km|万km)")


def clause_quote(spec: ToolSpec, ctx: ToolContext) -> list[Result]:
    """A clause of the governing version said as the answer's next fact ("退款在审核通过后7个工作日内原路退回",
    "一般配车周期：现车15日内…"): from `term` (the words it starts at) to the end of that sentence, else the clause's
    first sentence. With `where`, only when one of the customer's `records` matches (an order still pending), and the
    template may name that record ({id}) beside the quote ({quote})."""
    found = governing_clause(ctx, spec)
    if isinstance(found, CannotCompute):
        return [found]
    g, clause, source = found
    record: dict[str, Any] = {}
    if spec.when_no_records:
        held = (
            ctx.crm.entity_records("order")
            if spec.records == "orders"
            else [dict(r) for r in ctx.crm.crm.get(spec.records) or []]
        )
        for field_name, allowed in spec.where.items():
            held = [r for r in held if str(r.get(field_name, r.get("x_" + field_name, ""))) in allowed]
        if held:
            return [CannotCompute(spec.tool, spec.id, f"客户有{spec.records}记录，按记录计算", source)]
    elif spec.where:
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
            statement_en=_english_quote(spec.template_en, values),
        )
    ]


def _english_quote(template: str, values: dict[str, Any]) -> str:
    """clause_quote for an English reader: the tenant's English wording of the clause (tools.yaml template_en), ""
    when it has none (the English draft then says it will check rather than paste Chinese)."""
    try:
        return template.format(**values) if template else ""
    except (KeyError, IndexError):
        return ""


AMOUNT = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*元")


AMOUNT = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*元")
PER_UNIT_WORD = re.compile(r"每(?:台|辆)")


def unit_amount(spec: ToolSpec, ctx: ToolContext) -> list[Result]:
    """A per-customer-kind amount a clause states ("个人客户订单须支付定金3000元，企业客户每台1000元"): the part of
    the clause naming this customer's kind (tools.yaml kind_words: CRM kind → the clause's word), its figure, and —
    when it is per unit and the message asks for N units — the total. Nothing is guessed: no part for this kind, or
    no figure in it, is "can't compute"."""
    found = governing_clause(ctx, spec)
    if isinstance(found, CannotCompute):
        return [found]
    g, clause, source = found
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
        field_input(kind, str(kind.value)),
        *_version_input(g),
    ]
    statement = f"{word}{label}{per.group(0) if per else ''} {_yuan_plain(amount)} 元"
    slots: tuple[str, ...] = (_yuan_plain(amount),)
    asked = asked_units(ctx.text)
    if per_unit and asked:
        said_total, slot = units_total(amount, asked, inputs, said="共")[1:]
        statement += said_total
        slots += (slot,)
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
            statement_en=f"{label}: CNY {_yuan_plain(amount)}"
            + (" per unit" if per_unit else "")
            + (f", CNY {slots[-1]} for {asked.group(1)}" if per_unit and asked else ""),
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
