"""Checkpointer factory: SQLite by default (embedded), Redis (langgraph-checkpoint-redis) and PostgreSQL for scale-out,
memory for tests. The same graph runs on each; a conversation is a thread (thread_id = tenant:conversation_id)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from langgraph.checkpoint.base import BaseCheckpointSaver

from contract.errors import BackendUnavailable, UserError

if TYPE_CHECKING:
    from langgraph.checkpoint.sqlite import SqliteSaver

Kind = Literal["sqlite", "redis", "postgres", "memory"]
# the -wal file's size once the log starts over, when SQLite's own checkpoint is a backstop only (as the ledger's)
JOURNAL_SIZE_LIMIT_BYTES = 8 * 1024 * 1024


def make_checkpointer(
    kind: str = "sqlite",
    *,
    sqlite_path: str | Path = "var/checkpoints.sqlite",
    redis_url: str = "",
    postgres_url: str = "",
    sqlite_after_commit: Callable[[], None] | None = None,
    sqlite_wal_autocheckpoint: int | None = None,
    sqlite_on_close: Callable[[], None] | None = None,
) -> BaseCheckpointSaver[str]:
    """`sqlite_after_commit` runs after each committed write of the SQLite saver (outside its lock) and
    `sqlite_wal_autocheckpoint` replaces SQLite's 1,000 pages: copilot/wiring.py passes a WAL checkpoint thread's
    `wrote` and its backstop (copilot/ledger/wal.py), so a checkpoint write does not copy the log into the database
    file inside its commit. With either hook or `sqlite_on_close` the saver has a `close()` (copilot.service.Closeable,
    so Services.close closes it): `sqlite_on_close` (the WAL thread's close) runs first, then the saver's connection
    closes."""
    if kind == "memory":
        from langgraph.checkpoint.memory import InMemorySaver

        return InMemorySaver()
    if kind == "sqlite":
        path = Path(sqlite_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(
            str(path), check_same_thread=False
        )  # the saver serialises access with its own lock
        # WAL + synchronous=NORMAL: a checkpoint commit is an append to the WAL, with no fsync and no rollback-journal
        # file per commit (the default journal cost two fsyncs per checkpoint write). Committed checkpoints survive a
        # process crash; a power cut can lose the last ones, which only means a decision is recorded straight to the
        # ledger instead of resuming the interrupt (Copilot.decide) — the ledger, not the checkpoint, is the durable
        # record (synchronous=FULL there). Where the log is copied into the database file (a WAL checkpoint: SQLite's
        # own inside the commit that passes `wal_autocheckpoint` pages, or copilot/wiring.py's thread) changes none of
        # this: either fsyncs the log before its copy and the database file after, in NORMAL as in FULL.
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        if sqlite_wal_autocheckpoint is not None:
            conn.execute(f"PRAGMA wal_autocheckpoint={int(sqlite_wal_autocheckpoint)}")
            # a log that grew to the backstop is truncated back when it starts over, not kept at that size
            conn.execute(f"PRAGMA journal_size_limit={JOURNAL_SIZE_LIMIT_BYTES}")
        saver = _sqlite_saver(conn, sqlite_after_commit, sqlite_on_close)
        saver.setup()
        return saver
    if kind == "redis":
        if not redis_url:
            raise UserError("checkpointer 'redis' needs redis_url", reason="checkpointer_config")
        return _redis(redis_url)
    if kind == "postgres":
        if not postgres_url:
            raise UserError("checkpointer 'postgres' needs postgres_url", reason="checkpointer_config")
        return _postgres(postgres_url)
    raise UserError(
        f"unknown checkpointer {kind!r}; use sqlite, redis, postgres or memory", reason="checkpointer_config"
    )


def _sqlite_saver(
    conn: sqlite3.Connection,
    after_commit: Callable[[], None] | None,
    on_close: Callable[[], None] | None = None,
) -> SqliteSaver:
    from langgraph.checkpoint.sqlite import SqliteSaver

    if after_commit is None and on_close is None:
        return SqliteSaver(conn)
    notify = after_commit

    class _NotifyingSqliteSaver(SqliteSaver):
        """SqliteSaver whose writes (put, put_writes, delete_thread: every `cursor()` that commits) call
        `after_commit` once committed, after the saver's lock is released, and whose `close()` runs `on_close`
        (e.g. stops the WAL checkpoint thread that `after_commit` wakes) and closes its connection."""

        @contextmanager
        def cursor(self, transaction: bool = True) -> Iterator[sqlite3.Cursor]:
            with super().cursor(transaction) as cur:
                yield cur
            if transaction and notify is not None:
                notify()

        def close(self) -> None:
            try:
                if on_close is not None:
                    on_close()
            finally:
                with self.lock:  # not in the middle of a write
                    self.conn.close()

    return _NotifyingSqliteSaver(conn)


def _redis(url: str) -> BaseCheckpointSaver[str]:
    """langgraph-checkpoint-redis when the server has RediSearch + RedisJSON; the plain-command saver otherwise."""
    import redis

    from agents.checkpoint_redis import PlainRedisSaver

    try:
        client = redis.Redis.from_url(url)
        modules = (
            {m[b"name"].decode().lower() for m in client.module_list()}
            if hasattr(client, "module_list")
            else set()
        )
    except redis.RedisError as exc:
        raise BackendUnavailable(
            f"Redis checkpointer unavailable: {exc}", reason="redis_unavailable"
        ) from exc
    if {"search", "rejson"} <= modules or {"search", "json"} <= modules:
        try:
            from langgraph.checkpoint.redis import RedisSaver

            saver = RedisSaver(redis_url=url)
            saver.setup()
            return saver
        except ImportError:
            pass
    return PlainRedisSaver(client)


def _postgres(url: str) -> BaseCheckpointSaver[str]:
    try:
        import psycopg
        from langgraph.checkpoint.postgres import PostgresSaver
        from psycopg.rows import dict_row
    except ImportError as exc:
        raise UserError(
            "pip install 'channel-copilot[scale]' (langgraph-checkpoint-postgres)", reason="missing_extra"
        ) from exc
    dsn = url.replace("postgresql+psycopg://", "postgresql://", 1)  # accept the SQLAlchemy spelling too
    try:
        conn = psycopg.Connection.connect(dsn, autocommit=True, prepare_threshold=0, row_factory=dict_row)
    except psycopg.Error as exc:
        raise BackendUnavailable(
            f"PostgreSQL checkpointer unavailable: {exc}", reason="postgres_unavailable"
        ) from exc
    saver = PostgresSaver(conn)
    saver.setup()
    return saver
