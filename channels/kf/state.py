"""微信客服 state that must survive restarts: the sync_msg cursor per open_kfid, and the send window per customer
(48 h after the customer's last message, at most 5 messages until they write again — doc 94677)."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from contract.errors import BackendUnavailable

WINDOW_S = 48 * 3600
MAX_SENDS = 5


@runtime_checkable
class KfState(Protocol):
    def cursor(self, open_kfid: str) -> str: ...

    def save_cursor(self, open_kfid: str, cursor: str) -> None: ...

    def customer_spoke(self, open_kfid: str, external_userid: str, at: float) -> None:
        """The customer wrote at `at`: the window reopens and the send count restarts."""
        ...

    def reserve_send(self, open_kfid: str, external_userid: str, now: float | None = None) -> bool:
        """Atomically take one of the window's sends; False when the window is closed or used up."""
        ...

    def release_send(self, open_kfid: str, external_userid: str) -> None:
        """Give a reserved send back (the API call failed)."""
        ...


_SCHEMA = """
CREATE TABLE IF NOT EXISTS kf_cursor (open_kfid TEXT PRIMARY KEY, cursor TEXT NOT NULL, updated_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS kf_window (
    open_kfid TEXT NOT NULL, external_userid TEXT NOT NULL,
    last_customer_at REAL NOT NULL, sent_since INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (open_kfid, external_userid)
);
"""


class SqliteKfState:
    def __init__(self, path: str | Path) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA busy_timeout = 5000")
        self._db.executescript(_SCHEMA)

    def _run(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                return self._db.execute(sql, args).fetchall()
            except sqlite3.Error as exc:
                raise BackendUnavailable(f"kf state failed: {exc}", reason="kf_state_unavailable") from exc

    def cursor(self, open_kfid: str) -> str:
        rows = self._run("SELECT cursor FROM kf_cursor WHERE open_kfid = ?", (open_kfid,))
        return rows[0][0] if rows else ""

    def save_cursor(self, open_kfid: str, cursor: str) -> None:
        self._run(
            "INSERT INTO kf_cursor VALUES (?, ?, ?) ON CONFLICT (open_kfid) DO UPDATE SET cursor = excluded.cursor,"
            " updated_at = excluded.updated_at",
            (open_kfid, cursor, time.time()),
        )

    def customer_spoke(self, open_kfid: str, external_userid: str, at: float) -> None:
        self._run(
            "INSERT INTO kf_window VALUES (?, ?, ?, 0) ON CONFLICT (open_kfid, external_userid) DO UPDATE SET"
            " sent_since = CASE WHEN excluded.last_customer_at > last_customer_at THEN 0 ELSE sent_since END,"
            " last_customer_at = MAX(last_customer_at, excluded.last_customer_at)",
            (open_kfid, external_userid, at),
        )

    def reserve_send(self, open_kfid: str, external_userid: str, now: float | None = None) -> bool:
        now = time.time() if now is None else now
        rows = self._run(
            "UPDATE kf_window SET sent_since = sent_since + 1 WHERE open_kfid = ? AND external_userid = ?"
            " AND last_customer_at >= ? AND sent_since < ? RETURNING sent_since",
            (open_kfid, external_userid, now - WINDOW_S, MAX_SENDS),
        )
        return bool(rows)

    def release_send(self, open_kfid: str, external_userid: str) -> None:
        self._run(
            "UPDATE kf_window SET sent_since = MAX(sent_since - 1, 0) WHERE open_kfid = ? AND external_userid = ?",
            (open_kfid, external_userid),
        )


_RESERVE = """
local last = tonumber(redis.call('HGET', KEYS[1], 'last') or '0')
local sent = tonumber(redis.call('HGET', KEYS[1], 'sent') or '0')
if last < tonumber(ARGV[1]) or sent >= tonumber(ARGV[2]) then return 0 end
redis.call('HINCRBY', KEYS[1], 'sent', 1)
return 1
"""
_SPOKE = """
local last = tonumber(redis.call('HGET', KEYS[1], 'last') or '0')
if tonumber(ARGV[1]) > last then
  redis.call('HSET', KEYS[1], 'last', ARGV[1], 'sent', 0)
end
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
"""


class RedisKfState:
    def __init__(self, redis: Any, prefix: str = "copilot:kf:") -> None:
        self._r = redis
        self._p = prefix

    def _do(self, fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except Exception as exc:
            raise BackendUnavailable(f"kf state failed: {exc}", reason="kf_state_unavailable") from exc

    def cursor(self, open_kfid: str) -> str:
        raw = self._do(self._r.get, f"{self._p}cursor:{open_kfid}")
        return raw.decode() if isinstance(raw, bytes) else (raw or "")

    def save_cursor(self, open_kfid: str, cursor: str) -> None:
        self._do(self._r.set, f"{self._p}cursor:{open_kfid}", cursor)

    def customer_spoke(self, open_kfid: str, external_userid: str, at: float) -> None:
        key = f"{self._p}window:{open_kfid}:{external_userid}"
        self._do(self._r.eval, _SPOKE, 1, key, repr(at), WINDOW_S * 2)

    def reserve_send(self, open_kfid: str, external_userid: str, now: float | None = None) -> bool:
        now = time.time() if now is None else now
        key = f"{self._p}window:{open_kfid}:{external_userid}"
        return bool(self._do(self._r.eval, _RESERVE, 1, key, repr(now - WINDOW_S), MAX_SENDS))

    def release_send(self, open_kfid: str, external_userid: str) -> None:
        key = f"{self._p}window:{open_kfid}:{external_userid}"
        self._do(self._r.hincrby, key, "sent", -1)
