"""Table rows matched to this customer or this message: a row stated from its cells, offers checked against the
customer's scope (period, region, product, customer type), eligibility against a document's scope."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from agents.reasoning import dates
from agents.reasoning.asks import asked_units
from agents.reasoning.base import (
    ToolContext,
    _governing,
    _match_value,
    _others_clause,
    _row_source,
    _version_input,
    _yuan_plain,
    field_input,
    governing_rows,
    priced_models,
)
from agents.reasoning.config import ToolSpec
from agents.reasoning.crm import FieldValue, MissingField
from agents.reasoning.lookup import find_rows
from agents.reasoning.results import CannotCompute, Computed, Input, Result, Saving, Source
from contract.numerals import cn_number
from contract.policy_facts import Governing, RowFact
from contract.quantities import DateWindow, date_windows


def row_lookup(spec: ToolSpec, ctx: ToolContext) -> list[Result]:
    found = governing_rows(ctx, spec)
    if isinstance(found, CannotCompute):
        return [found]
    g, rows = found
    inputs: list[Input] = [*_version_input(g)]
    template = spec.template
    device_called = ""
    for column, source in spec.match.items():
        if source.startswith("text:") or source == "text":
            # a value of this column that the customer's message names (e.g. an alarm code, a 情形)
            named = [r for r in rows if (c := r.cell(column)) is not None and c.raw and c.raw in ctx.text]
            if not named and spec.from_device:
                # nothing named (a photo with no text): the values the CRM records on the asset the message is about
                recorded = _device_values(spec.from_device, ctx)
                if recorded is not None:
                    values_on, device_input, device_called = recorded
                    named = [r for r in rows if (c := r.cell(column)) is not None and c.raw in values_on]
                    if named:
                        inputs.append(device_input)
                        template = spec.device_template or template
            if not named:
                return [CannotCompute(spec.tool, spec.id, f"消息里没有提到「{column}」中的任何一项")]
            rows = _preferred(named, spec.prefer)
            if template is spec.template:
                inputs.append(Input("message", f"text.{column}", rows[0].cell(column).raw))  # type: ignore[union-attr]
            continue
        matched = _match_value(source, ctx)
        if matched is None:
            return [CannotCompute(spec.tool, spec.id, f"缺少「{column}」的取值（{source}）")]
        value, inp = matched
        rows = find_rows(rows, column, value)
        inputs.append(inp)
        if not rows:
            return [CannotCompute(spec.tool, spec.id, f"《{g.title}》表中没有「{column}」为「{value}」的行")]
    rows = _preferred(rows, spec.prefer)
    if len(rows) > 1:
        return [CannotCompute(spec.tool, spec.id, f"《{g.title}》表中有 {len(rows)} 行符合条件，无法确定")]
    row = rows[0]
    cells = {h: c.raw for h, c in zip(row.headers, row.cells, strict=True)}
    outputs = spec.outputs or [h for h in row.headers if h not in spec.match]
    missing = [o for o in outputs if not cells.get(o)]
    if missing:
        return [CannotCompute(spec.tool, spec.id, f"表中缺少列 {missing}", _row_source(g, row))]
    # a cell in the tenant's spoken words ("否" → "不能继续开"): a sentence, not a form's "能否继续行驶：否"
    values = {h: spec.labels.get(h, {}).get(v, v) for h, v in cells.items()}
    if template is not spec.template:
        values["device"] = device_called
    if template:
        try:
            statement = template.format(**values)
        except (KeyError, IndexError) as exc:
            return [CannotCompute(spec.tool, spec.id, f"tools.yaml 模板引用了不存在的列 {exc}")]
    else:
        statement = "，".join(f"{o}：{values[o]}" for o in outputs)
    slots = tuple(values[o] for o in outputs if re.search(r"\d", values[o]) and values[o] in statement)
    inputs.insert(0, Input("policy", row.evidence_id, row.as_text()))
    priced = _priced_units(spec, ctx, cells)
    statement_en = _english(spec.template_en, _cells_en(spec, cells))
    if priced is not None:
        n, per, total, said = priced
        statement += f"，{n} 台合计 {total} 元"
        # the English line states the same total (the count asked is the answer in either language)
        statement_en += f"; CNY {total} for the {n}" if statement_en else ""
        slots += (total,)
        inputs.append(Input("message", "message.units", said))
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
            statement_en=statement_en,
        )
    ]


UNITS_ASKED = re.compile(r"(\d+|[一二两三四五六七八九十百]+)\s*(?:台|辆)")


def _priced_units(
    spec: ToolSpec, ctx: ToolContext, cells: dict[str, str]
) -> tuple[int, str, str, str] | None:
    """row_lookup `per_unit_column`: the row's per-unit price times the count the message asks ("那两台" → 2), as
    (count, unit price, total, the words read); None without a count above one or a price."""
    if not spec.per_unit_column:
        return None
    m = re.search(r"(\d[\d,]*(?:\.\d+)?)\s*元", cells.get(spec.per_unit_column, ""))
    if m is None:
        return None
    for u in UNITS_ASKED.finditer(ctx.text):
        raw = u.group(1)
        n = int(raw) if raw.isdigit() else cn_number(raw)
        if n is not None and 1 < int(n) < 1000:
            per = Decimal(m.group(1).replace(",", ""))
            return int(n), _yuan_plain(per), _yuan_plain(per * int(n)), u.group(0)
    return None


def _cells_en(spec: ToolSpec, cells: dict[str, str]) -> dict[str, str]:
    """The row's cells for the English line: a column the tenant words in English (labels_en) by that wording; such a
    column's cell it has no English for is missing (the English line is then not written, never half Chinese)."""
    out = dict(cells)
    for column, wording in spec.labels_en.items():
        if column in out:
            if out[column] in wording:
                out[column] = wording[out[column]]
            else:
                del out[column]
    return out


