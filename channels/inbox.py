"""The durable inbox every callback writes to before it answers 200.

`Inbox` is the protocol the routers depend on. `SqliteInbox` is a real implementation good enough to be the embedded
queue: a WAL-mode SQLite table whose UNIQUE dedupe key makes Tencent's retries (same MsgId up to 3 times) one row,
claim/ack with a lease so a crashed worker's messages come back, and at most one in-flight message per conversation so
a conversation's graph thread sees its messages in order.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

from contract.errors import BackendUnavailable
from contract.messages import InboundMessage, TextPart

_log = logging.getLogger("channels.inbox")


@runtime_checkable
class Inbox(Protocol):
    def accept(self, msg: InboundMessage) -> bool:
        """Durably enqueue `msg` unless `msg.dedupe_key` was seen. True = enqueued, False = duplicate.
        Raises BackendUnavailable when the queue is down (the callback then answers 503 + Retry-After)."""
        ...


@runtime_checkable
class BatchInbox(Inbox, Protocol):
    def accept_many(self, msgs: list[InboundMessage]) -> list[bool]:
        """`accept` for several messages in one durable write (group commit); same result per message."""
        ...


@runtime_checkable
class PipelinedInbox(BatchInbox, Protocol):
    """A batch inbox whose commit and fsync can be split (SqliteInbox on a WAL file with synchronous=FULL): the next
    batch commits while the last one's fsync runs (channels.batching.GroupCommitter)."""

    @property
    def pipelined(self) -> bool: ...

    def commit_many(self, msgs: list[InboundMessage]) -> list[bool]:
        """`accept_many` without the fsync: the results hold, durable only after the next `sync_committed`."""
        ...

    def sync_committed(self) -> None:
        """Make every transaction committed before this call durable; BackendUnavailable when it cannot."""
        ...


@runtime_checkable
class SkipRecorder(Protocol):
    # what records a callback it could not normalise; nothing else (an earlier copy of accept_many sat here, so a
    # recorder without group commit was not taken for one)
    def record_skipped(self, channel: str, message_id: str, reason: str, raw: dict[str, Any]) -> None:
        """Remember a message we could not normalise (unsupported type) so an operator can see what was dropped."""
        ...


_SCHEMA = """
CREATE TABLE IF NOT EXISTS inbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    dedupe_key TEXT NOT NULL UNIQUE,
    conversation_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'claimed', 'done', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    claimed_by TEXT,
    claimed_at REAL,
    created_at REAL NOT NULL,
    done_at REAL,
    dead_reason TEXT
);
CREATE INDEX IF NOT EXISTS inbox_status_id ON inbox (status, id);
CREATE TABLE IF NOT EXISTS inbox_skipped (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    channel TEXT NOT NULL,
    message_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    raw TEXT NOT NULL,
    at REAL NOT NULL
);
"""


REDACTED_TEXT = "[已处理，原文已清除 · processed, content removed]"
DEAD_REDACTED_TEXT = "[未能处理，原文已按保留期清除 · not processed, content removed after retention]"
_REDACTED_MARK = "content removed"  # in both texts: a row holding it was redacted already
DEAD_REDACT_AFTER_S = 72 * 3600  # as long as the PII vault keeps values: long enough for an operator to look
_SWEEP_EVERY_S = 60.0


def redacted_payload(payload: str, text: str = REDACTED_TEXT) -> str:
    """A processed message keeps its identity (dedupe key, conversation, ids) and loses its content: the raw text of
    a customer message lives in the inbox only until it is processed (privacy: the graph's masked copy is what stays)."""
    try:
        msg = InboundMessage.model_validate_json(payload)
    except ValueError:
        return json.dumps({"redacted": True})
    return msg.model_copy(update={"parts": [TextPart(text=text)]}).model_dump_json()


_SKIPPED_REDACTED = json.dumps({"redacted": True})


