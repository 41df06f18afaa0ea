"""Terms counted from CRM dates: a term end (warranty, package) by the governing version, who pays under it, a renewal
window, days since the last purchase."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from agents.reasoning import dates
from agents.reasoning.base import (
    ToolContext,
    _clause,
    _governing,
    _pick_row,
    _row_source,
    _version_input,
    field_input,
    governing_clause,
)
from agents.reasoning.config import ToolSpec, words_hit
from agents.reasoning.crm import MissingField
from agents.reasoning.results import CannotCompute, Computed, Input, Result, Source, fact_of
from contract.policy_facts import ClauseFact, Governing, NoGoverningVersion, RowFact
from contract.quantities import Quantity, quantities


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


def term_end(spec: ToolSpec, ctx: ToolContext) -> list[Result]:
    if spec.row_column and spec.term_column:
        out = _term_from_table(spec, ctx)
        return out + _after_end(spec, ctx, out)
    found = governing_clause(ctx, spec)
    if isinstance(found, CannotCompute):
        return [found]
    g, clause, source = found
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
    # "易损件6个月或1万km": the mileage limit written with the period is part of the term (先到者为准)
    km_limit = _km_after(clause.text, q.raw, spec.term)
    term_text = f"{q.raw}或{km_limit.raw}" if km_limit is not None else q.raw
    over_km = _over_mileage(spec, ctx, km_limit) if km_limit is not None else None
    status = f"还剩 {left} 天" if left >= 0 else f"已于{dates.zh_date(end)}到期，目前已过保"
    if left >= 0 and over_km is not None:
        status = f"当前里程 {over_km:,.0f} km 已超过 {km_limit.raw}，按时间与里程先到者为准已过保"  # type: ignore[union-attr]
    statement = f"{who}自{dates.zh_date(start)}起{spec.term}{term_text}，" + (
        f"至{dates.zh_date(end)}，{status}" if left >= 0 else status
    )
    who_en = f"your {fv.label}" if fv.label else "your vehicle"
    en = (
        f"{who_en}: {spec.term} {_en_term(term_text)} from {start.isoformat()} runs to {end.isoformat()}; "
        + (f"{left} days left" if left >= 0 and over_km is None else "already ended")
    )
    inputs = (
        Input("policy", clause.evidence_id, term_text),
        field_input(fv, start.isoformat()),
        *_version_input(g),
    )
    term: list[Result] = [
        _on_date(spec, end.isoformat(), "date", (statement, en), end, inputs, source, fv.label)
    ]
    return term + _coverage(spec, ctx, g, term) + _after_end(spec, ctx, term)


KM_AFTER = re.compile(r"^\s*或\s*(\d+(?:\.\d+)?\s*万?\s*(?:km|公里|千米))")


def _km_after(text: str, period: str, words: str) -> Quantity | None:
    """The mileage limit written right after a term's period ("6个月或1万km" → 1万km), None when there is none."""
    at = text.find(words) if words else 0
    at = text.find(period, max(at, 0))
    if at < 0:
        return None
    m = KM_AFTER.match(text[at + len(period) :])
    if m is None:
        return None
    found = [x for x in quantities(m.group(1)) if x.unit == "km"]
    return found[0] if found else None


def _over_mileage(spec: ToolSpec, ctx: ToolContext, limit: Quantity) -> Decimal | None:
    """The odometer when it is past the term's mileage limit (the term ended by mileage first), else None."""
    if not spec.mileage_field:
        return None
    try:
        odo = Decimal(
            str(ctx.crm.device_field(spec.mileage_field.partition(".")[2], ctx.hints(), ctx.text).value)
        )
    except (MissingField, ArithmeticError, ValueError):
        return None
    return odo if odo >= limit.value else None


def _on_date(
    spec: ToolSpec,
    output: str,
    unit: str,
    said: tuple[str, str],
    end: date,
    inputs: tuple[Input, ...],
    source: Source,
    subject: str,
) -> Computed:
    """A fact whose answer is a day (a term's end, a window's): that day, as the customer reads it, is its slot."""
    return fact_of(
        spec,
        output,
        unit,
        said[0],
        (dates.zh_date(end),),
        inputs,
        source,
        subject=subject,
        statement_en=said[1],
    )


