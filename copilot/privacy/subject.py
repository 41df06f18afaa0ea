"""Data-subject requests (PIPL art. 45/47): export what the ledger holds about a customer, erase it across stores.

Erasure clears the payload of every ledger entry about the customer. The payload's hash stays in the chained header
(payload hashes are separate from the chain), and the erasure itself is appended as a chained REDACTION entry, so
`ledger verify` stays green and nobody can later slip other bytes in. The customer's conversation threads are deleted
from the checkpointer and their vault keys dropped. The CRM is the company's system of record and is not touched."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, update

from contract.errors import InputError, NotFound
from copilot.ledger import entries as build
from copilot.ledger.canonical import now_iso
from copilot.ledger.models import EntryKind
from copilot.ledger.schema import entries

ERASURE_REASON = "subject_erasure"


def _check_customer(customer: str) -> str:
    customer = (customer or "").strip()
    if not customer or len(customer) > 200:
        raise InputError("give the customer id (--customer C1001)", reason="customer_missing")
    return customer


def subject_ref(customer: str) -> str:
    """What the erasure entry records about whom: a hash, so the audit trail of an erasure names no one."""
    return "sha256:" + hashlib.sha256(customer.encode()).hexdigest()[:24]


def export_subject(ledger: Any, customer: str) -> dict[str, Any]:
    """Every ledger entry whose customer_ref is `customer`, with its payload (already masked at recording), plus
    counts. An erased customer's entries appear with `payload: null` and `redacted_at` set."""
    customer = _check_customer(customer)
    found = ledger.find(customer=customer)
    rows = [e.model_dump(mode="json") for e in found]
    kinds: dict[str, int] = {}
    for e in found:
        kinds[e.kind.value] = kinds.get(e.kind.value, 0) + 1
    return {
        "customer": customer,
        "generated_at": now_iso(),
        "entries": rows,
        "counts": {
            "entries": len(rows),
            "by_kind": kinds,
            "redacted": sum(1 for e in found if e.payload is None),
        },
        "conversations": sorted({e.conversation_id for e in found if e.conversation_id}),
        "note": "payloads hold masked text (tokens such as <CN_MOBILE_1>); raw values are never in the ledger",
    }


@dataclass
class ErasureReport:
    customer_ref_hash: str
    ledger_entries_redacted: int = 0
    redaction_entry_id: str = ""
    conversations: list[str] = field(default_factory=list)
    checkpoint_threads_deleted: int = 0
    vault_keys_dropped: int = 0
    ledger_verify_ok: bool | None = None
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def erase_ledger(
    ledger: Any, customer: str, *, actor_id: str = "privacy", tenant: str | None = None
) -> tuple[int, str, list[tuple[str, str]]]:
    """Clears the payloads about `customer` and appends the chained redaction entry, in one serialised transaction.
    Returns (entries cleared, the redaction entry id, the (tenant, conversation) pairs touched). Scoped to `tenant`
    (default: the ledger's bound tenant): a customer id is a tenant's own, and the same id in another tenant of a
    shared database is another person. Only an unbound ledger with no tenant given erases the id in every tenant."""
    customer = _check_customer(customer)
    scope = ledger.tenant if tenant is None else tenant
    due = (
        entries.c.customer_ref == customer,
        *((entries.c.tenant == scope,) if scope else ()),
        entries.c.payload.is_not(None),
        entries.c.kind != EntryKind.REDACTION.value,
    )
    with ledger.engine_write() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql(
                "PRAGMA secure_delete = ON"
            )  # the cleared bytes are overwritten, not just freed
        count, through = conn.execute(select(func.count(), func.max(entries.c.seq)).where(*due)).one()
        threads = sorted(
            {
                (t or "", c)
                for t, c in conn.execute(select(entries.c.tenant, entries.c.conversation_id).where(*due))
                if c
            }
        )
        if not count:
            return 0, "", threads
        when = now_iso()
        conn.execute(update(entries).where(*due).values(payload=None, redacted_at=when))
        # the shape of a retention redaction (verify reads `before`), marked as an erasure and for whom (hashed)
        payload = {
            "before": when,
            "redacted_entries": int(count),
            "through_seq": int(through),
            "reason": ERASURE_REASON,
            "subject": subject_ref(customer),
        }
        row = build._row(EntryKind.REDACTION, payload, when, actor=actor_id, reason_code=ERASURE_REASON)
        if scope:
            row["tenant"] = scope
        entry_id = ledger._append(conn, [row])[0]
    if ledger.engine.dialect.name == "sqlite":
        with ledger.engine.connect() as conn:  # the WAL still holds the old page images until a checkpoint
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return int(count), str(entry_id), threads


def erase_subject(
    ledger: Any,
    customer: str,
    *,
    checkpointer: Any = None,
    vault: Any = None,
    actor_id: str = "privacy",
    tenant: str | None = None,
) -> ErasureReport:
    """Erase `customer` across the ledger, the checkpointer's threads and the PII vault, within `tenant` (default:
    the ledger's bound tenant; see `erase_ledger`). NotFound when the ledger knows nothing about them there (nothing
    is written then)."""
    customer = _check_customer(customer)
    scope = ledger.tenant if tenant is None else tenant
    if not ledger.find(customer=customer, limit=1, **({"tenant": scope} if scope else {})):
        raise NotFound(f"the ledger holds nothing about customer {customer!r}", reason="subject_unknown")
    report = ErasureReport(customer_ref_hash=subject_ref(customer))
    count, entry_id, threads = erase_ledger(ledger, customer, actor_id=actor_id, tenant=scope)
    report.ledger_entries_redacted, report.redaction_entry_id = count, entry_id
    report.conversations = [c for _, c in threads]
    for tenant, conversation in threads:
        key = f"{tenant or 'demo'}:{conversation}"
        if checkpointer is not None and hasattr(checkpointer, "delete_thread"):
            checkpointer.delete_thread(key)
            report.checkpoint_threads_deleted += 1
        if vault is not None and hasattr(vault, "forget"):
            report.vault_keys_dropped += int(vault.forget(key))
    if count == 0:
        report.notes.append("every entry about this customer was already redacted")
    report.notes.append(
        "processed inbox payloads are redacted on ack; the CRM (system of record) is not changed"
    )
    report.ledger_verify_ok = bool(ledger.verify().ok)
    return report
