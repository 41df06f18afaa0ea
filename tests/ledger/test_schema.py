"""The final schema, pinned: a migration that changes it must change this file too (and say so in review)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from contract import UserError
from copilot.ledger import MIGRATIONS, Ledger, open_ledger
from copilot.ledger.schema import metadata

from .conftest import raw

V = "VARCHAR"
PINNED: dict[str, list[tuple[str, str, bool]]] = {
    "ledger_checkpoints": [("seq", "INT", False), ("entry_hash", f"{V}(80)", False), ("signature", f"{V}(100)", False),
                           ("created_at", f"{V}(32)", False)],
    "ledger_entries": [
        ("seq", "INT", False), ("id", f"{V}(40)", False), ("kind", f"{V}(20)", False),
        ("suggestion_id", f"{V}(80)", False), ("tenant", f"{V}(100)", False), ("conversation_id", f"{V}(200)", False),
        ("customer_ref", f"{V}(200)", False), ("rep_ref", f"{V}(200)", False), ("intent", f"{V}(100)", False),
        ("suggestion_kind", f"{V}(20)", False), ("actor", f"{V}(200)", False), ("decision", f"{V}(10)", False),
        ("reason_code", f"{V}(40)", False), ("created_at", f"{V}(32)", False), ("recorded_at", f"{V}(32)", False),
        ("time_to_decision_ms", "INT", True), ("payload", "TEXT", True), ("payload_hash", f"{V}(80)", False),
        ("prev_hash", f"{V}(80)", False), ("entry_hash", f"{V}(80)", False), ("redacted_at", f"{V}(32)", True),
    ],
    "ledger_head": [("id", "INT", False), ("seq", "INT", False), ("entry_hash", f"{V}(80)", False)],
    "ledger_migrations": [("name", f"{V}(100)", False), ("applied_at", f"{V}(32)", False)],
    "ledger_refs": [("suggestion_id", f"{V}(80)", False), ("ref_kind", f"{V}(10)", False), ("ref_value", f"{V}(200)", False)],
    "ledger_message_keys": [("tenant", f"{V}(100)", False), ("channel", f"{V}(20)", False),
                            ("message_id", f"{V}(200)", False), ("conversation_id", f"{V}(200)", False),
                            ("suggestion_id", f"{V}(80)", False)],
}  # fmt: skip
PINNED_INDEXES = {
    "ledger_entries": {
        ("ix_ledger_entries_conversation_id", False), ("ix_ledger_entries_created_at", False),
        ("ix_ledger_entries_customer_ref", False), ("ix_ledger_entries_intent", False),
        ("ix_ledger_entries_rep_ref", False), ("ix_ledger_entries_suggestion_id", False),
        ("ux_ledger_one_decision", True), ("ux_ledger_one_suggestion", True),
    },
    "ledger_refs": {("ix_ledger_refs_value", False)},
    "ledger_message_keys": {("ix_ledger_message_keys_suggestion", False)},
}  # fmt: skip
MIGRATION_NAMES = [
    "m001_entries_and_head",
    "m002_refs",
    "m003_checkpoints",
    "m004_redaction",
    "m005_message_keys",
]


def _type(t: sa.types.TypeEngine) -> str:
    return "INT" if isinstance(t, sa.Integer) else str(t).replace("CHARACTER VARYING", "VARCHAR")


def test_schema_is_pinned(ledger: Ledger) -> None:
    insp = sa.inspect(ledger.engine)
    found = {
        t: [(c["name"], _type(c["type"]), c["nullable"]) for c in insp.get_columns(t)]
        for t in insp.get_table_names()
    }
    assert found == PINNED
    for table, pinned in PINNED_INDEXES.items():
        indexes = [
            i for i in insp.get_indexes(table) if not i.get("duplicates_constraint")
        ]  # PG: UNIQUE(id)'s own
        assert {(i["name"], bool(i["unique"])) for i in indexes} == pinned


def test_current_tables_match_the_migrated_database(ledger: Ledger) -> None:
    """schema.py (what the code queries) and migrations.py (what builds the database) say the same thing."""
    for table in metadata.sorted_tables:
        assert [c.name for c in table.columns] == [name for name, _, _ in PINNED[table.name]]


def test_migrations_are_named_recorded_and_applied_once(ledger: Ledger, ledger_url: str) -> None:
    assert [name for name, _ in MIGRATIONS] == MIGRATION_NAMES
    recorded = raw(ledger, "SELECT name FROM ledger_migrations ORDER BY name").scalars().all()
    assert recorded == MIGRATION_NAMES
    again = open_ledger(ledger_url)  # reopening applies nothing and keeps the genesis head
    assert raw(again, "SELECT count(*) FROM ledger_head").scalar_one() == 1
    assert raw(again, "SELECT count(*) FROM ledger_migrations").scalar_one() == len(MIGRATION_NAMES)
    again.engine.dispose()


def test_a_database_from_a_newer_release_is_refused(ledger: Ledger, ledger_url: str) -> None:
    raw(
        ledger,
        "INSERT INTO ledger_migrations (name, applied_at) VALUES ('m999_from_the_future', '2027-01-01')",
    )
    with pytest.raises(UserError) as err:
        open_ledger(ledger_url)
    assert err.value.reason == "ledger_schema_newer"


def test_bad_urls_are_operator_errors() -> None:
    with pytest.raises(UserError):
        open_ledger("mysql://nobody@localhost/ledger")
    with pytest.raises(UserError):
        open_ledger("not a url")
