"""Re-hash the whole chain and name the first entry that disagrees; write and check HMAC-signed checkpoints.

What each check catches:
  payload_hash  an edited payload (the bytes no longer hash to the chained payload hash)
  entry_hash    an edited chained column (rep, intent, decision, time …) or a payload hash rewritten to match
  seq_gap       a deleted entry (or rows renumbered)
  prev_hash     reordered entries, or an entry re-hashed after its successor was written
  head          entries deleted from the end (the head row remembers the last seq and hash)
  checkpoint    a chain rewritten wholesale: the signed checkpoint no longer matches, or its signature fails
  witness       the head signed into the witness outside the database is past the end of the chain (entries
                deleted from the end and the head row fixed), or disagrees with the entry at its seq
  unrecorded_redaction  a payload removed without a chained redaction entry covering it
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, LargeBinary, Select, cast, func, select, type_coerce
from sqlalchemy.engine import Engine

from contract.errors import BackendUnavailable, InputError, UserError
from copilot.ledger.canonical import (
    ALGORITHM,
    GENESIS_HASH,
    HEADER_FIELDS,
    chain_digest_values,
    checkpoint_signature,
    now_iso,
    signature_matches,
)
from copilot.ledger.engine import write_transaction
from copilot.ledger.models import BrokenEntry, Checkpoint, EntryKind, VerifyReport
from copilot.ledger.schema import checkpoints, entries, head
from copilot.ledger.witness import Witness

_HEADER_COLUMNS = [entries.c[name] for name in HEADER_FIELDS]


def _payload_bytes(dialect: str) -> Any:
    """The payload's UTF-8 bytes straight from the database: no decode to str and re-encode per row."""
    if dialect == "sqlite":
        return cast(entries.c.payload, LargeBinary)
    return type_coerce(func.convert_to(entries.c.payload, "UTF8"), LargeBinary)  # PostgreSQL


def _stream_rows(conn: Connection, stmt: Select[Any]) -> Iterator[tuple[Any, ...]]:
    """Rows as plain tuples in seq order, a batch at a time. On SQLite straight from the driver's cursor: the
    columns are plain strings, integers and bytes, so SQLAlchemy's per-row Row objects and result processing would
    only add Python work per entry (a million times) without changing a value."""
    if conn.dialect.name != "sqlite":
        yield from conn.execution_options(stream_results=True, yield_per=5000).execute(stmt)
        return
    sql = str(stmt.compile(dialect=conn.dialect))
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql)
        while batch := cursor.fetchmany(5000):
            yield from batch
    finally:
        cursor.close()


def _sha256_bytes(data: bytes) -> str:
    return ALGORITHM + ":" + hashlib.sha256(data).hexdigest()


_N = len(HEADER_FIELDS)


class _Broken(Exception):
    def __init__(self, broken: BrokenEntry) -> None:
        self.broken = broken


def _fail(header: tuple[Any, ...], problem: str, detail: str, expected: str = "", found: str = "") -> _Broken:
    """`header` starts (seq, id, …) as HEADER_FIELDS does."""
    broken = BrokenEntry(
        seq=header[0], id=header[1], problem=problem, detail=detail, expected=expected, found=found
    )
    return _Broken(broken)


_SEQ, _ID, _KIND = (HEADER_FIELDS.index(n) for n in ("seq", "id", "kind"))
_CREATED, _PAYLOAD_HASH = HEADER_FIELDS.index("created_at"), HEADER_FIELDS.index("payload_hash")


