"""Pure builders of entry rows (no database): what each kind of entry stores, and the look-up refs of a suggestion.

A row here has every chained column except seq / prev_hash / entry_hash / recorded_at, which the appender fills under
its lock. The payload is serialised and hashed here, outside the lock, so the serialised part of an append stays short.
"""

from __future__ import annotations

import difflib
import os
from datetime import datetime
from typing import Any

from contract.decisions import DecisionKind, HumanDecision
from contract.errors import InputError
from contract.ports import Actor
from contract.suggestions import Suggestion
from copilot.ledger.canonical import canonical_json_bytes, iso_utc, now_iso, payload_digest_bytes
from copilot.ledger.models import EntryKind

Row = dict[str, Any]
Ref = tuple[str, str, str]  # (suggestion_id, ref_kind, ref_value)


def new_entry_id() -> str:
    """ "led_" and 24 random hex digits (96 bits from the OS), as uuid4().hex[:24] gave, without building a UUID."""
    return "led_" + os.urandom(12).hex()


def _row(kind: EntryKind, payload: dict[str, Any], created_at: str, **columns: Any) -> Row:
    try:
        payload_bytes = canonical_json_bytes(payload)
    except (TypeError, ValueError) as exc:
        raise InputError(f"ledger payload is not plain JSON: {exc}", reason="payload_not_json") from exc
    row: Row = {
        "id": new_entry_id(),
        "kind": kind.value,
        "suggestion_id": "",
        "tenant": "",
        "conversation_id": "",
        "customer_ref": "",
        "rep_ref": "",
        "intent": "",
        "suggestion_kind": "",
        "actor": "",
        "decision": "",
        "reason_code": "",
        "created_at": created_at,
        "time_to_decision_ms": None,
        "payload": payload_bytes.decode("utf-8"),
        "payload_hash": payload_digest_bytes(
            payload_bytes
        ),  # over the stored text's bytes, as payload_digest
        "redacted_at": None,
    }
    row.update(columns)
    return row


def _context(s: Suggestion | Row) -> dict[str, str]:
    """The suggestion's indexed columns, copied onto decisions and denials so one query finds a whole trail."""
    if isinstance(s, dict):
        return {
            "tenant": s.get("tenant") or "",
            "conversation_id": s.get("conversation_id") or "",
            "customer_ref": s.get("customer_ref") or "",
            "rep_ref": s.get("rep_ref") or "",
            "suggestion_id": s["suggestion_id"],
            "intent": s["intent"],
            "suggestion_kind": s["suggestion_kind"],
        }
    # a Suggestion (every append): plain attribute reads, no per-key lookup function
    return {
        "tenant": s.tenant or "",
        "conversation_id": s.conversation_id or "",
        "customer_ref": s.customer_ref or "",
        "rep_ref": s.rep_ref or "",
        "suggestion_id": s.id,
        "intent": s.intent.name,
        "suggestion_kind": s.kind.value,
    }


def suggestion_row(suggestion: Suggestion, inputs: dict[str, Any]) -> tuple[Row, list[Ref]]:
    """The whole suggestion (evidence, verdicts, timings, model, draft) and its masked inputs."""
    payload = {"suggestion": suggestion.model_dump(mode="json"), "inputs": inputs}
    row = _row(EntryKind.SUGGESTION, payload, iso_utc(suggestion.created_at), **_context(suggestion))
    return row, suggestion_refs(suggestion)


def suggestion_refs(suggestion: Suggestion) -> list[Ref]:
    found: set[tuple[str, str]] = set()
    for action in suggestion.actions:
        found.add(("action", action.name))
        if action.rule_id:
            found.add(("rule", action.rule_id))
        doc = action.parameters.get("doc_id")
        if isinstance(doc, str) and doc:
            found.add(("doc", doc))
    for ev in suggestion.evidence:
        doc = ev.source_ids.get("doc_id")
        if doc:
            found.add(("doc", doc))
    return [(suggestion.id, kind, value[:200]) for kind, value in sorted(found)]


def unified_diff(before: str, after: str) -> str:
    lines = difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True), "suggested", "sent", lineterm=""
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def decision_row(decision: HumanDecision, actor: Actor, suggestion_entry: Row, draft_text: str | None) -> Row:
    """accept → the draft as sent; edit → the final text and a unified diff against the draft; reject → reason."""
    final_text = decision.final_text
    if decision.kind is DecisionKind.ACCEPT and final_text is None:
        final_text = draft_text
    diff = unified_diff(draft_text or "", final_text or "") if decision.kind is DecisionKind.EDIT else ""
    suggested_at = datetime.fromisoformat(suggestion_entry["created_at"].replace("Z", "+00:00"))
    decided_at = (
        decision.decided_at
        if decision.decided_at.tzinfo
        else decision.decided_at.replace(tzinfo=suggested_at.tzinfo)
    )
    elapsed_ms = max(0, round((decided_at - suggested_at).total_seconds() * 1000))
    payload = {
        "decision": decision.model_copy(update={"final_text": final_text}).model_dump(mode="json"),
        "diff": diff,
        "actor": actor.model_dump(mode="json"),
        "suggestion_entry_id": suggestion_entry["id"],
        "suggestion_entry_hash": suggestion_entry["entry_hash"],
    }
    return _row(
        EntryKind.DECISION,
        payload,
        iso_utc(decision.decided_at),
        **_context(suggestion_entry),
        actor=actor.id,
        decision=decision.kind.value,
        reason_code=decision.reason_code or "",
        time_to_decision_ms=elapsed_ms,
    )


def denial_row(
    actor: Actor,
    attempted: str,
    reason: str,
    message: str,
    suggestion_entry: Row | None,
    details: dict[str, Any] | None = None,
) -> Row:
    payload = {
        "attempted": attempted,
        "reason": reason,
        "message": message,
        "actor": actor.model_dump(mode="json"),
        "details": details or {},
    }
    # about a suggestion: its columns; about anything else: the tenant the actor's key was issued for (the ledger
    # stamps its own bound tenant on a row that still names none)
    ctx = _context(suggestion_entry) if suggestion_entry else {"tenant": actor.tenant}
    return _row(EntryKind.ACCESS_DENIED, payload, now_iso(), **ctx, actor=actor.id, reason_code=reason[:40])


def redaction_row(before: str, redacted: int, through_seq: int, actor_id: str) -> Row:
    payload = {"before": before, "redacted_entries": redacted, "through_seq": through_seq}
    return _row(EntryKind.REDACTION, payload, now_iso(), actor=actor_id, reason_code="retention")


def denial_reason(actor: Actor, suggestion_entry: Row, *, deciding: bool) -> str:
    """'' when allowed. Admins may do anything; evaluators read but never decide; reps and agents only their own
    conversations (an agent also the customer on their current call)."""
    if actor.role == "admin":
        return ""
    if actor.role == "evaluator":
        return "evaluator_cannot_decide" if deciding else ""
    if suggestion_entry["rep_ref"] and suggestion_entry["rep_ref"] == actor.id:
        return ""
    if (
        actor.role == "agent"
        and actor.call_customer_ref
        and actor.call_customer_ref == suggestion_entry["customer_ref"]
    ):
        return ""
    return "not_conversation_owner"
