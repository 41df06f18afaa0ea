"""What the computed answer says about the next action: COMPUTED_FACT evidence (reasoning tools) → per-action links.

Read from the catalog only, never from tenant-specific names, so a new tenant's actions are linked the day its
catalog is written:
  * an **approval** action is one with an approver parameter (named `approver`, or described as 审批人/approver). A fact
    that `needs_approval` supports it and fills the approver (and a percentage parameter from the fact); a fact of an
    authority tool that says the ask is *within* the rep's own authority supports the actions that grant it instead.
  * an **id parameter** described with an id shape («活动编号 PR-xxxx», «合同号 SC-xxxx») is filled from a computed slot of
    that shape. A yes/no fact (unit bool) decides eligibility: "true" supports the action with that id, "false" rules
    that id out; when every id the facts considered is ruled out, the action is vetoed (e.g. a promotion the customer
    does not qualify for is not registered just because a rule matched the intent).
Each link carries the facts it rests on, so the action cites them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from agents.tenant import ActionSpec, TenantConfig
from contract.evidence import Evidence, EvidenceKind

APPROVER_WORDS = ("审批人", "approver")
PERCENT_WORDS = ("百分比", "percent", "%")
AUTHORITY_TOOL = "authority"
# an id shape written in a parameter description: 2–5 capital letters, a dash, then x/X/0/# placeholders
ID_SHAPE = re.compile(r"\b([A-Z]{1,5})-[xX#0]{2,}")
PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*%")


@dataclass
class Link:
    """What the computed facts say about one action."""

    action: str
    params: dict[str, Any] = field(default_factory=dict)
    support: list[Evidence] = field(default_factory=list)
    supported: bool = False  # a fact makes this action the right next step
    against: bool = False  # a fact says the action is not the right step (approval not needed, ineligible id)
    vetoed: bool = False  # every id the facts considered for it is ruled out
    next_step: bool = (
        False  # the catalog's NEXT test over the facts holds (agents.actions.playbook.next_steps)
    )
    # the computed answer IS this action's content for what the message asked (a rate the policy applies, computed for
    # the quantity the message names): the action ranks as the computed answer's verdict does, whatever intent was read
    answers_ask: bool = False
    ruled_out: dict[str, set[str]] = field(default_factory=dict)  # id parameter → values a fact ruled out
    why: list[str] = field(default_factory=list)


def is_approval(spec: ActionSpec) -> bool:
    return any(
        n == "approver" or any(w in (p.description or "").lower() for w in APPROVER_WORDS)
        for n, p in spec.parameters.items()
    )


# a percentage someone already granted («已授权的折扣百分比»): the action carries it, it grants nothing itself
GRANTED_WORDS = ("已授权", "已批准", "已审批", "适用的", "authorized", "approved", "applicable")


def _percent_params(spec: ActionSpec, *, new_only: bool = False) -> list[str]:
    return [
        n
        for n, p in spec.parameters.items()
        if p.type == "number"
        and any(w in f"{n} {p.description}".lower() for w in PERCENT_WORDS)
        and not (new_only and any(w in (p.description or "").lower() for w in GRANTED_WORDS))
    ]


def _approver_param(spec: ActionSpec) -> str:
    for n, p in spec.parameters.items():
        if n == "approver" or any(w in (p.description or "").lower() for w in APPROVER_WORDS):
            return n
    return ""


QUANTITY_WORDS = ("数量", "台数", "件数", "quantity", "units")
_COUNT = re.compile(r"\d+")


def _quantity_param(spec: ActionSpec) -> str:
    for n, p in spec.parameters.items():
        if p.type == "number" and any(w in f"{n} {p.description}".lower() for w in QUANTITY_WORDS):
            return n
    return ""


def carries_rate(spec: ActionSpec) -> bool:
    """An action that carries a rate someone already set (its percentage parameters are all «已授权的/适用的» ones: a
    quote at the customer's applicable discount), neither granting one itself nor asking anyone's approval."""
    return bool(_percent_params(spec)) and not _percent_params(spec, new_only=True) and not is_approval(spec)


def _from_message(e: Evidence) -> list[str]:
    """The values a fact read off the message (its quantity, «40台»)."""
    return [
        str(i.get("value", ""))
        for i in e.lineage.get("inputs") or []
        if isinstance(i, dict)
        and (i.get("kind") == "message" or str(i.get("field", "")).startswith("message."))
    ]


def priced_for_message(facts: list[Evidence]) -> list[Evidence]:
    """Facts that price a quantity the message names: a rate the policy applies (unit %) with an input read off the
    message (its quantity) — not the authority table's verdict."""
    return [
        e
        for e in facts
        if e.lineage.get("unit") == "%" and e.source_ids.get("tool") != AUTHORITY_TOOL and _from_message(e)
    ]


UNITS_FIELD = "message.units"  # the count of units a reasoning tool read off the message («40台», "15 K9s")


def message_counts(e: Evidence) -> list[tuple[str, int]]:
    """The counts of units a fact read off the message, as written and as a number («1台» → ("1台", 1))."""
    out: list[tuple[str, int]] = []
    for i in e.lineage.get("inputs") or []:
        if isinstance(i, dict) and i.get("kind") == "message" and i.get("field") == UNITS_FIELD:
            written = str(i.get("value", ""))
            out += [(written, int(m.group(0))) for m in _COUNT.finditer(written)][:1]
    return out


def priced_for_order(facts: list[Evidence]) -> list[Evidence]:
    """Facts that price an ORDER the message names for itself: a computed answer (a tier's rate, or the list price of a
    customer below every tier: any unit) that read off the message a count of more than one unit. A count of one
    («这款1台多少», «每台», «单台», "per unit") is the unit a price is quoted per: it says how the customer wants the
    price, not that it orders anything. Not the authority table's verdict (a rate asked for, not an order priced)."""
    return [
        e
        for e in facts
        if e.source_ids.get("tool") != AUTHORITY_TOOL and any(n > 1 for _, n in message_counts(e))
    ]


def priced_asks(facts: list[Evidence]) -> list[Evidence]:
    """Facts that price what the message asked: priced for a quantity the message names (priced_for_message), computed
    because the message asked for it (lineage `asked`)."""
    return [e for e in priced_for_message(facts) if e.lineage.get("asked")]


def grants(spec: ActionSpec) -> bool:
    """An action that grants a percentage itself (no approver): within one's own authority."""
    return bool(_percent_params(spec, new_only=True)) and not is_approval(spec)


def id_shapes(spec: ActionSpec) -> dict[str, re.Pattern[str]]:
    """Parameter → the id pattern its description shows («活动编号 PR-xxxx» → PR-[A-Za-z0-9]+)."""
    out: dict[str, re.Pattern[str]] = {}
    for n, p in spec.parameters.items():
        m = ID_SHAPE.search(p.description or "")
        if m:
            out[n] = re.compile(rf"\b{re.escape(m.group(1))}-[A-Za-z0-9]+")
    return out


def _number(text: str) -> float | int | None:
    m = PERCENT.search(text)
    if m is None:
        return None
    v = float(m.group(1))
    return int(v) if v.is_integer() else v


def computed_facts(evidence: list[Evidence]) -> list[Evidence]:
    return [e for e in evidence if e.kind is EvidenceKind.COMPUTED_FACT]


# what a message names that a policy row may name too: a model code, a figure (立减1500), an id
_NAMED = re.compile(r"[A-Za-z]+-?\d+[A-Za-z]*|\d{3,}")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3})")


