"""A read-only SQLAlchemy connection to the company's CRM with a statement timeout, for SQLite, PostgreSQL and
MySQL-compatible databases (TiDB, OceanBase). Statements arrive pre-built (queries.py); values travel as parameters only.

How each backend enforces "read-only, bounded time":
  SQLite      — the file is opened with mode=ro, PRAGMA query_only=ON, and a progress handler interrupts a statement
                past its deadline; a locked database waits at most the same timeout.
  PostgreSQL  — statement_timeout, lock_timeout and default_transaction_read_only set as connection options.
  MySQL       — SESSION max_execution_time and a READ ONLY session transaction.
Any driver error (timeout, lock, connection refused) becomes `BackendUnavailable`; the caller proceeds without CRM data."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import CompoundSelect, Connection, Dialect, Engine, Select, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.sql import Executable

from contract.errors import BackendUnavailable, UserError

log = logging.getLogger(__name__)
_TIMEOUT_HINTS = (
    "interrupted",
    "statement timeout",
    "canceling statement",
    "lock timeout",
    "locked",
    "max_execution_time",
)


def _sqlite_read_only(url: str) -> Any:
    u = make_url(url)
    db = u.database or ""
    if db and db != ":memory:" and not db.startswith("file:"):
        u = u.set(database=f"file:{db}", query={**u.query, "mode": "ro", "uri": "true"})
    return u


def create_readonly_engine(url: str, *, statement_timeout_ms: int) -> Engine:
    if statement_timeout_ms <= 0:
        raise UserError("crm statement timeout must be > 0 ms", reason="crm_config")
    try:
        backend = make_url(url).get_backend_name()
    except ArgumentError as e:
        raise UserError(f"CRM database URL is not valid: {e}", reason="crm_url") from e
    secs = statement_timeout_ms / 1000
    kw: dict[str, Any] = {"pool_pre_ping": True, "pool_timeout": max(secs, 1.0)}
    try:
        if backend == "sqlite":
            engine = create_engine(
                _sqlite_read_only(url), connect_args={"timeout": secs, "check_same_thread": False}, **kw
            )
            _install_sqlite_guards(engine)
        elif backend == "postgresql":
            opts = f"-c statement_timeout={statement_timeout_ms} -c lock_timeout={statement_timeout_ms} "
            opts += "-c default_transaction_read_only=on"
            connect_args = {"options": opts, "connect_timeout": max(1, math.ceil(secs))}
            engine = create_engine(url, connect_args=connect_args, **kw)
        elif backend in ("mysql", "mariadb"):
            engine = create_engine(url, **kw)
            _install_mysql_guards(engine, statement_timeout_ms)
        else:
            raise UserError(
                f"CRM backend {backend!r} is not supported (sqlite, postgresql, mysql)", reason="crm_url"
            )
    except (NoSuchModuleError, ImportError) as e:
        raise UserError(
            f"no database driver for {backend}: {e}; install the driver package", reason="crm_url"
        ) from e
    return engine


def _install_sqlite_guards(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, record: Any) -> None:
        state = {"deadline": math.inf}
        dbapi_conn.execute("PRAGMA query_only = ON")
        # sqlite calls this every 1000 VM steps; a non-zero return aborts the statement with "interrupted"
        dbapi_conn.set_progress_handler(lambda: 1 if time.monotonic() > state["deadline"] else 0, 1000)
        record.info["deadline"] = state


def _install_mysql_guards(engine: Engine, timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute(f"SET SESSION max_execution_time = {int(timeout_ms)}")
        cur.execute("SET SESSION TRANSACTION READ ONLY")
        cur.close()


class CrmConnector:
    """Owns the engine; `session()` yields a `CrmSession` that runs several statements on one connection."""

    def __init__(self, engine: Engine, *, statement_timeout_ms: int, prepared: bool = True) -> None:
        """`prepared=False` runs every statement through SQLAlchemy's execute (the reference the tests compare)."""
        self.engine = engine
        self.prepared = prepared
        self.timeout_ms = statement_timeout_ms
        self._sql_text: dict[str, str] = {}
        # id(statement) → (statement, compiled form), for the statements registered with prepare() only: ad-hoc
        # statements (a readiness ping, the directory's index scan) are built per call and would grow it forever
        self._prepared: dict[int, tuple[Any, _Prepared]] = {}
        self._versions = _DataVersions() if engine.dialect.name == "sqlite" else None

    def sql_text(self, name: str, stmt: Executable) -> str:
        """The statement's SQL as this dialect sees it (placeholders, no values), for lineage; compiled once."""
        if name not in self._sql_text:
            self._sql_text[name] = str(stmt.compile(dialect=self.engine.dialect))  # type: ignore[attr-defined]
        return self._sql_text[name]

    def prepare(self, stmt: Select[Any] | CompoundSelect[Any]) -> None:
        """Run this long-lived SELECT (one built once, like the customer-360 statements) on the driver's cursor."""
        if id(stmt) not in self._prepared:
            self._prepared[id(stmt)] = (
                stmt,
                _Prepared(stmt, self.engine.dialect),
            )  # pinned: its id stays its own

    @contextmanager
    def session(self) -> Iterator[CrmSession]:
        try:
            with self.engine.connect() as conn:
                yield CrmSession(
                    conn, self.timeout_ms / 1000, self._prepared if self.prepared else None, self._versions
                )
                # A read-only transaction ends the same way committed or rolled back, but psycopg forgets every
                # statement it prepared on the connection at a ROLLBACK (and DEALLOCATEs them), which is how the pool
                # used to end each session: the customer 360's ~11 statements were then parsed and planned by
                # PostgreSQL on every message, never prepared (pg_stat_statements: plans = calls). Ended by COMMIT,
                # psycopg prepares a statement after its 5th run on a connection and PostgreSQL plans it no more;
                # the pool's reset then finds the connection idle and sends nothing. A session that failed still
                # rolls back (the context's exit). Both levels: the prepared statements run on the driver's own
                # connection (`_Prepared.rows`), whose transaction SQLAlchemy's Connection never saw begin.
                conn.commit()
                conn.connection.dbapi_connection.commit()  # type: ignore[union-attr]
        except DBAPIError as e:
            raise _unavailable(e) from e
        except SQLAlchemyError as e:  # pool timeout and friends
            raise BackendUnavailable(f"CRM unavailable: {e}", reason="crm_error") from e

    def dispose(self) -> None:
        self.engine.dispose()


