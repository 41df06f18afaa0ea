"""`Suggestion`: what the copilot proposes to the human — intent, next best actions, a cited draft, verdicts, timings."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from contract.evidence import Evidence

# Inline citation markers in drafts look like [1], [2] …; each maps to an evidence id through Draft.citations.
CITATION_MARKER = re.compile(r"\[(\d{1,3})\]")


class VerdictOutcome(StrEnum):
    ALLOW = "allow"
    WARN = "warn"
    BLOCK = "block"


class GuardVerdict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    guard: str  # pii | injection | grounding | policy_rails | …
    outcome: VerdictOutcome
    reasons: list[str] = Field(default_factory=list)
    details: dict[str, Any] = Field(default_factory=dict)
    evidence_id: str = ""  # the verdict is itself evidence


class Intent(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str  # a taxonomy label, or "out_of_scope" when abstaining
    confidence: float = Field(ge=0.0, le=1.0)
    abstained: bool = False
    label_zh: str = ""
    entities: dict[str, list[str]] = Field(default_factory=dict)  # product_model, sku, amount, date …
    sentiment: float = 0.0  # −1 … +1
    urgency: float = 0.0  # 0 … 1
    signals: dict[str, float] = Field(default_factory=dict)  # emoji, pause, hesitation … that shaped it


class Action(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str  # from the tenant's action catalog
    label: str = ""
    parameters: dict[str, Any] = Field(default_factory=dict)
    rationale: str = ""
    evidence_ids: list[str] = Field(default_factory=list)
    score: float = 0.0
    rule_id: str = ""  # the playbook rule that proposed it, when one did
    requires_authority: str = ""  # role needed to execute it


class DraftSource(StrEnum):
    LLM = "llm"
    EXTRACTIVE = "extractive"  # --no-llm or the fallback: sentences lifted from evidence, labelled as such
    FALLBACK = "fallback"  # the LLM timed out or returned garbage; the template/extractive text used instead
    TEMPLATE = "template"  # the answer-first template composer (no LLM): computed facts in locked slots
    NONE = "none"  # abstain / blocked


class Citation(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    marker: str  # "1" for [1]
    evidence_id: str


class Draft(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str
    citations: list[Citation] = Field(default_factory=list)
    source: DraftSource = DraftSource.LLM
    model: str = ""
    prompt_version: str = ""
    lang: str = "zh"

    def markers(self) -> list[str]:
        return CITATION_MARKER.findall(self.text)


def customer_text(text: str) -> str:
    """What the customer receives: the draft without its citation markers ([1], [2] …). The markers point the rep at
    the evidence on the card; to a customer they mean nothing, and the clause is already named in words."""
    return re.sub(r"[ \t]*\[\d{1,3}\]", "", text).strip()


class SuggestionKind(StrEnum):
    SUGGESTION = "suggestion"
    AUTOPILOT = "autopilot"  # sent without a human, per intent above a confidence threshold
    SUMMARY = "summary"  # wrap-up: summary, disposition code, follow-ups
    BLOCKED = "blocked"  # a guardrail blocked the output; the human sees why
    ABSTAIN = "abstain"  # out of scope / unsure: no guess
    REFUSAL = "refusal"  # refused with a logged reason (another rep's customer, another customer's prices …)
    REP_ANSWER = "rep_answer"  # the answer to a rep's own ask: shown to the rep, never sent to the customer


class AnswerStatus(StrEnum):
    COMPUTED = "computed"  # the reasoning tools computed the answer from policy × CRM
    CLAUSE_ONLY = (
        "clause_only"  # no tool applies or "can't compute": the clause is cited, no number is guessed
    )
    NONE = "none"  # nothing to answer (greeting, thanks …)


class Answer(BaseModel):
    """The one-line answer shown first on the card, before the draft: what this customer needs to hear, computed
    by deterministic tools from the policy and their own data. Every evidence id must be in the suggestion."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str  # e.g. "上季度<品类>采购 86 万元，适用返点 2.5%（《<协议名>》第四条）": the fact, its inputs, its clause
    status: AnswerStatus = AnswerStatus.COMPUTED
    evidence_ids: list[str] = Field(default_factory=list)  # computed facts and the clauses they rest on
    cannot_compute: list[str] = Field(default_factory=list)  # "can't compute: <reason>", one per failed tool


class Suggestion(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(default_factory=lambda: "sug_" + uuid.uuid4().hex[:20])
    kind: SuggestionKind = SuggestionKind.SUGGESTION
    tenant: str = Field(min_length=1, max_length=100)  # no default: every suggestion says whose it is
    channel: str = ""
    conversation_id: str
    message_id: str
    customer_ref: str
    rep_ref: str = ""
    intent: Intent
    actions: list[Action] = Field(default_factory=list)
    answer: Answer | None = None
    draft: Draft | None = None
    evidence: list[Evidence] = Field(default_factory=list)
    verdicts: list[GuardVerdict] = Field(default_factory=list)
    timings_ms: dict[str, float] = Field(default_factory=dict)  # per graph node
    flags: list[str] = Field(
        default_factory=list
    )  # e.g. "crm_unavailable", "lexical_only", "injection_suspected"
    summary: dict[str, Any] = Field(default_factory=dict)  # wrap-up: summary, disposition, follow_ups
    model: str = ""
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))

    @model_validator(mode="after")
    def _explainable(self) -> Suggestion:
        """Every citation and every action's evidence must point at evidence in this suggestion (non-negotiable 7)."""
        ids = {e.id for e in self.evidence}
        if self.draft is not None:
            cited = {c.marker: c.evidence_id for c in self.draft.citations}
            for marker in self.draft.markers():
                if marker not in cited:
                    raise ValueError(f"draft marker [{marker}] has no citation")
            for c in self.draft.citations:
                if c.evidence_id not in ids:
                    raise ValueError(f"citation [{c.marker}] points at unknown evidence {c.evidence_id}")
        if self.answer is not None:
            missing_answer = [e for e in self.answer.evidence_ids if e not in ids]
            if missing_answer:
                raise ValueError(f"answer cites unknown evidence {missing_answer}")
        for a in self.actions:
            missing = [e for e in a.evidence_ids if e not in ids]
            if missing:
                raise ValueError(f"action {a.name} cites unknown evidence {missing}")
        return self

    def evidence_by_id(self) -> dict[str, Evidence]:
        return {e.id: e for e in self.evidence}
