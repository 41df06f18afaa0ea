"""`HumanDecision`: what the rep or agent did with a suggestion."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator


class DecisionKind(StrEnum):
    ACCEPT = "accept"
    EDIT = "edit"
    REJECT = "reject"


REJECT_REASONS = (
    "wrong_intent",
    "wrong_action",  # with the right action named in reason_text: a candidate example (agents.learning)
    "wrong_evidence",
    "outdated_policy",
    "wrong_customer_data",
    "tone",
    "not_needed",
    "compliance",
    "other",
)


class HumanDecision(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    suggestion_id: str = Field(min_length=1)
    kind: DecisionKind
    actor: str = Field(min_length=1)
    final_text: str | None = None  # required for edit; the accepted draft for accept (filled by the ledger)
    reason_code: str | None = None  # required for reject
    reason_text: str = ""
    decided_at: datetime = Field(default_factory=lambda: datetime.now(UTC))

    @model_validator(mode="after")
    def _check(self) -> HumanDecision:
        if self.kind is DecisionKind.EDIT and not (self.final_text or "").strip():
            raise ValueError("an edit needs the final text")
        if self.kind is DecisionKind.REJECT and not self.reason_code:
            raise ValueError("a rejection needs a reason_code")
        # reason_code is a chained ledger column that retention cannot redact: only the fixed codes, for every kind
        # (free text, which may carry personal data, goes to reason_text, which is masked)
        if self.reason_code is not None and self.reason_code not in REJECT_REASONS:
            raise ValueError(
                f"unknown reason_code {self.reason_code[:40]!r}; use one of {', '.join(REJECT_REASONS)}"
            )
        return self