def _term_from_table(spec: ToolSpec, ctx: ToolContext) -> list[Result]:
    """A term read from a table row chosen by a CRM field (车辆类别 by device.use_type), counted from a CRM date; the
    row's distance limit (km) is checked against the odometer when the CRM has one."""
    new = _new_asset_term(spec, ctx)
    if new is not None:
        return new
    try:
        ctx.crm.date_field(spec.start_field, ctx.hints(), ctx.text)
    except MissingField:
        batches = _batches(ctx, spec)
        # a fleet's batches (one delivery date each): each batch's own term and version
        if batches is not None:
            per_batch: list[Result] = []
            # one batch asked about ("24年8月提的那6台…还免费吗"): who pays under its term is said too; for several
            # batches that would be a sentence each, so only their terms
            asks_cover = (
                [w for w in spec.covered_words if words_hit([w], ctx.text)] if len(batches) == 1 else []
            )
            for first_id, count in batches:
                asked = " ".join([first_id, *asks_cover])
                for r in _term_from_table(
                    spec, replace(ctx, text=asked, entities={}, question=ctx.question or ctx.text)
                ):
                    # "您12台X7…交付日为…": the batch, not one VIN
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
    columns = _asked_columns(row, spec, ctx.question or ctx.text, ctx.terms_en)
    # a column for another kind of asset (（电动机型） beside a combustion model) is no term of this one
    columns = [c for c in columns if c == spec.term_column or _holds_for(qualifier(c), fv.label, ctx)]
    for i, column in enumerate(columns):
        label = spec.label if column == spec.term_column else re.split(r"[（(]", column)[0]
        col_spec = spec.model_copy(update={"term_column": column, "label": label})
        out += _term_in_column(col_spec, ctx, g, row, fv, by, first=i == 0)
    why, why_en = _why_this_version(ctx, g, fv.value)
    at = next((i for i, r in enumerate(out) if isinstance(r, Computed)), None)
    if why and at is not None:
        first = out[at]
        assert isinstance(first, Computed)
        out[at] = replace(
            first,
            statement=first.statement + why,
            say=first.say + why if first.say else "",
            statement_en=first.statement_en + why_en if first.statement_en else "",
        )
    if col_spec is not spec and spec.label[-2:] and not col_spec.label.endswith(spec.label[-2:]):
        # "主机" + the configured label's own ending ("整机保修" → 保修): "主机保修期内"
        col_spec = col_spec.model_copy(update={"label": col_spec.label + spec.label[-2:]})
    return out + _coverage(col_spec, ctx, g, out)  # who pays under the term asked last (主机 when named)


# the message asks about a newer version ("新质保", "按新政策", "the new warranty"): why it does not govern this asset
NEWER_ASKED = re.compile(
    r"新(?:的)?(?:质保|政策|规定|版本|版|保修|条款|标准)|新规|按新|new (?:warranty|policy|rules?|terms|version)",
    re.IGNORECASE,
)


def _why_this_version(ctx: ToolContext, g: Governing, start: date) -> tuple[str, str]:
    """When the message asks about the newer version and the asset's event date (its delivery) falls before the day
    that version governs from: why the older one applies, said with both dates (zh, en); ("", "") otherwise."""
    if g.reason != "event_window" or not NEWER_ASKED.search(ctx.question or ctx.text):
        return "", ""
    try:
        now = ctx.facts.governing(g.doc_id, as_of=ctx.today)
    except NoGoverningVersion:
        return "", ""
    if now.version == g.version:
        return "", ""
    meta = ctx.facts.meta(g.doc_id, now.version)
    since = getattr(meta, "event_from", None) or getattr(meta, "effective_date", None)
    if not isinstance(since, date) or start >= since:
        return "", ""
    zh = f"；《{now.title}》只适用于{dates.zh_date(since)}及以后交付的车辆，您的车在此之前交付，仍按《{g.title}》"
    en = (
        f"; version {now.version} applies to vehicles delivered from {since.isoformat()}, and yours was delivered on "
        f"{start.isoformat()}, so version {g.version} applies"
    )
    return zh, en


