"""Every verdict is evidence: the ledger stores it beside the clauses and facts the suggestion used."""

from __future__ import annotations

import json

from contract.evidence import Evidence, EvidenceKind
from contract.suggestions import GuardVerdict


def verdict_evidence(verdict: GuardVerdict) -> Evidence:
    """The verdict as GUARDRAIL_VERDICT evidence. The id is stable: the same verdict gives the same id in every run."""
    body = json.dumps(
        {
            "guard": verdict.guard,
            "outcome": verdict.outcome.value,
            "reasons": verdict.reasons,
            "details": verdict.details,
        },
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    content = f"{verdict.guard}: {verdict.outcome.value}" + (
        " — " + "; ".join(verdict.reasons) if verdict.reasons else ""
    )
    return Evidence(
        id=verdict.evidence_id or Evidence.make_id(EvidenceKind.GUARDRAIL_VERDICT, verdict.guard, body),
        kind=EvidenceKind.GUARDRAIL_VERDICT,
        title=f"guardrail {verdict.guard}",
        content=content,
        source_ids={"guard": verdict.guard, "outcome": verdict.outcome.value},
        lineage={"details": json.loads(body)["details"]},
    )


def with_evidence(verdict: GuardVerdict) -> tuple[GuardVerdict, Evidence]:
    """The verdict with its evidence_id filled in, and that evidence (append both to the Suggestion)."""
    ev = verdict_evidence(verdict)
    return verdict.model_copy(update={"evidence_id": ev.id}), ev