def named_in(text: str, entities: Mapping[str, Iterable[Any]] | None = None) -> set[str]:
    """The things a message names that a computed fact's row may name too: its entity values and its codes and
    figures (a model code, an amount of three or more digits, an id), upper-cased."""
    out = {str(v).strip().upper() for vs in (entities or {}).values() for v in vs if len(str(v).strip()) >= 2}
    out |= {m.group(0).upper() for m in _NAMED.finditer(_THOUSANDS.sub("", text or ""))}
    return out


def _row_text(e: Evidence) -> str:
    """A fact's row as the policy and the CRM wrote it: its inputs, slots and first line."""
    parts = [str(i.get("value", "")) for i in e.lineage.get("inputs") or [] if isinstance(i, dict)]
    parts += [str(s) for s in e.lineage.get("slots") or []]
    return _THOUSANDS.sub("", " ".join([*parts, e.content.split("\n")[0]])).upper()


def names_any(e: Evidence, about: set[str]) -> bool:
    """The fact's row names something the message names (a model code, a figure, an entity value)."""
    text = _row_text(e)
    return any(a in text for a in about)


_CJK_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")


def _bigrams(text: str) -> set[str]:
    return {r[i : i + 2] for r in _CJK_RUN.findall(text) for i in range(len(r) - 1)}


def shares_words(e: Evidence, text: str) -> bool:
    """The fact's row and the message share a two-character word («续费» in a renewal campaign's row and in «这个月续费
    有啥优惠»): the row is about something the message says, even when it names none of its codes or figures."""
    return bool(_bigrams(_row_text(e)) & _bigrams(text))