def _coverage(spec: ToolSpec, ctx: ToolContext, g: Governing, terms: list[Result]) -> list[Result]:
    """Who pays, when the message asks it (`covered_words`: 自费, 免费, 掏钱 …): within the term just computed, the
    policy's in-term clause (`covered_clause`: "…由服务站免费维修或更换零部件…"); past it (date or mileage), the
    after-term clause (`expired_clause`: "…自费维修"). Quoted from the governing version, cited; nothing is guessed."""
    if not spec.covered_words or not words_hit(spec.covered_words, ctx.text):
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
    )  # "在保修期内，…" after "目前仍在整机保修期内" says it twice
    if not quote:
        return []
    what = term.name if not term.subject else term.subject
    # past the term: the term's own line just said it ended («已于…到期，目前已过保»), so who pays is the clause alone
    # (saying «已超出…期» again made two sentences running say the same, note16 ad-t8-02)
    statement = quote if ended else f"目前仍在{spec.label or '期限'}期内，{quote}"
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


def _new_asset_term(spec: ToolSpec, ctx: ToolContext) -> list[Result] | None:
    """`new_asset`: no asset on record and the message asks about a new one: the term of the version in force today,
    in the row for the customer's kind (no end date: it runs from the delivery day). None when it does not apply."""
    new = spec.new_asset
    if new is None or ctx.crm.all_devices():
        return None
    asked = (ctx.question or ctx.text).lower()
    if not any(w.lower() in asked for w in new.words):
        return None
    try:
        kind = ctx.crm.profile("kind")
    except MissingField as exc:
        return [CannotCompute(spec.tool, spec.id, str(exc))]
    key = new.rows.get(str(kind.value))
    if not key:
        return [CannotCompute(spec.tool, spec.id, f"tools.yaml new_asset.rows 没有客户类型「{kind.value}」")]
    try:
        g = ctx.facts.governing(spec.doc, as_of=ctx.today, event=ctx.today)
    except NoGoverningVersion as exc:
        return [CannotCompute(spec.tool, spec.id, str(exc))]
    rows = [r for r in ctx.facts.rows(g.doc_id, g.version) if r.cell(spec.row_column) is not None]
    if spec.clause:
        rows = [r for r in rows if r.clause == spec.clause] or rows
    row = _pick_row(rows, spec.row_column, key)
    if row is None:
        return [CannotCompute(spec.tool, spec.id, f"「{spec.row_column}」里找不到「{key}」对应的行")]
    out: list[Result] = []
    for column in _asked_columns(row, spec, ctx.question or ctx.text, ctx.terms_en):
        cell = row.cell(column)
        if cell is None or not cell.raw:
            continue
        label = spec.label if column == spec.term_column else re.split(r"[（(]", column)[0]
        label_en = (
            (spec.label_en or "warranty") if column == spec.term_column else ctx.terms_en.get(label, "")
        )
        statement = f"新车按现行政策，{key}{label}为{cell.raw}，自交付日起算"
        en = (
            f"a new vehicle ({ctx.terms_en.get(key, key)}) gets {label_en + ' of ' if label_en else ''}"
            f"{_en_term(cell.raw)} from its delivery date"
        )
        out.append(
            Computed(
                spec.tool,
                spec.id,
                cell.raw,
                "text",
                statement,
                (cell.raw,),
                (
                    Input("policy", row.evidence_id, f"{key}｜{column}｜{cell.raw}"),
                    field_input(kind, str(kind.value)),
                ),
                _row_source(g, row),
                subject=f"new/{column}",
                statement_en=en,
            )
        )
    return out


