"""Engines and the one write path. Appends are serialised so two writers can never fork the chain:
SQLite takes the database write lock up front (BEGIN IMMEDIATE), PostgreSQL a transaction-scoped advisory lock.
Reads use ordinary (deferred / READ COMMITTED) transactions and never wait for writers on either engine."""

from __future__ import annotations

import logging
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.pool import StaticPool

from contract.errors import UserError
from copilot.ledger.wal import BACKSTOP_PAGES, WalCheckpointer

_log = logging.getLogger("copilot.ledger")
ADVISORY_LOCK_KEY = 0x1ED6E4  # "ledger": any fixed 64-bit number private to this table set
_WRITE = "ledger_write"
# A file SQLite engine's WAL checkpointer (copilot/ledger/wal.py): checkpoints leave the appends for a thread.
_CHECKPOINTERS: weakref.WeakKeyDictionary[Engine, WalCheckpointer] = weakref.WeakKeyDictionary()
# The -wal file's size once the log starts over. SQLite reuses the file rather than shrinking it, so a burst that took
# the log to the backstop (~40 MB) would leave a file that size for good; with this limit the append that starts the
# log over truncates it back (a normal interval's log, ~2,000 frames, stays below it and is never truncated).
JOURNAL_SIZE_LIMIT_BYTES = 8 * 1024 * 1024


def make_engine(url: str) -> Engine:
    """SQLite (file or memory) or PostgreSQL (`postgresql+psycopg://…`); anything else is an operator error."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise UserError(f"ledger URL is not a database URL: {url!r}", reason="ledger_url") from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(url, parsed.database or "")
    if backend == "postgresql":
        try:
            return create_engine(url, pool_pre_ping=True)
        except NoSuchModuleError as exc:
            raise UserError(
                'PostgreSQL ledger needs a driver: pip install "psycopg[binary]"', reason="driver"
            ) from exc
    raise UserError(f"ledger supports sqlite and postgresql, not {backend!r}", reason="ledger_url")


def _sqlite_engine(url: str, database: str) -> Engine:
    in_memory = database in ("", ":memory:")
    if in_memory:
        engine = create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:
        Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 60})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # let SQLAlchemy's BEGIN below be the only one the driver sees
        cur = dbapi_conn.cursor()
        if not in_memory:
            cur.execute("PRAGMA journal_mode=WAL")  # readers (verify, queries) never block the appender
            # SQLite's own checkpoint (inside a commit) only as a backstop: wal_checkpointer(engine) checkpoints
            cur.execute(f"PRAGMA wal_autocheckpoint={BACKSTOP_PAGES}")
            # the limit acts in the commit that starts the log over (an append's)
            cur.execute(f"PRAGMA journal_size_limit={JOURNAL_SIZE_LIMIT_BYTES}")
        cur.execute("PRAGMA synchronous=FULL")  # committed means on disk: an entry is durable before delivery
        cur.execute("PRAGMA busy_timeout=60000")
        cur.execute(
            "PRAGMA cache_size=-32768"
        )  # 32 MB: random-key indexes (ids) stay cached during batched appends
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(_WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    if not in_memory:
        _CHECKPOINTERS[engine] = WalCheckpointer(str(Path(database).resolve()))
    return engine


def wal_checkpointer(engine: Engine) -> WalCheckpointer | None:
    """The engine's WAL checkpointer (a SQLite file), or None (memory, PostgreSQL)."""
    return _CHECKPOINTERS.get(engine)


@contextmanager
def read_transaction(engine: Engine) -> Iterator[Connection]:
    """A connection for reads, ended by COMMIT. A read ends the same way committed or rolled back, but psycopg forgets
    every statement it prepared on a connection at a ROLLBACK (and DEALLOCATEs them), and the pool ends an unfinished
    transaction by rolling back: a read per message (the conversation owner's look-up) then cleared the connection's
    prepared statements, appends included, so PostgreSQL parsed and planned every statement of every append again
    (pg_stat_statements: plans = calls). An error inside still rolls back (the context's exit)."""
    with engine.connect() as conn:
        yield conn
        conn.commit()


@contextmanager
def write_transaction(engine: Engine, *, lock_head: bool = True) -> Iterator[Connection]:
    """One serialised write transaction: commits on success, rolls back everything on any error."""
    with engine.connect().execution_options(**{_WRITE: True}) as conn, conn.begin():
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": ADVISORY_LOCK_KEY})
            if lock_head:
                conn.execute(text("SELECT seq FROM ledger_head WHERE id = 1 FOR UPDATE"))
        yield conn
    # committed: the log's checkpoint is the thread's, soon (copilot/ledger/wal.py). Housekeeping after a commit
    # never fails the append it follows: without the thread, SQLite's backstop checkpoint in the commits holds
    checkpointer = _CHECKPOINTERS.get(engine)
    if checkpointer is not None:
        try:
            checkpointer.wrote()
        except Exception:  # noqa: BLE001 - logged; the entry is committed
            _log.exception("ledger WAL checkpointer could not be woken")
