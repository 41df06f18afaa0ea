"""Named, forward-only schema migrations, recorded in `ledger_migrations` (the simonw/llm way).

Each step declares its own DDL instead of reusing schema.py, so a later change to the current tables never rewrites
history. Never edit or reorder a step that has shipped; add a new one. A database that knows a step this code does not
is refused: it was written by a newer release.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    insert,
    select,
    text,
)
from sqlalchemy.engine import Engine

from contract.errors import UserError
from copilot.ledger.canonical import GENESIS_HASH, now_iso
from copilot.ledger.engine import write_transaction

Migration = Callable[[Connection], None]


def m001_entries_and_head(conn: Connection) -> None:
    md = MetaData()
    seq_type = BigInteger().with_variant(Integer(), "sqlite")
    Table(
        "ledger_head",
        md,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("seq", BigInteger, nullable=False),
        Column("entry_hash", String(80), nullable=False),
    )
    entries = Table(
        "ledger_entries",
        md,
        Column("seq", seq_type, primary_key=True, autoincrement=False),
        Column("id", String(40), nullable=False, unique=True),
        Column("kind", String(20), nullable=False),
        Column("suggestion_id", String(80), nullable=False),
        Column("tenant", String(100), nullable=False),
        Column("conversation_id", String(200), nullable=False),
        Column("customer_ref", String(200), nullable=False),
        Column("rep_ref", String(200), nullable=False),
        Column("intent", String(100), nullable=False),
        Column("suggestion_kind", String(20), nullable=False),
        Column("actor", String(200), nullable=False),
        Column("decision", String(10), nullable=False),
        Column("reason_code", String(40), nullable=False),
        Column("created_at", String(32), nullable=False),
        Column("recorded_at", String(32), nullable=False),
        Column("time_to_decision_ms", BigInteger, nullable=True),
        Column("payload", Text, nullable=True),
        Column("payload_hash", String(80), nullable=False),
        Column("prev_hash", String(80), nullable=False),
        Column("entry_hash", String(80), nullable=False),
    )
    for name in ("suggestion_id", "conversation_id", "customer_ref", "rep_ref", "intent", "created_at"):
        Index(f"ix_ledger_entries_{name}", entries.c[name])
    # At most one suggestion entry and one decision entry per suggestion id, whatever the code above does.
    for kind in ("suggestion", "decision"):
        Index(
            f"ux_ledger_one_{kind}",
            entries.c.suggestion_id,
            unique=True,
            sqlite_where=text(f"kind = '{kind}'"),
            postgresql_where=text(f"kind = '{kind}'"),
        )
    md.create_all(conn)
    conn.execute(text("INSERT INTO ledger_head (id, seq, entry_hash) VALUES (1, 0, :h)"), {"h": GENESIS_HASH})


def m002_refs(conn: Connection) -> None:
    md = MetaData()
    refs = Table(
        "ledger_refs",
        md,
        Column("suggestion_id", String(80), primary_key=True),
        Column("ref_kind", String(10), primary_key=True),
        Column("ref_value", String(200), primary_key=True),
    )
    Index("ix_ledger_refs_value", refs.c.ref_kind, refs.c.ref_value)
    md.create_all(conn)


def m003_checkpoints(conn: Connection) -> None:
    md = MetaData()
    Table(
        "ledger_checkpoints",
        md,
        Column("seq", BigInteger, primary_key=True, autoincrement=False),
        Column("entry_hash", String(80), nullable=False),
        Column("signature", String(100), nullable=False),
        Column("created_at", String(32), nullable=False),
    )
    md.create_all(conn)


def m004_redaction(conn: Connection) -> None:
    conn.execute(text("ALTER TABLE ledger_entries ADD COLUMN redacted_at VARCHAR(32)"))


def m005_message_keys(conn: Connection) -> None:
    """Exactly once: at most one suggestion per (tenant, channel, message id), whatever process or retry records it.
    A separate table (not a chained column) so the hash chain of existing entries is untouched."""
    md = MetaData()
    keys = Table(
        "ledger_message_keys",
        md,
        Column("tenant", String(100), primary_key=True),
        Column("channel", String(20), primary_key=True),
        Column("message_id", String(200), primary_key=True),
        Column("conversation_id", String(200), nullable=False),
        Column("suggestion_id", String(80), nullable=False),
    )
    Index("ix_ledger_message_keys_suggestion", keys.c.suggestion_id)
    md.create_all(conn)


MIGRATIONS: tuple[tuple[str, Migration], ...] = (
    ("m001_entries_and_head", m001_entries_and_head),
    ("m002_refs", m002_refs),
    ("m003_checkpoints", m003_checkpoints),
    ("m004_redaction", m004_redaction),
    ("m005_message_keys", m005_message_keys),
)


def migrate(engine: Engine) -> list[str]:
    """Applies the missing steps in order, under the ledger's write lock; returns the names applied."""
    md = MetaData()
    recorded = Table(
        "ledger_migrations",
        md,
        Column("name", String(100), primary_key=True),
        Column("applied_at", String(32), nullable=False),
    )
    applied: list[str] = []
    with write_transaction(engine, lock_head=False) as conn:
        md.create_all(conn)
        done = set(conn.execute(select(recorded.c.name)).scalars())
        unknown = done - {name for name, _ in MIGRATIONS}
        if unknown:
            raise UserError(
                f"the ledger database has migrations this code does not know ({', '.join(sorted(unknown))}); "
                "upgrade channel-copilot before opening it",
                reason="ledger_schema_newer",
            )
        for name, step in MIGRATIONS:
            if name not in done:
                step(conn)
                conn.execute(insert(recorded).values(name=name, applied_at=now_iso()))
                applied.append(name)
    return applied