def _english(template: str, cells: dict[str, str]) -> str:
    """The row in the tenant's English wording (tools.yaml template_en), "" when it has none or names a missing column."""
    try:
        return template.format(**cells) if template else ""
    except (KeyError, IndexError):
        return ""


def _preferred(rows: list[RowFact], prefer: dict[str, list[str]]) -> list[RowFact]:
    """Several rows (two codes at once): the ones ranked first by the tenant's order of a column (一级 before 二级)."""
    for column, order in prefer.items():
        ranked = [
            (order.index(c.raw), r) for r in rows if (c := r.cell(column)) is not None and c.raw in order
        ]
        if len(ranked) == len(rows) and len(rows) > 1:
            best = min(rank for rank, _ in ranked)
            rows = [r for rank, r in ranked if rank == best]
    return rows


def _device_values(field_name: str, ctx: ToolContext) -> tuple[set[str], Input, str] | None:
    """The values the CRM records in `field_name` on the asset the message is about (named by plate, VIN, model or an
    open ticket), else on the customer's only asset recording any; None when no asset can be told. With them, how the
    asset is called (its name and VIN)."""

    def recorded(d: dict[str, object]) -> object:
        return d.get(field_name) or d.get("x_" + field_name)

    try:
        device = ctx.crm.device(ctx.hints(), ctx.text)  # the message names an asset: its record or nothing
    except MissingField:
        with_values = [d for d in ctx.crm.all_devices() if recorded(d)]
        if len(with_values) != 1:
            return None
        device = with_values[0]
    raw = recorded(device)
    if not raw:
        return None
    raw_values = raw if isinstance(raw, list) else re.split(r"[;；,，、\s]+", str(raw))
    values = {str(v).strip() for v in raw_values if str(v).strip()}
    if not values:
        return None
    ev = str((device.get("evidence_ids") or [""])[0])  # type: ignore[index]
    fv = FieldValue(f"device.{field_name}", "；".join(sorted(values)), ev, str(device.get("id", "")))
    # called as the other answers call it (name and VIN; a plate is personal data the masking keeps out of drafts)
    name, vin = str(device.get("name") or ""), str(device.get("id", ""))
    called = f"{name}（{vin}）" if name and vin else name or vin
    return values, field_input(fv, fv.value), called


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
            inputs.append(field_input(fv, str(fv.value)))
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
            late = _late_order(w["raw"], ctx)
            if (
                late is not None
            ):  # the day they say they will order is after the window (the order day decides)
                inputs.append(Input("message", "message.order_day", f"{late[0]}={late[1].isoformat()}"))
                failed.append(f"按您说的{late[0]}，届时已不在活动期内（{label}）")
                continue
            (passed if start <= ctx.today <= end else failed).append(
                f"在活动期内（{label}）" if start <= ctx.today <= end else f"不在活动期内（{label}）"
            )
        elif check == "customer_kind":
            try:
                fv = ctx.crm.profile("kind")
            except MissingField as exc:
                return [CannotCompute(spec.tool, spec.id, str(exc))]
            inputs.append(field_input(fv, str(fv.value)))
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


