"""A writable engine for the demo builder and the CSV import, with truly transactional DDL on SQLite (pysqlite would
otherwise commit CREATE/DROP implicitly, and a failed load could leave empty tables behind)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url


def writable_engine(url: str) -> Engine:
    engine = create_engine(url)
    if make_url(url).get_backend_name() == "sqlite":

        @event.listens_for(engine, "connect")
        def _no_implicit_tx(dbapi_conn: Any, record: Any) -> None:
            dbapi_conn.isolation_level = None  # the driver stops managing transactions …

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN")  # … and we open one that covers DDL too

    return engine
