"""Checkpointer factory: SQLite by default (embedded), Redis (langgraph-checkpoint-redis) and PostgreSQL for scale-out,
memory for tests. The same graph runs on each; a conversation is a thread (thread_id = tenant:conversation_id)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Literal

from langgraph.checkpoint.base import BaseCheckpointSaver

from contract.errors import BackendUnavailable, UserError

Kind = Literal["sqlite", "redis", "postgres", "memory"]


def make_checkpointer(
    kind: str = "sqlite",
    *,
    sqlite_path: str | Path = "var/checkpoints.sqlite",
    redis_url: str = "",
    postgres_url: str = "",
) -> BaseCheckpointSaver[str]:
    if kind == "memory":
        from langgraph.checkpoint.memory import InMemorySaver

        return InMemorySaver()
    if kind == "sqlite":
        from langgraph.checkpoint.sqlite import SqliteSaver

        path = Path(sqlite_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(
            str(path), check_same_thread=False
        )  # the saver serialises access with its own lock
        # WAL + synchronous=NORMAL: a checkpoint commit is an append to the WAL, with no fsync and no rollback-journal
        # file per commit (the default journal cost two fsyncs per checkpoint write). Committed checkpoints survive a
        # process crash; a power cut can lose the last ones, which only means a decision is recorded straight to the
        # ledger instead of resuming the interrupt (Copilot.decide) — the ledger, not the checkpoint, is the durable
        # record (synchronous=FULL there).
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        saver = SqliteSaver(conn)
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
