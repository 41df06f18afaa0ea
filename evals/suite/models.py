"""The eval suite format (pydantic_evals-style typed dataset): cases from past conversations, the tenant data they need,
expectations, per-capability SLAs and release gates. `Suite.model_json_schema()` is written to evals/schema/."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from contract.messages import Channel, Part, TextPart
from contract.ports import Role

CASE_ID = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,80}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DocRef(_Strict):
    """A policy document (optionally one version / one clause). `clause` matches the start of the clause path."""

    doc_id: str = Field(min_length=1)
    version: str | None = None
    clause: str | None = None


class ActionExpectation(_Strict):
    """An action the copilot should suggest; `parameters` must be a subset of the suggested action's parameters."""

    name: str = Field(min_length=1)
    parameters: dict[str, Any] = Field(default_factory=dict)


class Expectations(_Strict):
    """What a good suggestion for this turn looks like. Every field is optional; only what is set is checked."""

    intent: str | None = None
    abstain: bool | None = None  # True: the copilot must abstain (out_of_scope / abstain suggestion)
    documents: list[DocRef] = Field(default_factory=list)  # must be cited (required documents / clauses)
    forbidden_documents: list[DocRef] = Field(default_factory=list)  # never cited (e.g. a superseded version)
    actions: list[ActionExpectation] = Field(default_factory=list)  # first = the gold top action
    forbidden_actions: list[str] = Field(default_factory=list)
    must_mention: list[str | list[str]] = Field(
        default_factory=list
    )  # a list item = alternatives, any one counts
    must_not_claim: list[str] = Field(default_factory=list)  # text that must never appear in the draft
    signals: list[str] = Field(default_factory=list)  # signal_ids expected among the evidence
    pii_must_not_leak: list[str] = Field(
        default_factory=list
    )  # planted values searched in draft, evidence, inputs
    grounding: Literal["allow", "warn", "block"] | None = None  # the worst acceptable grounding verdict
    reference_draft: str | None = None  # what a human finally sent (from the ledger): for the optional judge
    # authorization traps: True = the copilot must refuse (a REFUSAL suggestion, or access denied and logged) —
    # scored as authz.refusals_correct; `refusal_reason` must then match the logged reason (e.g. not_owner)
    refusal: bool | None = None
    refusal_reason: str | None = None

    def is_empty(self) -> bool:
        return not any(v not in (None, [], "") for v in self.model_dump().values())


class TurnSpec(_Strict):
    """One message of the conversation. `text` is shorthand for a single text part."""

    # rep_ask: the rep asks the copilot itself (sidebar ask box); the answer goes to the rep only
    sender: Literal["customer", "rep", "rep_ask", "system"] = "customer"
    text: str | None = None
    parts: list[Part] = Field(default_factory=list)
    sent_at: datetime | None = (
        None  # drives the clock for this turn (signals, policy versions in force, dates)
    )
    expect: Expectations | None = None  # checked on the suggestion for this turn

    @model_validator(mode="after")
    def _has_content(self) -> TurnSpec:
        if not self.parts and not (self.text or "").strip():
            raise ValueError("a turn needs `text` or `parts`")
        if self.text and not self.parts:
            self.parts = [TextPart(text=self.text)]
        return self


class ActorSpec(_Strict):
    """Who handles the conversation. Empty id = the case's rep_ref. `on_call: true` = an agent (or rep) on a call with
    this case's customer, so access is decided on the call (an agent may only see the customer on their call)."""

    id: str = ""
    role: Role = "rep"
    team: str = ""
    on_call: bool = False