class _Prepared:
    """A SELECT compiled once for one dialect, run on the driver's cursor: the customer 360's ~10 small statements
    spent more CPU in SQLAlchemy's per-execute machinery (~0.11 ms each) than in the database. The same SQL, the same
    bound values (each parameter through its type's bind processor, lists expanded as SQLAlchemy expands them) and
    the same row values (each column through its type's result processor, as a `Result` applies them), keyed by the
    statement's selected-column names; tests/crm/test_speed_identity.py compares every query's rows on SQLite and
    PostgreSQL with SQLAlchemy's own."""

    def __init__(self, stmt: Select[Any] | CompoundSelect[Any], dialect: Dialect) -> None:
        self.dialect = dialect
        self.compiled = stmt.compile(dialect=dialect)
        self.keys = list(stmt.selected_columns.keys())
        self.types = [c.type for c in stmt.selected_columns]
        self._fixed: tuple[str, Sequence[str] | None, Mapping[str, Any]] | None = None
        # result processors depend on the driver's type code per column (PostgreSQL: numeric vs float OIDs)
        self._processors: dict[tuple[Any, ...], list[Any]] = {}

    def rows(self, dbapi_conn: Any, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        values: Mapping[str, Any]
        if self._fixed is not None:  # the text, parameter order and bind processors of its first expansion
            statement, positiontup, processors = self._fixed
            values = self.compiled.construct_params(dict(params), escape_names=True)
        else:
            state = self.compiled.construct_expanded_state(dict(params))
            statement, positiontup, processors, values = (
                state.statement,
                state.positiontup,
                state.processors,
                state.parameters,
            )
            if not self.compiled.post_compile_params and not self.compiled.literal_execute_params:
                # no list or late-rendered parameter: nothing of the expansion depends on the values
                self._fixed = (statement, positiontup, processors)
        if processors:
            values = {k: (processors[k](v) if k in processors else v) for k, v in values.items()}
        args: Any = tuple(values[k] for k in positiontup or ()) if self.compiled.positional else values
        cursor = dbapi_conn.cursor()
        try:
            cursor.execute(statement, args)
            description = cursor.description
            fetched = cursor.fetchall()
        finally:
            cursor.close()
        if len(description) != len(self.keys):  # values must never be paired with the wrong names
            raise RuntimeError(f"{len(description)} columns came back for {len(self.keys)} selected")
        coltypes = tuple(d[1] for d in description)
        procs = self._processors.get(coltypes)
        if procs is None:
            procs = self._processors[coltypes] = [
                t.dialect_impl(self.dialect).result_processor(self.dialect, c)
                for t, c in zip(self.types, coltypes, strict=True)
            ]
        keys = self.keys
        out = [dict(zip(keys, row, strict=True)) for row in fetched]
        converted = [(k, p) for k, p in zip(keys, procs, strict=True) if p is not None]
        for r in out:  # the columns whose type converts (SQLite dates …), every value as a Result passes it
            for k, p in converted:
                r[k] = p(r[k])
        return out


class _DataVersions:
    """A generation number of a SQLite CRM's content, as this process has seen it: it moves on whenever any pooled
    connection reports (PRAGMA data_version) a commit by another connection — any process — since that connection
    last asked, and when a connection asks for the first time. Our connections never write (query_only), so every
    change to the file is another connection's commit.

    Why equal generations mean unchanged rows: take a commit at time t and two checks of this process, one before t
    (generation g) and one after. The later check's connection either last asked before t — it sees a new data_version
    now and moves the generation on — or already asked after t, and its first check after t moved it on then (a pooled
    connection serves one session at a time, so that check finished before this one). Either way the generation read
    after t is past g. A session reads the generation before any row, so rows read under generation g are at least as
    new as g."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.generation = 0

    def current(self, conn: Connection) -> int:
        driver = conn.connection.driver_connection
        version = driver.execute("PRAGMA data_version").fetchone()[0]  # type: ignore[union-attr]
        info = conn.info
        with self._lock:
            seen = info.get("crm_data_version")
            if seen is None or seen[0] is not driver or seen[1] != version:
                self.generation += 1
                info["crm_data_version"] = (driver, version)
            return self.generation


class CrmSession:
    def __init__(
        self,
        conn: Connection,
        timeout_s: float,
        prepared: dict[int, tuple[Any, _Prepared]] | None = None,
        versions: _DataVersions | None = None,
    ) -> None:
        self.conn = conn
        self.timeout_s = timeout_s
        self._state: dict[str, float] | None = conn.info.get("deadline")  # type: ignore[assignment]
        self._prepared = prepared
        self._versions = versions

    def data_version(self) -> int | None:
        """The CRM's content generation (`_DataVersions`), asked before this session reads any row: equal numbers
        mean no commit to the database in between. None where the backend has no such counter (PostgreSQL, MySQL) or
        the question fails: then nothing may be taken as unchanged."""
        if self._versions is None:
            return None
        try:
            return self._versions.current(self.conn)
        except Exception:  # noqa: BLE001 - no version only means no reuse without reading
            return None

    def rows(self, stmt: Executable, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        if self._state is not None:
            self._state["deadline"] = time.monotonic() + self.timeout_s
        try:
            hit = self._prepared.get(id(stmt)) if self._prepared is not None else None
            if hit is not None and hit[0] is stmt:
                return hit[1].rows(self.conn.connection.driver_connection, params)
            result = self.conn.execute(stmt, dict(params))
            # plain rows zipped with the labels: the same dicts as .mappings(), without a RowMapping per row
            names = list(result.keys())
            return [dict(zip(names, row, strict=True)) for row in result.all()]
        except DBAPIError as e:
            raise _unavailable(e) from e
        except self.conn.dialect.loaded_dbapi.Error as e:  # the driver's own error, from the prepared path
            raise _unavailable(e) from e
        finally:
            if self._state is not None:
                self._state["deadline"] = math.inf


def _unavailable(e: Exception) -> BackendUnavailable:
    """From SQLAlchemy's wrapped error or the driver's own (the prepared path runs on the driver's cursor)."""
    orig = e.orig if isinstance(e, DBAPIError) else None
    text = str(orig).lower() if orig is not None else str(e).lower()
    timed_out = any(h in text for h in _TIMEOUT_HINTS)
    reason = "crm_timeout" if timed_out else "crm_error"
    log.warning("CRM %s: %s", reason, text[:200])
    what = "timed out" if timed_out else "failed"
    return BackendUnavailable(f"CRM query {what}: {text[:160]}", reason=reason)