def _ack_rows(db: sqlite3.Connection, item_ids: list[int]) -> list[tuple[int, str]]:
    """(id, redacted payload) of the rows an ack will mark done, read and redacted BEFORE the write transaction: a
    payload never changes while its message is claimed, and parsing and re-serialising it (~50 µs a row) inside
    the transaction held SQLite's one write lock meanwhile, so an accepted callback's durable insert waited for it
    (the acknowledgement's tail latency, worst when the worker is descheduled while holding the lock)."""
    rows: list[tuple[int, str]] = []
    for i in item_ids:
        row = db.execute("SELECT payload FROM inbox WHERE id = ?", (i,)).fetchone()
        if row is not None:
            rows.append((i, row[0]))
    return rows


_FAST_RETRY_S = 0.005  # SqliteInbox._begin_immediate polls this long before SQLite's own busy wait
CHECKPOINT_EVERY_S = 0.5  # the WAL checkpointer's period while the inbox is written to
CHECKPOINT_RETRY_S = 0.05  # … and while a checkpoint could not catch up with the writers
WAL_LIMIT_FRAMES = 10_000  # ~40 MB of WAL: past it, a checkpoint that waits for the writers (RESTART)


# not copilot/ledger/wal.py's WalCheckpointer: that one checkpoints PASSIVE only, behind SQLite's backstop checkpoint
# (the inbox turns it off, so it needs the RESTART below to bound its log), and its thread comes and goes with appends
class _Checkpointer:
    """Checkpoints the inbox's WAL on a thread and connection of its own, so no callback's commit runs one.

    By default SQLite checkpoints inside the commit that takes the WAL past 1,000 pages: that commit (an accepted
    callback as often as not) then also copies the pages into the database file and fsyncs it (two more fsyncs),
    and every callback queued behind it waits. A PASSIVE checkpoint on another connection takes no write lock, so
    callbacks keep committing meanwhile. It runs every CHECKPOINT_EVERY_S while there were writes; checkpoints keep
    their fsyncs (WAL before, database after), so durability is unchanged.

    The WAL file starts over only when a write begins with every frame already copied. A PASSIVE checkpoint during
    which a callback committed leaves the new frames behind, so it is retried soon (CHECKPOINT_RETRY_S) until one
    catches up; if writes never pause long enough and the WAL passes WAL_LIMIT_FRAMES, one RESTART checkpoint waits
    for the writers (a short stall: the PASSIVE ones copied nearly everything) so the file cannot grow without end."""

    def __init__(self, db: sqlite3.Connection, every_s: float | None = None) -> None:
        self._db, self._every_s = db, CHECKPOINT_EVERY_S if every_s is None else every_s
        self._stop = threading.Event()
        self._dirty = threading.Event()
        self._thread = threading.Thread(target=self._run, name="inbox-wal-checkpoint", daemon=True)
        self._thread.start()

    def wrote(self) -> None:
        self._dirty.set()

    def checkpoint(self) -> bool:
        """One PASSIVE checkpoint, or a RESTART one when the WAL has not started over for WAL_LIMIT_FRAMES frames
        (its frame count is counted from the last start-over); True when it copied every frame it saw."""
        _busy, frames, copied = self._db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        if frames >= WAL_LIMIT_FRAMES:
            _busy, frames, copied = self._db.execute("PRAGMA wal_checkpoint(RESTART)").fetchone()
        return bool(frames <= copied)

    def _run(self) -> None:
        warned, wait_s = False, self._every_s
        while not self._stop.wait(wait_s):
            if not self._dirty.is_set():
                continue
            self._dirty.clear()
            try:
                caught_up = self.checkpoint()
                warned = False
            except sqlite3.Error as exc:  # a busy or broken file: the next period tries again
                caught_up = True
                if not warned:
                    _log.warning("inbox WAL checkpoint failed (retrying every %.1fs): %s", self._every_s, exc)
                    warned = True
            if not caught_up:
                self._dirty.set()
            wait_s = self._every_s if caught_up else CHECKPOINT_RETRY_S

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        with suppress(sqlite3.Error):
            self._db.close()


