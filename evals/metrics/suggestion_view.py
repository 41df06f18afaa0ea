"""Read what a metric needs out of a Suggestion serialised as JSON (runs are stored and re-scored as plain dicts)."""

from __future__ import annotations

import json
from typing import Any

ABSTAIN_NAMES = {"out_of_scope", "abstain"}
VERDICT_ORDER = {"allow": 0, "warn": 1, "block": 2}


def intent_name(s: dict[str, Any]) -> str:
    intent = s.get("intent") or {}
    if intent.get("abstained") or s.get("kind") == "abstain" or intent.get("name") in ABSTAIN_NAMES:
        return "out_of_scope"
    return str(intent.get("name", ""))


def evidence(s: dict[str, Any]) -> list[dict[str, Any]]:
    return list(s.get("evidence") or [])


def policy_evidence(s: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in evidence(s) if e.get("kind") == "policy_clause"]


def doc_of(e: dict[str, Any]) -> tuple[str, str, str]:
    src = e.get("source_ids") or {}
    return (
        str(src.get("doc_id", "")),
        str(e.get("version") or src.get("version", "")),
        str(src.get("clause", "")),
    )


def ranked_doc_ids(s: dict[str, Any]) -> list[str]:
    """Policy documents in retrieval order (by score when every clause has one, else as listed)."""
    clauses = policy_evidence(s)
    if clauses and all(e.get("score") is not None for e in clauses):
        clauses = sorted(clauses, key=lambda e: -float(e["score"]))
    return [doc_of(e)[0] for e in clauses]


def draft_text(s: dict[str, Any]) -> str:
    d = s.get("draft") or {}
    return str(d.get("text", ""))


def shown_text(s: dict[str, Any]) -> str:
    """What the human reads: the draft; for a rep's ask (REP_ANSWER) or a refusal without a draft, the answer line
    addressed to the rep."""
    text = draft_text(s)
    if not text and s.get("kind") in ("rep_answer", "refusal"):
        text = str((s.get("answer") or {}).get("text", ""))
    return text


def cited_ids(s: dict[str, Any]) -> set[str]:
    """Evidence the suggestion stands on: the draft's citations and every action's evidence ids."""
    d = s.get("draft") or {}
    ids = {c["evidence_id"] for c in d.get("citations", [])}
    for a in s.get("actions") or []:
        ids.update(a.get("evidence_ids", []))
    return ids


def cited_policy(s: dict[str, Any]) -> list[dict[str, Any]]:
    ids = cited_ids(s)
    return [e for e in policy_evidence(s) if e.get("id") in ids]


def actions(s: dict[str, Any]) -> list[dict[str, Any]]:
    acts = list(s.get("actions") or [])
    return acts


def signal_ids(s: dict[str, Any]) -> set[str]:
    return {
        str((e.get("source_ids") or {}).get("signal_id", ""))
        for e in evidence(s)
        if e.get("kind") == "signal"
    }


def worst_verdict(s: dict[str, Any], guard: str) -> str | None:
    outcomes = [v.get("outcome") for v in s.get("verdicts") or [] if v.get("guard") == guard]
    return max(outcomes, key=lambda o: VERDICT_ORDER.get(str(o), 0)) if outcomes else None


def searchable_text(s: dict[str, Any], inputs: dict[str, Any] | None = None) -> dict[str, str]:
    """Where a planted PII value must never appear: the draft, the evidence, action parameters, ledger inputs."""
    return {
        "draft": draft_text(s),
        "evidence": "\n".join(
            str(e.get("content", "")) + " " + json.dumps(e.get("lineage", {}), ensure_ascii=False)
            for e in evidence(s)
        ),
        "actions": json.dumps([a.get("parameters", {}) for a in actions(s)], ensure_ascii=False),
        "ledger_inputs": json.dumps(inputs or {}, ensure_ascii=False, default=str),
    }


def is_refusal(s: dict[str, Any]) -> bool:
    """A REFUSAL suggestion, or an access denial the runner recorded as one."""
    return s.get("kind") == "refusal"


def refusal_reason(s: dict[str, Any]) -> str:
    """The logged reason of a refusal (not_owner, not_on_call, other_customer_prices …), wherever the service put it."""
    summary = s.get("summary") or {}
    for key in ("refusal_reason", "reason"):
        if summary.get(key):
            return str(summary[key])
    # the logged access decision before any "can't compute" note: a customer-side refusal carries both, and the
    # note says why no figure was computed, not why the message was refused
    for flag in s.get("flags") or []:
        if str(flag).startswith(("refused:", "refusal:")):
            return str(flag).split(":", 1)[1]
    answer = s.get("answer") or {}
    if answer.get("cannot_compute"):
        return str(answer["cannot_compute"])
    return ""
