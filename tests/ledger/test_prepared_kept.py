"""PostgreSQL keeps the ledger's append statements prepared between messages: the per-message read (the conversation's
owner) ends by COMMIT (copilot/ledger/engine.read_transaction), not by the pool's ROLLBACK, at which psycopg forgets and
deallocates every statement prepared on the connection, the append's included."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from copilot.ledger import open_ledger

from .conftest import INPUTS, _fresh_pg_database, make_suggestion


@pytest.mark.postgres
def test_append_statements_stay_prepared(postgres_url: str) -> None:
    ledger = open_ledger(_fresh_pg_database(postgres_url))
    try:
        for i in range(8):  # psycopg prepares a statement at its 6th run on a connection
            conversation = f"conv-{i}-{uuid.uuid4().hex[:6]}"
            assert ledger.conversation_owner("demo", conversation) is None
            ledger.record_suggestion(make_suggestion(conversation=conversation), inputs=INPUTS)
            assert ledger.conversation_owner("demo", conversation) == ("C1001", "rep_zhang")
        assert ledger.engine.pool.checkedin() == 1  # one connection served every read and append
        with ledger.engine.connect() as conn:
            prepared = conn.execute(sa.text("SELECT statement FROM pg_prepared_statements")).scalars().all()
            conn.commit()
        assert any("INSERT INTO ledger_entries" in s for s in prepared)
        assert any("ledger_head" in s and "FOR UPDATE" in s for s in prepared)
        assert ledger.verify().ok
    finally:
        ledger.engine.dispose()
