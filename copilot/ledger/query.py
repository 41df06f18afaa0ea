"""Look-ups and exports over the ledger: by conversation, customer, rep, intent, action, rule, document and time."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from typing import IO, Any

from sqlalchemy import Connection, Select, exists, func, select
from sqlalchemy.engine import Engine

from contract.errors import InputError
from copilot.ledger.canonical import iso_utc
from copilot.ledger.models import EntryKind, LedgerEntry
from copilot.ledger.schema import entries, refs

_COLUMN_FILTERS = {
    "conversation": entries.c.conversation_id,
    "customer": entries.c.customer_ref,
    "rep": entries.c.rep_ref,
    "intent": entries.c.intent,
    "suggestion": entries.c.suggestion_id,
    "kind": entries.c.kind,
    "entry_id": entries.c.id,
    "actor": entries.c.actor,
    "tenant": entries.c.tenant,  # a bound ledger (copilot.ledger.store) always sets it
}
_REF_FILTERS = {"action": "action", "rule": "rule", "doc": "doc"}
CSV_COLUMNS = (
    "seq", "id", "kind", "created_at", "recorded_at", "tenant", "conversation_id", "customer_ref", "rep_ref",
    "intent", "suggestion_id", "suggestion_kind", "actions", "doc_ids", "actor", "decision", "reason_code",
    "time_to_decision_ms", "final_text", "redacted_at", "payload_hash", "prev_hash", "entry_hash",
)  # fmt: skip


def _stamp(value: datetime | str) -> str:
    return iso_utc(value) if isinstance(value, datetime) else iso_utc(datetime.fromisoformat(value))


def filtered(stmt: Select[Any], **filters: Any) -> Select[Any]:
    for name, value in filters.items():
        if value is None or value == "":
            continue
        if name in _COLUMN_FILTERS:
            stmt = stmt.where(_COLUMN_FILTERS[name] == str(value))
        elif name in _REF_FILTERS:
            stmt = stmt.where(
                exists().where(
                    refs.c.suggestion_id == entries.c.suggestion_id,
                    refs.c.ref_kind == _REF_FILTERS[name],
                    refs.c.ref_value == str(value),
                )
            )
        elif name == "since":
            stmt = stmt.where(entries.c.created_at >= _stamp(value))
        elif name == "until":
            stmt = stmt.where(entries.c.created_at < _stamp(value))
        elif name == "limit":
            stmt = stmt.limit(int(value))
        else:
            raise InputError(f"unknown ledger filter {name!r}", reason="unknown_filter")
    return stmt


def find(engine: Engine, **filters: Any) -> list[LedgerEntry]:
    stmt = filtered(select(entries).order_by(entries.c.seq), **filters)
    with engine.connect() as conn:
        return [LedgerEntry.from_row(row) for row in conn.execute(stmt)]


def count(engine: Engine, kind: EntryKind | None = None, *, tenant: str = "") -> int:
    stmt = select(func.count()).select_from(entries)
    if tenant:
        stmt = stmt.where(entries.c.tenant == tenant)
    if kind is not None:
        stmt = stmt.where(entries.c.kind == kind.value)
    with engine.connect() as conn:
        return int(conn.execute(stmt).scalar_one())


def _header(conn: Connection, kind: EntryKind, suggestion_id: str, tenant: str = "") -> dict[str, Any] | None:
    """The entry of this kind for a suggestion; with `tenant`, only that tenant's (another's does not exist)."""
    stmt = select(entries).where(entries.c.kind == kind.value, entries.c.suggestion_id == suggestion_id)
    if tenant:
        stmt = stmt.where(entries.c.tenant == tenant)
    row = conn.execute(stmt).first()
    return dict(row._mapping) if row is not None else None


def suggestion_header(conn: Connection, suggestion_id: str, *, tenant: str = "") -> dict[str, Any] | None:
    return _header(conn, EntryKind.SUGGESTION, suggestion_id, tenant)


def decision_header(conn: Connection, suggestion_id: str, *, tenant: str = "") -> dict[str, Any] | None:
    return _header(conn, EntryKind.DECISION, suggestion_id, tenant)


def draft_text(conn: Connection, suggestion_entry: dict[str, Any]) -> str | None:
    if suggestion_entry["payload"] is None:
        return None
    draft = json.loads(suggestion_entry["payload"])["suggestion"].get("draft")
    return draft["text"] if draft else None


def _refs_by_suggestion(conn: Connection, suggestion_ids: set[str]) -> dict[str, dict[str, list[str]]]:
    out: dict[str, dict[str, list[str]]] = {}
    ids = sorted(suggestion_ids)
    for start in range(0, len(ids), 500):
        stmt = select(refs).where(refs.c.suggestion_id.in_(ids[start : start + 500]))
        for row in conn.execute(stmt):
            out.setdefault(row.suggestion_id, {}).setdefault(row.ref_kind, []).append(row.ref_value)
    return out


def export(engine: Engine, out: IO[str], *, fmt: str = "jsonl", **filters: Any) -> int:
    """JSONL: every entry whole (payload and hashes), so an auditor can re-verify offline. CSV: one flat row per
    entry for a spreadsheet (no payload, but the final text of decisions). Returns the number of entries written."""
    if fmt not in ("jsonl", "csv"):
        raise InputError(f"export format must be jsonl or csv, not {fmt!r}", reason="export_format")
    stmt = filtered(select(entries).order_by(entries.c.seq), **filters)
    written = 0
    with engine.connect() as conn:
        rows = conn.execution_options(stream_results=True, yield_per=2000).execute(stmt)
        writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore") if fmt == "csv" else None
        if writer is not None:
            writer.writeheader()
        for part in rows.partitions():
            chunk = [LedgerEntry.from_row(r) for r in part]
            ref_map = _refs_by_suggestion(conn, {e.suggestion_id for e in chunk}) if writer else {}
            for entry in chunk:
                if writer is None:
                    out.write(json.dumps(entry.model_dump(mode="json"), ensure_ascii=False) + "\n")
                else:
                    writer.writerow(_csv_row(entry, ref_map.get(entry.suggestion_id, {})))
                written += 1
    return written


def _csv_row(entry: LedgerEntry, entry_refs: dict[str, list[str]]) -> dict[str, Any]:
    row = entry.model_dump(mode="json", exclude={"payload"})
    row["actions"] = ";".join(entry_refs.get("action", []))
    row["doc_ids"] = ";".join(entry_refs.get("doc", []))
    decision = (entry.payload or {}).get("decision") or {}
    row["final_text"] = decision.get("final_text") or ""
    return row


def accepted_suggestions(engine: Engine, *, tenant: str, since: datetime, limit: int) -> list[LedgerEntry]:
    """The `limit` newest suggestions of `tenant` since `since` whose human decision was accept or edit, each with its
    decision entry: what the evidence-usage prior learns from (knowledge/policy/usage_prior.pairs_from_ledger). Reads
    the decisions first (small rows) and then only those suggestions' payloads, never every suggestion's."""
    decided = (
        select(entries.c.suggestion_id)
        .where(
            entries.c.kind == EntryKind.DECISION.value,
            entries.c.decision.in_(("accept", "edit")),
            entries.c.tenant == tenant,
            entries.c.created_at >= _stamp(since),
        )
        .order_by(entries.c.seq.desc())
        .limit(int(limit))
    )
    with engine.connect() as conn:
        ids = list(dict.fromkeys(str(r[0]) for r in conn.execute(decided)))
        found: list[LedgerEntry] = []
        for start in range(0, len(ids), 500):  # bound the IN list
            chunk = ids[start : start + 500]
            stmt = (
                select(entries)
                .where(entries.c.tenant == tenant, entries.c.suggestion_id.in_(chunk))
                .where(entries.c.kind.in_((EntryKind.SUGGESTION.value, EntryKind.DECISION.value)))
                .order_by(entries.c.seq)
            )
            found += [LedgerEntry.from_row(row) for row in conn.execute(stmt)]
    return found