class SqliteInbox:
    """Durable SQLite inbox. Safe across threads (one connection behind a lock) and processes (WAL + busy timeout).

    `synchronous="FULL"` fsyncs every commit (survives power loss); "NORMAL" survives a process crash only.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        synchronous: Literal["FULL", "NORMAL"] = "FULL",
        max_attempts: int = 5,
        busy_timeout_ms: int = 5000,
        lease_s: float = 60.0,
        dead_redact_after_s: float = DEAD_REDACT_AFTER_S,
    ) -> None:
        self.path = str(path)
        self.max_attempts = max_attempts
        # dead-lettered rows and skipped callbacks keep their raw content this long (operators look), then lose it
        self.dead_redact_after_s = dead_redact_after_s
        self._last_sweep = float("-inf")
        # A claim is a lease: a worker that stops heartbeating (touch) loses it after `lease_s`, and claim() hands the
        # message out again, so a dead worker never strands a message or blocks its conversation for longer.
        self.lease_s = lease_s
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._busy_timeout_ms = int(busy_timeout_ms)
        self._synchronous = synchronous
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
            self._db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute(f"PRAGMA synchronous = {synchronous}")
            # redacted payloads are overwritten on disk, not just unlinked
            self._db.execute("PRAGMA secure_delete = ON")
            self._db.executescript(_SCHEMA)
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(inbox)")}
            if "dead_reason" not in columns:  # an inbox file from before dead letters carried their reason
                with suppress(sqlite3.OperationalError):  # another process added it first
                    self._db.execute("ALTER TABLE inbox ADD COLUMN dead_reason TEXT")
        except sqlite3.Error as exc:
            raise BackendUnavailable(
                f"cannot open inbox {self.path}: {exc}", reason="inbox_unavailable"
            ) from exc
        self._checkpointer: _Checkpointer | None = None
        self._checkpointer_tried = self.path == ":memory:"  # no WAL in memory
        # the WAL file SQLite appends to (`commit_many` / `sync_committed`): only when the file really is in WAL mode
        # and every commit would otherwise fsync it
        journal = str(self._db.execute("PRAGMA journal_mode").fetchone()[0]).lower()
        self._wal_path = self.path + "-wal"
        self._pipelined = self.path != ":memory:" and journal == "wal" and synchronous == "FULL"
        self._sync_error: OSError | None = None
        # Called after every durable commit (synchronous=FULL: the COMMIT that fsyncs the WAL inside SQLite's write
        # lock) and every `sync_committed` fdatasync with (wall ms, this thread's CPU ms): wall − CPU is the time the
        # write waited on the disk. None (the default): nothing is timed. bench/bench_channels.py reports its
        # histogram beside the callback's p99, so the report says how much of the tail is the disk.
        self.on_durable_write: Callable[[float, float], None] | None = None

    def _start_checkpointer(self) -> None:
        """On the first write: the WAL checkpoints move to a thread of their own (`_Checkpointer`). If its connection
        cannot be opened, SQLite's own automatic checkpoints stay on (correct, only slower)."""
        self._checkpointer_tried = True
        self._db.execute("PRAGMA wal_autocheckpoint = 0")
        try:
            db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
            db.execute(f"PRAGMA synchronous = {self._synchronous}")
            db.execute(f"PRAGMA busy_timeout = {self._busy_timeout_ms}")  # RESTART waits for the writers
        except sqlite3.Error as exc:
            _log.warning(
                "inbox %s: no WAL checkpoint thread (%s); SQLite checkpoints in the commits", self.path, exc
            )
            self._db.execute("PRAGMA wal_autocheckpoint = 1000")
            return
        self._checkpointer = _Checkpointer(db)

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        """Plain reads under the connection lock (no write transaction); a SQLite failure is BackendUnavailable."""
        with self._lock:
            try:
                yield self._db
            except sqlite3.Error as exc:
                raise BackendUnavailable(
                    f"inbox {self.path} failed: {exc}", reason="inbox_unavailable"
                ) from exc

    @contextmanager
    def _tx(self, *, durable: bool = True) -> Iterator[sqlite3.Connection]:
        """One IMMEDIATE transaction under the lock; any SQLite failure becomes BackendUnavailable.

        `durable=False` (the worker's bookkeeping: claims, lease renewals, acks, give-backs) commits without an fsync
        even when the inbox is FULL. Such a commit survives a process crash; a power cut can undo the last ones, which
        only hands those messages out again — and the ledger's message key turns a second run into the suggestion
        already recorded. WAL is one sequential file, so the next durable commit (an accepted callback) makes them
        durable too. Why: each of them held the write lock for one fsync, and the callbacks' durable enqueue queued
        behind it (the acknowledgement's tail latency)."""
        relax = not durable and self._synchronous == "FULL"
        with self._lock:
            try:
                if not self._checkpointer_tried:
                    self._start_checkpointer()
                if relax:
                    self._db.execute("PRAGMA synchronous = NORMAL")
                self._begin_immediate()
                try:
                    yield self._db
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                if self.on_durable_write is not None and not relax and self._synchronous == "FULL":
                    self._timed(lambda: self._db.execute("COMMIT"))
                else:
                    self._db.execute("COMMIT")
                if self._checkpointer is not None:
                    self._checkpointer.wrote()
            except sqlite3.Error as exc:
                self._rollback_quietly()
                raise BackendUnavailable(
                    f"inbox {self.path} failed: {exc}", reason="inbox_unavailable"
                ) from exc
            finally:
                if relax:
                    self._restore_synchronous()

    def _timed(self, write: Callable[[], object]) -> None:
        """`write()`, reported to `on_durable_write` as (wall ms, thread CPU ms) when it returns; a failing hook is
        logged and never fails the write it timed."""
        c0, t0 = time.thread_time(), time.perf_counter()
        write()
        wall, cpu = (time.perf_counter() - t0) * 1000, (time.thread_time() - c0) * 1000
        hook = self.on_durable_write
        if hook is not None:
            try:
                hook(wall, cpu)
            except Exception:  # noqa: BLE001 - observability only
                _log.exception("inbox %s: on_durable_write hook failed", self.path)

    def _restore_synchronous(self) -> None:
        try:
            self._db.execute("PRAGMA synchronous = FULL")
        except sqlite3.Error:  # a broken connection: the next transaction reports it
            _log.warning("could not restore synchronous=FULL on inbox %s", self.path)

    def _begin_immediate(self) -> None:
        """BEGIN IMMEDIATE, polling every 0.05–0.5 ms for up to ~5 ms while another process writes, then SQLite's own
        wait (busy_timeout). SQLite's busy handler sleeps 1, 2, 5, 10 … ms between its tries, so a callback that met a
        worker's claim or ack (which holds the write lock for a fraction of a millisecond, or one fsync) used to wait
        a whole millisecond or three: the tail of the acknowledgement. Measured with a holder of 0.3 ms: 1.09 ms
        median wait with the busy handler, 0.61 ms polling; uncontended, the two PRAGMAs cost ~3 µs."""
        self._db.execute("PRAGMA busy_timeout = 0")
        try:
            pause, waited = 0.00005, 0.0
            while waited < _FAST_RETRY_S:
                try:
                    self._db.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as exc:
                    if "locked" not in str(exc) and "busy" not in str(exc):
                        raise
                time.sleep(pause)
                waited += pause
                pause = min(pause * 2, 0.0005)
        finally:
            self._db.execute(f"PRAGMA busy_timeout = {self._busy_timeout_ms}")
        self._db.execute("BEGIN IMMEDIATE")  # still busy: SQLite waits up to busy_timeout, as before

    def _rollback_quietly(self) -> None:
        try:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
        except sqlite3.Error:
            pass  # closed or broken connection: nothing to roll back

    # ---- producer side -------------------------------------------------------------------------------------------

    def accept(self, msg: InboundMessage) -> bool:
        self._refuse_if_unsynced()
        payload = msg.model_dump_json()
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO inbox (dedupe_key, conversation_id, payload, created_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (dedupe_key) DO NOTHING",
                (
                    msg.dedupe_key,
                    f"{msg.tenant}:{msg.channel.value}:{msg.conversation_id}",
                    payload,
                    time.time(),
                ),
            )
            return cur.rowcount == 1

    def accept_many(self, msgs: list[InboundMessage]) -> list[bool]:
        """Group commit: one transaction (one fsync) for a batch, each message deduped as in `accept`."""
        return self._insert_many(msgs, durable=True)

    # ---- pipelined durability (channels.batching.GroupCommitter) ----------------------------------------------------
    #
    # With synchronous=FULL a commit fsyncs the WAL while holding SQLite's one write lock, so a batch that arrives
    # during that fsync waits for it and then pays its own: the acknowledgement's tail is two fsyncs. Split in two, the
    # same guarantee costs one: `commit_many` commits a batch without the fsync (the rows are in the WAL file, which
    # a process crash does not lose) and `sync_committed` then fdatasyncs the WAL file outside the lock. A 200 goes out
    # only after an fdatasync that began after its batch's commit (a duplicate's too: the row it met may still be in
    # flight), so what was acknowledged is on disk, as with FULL; the next batch commits meanwhile and its own
    # fdatasync runs beside the first. Only for a file in WAL mode with synchronous=FULL (`pipelined`); a failed
    # fdatasync leaves the file's state unknown (Linux may drop the pages it could not write and report the next
    # fdatasync clean), so every later accept is refused (503: Tencent retries) until the process restarts.

    @property
    def pipelined(self) -> bool:
        return self._pipelined

    def commit_many(self, msgs: list[InboundMessage]) -> list[bool]:
        """`accept_many` without its fsync: durable only after the next `sync_committed` (see above)."""
        if not self._pipelined:
            raise RuntimeError("commit_many needs a WAL-mode inbox file with synchronous=FULL")
        return self._insert_many(msgs, durable=False)

    def sync_committed(self) -> None:
        """fdatasync the WAL file: every transaction committed before this call is on disk when it returns."""
        self._refuse_if_unsynced()
        try:
            fd = os.open(self._wal_path, os.O_RDONLY)
            try:
                if self.on_durable_write is not None:
                    self._timed(lambda: os.fdatasync(fd))
                else:
                    os.fdatasync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            self._sync_error = exc
            _log.error(
                "inbox %s: fdatasync of the WAL failed (%s); refusing callbacks until restart", self.path, exc
            )
            raise BackendUnavailable(
                f"inbox {self.path} could not make its log durable: {exc}", reason="inbox_unavailable"
            ) from exc

    def _refuse_if_unsynced(self) -> None:
        if self._sync_error is not None:
            raise BackendUnavailable(
                f"inbox {self.path}: an earlier fdatasync failed ({self._sync_error}); restart to recover",
                reason="inbox_unavailable",
            )

    def _insert_many(self, msgs: list[InboundMessage], *, durable: bool) -> list[bool]:
        self._refuse_if_unsynced()
        now = time.time()
        with self._tx(durable=durable) as db:
            fresh = []
            for msg in msgs:
                cur = db.execute(
                    "INSERT INTO inbox (dedupe_key, conversation_id, payload, created_at) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (dedupe_key) DO NOTHING",
                    (
                        msg.dedupe_key,
                        f"{msg.tenant}:{msg.channel.value}:{msg.conversation_id}",
                        msg.model_dump_json(),
                        now,
                    ),
                )
                fresh.append(cur.rowcount == 1)
            return fresh

    def record_skipped(self, channel: str, message_id: str, reason: str, raw: dict[str, Any]) -> None:
        raw_json = json.dumps(raw, ensure_ascii=False, default=str)[:4000]
        with self._tx() as db:
            db.execute(
                "INSERT INTO inbox_skipped (channel, message_id, reason, raw, at) VALUES (?, ?, ?, ?, ?)",
                (channel, message_id, reason, raw_json, time.time()),
            )

    # ---- consumer side -------------------------------------------------------------------------------------------

    def claim(self, worker_id: str, limit: int = 10) -> list[tuple[int, InboundMessage]]:
        """Lease up to `limit` pending messages, oldest first, at most one per conversation and none from a
        conversation that already has a message under a live lease. Expired leases are reclaimed first."""
        with self._tx(durable=False) as db:
            self._expire_leases(db, time.time() - self.lease_s)
            # ids and conversations only: the payloads of the (up to 20 × limit) rows looked at are not read, only
            # those of the rows picked (less work while this transaction holds the write lock callbacks wait for)
            rows = db.execute(
                "SELECT id, conversation_id FROM inbox WHERE status = 'pending' AND conversation_id NOT IN"
                " (SELECT conversation_id FROM inbox WHERE status = 'claimed') ORDER BY id LIMIT ?",
                (max(limit, 1) * 20,),
            ).fetchall()
            picked_ids: list[int] = []
            conversations: set[str] = set()
            for row_id, conversation in rows:
                if conversation in conversations:
                    continue
                conversations.add(conversation)
                picked_ids.append(row_id)
                if len(picked_ids) >= limit:
                    break
            now = time.time()
            db.executemany(
                "UPDATE inbox SET status = 'claimed', claimed_by = ?, claimed_at = ?, attempts = attempts + 1"
                " WHERE id = ?",
                [(worker_id, now, row_id) for row_id in picked_ids],
            )
            picked = [
                (row_id, db.execute("SELECT payload FROM inbox WHERE id = ?", (row_id,)).fetchone()[0])
                for row_id in picked_ids
            ]
        return [(row_id, InboundMessage.model_validate_json(payload)) for row_id, payload in picked]

    def touch(self, worker_id: str, item_ids: list[int]) -> None:
        """Heartbeat: renew the leases this worker still holds (a message still being worked on)."""
        if not item_ids:
            return
        with self._tx(durable=False) as db:
            db.executemany(
                "UPDATE inbox SET claimed_at = ? WHERE id = ? AND claimed_by = ? AND status = 'claimed'",
                [(time.time(), i, worker_id) for i in item_ids],
            )

    def release(self, worker_id: str, item_ids: list[int] | None = None) -> int:
        """Graceful shutdown: give claimed messages back now (all of this worker's when `item_ids` is None). A
        give-back is not a failed attempt, so it does not count towards `max_attempts`."""
        with self._tx(durable=False) as db:
            if item_ids is None:
                cur = db.execute(
                    "UPDATE inbox SET status = 'pending', claimed_by = NULL, claimed_at = NULL,"
                    " attempts = MAX(attempts - 1, 0) WHERE status = 'claimed' AND claimed_by = ?",
                    (worker_id,),
                )
                return cur.rowcount
            count = 0
            for i in item_ids:
                cur = db.execute(
                    "UPDATE inbox SET status = 'pending', claimed_by = NULL, claimed_at = NULL,"
                    " attempts = MAX(attempts - 1, 0) WHERE id = ? AND status = 'claimed' AND claimed_by = ?",
                    (i, worker_id),
                )
                count += cur.rowcount
            return count

    def reclaim_orphans(self, is_alive: Callable[[str], bool]) -> int:
        """Start-up: claims whose worker is known dead (`is_alive(claimed_by)` is False, e.g. a pid on this host that
        no longer runs after a kill -9) go back to pending at once instead of waiting out their lease."""
        with self._tx(durable=False) as db:
            holders = [
                r[0] for r in db.execute("SELECT DISTINCT claimed_by FROM inbox WHERE status = 'claimed'")
            ]
            dead = [h for h in holders if h is not None and not is_alive(h)]
            count = 0
            for holder in dead:
                cur = db.execute(
                    "UPDATE inbox SET status = CASE WHEN attempts >= ? THEN 'dead' ELSE 'pending' END,"
                    " claimed_by = NULL, claimed_at = NULL WHERE status = 'claimed' AND claimed_by = ?",
                    (self.max_attempts, holder),
                )
                count += cur.rowcount
            return count

    def ack(self, item_id: int) -> None:
        self.ack_many([item_id])

    def ack_many(self, item_ids: list[int]) -> None:
        """Mark done and redact the payloads (privacy: the raw text lives here only until processed). The redacted
        payloads are computed before the write transaction, which then only writes (see `_ack_rows`)."""
        with self._reading() as db:
            read = _ack_rows(db, item_ids)
        redacted = {i: redacted_payload(payload) for i, payload in read}
        with self._tx(durable=False) as db:
            now = time.time()
            db.executemany(
                "UPDATE inbox SET status = 'done', done_at = ? WHERE id = ?", [(now, i) for i in item_ids]
            )
            db.executemany("UPDATE inbox SET payload = ? WHERE id = ?", [(p, i) for i, p in redacted.items()])
        self._maybe_sweep()

    def nack(self, item_id: int) -> None:
        """Give a claimed message back now (the worker failed); after `max_attempts` it is parked as dead."""
        with self._tx(durable=False) as db:
            db.execute(
                "UPDATE inbox SET status = CASE WHEN attempts >= ? THEN 'dead' ELSE 'pending' END,"
                " claimed_by = NULL, claimed_at = NULL WHERE id = ? AND status = 'claimed'",
                (self.max_attempts, item_id),
            )
        self._maybe_sweep()

    def dead_letter(self, item_id: int, msg: InboundMessage, reason: str) -> None:
        """A claimed message no worker of this inbox may process (`wrong_tenant`) is parked as dead with its reason at
        once, not retried until its attempts run out (each retry would record another refusal). Kept for an operator
        like any dead row (`redact_stale` clears its content after the retention)."""
        _log.error("inbox entry %s (message %s) parked as dead: %s", item_id, msg.dedupe_key, reason)
        with self._tx(durable=False) as db:
            db.execute(
                "UPDATE inbox SET status = 'dead', dead_reason = ?, claimed_by = NULL, claimed_at = NULL"
                " WHERE id = ? AND status = 'claimed'",
                (reason, item_id),
            )

    # ---- privacy retention ---------------------------------------------------------------------------------------

    def redact_stale(self, older_than_s: float | None = None) -> dict[str, int]:
        """Dead-lettered rows and skipped callbacks that arrived more than `older_than_s` ago (default
        `dead_redact_after_s`, COPILOT_QUEUE_DEAD_REDACT_AFTER_S) lose their raw content; done rows not redacted yet
        (written before redaction on ack) too. Pending and claimed rows are never touched: they must still be
        processed. Returns how many rows of each kind were redacted."""
        self._last_sweep = time.monotonic()
        cutoff = time.time() - (self.dead_redact_after_s if older_than_s is None else older_than_s)
        with self._tx() as db:
            rows = db.execute(
                "SELECT id, status, payload FROM inbox WHERE status IN ('dead', 'done') AND created_at <= ?"
                " AND instr(payload, ?) = 0 AND instr(payload, '\"redacted\"') = 0",
                (cutoff, _REDACTED_MARK),
            ).fetchall()
            db.executemany(
                "UPDATE inbox SET payload = ? WHERE id = ?",
                [
                    (redacted_payload(p, DEAD_REDACTED_TEXT if st == "dead" else REDACTED_TEXT), i)
                    for i, st, p in rows
                ],
            )
            skipped = db.execute(
                "UPDATE inbox_skipped SET raw = ? WHERE at <= ? AND raw != ?",
                (_SKIPPED_REDACTED, cutoff, _SKIPPED_REDACTED),
            ).rowcount
        return {
            "dead": sum(1 for _, st, _ in rows if st == "dead"),
            "done": sum(1 for _, st, _ in rows if st == "done"),
            "skipped": skipped,
        }

    def _maybe_sweep(self) -> None:
        """At most once a minute, from the consumer's own calls (no extra thread); never fails the caller."""
        if time.monotonic() - self._last_sweep < _SWEEP_EVERY_S:
            return
        try:
            self.redact_stale()
        except BackendUnavailable as exc:
            self._last_sweep = time.monotonic()
            _log.warning("inbox retention sweep failed (next one in a minute): %s", exc.message)

    def requeue_stale(self, older_than_s: float | None = None) -> int:
        """Return leases older than `older_than_s` (default: the lease) to pending; returns how many. A message
        that already used `max_attempts` is parked as dead instead (it keeps killing its worker)."""
        cutoff = time.time() - (self.lease_s if older_than_s is None else older_than_s)
        with self._tx(durable=False) as db:
            return self._expire_leases(db, cutoff)

    def _expire_leases(self, db: sqlite3.Connection, cutoff: float) -> int:
        db.execute(
            "UPDATE inbox SET status = 'dead' WHERE status = 'claimed' AND claimed_at < ? AND attempts >= ?",
            (cutoff, self.max_attempts),
        )
        cur = db.execute(
            "UPDATE inbox SET status = 'pending', claimed_by = NULL, claimed_at = NULL"
            " WHERE status = 'claimed' AND claimed_at < ?",
            (cutoff,),
        )
        return cur.rowcount

    # ---- operations ------------------------------------------------------------------------------------------------

    def prune(self, older_than_s: float) -> int:
        """Delete done rows older than `older_than_s`. Keep them at least as long as Tencent may retry or kf may
        re-deliver (3 days), since the rows are also the dedupe record."""
        with self._tx() as db:
            cur = db.execute(
                "DELETE FROM inbox WHERE status = 'done' AND done_at < ?", (time.time() - older_than_s,)
            )
            return cur.rowcount

    def stats(self) -> dict[str, int]:
        with self._lock:
            try:
                rows = self._db.execute("SELECT status, COUNT(*) FROM inbox GROUP BY status").fetchall()
                skipped = self._db.execute("SELECT COUNT(*) FROM inbox_skipped").fetchone()[0]
            except sqlite3.Error as exc:
                raise BackendUnavailable(
                    f"inbox {self.path} failed: {exc}", reason="inbox_unavailable"
                ) from exc
        counts = {"pending": 0, "claimed": 0, "done": 0, "dead": 0, **dict(rows)}
        counts["total"] = sum(counts[s] for s in ("pending", "claimed", "done", "dead"))
        counts["skipped"] = skipped
        return counts

    def skipped(self) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT channel, message_id, reason, raw FROM inbox_skipped ORDER BY id"
            ).fetchall()
        return [{"channel": c, "message_id": m, "reason": r, "raw": json.loads(raw)} for c, m, r, raw in rows]

    def ping(self) -> None:
        """Readiness: one trivial read; raises BackendUnavailable when the file cannot be read, or after a failed
        fdatasync (every accept is refused until restart, so the balancer should stop sending callbacks here)."""
        self._refuse_if_unsynced()
        with self._lock:
            try:
                self._db.execute("SELECT 1 FROM inbox LIMIT 1").fetchall()
            except sqlite3.Error as exc:
                raise BackendUnavailable(
                    f"inbox {self.path} failed: {exc}", reason="inbox_unavailable"
                ) from exc

    def close(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.close()
        with self._lock:
            self._db.close()