def _to_en(text: str, terms_en: dict[str, str]) -> str:
    """The tenant's words in a policy cell put in English (profile.yaml terms_en / wording_en, longest first); what
    has no English stays as written."""
    for zh in sorted(terms_en, key=len, reverse=True):
        if zh and zh in text:
            text = text.replace(zh, terms_en[zh].strip() + " ")
    return re.sub(r"\s+", " ", text).strip()


LATIN_WORD = re.compile(r"[a-z]+\d*[a-z]?|\d+")


def _named_rows_en(rows: list[RowFact], text: str, terms_en: dict[str, str]) -> list[RowFact]:
    """An English message names the row sharing most (≥ 3) of its words with the row put in English (the offer's
    English name, a model code, an amount: "the winter 2,000 off on a Z5")."""
    words = set(LATIN_WORD.findall(re.sub(r"(?<=\d),(?=\d{3})", "", text.lower())))
    scored = []
    for r in rows:
        hay = set(LATIN_WORD.findall(_to_en(" ".join(c.raw for c in r.cells), terms_en).lower()))
        scored.append((len({w for w in words & hay if len(w) >= 2}), r))
    scored.sort(key=lambda x: -x[0])
    if scored and scored[0][0] >= 3 and (len(scored) == 1 or scored[0][0] > scored[1][0]):
        return [scored[0][1]]
    return []


def _mostly_latin(text: str) -> bool:
    return len(re.findall(r"[A-Za-z]", text)) > 2 * len(re.findall(r"[\u4e00-\u9fff]", text))


def rows_named_exactly(rows: list[RowFact], columns: list[str], text: str) -> list[RowFact]:
    """Rows whose name cell (活动名称, 活动编号 …) is written in the message as it stands in the table."""
    return [
        r for r in rows if any((c := r.cell(col)) is not None and c.raw and c.raw in text for col in columns)
    ]


def named_offer_rate(ctx: ToolContext, spec: ToolSpec, off: Decimal) -> str:
    """The name of an offer row of `spec` (a scope_rows table) the message names whose own cells give the rate `off`
    % ("北区冬日保养月…工时费8折" → 20): a rate the customer quotes from that offer, not one they ask on top; "" when none."""
    found = governing_rows(ctx, spec)
    if isinstance(found, CannotCompute):
        return ""
    for row in _named_rows(found[1], spec.name_columns, ctx.text, ctx.terms_en):
        for cell in row.cells:
            for m in re.finditer(r"(\d+(?:\.\d+)?)\s*折", cell.raw):
                n = Decimal(m.group(1))
                if Decimal(100) - n * (10 if n < 10 else 1) == off:
                    return next(
                        (c.raw for col in spec.name_columns if (c := row.cell(col)) is not None and c.raw), ""
                    )
    return ""