def _asked_rows(
    eligible: list[tuple[str, Evidence]], ruled_out: list[tuple[str, Evidence]], about: set[str]
) -> tuple[list[tuple[str, Evidence]], list[tuple[str, Evidence]]]:
    """Of several yes/no rows (one campaign the customer qualifies for, another not), the ones the message is about:
    those naming most of what the message names (the model, the figure it quotes). When those are all ruled out, an
    eligible row the message never named is not what was asked («XR-20立减1500 我在北京能参加吗» → the XR-20 campaign, not the
    region's service campaign): it supports nothing. Nothing named, or a tie: every row stands."""
    if not about or not eligible or not ruled_out:
        return eligible, ruled_out
    hits = {id(e): sum(1 for a in about if a in _row_text(e)) for _, e in [*eligible, *ruled_out]}
    best = max(hits.values())
    if best == 0:
        return eligible, ruled_out
    asked_eligible = [(v, e) for v, e in eligible if hits[id(e)] == best]
    if asked_eligible:
        return asked_eligible + [x for x in eligible if x not in asked_eligible], ruled_out
    return [], ruled_out


def links(evidence: list[Evidence], tenant: TenantConfig, about: set[str] | None = None) -> dict[str, Link]:
    """Action name → Link, for every action some computed fact speaks to. `about`: what the message names
    (named_in), to tell the row it asks about from others the same tool decided."""
    facts = computed_facts(evidence)
    out: dict[str, Link] = {}
    if not facts:
        return out

    def link(name: str) -> Link:
        return out.setdefault(name, Link(name))

    approvals = [s for s in tenant.actions if is_approval(s)]
    granting = [s for s in tenant.actions if grants(s)]
    approval_needed = [e for e in facts if str(e.lineage.get("needs_approval") or "")]
    for e in approval_needed:
        approver = str(e.lineage["needs_approval"])
        pct = _number(e.content.split("\n")[0])
        for spec in approvals:
            lk = link(spec.name)
            lk.supported = True
            lk.support.append(e)
            lk.params.setdefault(_approver_param(spec), approver)
            for p in _percent_params(spec):
                if pct is not None:
                    lk.params.setdefault(p, pct)
            lk.why.append(f"计算结果：须{approver}审批")
        for spec in granting:  # the rep may not grant it alone
            lk = link(spec.name)
            lk.against = True
            lk.support.append(e)
            lk.why.append(f"超出本人权限，须{approver}审批")
    within = [
        e
        for e in facts
        if e.source_ids.get("tool") == AUTHORITY_TOOL and not str(e.lineage.get("needs_approval") or "")
    ]
    for e in within:
        pct = _number(e.content.split("\n")[0])
        for spec in granting:
            lk = link(spec.name)
            lk.supported = True
            lk.support.append(e)
            for p in _percent_params(spec):
                if pct is not None:
                    lk.params.setdefault(p, pct)
            lk.why.append("计算结果：在本人权限内")
        for spec in approvals:
            lk = link(spec.name)
            lk.against = True
            lk.support.append(e)
            lk.why.append("在本人权限内，无需审批")
    if not approval_needed and not within:
        # an answer was computed and nothing in it needs anyone's approval: an approval is not the next step
        for spec in approvals:
            link(spec.name).against = True
    # a rate computed for the quantity the message asks about (the tier's discount on 40 units, priced): the action
    # carrying such a rate (the quote) is what the message asked for, filled from the fact
    for e in priced_asks(facts):
        pct = _number(f"{e.lineage.get('output', '')}%")
        counts = [int(m.group(0)) for v in _from_message(e) for m in _COUNT.finditer(v)]
        for spec in tenant.actions:
            if not carries_rate(spec):
                continue
            lk = link(spec.name)
            lk.supported = lk.answers_ask = True
            lk.support.append(e)
            for p in _percent_params(spec):
                if pct is not None:
                    lk.params.setdefault(p, pct)
            if (q := _quantity_param(spec)) and len(set(counts)) == 1:
                lk.params.setdefault(q, counts[0])
            lk.why.append(f"计算结果：所问数量按 {pct}% 算出价格")
    _rows_answered(facts, evidence, tenant, link)
    _graded(facts, tenant, link, about)
    for spec in tenant.actions:
        for pname, shape in id_shapes(spec).items():
            eligible: list[tuple[str, Evidence]] = []
            ruled_out: list[tuple[str, Evidence]] = []
            mentioned: list[tuple[str, Evidence]] = []
            for e in facts:
                values = [str(s) for s in e.lineage.get("slots") or []] + [str(e.lineage.get("output", ""))]
                ids = [m.group(0) for v in values for m in shape.finditer(v)]
                if not ids:
                    continue
                verdict = str(e.lineage.get("output", "")).lower() if e.lineage.get("unit") == "bool" else ""
                bucket = {"true": eligible, "false": ruled_out}.get(verdict, mentioned)
                bucket += [(i, e) for i in dict.fromkeys(ids)]
            if not (eligible or ruled_out or mentioned):
                continue
            eligible, ruled_out = _asked_rows(eligible, ruled_out, about or set())
            lk = link(spec.name)
            lk.ruled_out.setdefault(pname, set()).update(v for v, _ in ruled_out)
            if eligible:
                value, e = eligible[0]
                lk.params.setdefault(pname, value)
                lk.supported = True
                lk.support.append(e)
                lk.why.append(f"计算结果：符合 {value}")
            elif mentioned:
                value, e = mentioned[0]
                lk.params.setdefault(pname, value)
                lk.support.append(e)
            elif ruled_out:
                lk.vetoed = True
                lk.support += [e for _, e in ruled_out]
                lk.why.append("计算结果：不符合 " + "、".join(dict.fromkeys(v for v, _ in ruled_out)))
    return out


