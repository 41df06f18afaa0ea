"""PostgreSQL keeps the customer 360's statements prepared between messages (knowledge/crm/connector.py: a session ends
by COMMIT, not by the pool's ROLLBACK, at which psycopg forgets and deallocates every statement it had prepared)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from contract.ports import Actor
from knowledge.crm import build_customer_data

from .conftest import MAPPING, SIGNALS, TODAY

ADMIN = Actor(id="admin_zhou", role="admin")


@pytest.mark.postgres
def test_customer_360_statements_stay_prepared(pg_crm_url: str) -> None:
    crm = build_customer_data(pg_crm_url, MAPPING, SIGNALS, statement_timeout_ms=2000)
    crm.clock = lambda: TODAY
    try:
        first = crm.customer_360("C1001", ADMIN)
        for _ in range(7):  # psycopg prepares a statement at its 6th run on a connection
            again = crm.customer_360("C1001", ADMIN)
        assert again.model_dump() == first.model_dump()  # the same 360 from prepared statements
        engine = crm.connector.engine
        assert engine.pool.checkedin() == 1  # one connection served every session, one after the other
        with engine.connect() as conn:
            prepared = conn.execute(sa.text("SELECT statement FROM pg_prepared_statements")).scalars().all()
            conn.commit()
        # the 360's SELECTs are prepared on the connection (a ROLLBACK at each session's end left none)
        assert len(prepared) >= 5
        assert all(s.lstrip().upper().startswith(("SELECT", "WITH")) for s in prepared)
    finally:
        crm.close()