def _named_rows(
    rows: list[RowFact], columns: list[str], text: str, terms_en: dict[str, str] | None = None
) -> list[RowFact]:
    """Rows the message names: a name cell written in it, else the row sharing most (≥ 3) two-character words (an
    English message: words of the row put in the tenant's English)."""
    exact = rows_named_exactly(rows, columns, text)
    if exact:
        return exact
    if terms_en and _mostly_latin(text):
        return _named_rows_en(rows, text, terms_en)
    grams = {
        text[i : i + 2] for i in range(len(text) - 1) if re.match(r"[\u4e00-\u9fff]{2}", text[i : i + 2])
    }
    # codes and figures the row also writes (X7, 2000); a year or a grouped amount's digits name no row
    grams |= set(re.findall(r"[A-Za-z]+\d+|(?<![\d,.])(?!(?:19|20)\d\d(?!\d))\d{3,}(?![\d,.])", text))
    scored = []
    for r in rows:
        hay = "".join(c.raw for c in r.cells)
        scored.append((len({g for g in grams if g in hay}), r))
    scored.sort(key=lambda x: -x[0])
    if scored and scored[0][0] >= 3 and (len(scored) == 1 or scored[0][0] > scored[1][0]):
        return [scored[0][1]]
    return []


WANT = re.compile(
    r"(?:换成|换台|换辆|换个|换|想买|买台|买辆|买|订|要|看中的?是?|看上的?是?|中意的?是?|\bfor a new|\bfor an?|\bbuy a|\bbuy|\border|\bget a)\s*(?:一台|一辆|台|辆|new)?\s*$",
    re.IGNORECASE,
)


def _wanted_first(text: str, models: list[str]) -> list[str]:
    """ "我那台Q5想换台X7" → X7 first: the model written right after 换/买/订/要 is the one being bought (an offer's
    price is about it); the others keep their order."""

    def code(m: str) -> str:
        found = re.findall(r"[A-Za-z]{1,3}\d{1,3}[A-Za-z]?", m)
        return found[-1] if found else m

    def where(m: str) -> int:
        return text.find(m) if m in text else text.find(code(m))

    # (a model another party bought — «邻居买X7…我看中的是Z5» — is theirs, not the one wanted)
    wanted = [
        m
        for m in models
        if (at := where(m)) > 0 and WANT.search(text[max(0, at - 12) : at]) and not _others_clause(text, at)
    ]
    return wanted[:1] + [m for m in models if m not in wanted[:1]]


def _net_price(ctx: ToolContext, values: dict[str, str]) -> tuple[str, Decimal, Decimal, str] | None:
    """The model the message names, its CRM list price and the per-unit cut this offer row gives that model
    ("X7每台立减2000元，Q5每台立减1500元" → Q5: 1500); None when the row gives it no per-unit cut."""
    models = priced_models(ctx)
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


