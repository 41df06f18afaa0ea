"""Retention: drop payloads older than a date, keep the chain verifiable.

Only the payload column is cleared; its hash stays in the chained header, so `verify()` stays green and nobody can
later slip different bytes in. The redaction itself is appended as a chained entry (when, what cut-off, how many), and
`verify()` flags any payload that vanished without such an entry covering it.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select, update

from copilot.ledger import entries as build
from copilot.ledger.canonical import iso_utc, now_iso
from copilot.ledger.models import EntryKind
from copilot.ledger.schema import entries

if TYPE_CHECKING:
    from copilot.ledger.store import Ledger


def redact(ledger: Ledger, *, before: datetime, actor_id: str = "retention") -> int:
    """Clears the payload of every entry created before `before` (redaction entries excepted); returns how many.
    A ledger bound to a tenant redacts that tenant's entries only (its redaction entry names the tenant); an unbound
    one, every tenant's (its entry says "*")."""
    cutoff = iso_utc(before)
    due = (
        entries.c.created_at < cutoff,
        entries.c.payload.is_not(None),
        entries.c.kind != EntryKind.REDACTION.value,
        *((entries.c.tenant == ledger.tenant,) if ledger.tenant else ()),
    )
    with ledger.engine_write() as conn:
        count, through = conn.execute(select(func.count(), func.max(entries.c.seq)).where(*due)).one()
        if not count:
            return 0
        conn.execute(update(entries).where(*due).values(payload=None, redacted_at=now_iso()))
        ledger._append(conn, [build.redaction_row(cutoff, int(count), int(through), actor_id)])
    return int(count)