def _after_end(spec: ToolSpec, ctx: ToolContext, terms: list[Result]) -> list[Result]:
    """The day after each computed term's end, as another document's clause starts something then (an extended
    warranty "自保修到期日的次日起生效"): one fact per end date still ahead, citing that clause and the term."""
    after = spec.after_end
    asked = (ctx.question or ctx.text).lower()
    if after is None or (after.words and not any(w.lower() in asked for w in after.words)):
        return []
    found = governing_clause(ctx, spec.model_copy(update={"doc": after.doc, "clause": after.clause}))
    if isinstance(found, CannotCompute):
        return [found]
    _, clause, source = found
    body = re.sub(r"^\s*第[一二三四五六七八九十百\d]+条\s*", "", clause.text.strip())
    quote = re.split(r"(?<=[。！？；])", body)[0].strip().rstrip("。；;，,")
    out: list[Result] = []
    seen: set[str] = set()
    for r in terms:
        if not isinstance(r, Computed) or r.name != spec.id or r.unit != "date" or r.output in seen:
            continue
        if spec.label and spec.label not in r.statement:
            continue  # another column's term (动力电池): the clause speaks of the configured term
        end = date.fromisoformat(r.output)
        if end < ctx.today:
            continue
        seen.add(r.output)
        nxt = end + timedelta(days=1)
        # the period the clause gives what starts then ("保障期24个月"): its last day, counted as this term's policy
        # counts days (end_rule), for a template that names it ({until})
        span = next((q for q in quantities(body) if q.unit in ("个月", "年")), None)
        last = dates.term_end(nxt, int(span.value), span.unit, spec.end_rule) if span else None
        if "{until}" in after.template and last is None:
            continue  # no period in the clause: never a guessed end
        statement = after.template.format(
            date=dates.zh_date(nxt), end=dates.zh_date(end), until=dates.zh_date(last) if last else ""
        )
        usage = _usage_alternative(body, span.raw) if span and last and "{until}" in after.template else ""
        if (
            usage
        ):  # the end is not a flat date when the clause also ends it by usage: said on in the same sentence,
            # never in brackets (the citation's own brackets follow: "…至2029年1月9日，或至…15万km，以先到者为准（《…》）")
            statement = f"{statement.rstrip('。；;，,')}，{usage.rstrip('。；;，,')}"
        out.append(
            Computed(
                spec.tool,
                f"{spec.id}_after",
                nxt.isoformat(),
                "date",
                statement,
                tuple(
                    d
                    for d in (dates.zh_date(nxt), dates.zh_date(last) if last else "")
                    if d and d in statement
                ),
                (Input("policy", clause.evidence_id, quote), Input("field", spec.id, r.output)),
                source,
                subject=f"{r.subject}/{after.clause}",
                statement_en=(
                    after.template_en.format(
                        date=nxt.isoformat(), end=end.isoformat(), until=last.isoformat() if last else ""
                    )
                    if after.template_en
                    else f"what follows the term runs from {nxt.isoformat()}, the day after it ends"
                    + (f", until {last.isoformat()}" if last and "{until}" in after.template else "")
                )
                + (" or the usage limit the clause sets, whichever comes first" if usage else ""),
            )
        )
    return out


_CLAUSE_PART = re.compile(r"[，,；;。]")
_TIME_UNITS = frozenset({"个月", "年", "天", "日", "周", "工作日"})  # 小时 of use is usage, like km


def _usage_alternative(body: str, period: str) -> str:
    """The clause's own words for a usage limit written beside the period ("保障期24个月或至…达到15万km，以先到者为准"
    → "或至…达到15万km，以先到者为准"), so a cover that ends by usage too is never said as ending on a date alone; "" when
    the period stands alone."""
    parts = [p.strip() for p in _CLAUSE_PART.split(body) if p.strip()]
    mine = next((p for p in parts if period in p), "")
    rest = mine.split(period, 1)[1] if mine else ""
    if not rest or not any(q.unit not in _TIME_UNITS for q in quantities(rest)):
        return ""
    rule = next((p for p in parts if p != mine and "为准" in p), "")
    return rest + (f"，{rule}" if rule else "")


MAX_BATCHES = 4  # a fleet's deliveries said one by one (as row_tier says their trade-ins); more: ask which


def _batches(ctx: ToolContext, spec: ToolSpec) -> list[tuple[str, int]] | None:
    """Several assets match and they came in two or three deliveries (one date each): (first asset id, count) per
    batch, oldest first; None when one asset is meant or the batches are too many to state (then ask which)."""
    try:
        group = ctx.crm.device_group(ctx.hints(), ctx.text)
    except MissingField:
        return None
    field = spec.start_field.partition(".")[2] or "installed_at"
    named = ctx.crm.named_devices(ctx.text)
    if 1 < len(named) <= MAX_BATCHES and len(group) == len(named):
        # the assets the message lists one by one (by plate or VIN) are answered one by one, each its own term and
        # usage left, never as the delivery batch they share
        return [(str(d.get("id", "")), 1) for d in sorted(named, key=lambda d: str(d.get(field, "")))]
    by_day: dict[str, list[dict[str, Any]]] = {}
    for d in group:
        by_day.setdefault(str(d.get(field, ""))[:10], []).append(d)
    if len(group) < 2 or not 1 <= len(by_day) <= MAX_BATCHES or "" in by_day:
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
    """ "主机（电机、减速器）" → [主机, 电机, 减速器]: the words a customer would use for a column."""
    return [w for w in re.split(r"[（）()、/,，\s]|及|和|与", header) if len(w) >= 2]