def _scope_failures(
    row: RowFact, spec: ToolSpec, ctx: ToolContext, inputs: list[Input], en: list[str] | None = None
) -> list[str]:
    """Why this customer is outside the row's scope ([] = inside). Missing CRM data fails the check, never passes it.
    `en` gets the same reasons in the tenant's English, where it has the words."""
    fails: list[str] = []
    en = [] if en is None else en

    def english(zh: str) -> str:
        return _to_en(zh, ctx.terms_en).replace("、", " and ")

    every = tuple(spec.all_words)
    for kind, column in spec.scope.items():
        cell = row.cell(column)
        raw = cell.raw if cell else ""
        if not raw or any(w in raw for w in every):
            continue
        if kind == "date":
            windows = date_windows(raw)
            late = _late_order(raw, ctx)
            if not windows:
                fails.append(f"{column}「{raw}」读不出日期")
            elif late is not None:
                # the customer names the day they will order (the order day decides): checked at that day, not today
                words, day, w = late
                inputs.append(Input("message", "message.order_day", f"{words}={day.isoformat()}"))
                fails.append(f"{LATE_HEAD}{dates.zh_date(w.end)}结束，您{words}下单届时已不在活动期内")
                en.append(f"it ends on {w.end.isoformat()}, before the day you plan to order")
            elif not windows[0].contains(ctx.today):
                w = windows[0]
                fails.append(
                    f"活动已于{dates.zh_date(w.end)}结束"
                    if ctx.today > w.end
                    else f"活动{dates.zh_date(w.start)}才开始"
                )
                en.append(
                    f"it ended on {w.end.isoformat()}"
                    if ctx.today > w.end
                    else f"it starts on {w.start.isoformat()}"
                )
        elif kind == "region":
            region = _profile_value(ctx, "region", fails, inputs)
            if region is not None and region not in raw:
                fails.append(f"适用区域为{raw}，您在{region}")
                en.append(f"it applies only in {english(raw)}, and you are in {english(region)}")
        elif kind == "product":
            asked = ctx.entities.get("product_model", []) + re.findall(r"[A-Z]{1,3}\d{1,3}", ctx.text)
            if asked and not any(a in raw for a in asked):
                fails.append(f"适用车型为{raw}，不含{'、'.join(dict.fromkeys(asked))}")
                en.append(f"it covers {english(raw)} only")
        elif kind == "customer":
            kind_value = _profile_value(ctx, "kind", fails, inputs)
            if kind_value is not None and spec.kind_words.get(kind_value, kind_value) not in raw:
                fails.append(f"客户类型限{raw}")
                en.append(f"it is for {english(raw)} only")
    return fails


LATE_HEAD = "活动以下单日为准，至"
ORDER_BY = "活动以下单日为准，{end}当天及之前下单可享"  # inside the window, no order day named: the condition, not a promise


def _order_by(row: RowFact, spec: ToolSpec, ctx: ToolContext, inputs: list[Input]) -> str:
    """What an offer inside its window today says when the message names no order day: the order day decides and the
    window's last day (a scope cell, recorded as an input), never a bare «您符合条件» a customer ordering later would
    read as a promise. A row with no window (or today outside it, which a scope check already failed) keeps it."""
    w = _open_window(row, spec, ctx)
    if w is None:
        return "您符合条件"
    inputs.append(Input("policy", row.evidence_id, f"{w[0]}={w[1]}"))
    return ORDER_BY.format(end=dates.zh_date(w[2].end))


def _open_window(row: RowFact, spec: ToolSpec, ctx: ToolContext) -> tuple[str, str, DateWindow] | None:
    """The row's window (its date scope cell: column, cell, window) when it holds today; None otherwise."""
    for kind, column in spec.scope.items():
        cell = row.cell(column) if kind == "date" else None
        windows = date_windows(cell.raw) if cell is not None else []
        if cell is not None and windows and windows[0].contains(ctx.today):
            return column, cell.raw, windows[0]
    return None


def _late_order(raw: str, ctx: ToolContext) -> tuple[str, date, DateWindow] | None:
    """The day the message says the customer will order (dates.proposed_day), when the offer's window (a scope cell)
    holds today but ends before that day: (its words, the day, the window). None otherwise."""
    windows = date_windows(raw)
    if not windows or not windows[0].contains(ctx.today):
        return None
    on = dates.proposed_day(ctx.text, ctx.today)
    if on is None or windows[0].contains(on[1]) or on[1] < windows[0].start:
        return None
    return on[0], on[1], windows[0]


def _profile_value(ctx: ToolContext, name: str, fails: list[str], inputs: list[Input]) -> str | None:
    """The customer's profile field a scope checks (region, kind), recorded as an input; a missing one is a failure
    (missing CRM data fails the check, never passes it)."""
    try:
        fv = ctx.crm.profile(name)
    except MissingField as exc:
        fails.append(str(exc))
        return None
    inputs.append(field_input(fv, str(fv.value)))
    return str(fv.value)


ROW_CODE = re.compile(r"^[A-Z]{1,4}-\d{2,6}$")


