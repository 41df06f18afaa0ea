"""The ledger's tables as they stand after every migration (see migrations.py, which creates them step by step).

`tests/ledger/test_schema.py` pins these columns against a freshly migrated database, so the two cannot drift.
Empty strings rather than NULLs in the chained columns: the canonical header then has one spelling per value.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, MetaData, String, Table, Text

metadata = MetaData()

# SQLite only makes "INTEGER PRIMARY KEY" the rowid (fast appends); PostgreSQL wants a 64-bit column.
SeqType = BigInteger().with_variant(Integer(), "sqlite")
HASH = String(80)
STAMP = String(32)  # ISO-8601 UTC, fixed width (canonical.iso_utc)

migrations = Table(
    "ledger_migrations",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("applied_at", STAMP, nullable=False),
)

head = Table(
    "ledger_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("entry_hash", HASH, nullable=False),
)

entries = Table(
    "ledger_entries",
    metadata,
    Column("seq", SeqType, primary_key=True, autoincrement=False),
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
    Column("created_at", STAMP, nullable=False),
    Column("recorded_at", STAMP, nullable=False),
    Column("time_to_decision_ms", BigInteger, nullable=True),
    Column("payload", Text, nullable=True),  # canonical JSON; NULL once redacted
    Column("payload_hash", HASH, nullable=False),
    Column("prev_hash", HASH, nullable=False),
    Column("entry_hash", HASH, nullable=False),
    Column("redacted_at", STAMP, nullable=True),  # outside the chain: redaction is itself a chained entry
)

# Multi-valued look-up keys of a suggestion (actions, playbook rules, documents). An index, derived from the payload
# at write time; it is not part of the chain.
refs = Table(
    "ledger_refs",
    metadata,
    Column("suggestion_id", String(80), primary_key=True),
    Column("ref_kind", String(10), primary_key=True),  # action | rule | doc
    Column("ref_value", String(200), primary_key=True),
)

checkpoints = Table(
    "ledger_checkpoints",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("entry_hash", HASH, nullable=False),
    Column("signature", String(100), nullable=False),
    Column("created_at", STAMP, nullable=False),
)

# Exactly once (m005): one suggestion per (tenant, channel, message id). Written in the append's transaction; not chained.
message_keys = Table(
    "ledger_message_keys",
    metadata,
    Column("tenant", String(100), primary_key=True),
    Column("channel", String(20), primary_key=True),
    Column("message_id", String(200), primary_key=True),
    Column("conversation_id", String(200), nullable=False),
    Column("suggestion_id", String(80), nullable=False),
)

ENTRY_COLUMNS = tuple(c.name for c in entries.columns)
