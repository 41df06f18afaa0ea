"""What a tool returns: a `Computed` fact with its inputs, or `CannotCompute` with the reason (shown to the rep)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

InputKind = Literal["evidence", "field", "message", "policy"]


@dataclass(frozen=True)
class Input:
    """One input of a computation: a piece of evidence (clause, table row, CRM fact), a CRM field, or the customer's own
    words (a request, never a fact)."""

    kind: InputKind
    ref: str  # evidence id, CRM field path ("device.installed_at"), or "message"
    value: str

    def as_lineage(self) -> dict[str, str]:
        key = "evidence_id" if self.kind in ("evidence", "policy") else "field"
        return {key: self.ref, "value": self.value, "kind": self.kind}


@dataclass(frozen=True)
class Source:
    """The policy row or clause a computation read (empty when it read none)."""

    doc_id: str = ""
    version: str = ""
    title: str = ""
    clause: str = ""
    row: str = ""
    evidence_id: str = ""  # the POLICY_CLAUSE evidence that holds the clause/row

    def label(self) -> str:
        """《title》第四条 — the citation as the customer reads it."""
        return f"《{self.title}》{self.clause}" if self.title else ""


@dataclass(frozen=True)
class Computed:
    tool: str
    name: str  # the tools.yaml id, e.g. "rebate_rate"
    output: str  # canonical value ("2.5", "2027-03-14", "true")
    unit: str  # "%", "元", "date", "days", "bool", "text"
    statement: str  # what the answer says, without the citation: "上季度滤芯采购 23.62 万元，适用折扣 2.5%"
    slots: tuple[str, ...]  # the exact strings the sent text must keep ("2.5%", "23.62 万元")
    inputs: tuple[Input, ...]
    source: Source = field(default_factory=Source)
    subject: str = ""  # what it is about (a category, a device, a contract) — part of the evidence id
    statement_en: str = ""
    say: str = ""  # how the draft says it to the customer when it differs from the answer line (e.g. without
    # restating the figure they asked for); "" = the statement itself
    say_en: str = ""  # the same for an English customer ("" = the draft's own English wording)
    # the say without who decides (what the customer asked for and what it is worth), Chinese and English: the draft
    # assembles its own sentence around it (an approval step, a demanded figure) instead of parsing the say back
    say_head: str = ""
    say_head_en: str = ""
    needs_approval: str = ""  # who must approve (authority): the draft must not promise it
    next_step: str = ""  # an optional next step the tool implies ("提交销售总监审批")
    cite_inputs: bool = (
        False  # the draft cites the CRM evidence the fact was read from (a record, not a rule)
    )
    # a per-unit amount off the price this fact grants (a trade-in subsidy, an offer's cut), and the words naming it
    # (its code, its label) so a sum of savings can check that the policies let them stack
    saving: Saving | None = None
    # a unit price this fact quoted: (model, list price, net unit price, the fact's rate in %) — a price the customer
    # asks to be matched is weighed against it
    quote: tuple[str, str, str, str] | None = None
    # the model and its list price an offer's cut is taken from: (model, list price, the price's evidence id) — a
    # final price asked ("到手多少") starts from it and takes off every saving that stacks with the offer
    listed: tuple[str, str, str] | None = None
    # an offer row's product scope: the product codes its scope cell names (() for a blanket scope); None when the
    # tool read no product scope
    products: tuple[str, ...] | None = None
    # tools.yaml ids this fact makes wrong to say beside it (a refused refund: not how soon it arrives)
    replaces: tuple[str, ...] = ()


class _Named(Protocol):
    @property
    def tool(self) -> str: ...

    @property
    def id(self) -> str: ...


def fact_of(
    spec: _Named,
    output: str,
    unit: str,
    statement: str,
    slots: tuple[str, ...],
    inputs: tuple[Input, ...] | list[Input],
    source: Source,
    **more: Any,
) -> Computed:
    """The fact a tools.yaml entry computed (its tool and id), its inputs as a tuple: the one place a tool's answer is
    built from its spec."""
    return Computed(spec.tool, spec.id, output, unit, statement, slots, tuple(inputs), source, **more)


@dataclass(frozen=True)
class Saving:
    amount: str  # Decimal as text, 元 per unit
    label: str  # how the sum names it ("换新补贴", "冬季直降")
    names: tuple[str, ...]  # the words a stacking rule uses for it ("WA-01", "换新补贴")
    model: str = ""  # the model the amount was computed on ("" = whichever is bought: a trade-in subsidy)


@dataclass(frozen=True)
class CannotCompute:
    tool: str
    name: str
    reason: str  # "缺少 CRM 字段 device.installed_at" …
    source: Source = field(default_factory=Source)

    @property
    def text(self) -> str:
        return f"can't compute: {self.reason}"


Result = Computed | CannotCompute