# the message asks how far the asset may still go under the term ("还能跑多少公里", "how many km are left")
KM_ASKED = re.compile(r"公里|里程|(?<![a-z])km(?![a-z])|kilomet|mileage|还能跑|能跑多少", re.IGNORECASE)
ASKS_TERM = re.compile(
    r"保修|质保|保[到几多]|保\S{0,2}(?:年|月|公里)|warranty|covered|coverage|guarantee", re.IGNORECASE
)
GENERIC_EN = {"warranty", "system", "systems", "cover", "covered"}


def _head_word(header: str) -> str:
    """The head noun of a column's first word: its last two characters when the word has four or more (a Chinese
    compound puts the thing last: 动力电池 → 电池, 传动总成 → 总成). Customers name the thing, not the compound; the
    tenant's English for the column reads the same way ("battery")."""
    first = re.split(r"[（()）、/,，\s]|及|和|与", header)[0]
    return first[-2:] if len(first) >= 4 and all("\u4e00" <= c <= "\u9fff" for c in first[-2:]) else ""


def _head_alone(head: str, text: str) -> bool:
    """The head word stands as a word of its own in the message (X7电池, 大电池), not inside a longer one the
    dictionary knows (储电池 is another part with its own term)."""
    if not head or head not in text:
        return False
    import jieba

    return head in jieba.lcut(text, HMM=False)


def qualifier(header: str) -> str:
    """A column's condition in brackets, when it is one condition and not a list of parts: 「动力电池及驱动单元（电动机型）」
    → 电动 (the kind word without its generic ending: 车型/类型), 「主机（电机、减速器）」 → "" (parts). A column with a
    qualifier holds only for an asset whose name carries it (an asset of another kind has no such term)."""
    m = re.search(r"[（(]([^（）()]+)[）)]", header)
    if m is None or re.search(r"[、,，/]|及|和|与", m.group(1)):
        return ""
    q = m.group(1)
    return q[:-2] if len(q) >= 4 else q


def _holds_for(qual: str, label: str, ctx: ToolContext) -> bool:
    """A qualified column holds for this asset unless the qualifier marks a kind of asset in the CRM (the customer's
    assets or the price list name some with it) and this asset's name does not carry it."""
    if not qual or qual in label:
        return True
    marked = any(qual in str(d.get("name", "")) for d in ctx.crm.all_devices()) or any(
        e.source_ids.get("entity") == "product" and qual in e.content for e in ctx.crm.facts
    )
    return not marked


def _named_in(words: list[str], text: str, terms_en: dict[str, str]) -> bool:
    """A column's words in the message, in Chinese or in the tenant's English for them (动力电池 → battery)."""
    if any(w in text for w in words):
        return True
    if words and _head_alone(_head_word(words[0]), text):
        return True
    low = text.lower()
    english = {e for w in words if w in terms_en for e in re.findall(r"[a-z]{4,}", terms_en[w].lower())}
    return any(re.search(_whole_word(e), low) for e in english - GENERIC_EN)


def _whole_word(word: str) -> str:
    """A whole English word or its plural: "drivers" is no "drive", "batteries" is "battery"."""
    if word.endswith("y"):
        return rf"\b{re.escape(word[:-1])}(?:y|ies)\b"
    return rf"\b{re.escape(word)}(?:s|es)?\b"