class Case(_Strict):
    """One conversation replayed through the copilot. `expect` applies to the last turn's suggestion."""

    id: str = Field(pattern=CASE_ID)
    title: str = ""
    tags: list[str] = Field(default_factory=list)
    channel: Channel = Channel.WECOM_APP
    customer_ref: str = Field(min_length=1)
    rep_ref: str = ""
    actor: ActorSpec | None = None
    turns: list[TurnSpec] = Field(min_length=1)
    expect: Expectations = Field(default_factory=Expectations)
    metadata: dict[str, Any] = Field(default_factory=dict)
    heldout: bool = (
        False  # held-out split: never tuned on; reported apart (`copilot eval run --split heldout`)
    )

    def expectations_by_turn(self) -> dict[int, Expectations]:
        """Turn index → expectations; the case-level `expect` lands on the last turn (merged over a turn's own)."""
        out = {i: t.expect for i, t in enumerate(self.turns) if t.expect is not None}
        last = len(self.turns) - 1
        if not self.expect.is_empty():
            if last in out:
                merged = out[last].model_dump(exclude_defaults=True) | self.expect.model_dump(
                    exclude_defaults=True
                )
                out[last] = Expectations.model_validate(merged)
            else:
                out[last] = self.expect
        return out


class TenantRef(_Strict):
    """A tenant folder the runner loads into fresh stores: policies (Markdown/PDF/DOCX with front matter), CRM CSVs and
    the action catalog / playbooks. Paths are relative to the suite file."""

    path: str
    id: str | None = (
        None  # the tenant id on every message, record and ledger entry; default: the folder's name
    )
    policies: str = "policies"
    crm: str = "crm"
    catalog: str = "tenant.yaml"
    # ISO date (or date-time) the conversations happened: the clock for turns without `sent_at` — signals, policy
    # versions in force and dates are computed as of then, and the demo CRM is anchored on it
    as_of: str | None = None

    @model_validator(mode="after")
    def _iso(self) -> TenantRef:
        if self.as_of is not None:
            try:
                datetime.fromisoformat(self.as_of)
            except ValueError as exc:
                raise ValueError(f"as_of {self.as_of!r} is not an ISO date (YYYY-MM-DD)") from exc
        return self

    def as_of_time(self) -> datetime | None:
        if self.as_of is None:
            return None
        when = datetime.fromisoformat(self.as_of)
        if len(self.as_of) <= 10:  # a bare date: the working day starts at 09:00
            when = when.replace(hour=9)
        return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


class LatencyBar(_Strict):
    p50_ms: float | None = None
    p95_ms: float | None = None


class SLA(_Strict):
    """Per-capability service levels: latency per graph node ("total" = the whole turn) and accuracy bars per metric."""

    latency: dict[str, LatencyBar] = Field(default_factory=dict)
    accuracy: dict[str, float] = Field(default_factory=dict)  # metric name → minimum


class Gate(_Strict):
    """A release gate on one metric of the run: fails when the value is missing, below `min` or above `max`."""

    metric: str = Field(min_length=1)
    min: float | None = None
    max: float | None = None
    label: str = ""

    @model_validator(mode="after")
    def _bound(self) -> Gate:
        if self.min is None and self.max is None:
            raise ValueError("a gate needs `min` or `max`")
        return self


class Suite(_Strict):
    name: str = Field(min_length=1)
    description: str = ""
    version: str = "1"
    lang: str = "zh"
    tenant: TenantRef | None = None
    sla: SLA = Field(default_factory=SLA)
    gates: list[Gate] = Field(default_factory=list)
    cases: list[Case] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> Suite:
        seen: set[str] = set()
        for c in self.cases:
            if c.id in seen:
                raise ValueError(f"duplicate case id {c.id!r}")
            seen.add(c.id)
        return self

    def all_gates(self) -> list[Gate]:
        """Explicit gates plus the SLA's accuracy bars and latency p95 ceilings."""
        gates = list(self.gates)
        gates += [Gate(metric=m, min=v, label="SLA") for m, v in self.sla.accuracy.items()]
        for node, bar in self.sla.latency.items():
            if bar.p95_ms is not None:
                gates.append(Gate(metric=f"latency.{node}.p95_ms", max=bar.p95_ms, label="SLA"))
            if bar.p50_ms is not None:
                gates.append(Gate(metric=f"latency.{node}.p50_ms", max=bar.p50_ms, label="SLA"))
        return gates