def verify(engine: Engine, *, checkpoint_key: str = "", witness: Witness | None = None) -> VerifyReport:
    """One streaming pass in seq order. The inner loop works on plain tuples: it runs a million times."""
    try:
        witnessed = witness.latest() if witness is not None else None
    except (UserError, BackendUnavailable) as exc:  # damaged or unreachable: the chain cannot be vouched for
        broken = BrokenEntry(
            seq=0, id="(witness)", problem="witness", detail=f"the witness cannot be read: {exc}"
        )
        return VerifyReport(ok=False, entries=0, head_seq=0, head_hash="", first_broken=broken)
    with engine.connect() as conn:
        head_row = conn.execute(select(head.c.seq, head.c.entry_hash).where(head.c.id == 1)).first()
        if head_row is None:  # the head row was deleted: a clear verdict, not a crash
            broken = BrokenEntry(seq=0, id="(head)", problem="head",
                                 detail="the chain head row is missing (ledger_head was tampered with)")  # fmt: skip
            return VerifyReport(ok=False, entries=0, head_seq=0, head_hash="", first_broken=broken)
        head_seq, head_hash = head_row
        marks = {r.seq: r for r in conn.execute(select(checkpoints))}
        payload_col = _payload_bytes(engine.dialect.name)
        stmt = select(*_HEADER_COLUMNS, payload_col, entries.c.prev_hash, entries.c.entry_hash).order_by(
            entries.c.seq
        )
        rows = _stream_rows(conn, stmt)
        expected_seq, prev, checked = 1, GENESIS_HASH, 0
        redacted: list[dict[str, Any]] = []
        redaction_before = ""
        try:
            for values in rows:
                header, (payload, stored_prev, stored_hash) = values[:_N], values[_N:]
                if header[_SEQ] != expected_seq:
                    raise _fail(header, "seq_gap", f"expected seq {expected_seq}: entries are missing or renumbered",
                                str(expected_seq), str(header[_SEQ]))  # fmt: skip
                if stored_prev != prev:
                    raise _fail(header, "prev_hash", "does not point at the entry before it (reordered or re-hashed)",
                                prev, stored_prev)  # fmt: skip
                if payload is None:
                    redacted.append({"seq": header[_SEQ], "id": header[_ID], "created_at": header[_CREATED]})
                else:
                    found = _sha256_bytes(payload)
                    if found != header[_PAYLOAD_HASH]:
                        raise _fail(
                            header, "payload_hash", "payload bytes were changed", header[_PAYLOAD_HASH], found
                        )
                    if header[_KIND] == EntryKind.REDACTION.value:
                        redaction_before = max(redaction_before, json.loads(payload)["before"])
                computed = chain_digest_values(prev, header)
                if computed != stored_hash:
                    raise _fail(header, "entry_hash", "a chained column was changed", computed, stored_hash)
                if expected_seq in marks:
                    _check_mark(header, marks[expected_seq], stored_hash, checkpoint_key)
                    checked += 1
                if witnessed is not None and expected_seq == witnessed.seq:
                    _check_witness(header, witnessed, stored_hash, checkpoint_key)
                    checked += 1
                prev, expected_seq = stored_hash, expected_seq + 1
            seen = expected_seq - 1
            last = (seen, "(head)")
            if witnessed is not None and witnessed.seq > seen:
                raise _fail(last, "witness", f"the witness outside the database signed seq {witnessed.seq} but "
                            f"the chain ends at {seen}: entries were removed from the end",
                            f"{witnessed.seq} {witnessed.entry_hash}", f"{seen} {prev}")  # fmt: skip
            if (head_seq, head_hash) != (seen, prev):
                raise _fail(last, "head", "the chain head disagrees with the last entry: entries were removed from "
                            "the end or appended around the ledger", f"{head_seq} {head_hash}", f"{seen} {prev}")  # fmt: skip
            beyond = [s for s in marks if s > seen]
            if beyond:
                raise _fail(
                    last,
                    "checkpoint",
                    f"a signed checkpoint at seq {min(beyond)} is past the end of the chain",
                )
            for r in redacted:
                if not redaction_before or r["created_at"] >= redaction_before:
                    raise _fail((r["seq"], r["id"]), "unrecorded_redaction",
                                "payload removed without a redaction entry covering it")  # fmt: skip
        except _Broken as exc:
            return VerifyReport(ok=False, entries=expected_seq - 1, head_seq=head_seq, head_hash=head_hash,
                                checkpoints_checked=checked, redacted=len(redacted), first_broken=exc.broken)  # fmt: skip
    return VerifyReport(ok=True, entries=seen, head_seq=head_seq, head_hash=head_hash, checkpoints_checked=checked,
                        redacted=len(redacted))  # fmt: skip


def _check_mark(row: tuple[Any, ...], mark: Any, stored_hash: str, key: str) -> None:
    if mark.entry_hash != stored_hash:
        raise _fail(row, "checkpoint", "differs from the signed checkpoint at this seq (chain rewritten)",
                    mark.entry_hash, stored_hash)  # fmt: skip
    if key and not signature_matches(key, mark.seq, mark.entry_hash, mark.signature):
        raise _fail(row, "checkpoint", "the checkpoint's signature is not valid under the configured key")


def _check_witness(row: tuple[Any, ...], mark: Checkpoint, stored_hash: str, key: str) -> None:
    if mark.entry_hash != stored_hash:
        raise _fail(row, "witness", "differs from the head signed into the witness (chain rewritten)",
                    mark.entry_hash, stored_hash)  # fmt: skip
    if key and not signature_matches(key, mark.seq, mark.entry_hash, mark.signature):
        raise _fail(row, "witness", "the witnessed head's signature is not valid under the configured key")


def write_checkpoint(engine: Engine, key: str) -> Checkpoint:
    """Signs the current head with HMAC-SHA256. Keep the key outside the database (settings / a secret store):
    whoever can rewrite the tables cannot then forge a matching checkpoint."""
    if not key:
        raise UserError(
            "signed checkpoints need a key: set the ledger checkpoint key in settings", reason="no_key"
        )
    with write_transaction(engine) as conn:
        head_row = conn.execute(select(head.c.seq, head.c.entry_hash).where(head.c.id == 1)).first()
        if head_row is None:
            raise UserError(
                "the chain head row is missing: run `copilot ledger verify`", reason="head_missing"
            )
        seq, entry_hash = head_row
        if seq == 0:
            raise InputError("the ledger is empty: nothing to checkpoint", reason="empty_ledger")
        existing = conn.execute(select(checkpoints).where(checkpoints.c.seq == seq)).first()
        if existing is not None:
            return Checkpoint(**existing._mapping)
        mark = Checkpoint(seq=seq, entry_hash=entry_hash, signature=checkpoint_signature(key, seq, entry_hash),
                          created_at=now_iso())  # fmt: skip
        conn.execute(checkpoints.insert().values(**mark.model_dump()))
        return mark