# A grade written as 一级 / 二级 / 3级 / Level 2: an action the catalog conditions on grades («一级故障…时立即安排道路救援»)
# is not the next step when the computed answer grades the case otherwise («P0420 属三级故障，可以继续行驶»)
GRADE = re.compile(r"(?<![一二三四五六七八九十\d])([一二三四五]|[1-5])级|\blevel\s*([1-5])\b", re.I)
_CN_DIGIT = {"一": "1", "二": "2", "三": "3", "四": "4", "五": "5"}


def grades(text: str) -> set[str]:
    return {_CN_DIGIT.get(m.group(1) or "", m.group(1) or m.group(2)) for m in GRADE.finditer(text)}


_VIN = re.compile(r"(?<![A-Z0-9])[A-HJ-NPR-Z0-9]{17}(?![A-Z0-9])")


def _graded(
    facts: list[Evidence], tenant: TenantConfig, link: Callable[[str], Link], about: set[str] | None = None
) -> None:
    """The case's grade from the facts that state exactly one (a fault code's row; a table listing every grade's
    response time says none); an action whose description names grades, none of them this one, is vetoed."""
    stated = [(e, g) for e in facts if len(g := grades(e.content.split("\n")[0])) == 1]
    if about and (vins := {a for a in about if _VIN.fullmatch(a)}):
        # the message names its vehicle: a fact whose row is another vehicle's (the customer's open ticket on another
        # VIN) does not grade this case (R15-04)
        stated = [(e, g) for e, g in stated if not (set(_VIN.findall(_row_text(e))) - vins)]
    case = {next(iter(g)) for _, g in stated}
    if len(case) != 1:
        return  # no grade computed, or two faults of different grades: nothing to rule out
    grade = next(iter(case))
    for spec in tenant.actions:
        named = grades(spec.description)
        if named and grade not in named:
            lk = link(spec.name)
            lk.vetoed = True
            lk.against = True
            lk.support += [e for e, _ in stated]
            lk.why.append(f"计算结果：{grade}级，不适用于{'、'.join(sorted(named))}级")


def _rows_answered(
    facts: list[Evidence], evidence: list[Evidence], tenant: TenantConfig, link: Callable[[str], Link]
) -> None:
    """An id parameter named after a CRM entity (`order_id`, `contract_id`) is filled with the row the computed
    answer rests on: the refund computed for order SO-… is the refund of that order. Only when the answer rests on
    exactly one row of that entity (never a guess between two)."""
    by_id = {e.id: e for e in evidence}
    rows: dict[str, set[str]] = {}
    support: dict[str, list[Evidence]] = {}
    for fact in facts:
        for item in fact.lineage.get("inputs") or []:
            source = by_id.get(str(item.get("evidence_id", ""))) if isinstance(item, dict) else None
            if source is None or source.kind is not EvidenceKind.CUSTOMER_FACT:
                continue
            entity, row = str(source.source_ids.get("entity", "")), str(source.source_ids.get("row_key", ""))
            if entity and row:
                rows.setdefault(entity, set()).add(row)
                support.setdefault(entity, []).append(fact)
    if not rows:
        return
    for spec in tenant.actions:
        for pname in spec.parameters:
            entity = pname.removesuffix("_id") if pname.endswith("_id") else ""
            if entity in rows and len(rows[entity]) == 1:
                lk = link(spec.name)
                lk.params.setdefault(pname, next(iter(rows[entity])))
                lk.support += [e for e in support[entity] if e not in lk.support]
