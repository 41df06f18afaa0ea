"""Re-hash the whole chain and name the first entry that disagrees; write and check HMAC-signed checkpoints.

What each check catches:
  payload_hash  an edited payload (the bytes no longer hash to the chained payload hash)
  entry_hash    an edited chained column (rep, intent, decision, time …) or a payload hash rewritten to match
  seq_gap       a deleted entry (or rows renumbered)
  prev_hash     reordered entries, or an entry re-hashed after its successor was written
  head          entries deleted from the end (the head row remembers the last seq and hash)
  checkpoint    a chain rewritten wholesale: the signed checkpoint no longer matches, or its signature fails
  unrecorded_redaction  a payload removed without a chained redaction entry covering it
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from contract.errors import InputError, UserError
from copilot.ledger.canonical import (
    GENESIS_HASH,
    HEADER_FIELDS,
    chain_digest,
    checkpoint_signature,
    now_iso,
    payload_digest,
    signature_matches,
)
from copilot.ledger.engine import write_transaction
from copilot.ledger.models import BrokenEntry, Checkpoint, EntryKind, VerifyReport
from copilot.ledger.schema import checkpoints, entries, head

_STORED = ("payload", "prev_hash", "entry_hash")
_COLUMNS = [entries.c[name] for name in (*HEADER_FIELDS, *_STORED)]
_N = len(HEADER_FIELDS)


class _Broken(Exception):
    def __init__(self, broken: BrokenEntry) -> None:
        self.broken = broken


def _fail(row: dict[str, Any], problem: str, detail: str, expected: str = "", found: str = "") -> _Broken:
    return _Broken(
        BrokenEntry(
            seq=row["seq"], id=row["id"], problem=problem, detail=detail, expected=expected, found=found
        )
    )


def verify(engine: Engine, *, checkpoint_key: str = "") -> VerifyReport:
    with engine.connect() as conn:
        head_seq, head_hash = conn.execute(select(head.c.seq, head.c.entry_hash).where(head.c.id == 1)).one()
        marks = {r.seq: r for r in conn.execute(select(checkpoints))}
        stmt = select(*_COLUMNS).order_by(entries.c.seq)
        rows = conn.execution_options(stream_results=True, yield_per=5000).execute(stmt)
        expected_seq, prev, seen, redacted, checked = 1, GENESIS_HASH, 0, [], 0
        redaction_before = ""
        try:
            for values in rows:
                row = dict(zip(HEADER_FIELDS, values[:_N], strict=True))
                payload, stored_prev, stored_hash = values[_N:]
                if row["seq"] != expected_seq:
                    raise _fail(row, "seq_gap", f"expected seq {expected_seq}: entries are missing or renumbered",
                                str(expected_seq), str(row["seq"]))  # fmt: skip
                if stored_prev != prev:
                    raise _fail(row, "prev_hash", "does not point at the entry before it (reordered or re-hashed)",
                                prev, stored_prev)  # fmt: skip
                if payload is None:
                    redacted.append(row)
                else:
                    if payload_digest(payload) != row["payload_hash"]:
                        raise _fail(row, "payload_hash", "payload bytes were changed", row["payload_hash"],
                                    payload_digest(payload))  # fmt: skip
                    if row["kind"] == EntryKind.REDACTION.value:
                        redaction_before = max(redaction_before, json.loads(payload)["before"])
                computed = chain_digest(prev, row)
                if computed != stored_hash:
                    raise _fail(row, "entry_hash", "a chained column was changed", computed, stored_hash)
                mark = marks.get(row["seq"])
                if mark is not None:
                    _check_mark(row, mark, stored_hash, checkpoint_key)
                    checked += 1
                prev, expected_seq, seen = stored_hash, expected_seq + 1, seen + 1
            last = {"seq": expected_seq - 1, "id": "(head)"}
            if (head_seq, head_hash) != (expected_seq - 1, prev):
                raise _fail(last, "head", "the chain head disagrees with the last entry: entries were removed from "
                            "the end or appended around the ledger", f"{head_seq} {head_hash}", f"{expected_seq - 1} {prev}")  # fmt: skip
            beyond = [s for s in marks if s >= expected_seq]
            if beyond:
                raise _fail(
                    last,
                    "checkpoint",
                    f"a signed checkpoint at seq {min(beyond)} is past the end of the chain",
                )
            for row in redacted:
                if not redaction_before or row["created_at"] >= redaction_before:
                    raise _fail(
                        row, "unrecorded_redaction", "payload removed without a redaction entry covering it"
                    )
        except _Broken as exc:
            return VerifyReport(ok=False, entries=seen, head_seq=head_seq, head_hash=head_hash,
                                checkpoints_checked=checked, redacted=len(redacted), first_broken=exc.broken)  # fmt: skip
    return VerifyReport(ok=True, entries=seen, head_seq=head_seq, head_hash=head_hash, checkpoints_checked=checked,
                        redacted=len(redacted))  # fmt: skip


def _check_mark(row: dict[str, Any], mark: Any, stored_hash: str, key: str) -> None:
    if mark.entry_hash != stored_hash:
        raise _fail(row, "checkpoint", "differs from the signed checkpoint at this seq (chain rewritten)",
                    mark.entry_hash, stored_hash)  # fmt: skip
    if key and not signature_matches(key, mark.seq, mark.entry_hash, mark.signature):
        raise _fail(row, "checkpoint", "the checkpoint's signature is not valid under the configured key")


def write_checkpoint(engine: Engine, key: str) -> Checkpoint:
    """Signs the current head with HMAC-SHA256. Keep the key outside the database (settings / a secret store):
    whoever can rewrite the tables cannot then forge a matching checkpoint."""
    if not key:
        raise UserError(
            "signed checkpoints need a key: set the ledger checkpoint key in settings", reason="no_key"
        )
    with write_transaction(engine) as conn:
        seq, entry_hash = conn.execute(select(head.c.seq, head.c.entry_hash).where(head.c.id == 1)).one()
        if seq == 0:
            raise InputError("the ledger is empty: nothing to checkpoint", reason="empty_ledger")
        existing = conn.execute(select(checkpoints).where(checkpoints.c.seq == seq)).first()
        if existing is not None:
            return Checkpoint(**existing._mapping)
        mark = Checkpoint(seq=seq, entry_hash=entry_hash, signature=checkpoint_signature(key, seq, entry_hash),
                          created_at=now_iso())  # fmt: skip
        conn.execute(checkpoints.insert().values(**mark.model_dump()))
        return mark