def _too_few_units(row: RowFact, ctx: ToolContext, inputs: list[Input]) -> list[str]:
    """An offer with a least order size ("单笔订单采购5台（含）以上") on an order of fewer units than the message asks
    for ("就3台") does not apply to it; counted in the pack's measure words (tools.yaml count_units)."""
    if not ctx.count_units:
        return []
    words = "|".join(re.escape(u) for u in ctx.count_units)
    least = next(
        (m for c in row.cells if (m := re.search(rf"(\d+)\s*(?:{words})[（(]含[)）]以上", c.raw))), None
    )
    asked = asked_units(ctx.text)
    if least is None or asked is None or int(asked.group(1)) >= int(least.group(1)):
        return []
    inputs.append(Input("message", "message.units", asked.group(0)))
    return [f"须单笔{least.group(0)}，本次{asked.group(1)}{ctx.count_units[0]}"]


def _rule_excludes(ctx: ToolContext, g: Governing, row: RowFact, inputs: list[Input]) -> list[str]:
    """A sentence of the governing version naming this row's code with 不适用 and this customer's industry
    ("仓储物流企业不适用WA-03") excludes them, whatever the row's own scope cells say."""
    code = next((c.raw for c in row.cells if ROW_CODE.match(c.raw)), "")
    if not code:
        return []
    try:
        industry = ctx.crm.profile("industry")
    except MissingField:
        return []
    word = str(industry.value)
    for clause in ctx.facts.clauses(g.doc_id, g.version):
        for sentence in re.split(r"[。；;]", clause.text):
            if code in sentence and "不适用" in sentence and word and word in sentence:
                inputs.append(Input("policy", clause.evidence_id, sentence.strip()))
                inputs.append(
                    field_input(
                        industry,
                        word,
                    )
                )
                return [f"{word}企业按{clause.clause}不适用{code}"]
    return []


SCOPE_CODE = re.compile(r"[A-Z]{1,3}-?\d{1,3}(?:\.\d)?[A-Z]?")


def _scope_products(spec: ToolSpec, values: dict[str, str]) -> tuple[str, ...] | None:
    """The product codes of a row's product-scope cell (`scope.product`); () for a blanket scope ("全部车型"); None
    when the tool has no product scope."""
    column = spec.scope.get("product", "")
    if not column or column not in values:
        return None
    cell = values[column]
    if any(cell.startswith(w) for w in spec.all_words):
        return ()
    return tuple(dict.fromkeys(SCOPE_CODE.findall(cell)))