def _asked_columns(
    row: RowFact, spec: ToolSpec, text: str, terms_en: dict[str, str] | None = None
) -> list[str]:
    """The configured term column, plus the other term columns a question about the term names ("动力电池保几年",
    "主机和控制器保修到什么时候" → their columns); a fault described with the same words ("主机故障灯") asks nothing."""
    if not ASKS_TERM.search(text) and not words_hit(spec.covered_words, text):
        return [spec.term_column]
    asked = [
        h
        for h in row.headers
        if h != spec.row_column
        and h != spec.term_column
        and _named_in([h, re.split(r"[（(]", h)[0], *_column_words(h)], text, terms_en or {})
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
        field_input(fv, start.isoformat()),
        *_version_input(g),
    ]
    if by is not None:
        inputs.append(Input("field", by.path, str(by.value)))
    km = [x for x in quantities(cell.raw) if x.unit == "km"]
    en_km = ""
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
                    en_km = f"; {rest:,.0f} km left before the {km[0].value:,.0f} km limit"
                elif KM_ASKED.search(ctx.question or ctx.text):  # asked how far it may still go
                    say += f"，当前里程距 {km[0].raw} 上限还剩 {rest:,.0f} km"
                    en_km = f"; {rest:,.0f} km left before the {km[0].value:,.0f} km limit"
            else:
                statement += (
                    f"；当前里程 {odometer:,.0f} km，已超过 {km[0].raw} 上限，按时间与里程先到者为准已过保"
                )
                say += f"，当前里程 {odometer:,.0f} km 已超过 {km[0].raw} 上限，按时间与里程先到者为准已过保"
            slots += (f"{abs(rest):,.0f} km",) if rest > 0 else ()
    ends = f"runs until {end.isoformat()}" if left >= 0 else f"ended on {end.isoformat()}"
    en = (
        f"your {fv.label} was delivered on {start.isoformat()} ({kind}); its {label} of {_en_term(cell.raw)} {ends}"
        if first
        else f"the {label} of {_en_term(cell.raw)} {ends}"  # the vehicle is said once
    ) + en_km
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
    if not _window_applies(spec, ctx):
        # the clause's window is for other contracts (a fleet package's): the end date is this contract's fact, the
        # window would be a promise no clause makes for it
        ref = f"（{fv.label}）" if fv.label else ""
        said = f"{'将于' if left >= 0 else '已于'}{dates.zh_date(end)}到期" + (
            f"，还有 {left} 天" if left >= 0 else ""
        )
        plain = Source(g.doc_id, g.version, g.title)
        ended = f"the contract {fv.label} ends on {end.isoformat()}"
        return [
            _on_date(
                spec,
                str(left),
                "days",
                (f"您的合同{ref}{said}", ended),
                end,
                (field_input(fv, end.isoformat()),),
                plain,
                fv.label,
            )
        ]
    if left < 0:
        state = f"已过期 {-left} 天"
    elif window.contains(ctx.today):
        state = f"还有 {left} 天，已进入期满前{days}日的续约期"
    else:
        state = f"还有 {left} 天，{dates.zh_date(window.start)}起进入续约期"
    ref = f"（{fv.label}）" if fv.label else ""
    statement = f"您的合同{ref}{'将于' if left >= 0 else '已于'}{dates.zh_date(end)}到期，{state}"
    en = f"the contract {fv.label} ends on {end.isoformat()}; {left} days left" + (
        f", inside the {days}-day renewal window"
        if window.contains(ctx.today)
        else f"; the {days}-day renewal window opens on {window.start.isoformat()}"
        if left >= 0
        else ""
    )
    inputs = (
        field_input(fv, end.isoformat()),
        Input("policy", source.evidence_id, f"期满前{days}日"),
    )
    return [_on_date(spec, str(left), "days", (statement, en), end, inputs, source, fv.label)]


def _window_applies(spec: ToolSpec, ctx: ToolContext) -> bool:
    """tools.yaml `where` on a renewal window: the customer has a contract the window's clause is about (package_code
    PKG-X); without `where`, every contract."""
    if not spec.where:
        return True
    contracts = [dict(r) for r in ctx.crm.crm.get("contracts") or []]
    return any(
        all(str(r.get(f, r.get("x_" + f, ""))) in allowed for f, allowed in spec.where.items())
        for r in contracts
    )


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
            (field_input(fv, day.isoformat()),),
            subject=fv.label,
            statement_en=f"{n} days since the last {fv.label} purchase ({day.isoformat()})",
        )
    ]
