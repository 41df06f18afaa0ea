"""What the ledger hands back: entries, verification reports, checkpoints."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

ALL_TENANTS = "*"  # the tenant of an unbound ledger's redaction: it covered every tenant's entries


class EntryKind(StrEnum):
    SUGGESTION = "suggestion"  # any AI intervention: suggestion, autopilot send, summary, blocked, abstain
    DECISION = "decision"  # the human's accept / edit / reject
    ACCESS_DENIED = "access_denied"  # a refused decision or look-up, kept as evidence
    REDACTION = "redaction"  # the retention policy dropped payloads (their hashes stay in the chain)
    PII_ACCESS = "pii_access"  # an authorised unmasking of vault tokens (who, which tokens; never the values)


class LedgerEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    seq: int
    id: str
    kind: EntryKind
    suggestion_id: str = ""
    tenant: str = ""
    conversation_id: str = ""
    customer_ref: str = ""
    rep_ref: str = ""
    intent: str = ""
    suggestion_kind: str = ""
    actor: str = ""
    decision: str = ""
    reason_code: str = ""
    created_at: str  # when it happened (suggestion created / decision taken), ISO-8601 UTC
    recorded_at: str  # when the ledger appended it
    time_to_decision_ms: int | None = None
    payload: dict[str, Any] | None = None  # None once redacted
    payload_hash: str
    prev_hash: str
    entry_hash: str
    redacted_at: str | None = None

    @classmethod
    def from_row(cls, row: Any) -> LedgerEntry:
        data = dict(row._mapping)
        raw = data.pop("payload")
        return cls(**data, payload=json.loads(raw) if raw is not None else None)


class BrokenEntry(BaseModel):
    """The first entry whose stored bytes disagree with the chain, and what disagrees."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seq: int
    id: str
    problem: str  # payload_hash | entry_hash | prev_hash | seq_gap | head | checkpoint | unrecorded_redaction
    detail: str
    expected: str = ""
    found: str = ""


class VerifyReport(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    ok: bool
    entries: int
    head_seq: int
    head_hash: str
    checkpoints_checked: int = 0
    redacted: int = 0
    first_broken: BrokenEntry | None = None
    # "" = the operator's report on the whole chain; a tenant = that tenant's report on the same chain-wide check:
    # entries, head and redacted count its own entries only, and a break elsewhere names none of another tenant's
    tenant: str = ""

    def as_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def summary(self) -> str:
        if self.ok and self.tenant:
            return (f"ok: {self.entries} entries of tenant {self.tenant} (the whole shared chain re-hashed), its last "
                    f"{self.head_seq} {self.head_hash}, {self.checkpoints_checked} checkpoints")  # fmt: skip
        if self.ok:
            return f"ok: {self.entries} entries, head {self.head_seq} {self.head_hash}, {self.checkpoints_checked} checkpoints"
        b = self.first_broken
        assert b is not None
        if b.seq == 0 and self.tenant:
            return f"BROKEN {b.id}: {b.problem}: {b.detail}"
        return f"BROKEN at seq {b.seq} (entry {b.id}): {b.problem}: {b.detail}"


class Checkpoint(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    seq: int
    entry_hash: str
    signature: str
    created_at: str


class Rates(BaseModel):
    """Counts and rates over decided suggestions (pending ones are counted but excluded from the rates)."""

    model_config = ConfigDict(extra="forbid")

    shown: int = 0
    decided: int = 0
    accepted: int = 0
    edited: int = 0
    rejected: int = 0
    acceptance_rate: float = 0.0
    edit_rate: float = 0.0
    reject_rate: float = 0.0


class LedgerMetrics(BaseModel):
    model_config = ConfigDict(extra="forbid")

    overall: Rates
    by_intent: dict[str, Rates] = Field(default_factory=dict)
    by_action: dict[str, Rates] = Field(default_factory=dict)
    by_rule: dict[str, Rates] = Field(default_factory=dict)
    by_doc: dict[str, Rates] = Field(default_factory=dict)
    by_rep: dict[str, Rates] = Field(default_factory=dict)
    top_reject_reasons: list[tuple[str, int]] = Field(default_factory=list)
    time_to_decision_ms: dict[str, float] = Field(default_factory=dict)  # count, mean, p50, p90, max
    access_denied: int = 0

    def as_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")