def scope_rows(spec: ToolSpec, ctx: ToolContext) -> list[Result]:
    """Offers (table rows) checked against this customer: the rows the message names, with why they do or do not
    apply (period, region, product, customer type), plus the rows that do apply to what they asked about."""
    found = governing_rows(ctx, spec)
    if isinstance(found, CannotCompute):
        return [found]
    g, rows = found
    named = _named_rows(rows, spec.name_columns, ctx.text, ctx.terms_en) if spec.name_columns else []
    out: list[Result] = []
    for row in rows:
        inputs: list[Input] = [Input("policy", row.evidence_id, row.as_text()), *_version_input(g)]
        fails_en: list[str] = []
        scope_fails = _scope_failures(row, spec, ctx, inputs, fails_en)
        other = _rule_excludes(ctx, g, row, inputs) + _too_few_units(row, ctx, inputs)
        fails = scope_fails + other
        # ordered after the window: not theirs then, though it still holds today (said with its last day and price)
        late = len(fails) == 1 and fails[0].startswith(LATE_HEAD)
        if row not in named and fails and not late:
            continue  # (ordered after its end, an offer that holds today is still what they asked about)
        values = {h: c.raw for h, c in zip(row.headers, row.cells, strict=True)}
        try:
            what = spec.template.format(**values) if spec.template else row.as_text()
        except (KeyError, IndexError) as exc:
            return [CannotCompute(spec.tool, spec.id, f"tools.yaml 模板引用了不存在的列 {exc}")]
        statement = (
            f"{what}，您不适用：{'；'.join(fails)}"
            if fails
            else f"{what}，{_order_by(row, spec, ctx, inputs)}"
        )
        if late:  # "…：Z5每台立减2000元；活动以下单日为准，至…结束，您元旦过后下单届时已不在活动期内"
            statement = f"{what}；{fails[0]}"
        slots = tuple(v for v in values.values() if re.search(r"\d", v) and v in statement)[:3]
        net = _net_price(ctx, values)
        listed = net if fails and row in named and not late else None
        net = None if fails and not late else net
        if listed is not None:  # a named offer they do not get: the model's list price is still the answer
            statement += f"；{listed[0]}指导价 {_yuan_plain(listed[1])} 元"
            slots += (_yuan_plain(listed[1]),)
            inputs.append(Input("evidence", listed[3], str(listed[1])))
        saving: Saving | None = None
        listed_at: tuple[str, str, str] | None = None
        if net is not None:  # "Q5每台立减1500元" and the customer asks about a Q5: its price after the offer
            model, price, cut, price_ev = net
            code = next((c.raw for c in row.cells if ROW_CODE.match(c.raw)), "")
            name = values.get(spec.name_columns[0], "") if spec.name_columns else ""
            saving = Saving(str(cut), f"{name or code}立减", tuple(n for n in (code, name) if n), model)
            listed_at = (model, str(price), price_ev)
            statement += f"；{'若在此之前下单，' if late else ''}{model}指导价 {_yuan_plain(price)} 元，立减后 {_yuan_plain(price - cut)} 元"
            slots += (_yuan_plain(price - cut),)
            if late:
                saving, listed_at = None, None  # not theirs on the day they order
            inputs.append(Input("evidence", price_ev, str(price)))
        statement_en = ""
        name_cell = (
            next((values[c] for c in spec.name_columns if values.get(c)), "") if spec.name_columns else ""
        )
        code = next((c.raw for c in row.cells if ROW_CODE.match(c.raw)), "")
        name_en = _to_en(name_cell, ctx.terms_en) if name_cell else ""
        # an offer named in English, told in English where the tenant's words cover it (else the draft says it will
        # check): why it does not apply, and the model's list price
        if row in named and name_en and not re.search(r"[\u4e00-\u9fff]", name_en) and not other:
            head = f"the {name_en}{f' ({code})' if code else ''}"
            if fails and len(fails_en) == len(scope_fails):
                statement_en = f"{head} does not apply to you: {'; '.join(fails_en)}"
            elif not fails:
                open_w = _open_window(row, spec, ctx)
                statement_en = (
                    f"{head} applies to orders placed by {open_w[2].end.isoformat()} (the order day decides)"
                    if open_w is not None
                    else f"{head} applies to you"
                )
            if statement_en and late and net is not None:
                statement_en += (
                    f"; ordered by then, the {net[0]} list price of CNY {_yuan_plain(net[1])} less "
                    f"CNY {_yuan_plain(net[2])} would make CNY {_yuan_plain(net[1] - net[2])}"
                )
            elif statement_en and listed is not None:
                statement_en += f"; the {listed[0]} list price is CNY {_yuan_plain(listed[1])}"
            elif statement_en and net is not None and not late:
                statement_en += (
                    f"; the {net[0]} list price is CNY {_yuan_plain(net[1])}, "
                    f"CNY {_yuan_plain(net[2])} off makes CNY {_yuan_plain(net[1] - net[2])}"
                )
        out.append(
            Computed(
                spec.tool,
                spec.id,
                # ordered late it is no longer theirs, ordered by its end it is: still the offer to act on now
                "false" if fails and not late else "true",
                "bool",
                statement,
                slots,
                tuple(inputs),
                _row_source(g, row),
                subject=row.as_text()[:40],
                saving=saving,
                listed=listed_at,
                statement_en=statement_en,
                products=_scope_products(spec, values),
            )
        )
    if not out:
        return [CannotCompute(spec.tool, spec.id, f"《{g.title}》中没有适用于贵司的项目")]
    return out[:3]
