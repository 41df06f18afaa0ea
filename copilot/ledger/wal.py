"""WAL checkpoints of a SQLite ledger on a thread of their own, not inside an append.

In WAL mode SQLite copies the log back into the database file (a checkpoint) from inside the commit that takes the log
past `wal_autocheckpoint` pages (1000 by default). A suggestion's append writes ~28 pages (the entry, its payload's
overflow pages, one leaf page of each random-keyed index, its evidence refs), so every ~36th append did that copy of
~1000 pages into the database file and its fsync: measured on a copy of the bench ledger (0.5 GB, 400 appends in a row,
load ~7), appends with a checkpoint took 5-26 ms of CPU and up to 206 ms of wall instead of ~1.8 ms CPU, and without
them the p99 of the append's CPU was 3.4 ms instead of 4.7 and its longest wall 28 ms instead of 316.

Here the appending connections keep SQLite's own checkpoint only as a backstop (`BACKSTOP_PAGES`), and a thread of the
process checkpoints PASSIVE on its own connection soon after appends (every EVERY_S while there are some): a PASSIVE
checkpoint takes no write lock, so appends go on while it copies, and the log starts over at the first append after a
checkpoint that copied every frame. Under a steady stream of appends a PASSIVE checkpoint is rarely complete when the
next append begins, so the log can grow to the backstop; SQLite's checkpoint in that commit then copies only what the
thread had not copied yet (at most EVERY_S of appends), completes (the commit holds the write lock) and the next
append starts the log over. A RESTART checkpoint from the thread (which holds appends back while it waits for readers
and copies) was tried: under load (~13 on 2 cores) an append then waited up to 287 ms behind it. Nothing about
durability changes: every append still commits with synchronous=FULL (its WAL frames are fsynced before the append
returns), and a checkpoint fsyncs the log before and the database file after its copy, exactly as SQLite's own did.
If the thread cannot run (its connection does not open), SQLite's own checkpoint in the commit takes over at
BACKSTOP_PAGES, so the log stays bounded. The thread stops after IDLE_EXIT_S without appends (a short-lived ledger,
e.g. a test's, leaves no thread behind) and starts again with the next append; a forked process starts its own.

The inbox moves its checkpoints to a thread too (channels/inbox.py `_Checkpointer`) but differs on purpose, so the
two are separate classes: it turns SQLite's checkpoint off (wal_autocheckpoint=0, no backstop in a callback's commit),
so its thread runs a RESTART checkpoint (which waits for the writers) when the log passes WAL_LIMIT_FRAMES; its thread
lives as long as the inbox on a connection the inbox opens, where this one starts with appends, ends when idle and
counts its CPU for bench_ledger."""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from contextlib import suppress

# the checkpointer's period while the ledger is appended to
EVERY_S = 0.5
# no append for this long: the thread closes its connection and ends (the next append starts it again)
IDLE_EXIT_S = 30.0
# ~40 MB of log: past it, SQLite's own checkpoint runs in the commit, as it did at 1,000 pages before
BACKSTOP_PAGES = 10_000

_log = logging.getLogger("copilot.ledger")


class WalCheckpointer:
    """PASSIVE checkpoints of one SQLite database file, on a daemon thread started by the first `wrote()`."""

    def __init__(
        self,
        path: str,
        *,
        every_s: float | None = None,
        idle_exit_s: float | None = None,
        name: str = "ledger",
    ) -> None:
        self.path = path
        # what the file is, in the thread's name and the log (the graph's checkpoint database has one too)
        self.name = name
        self.every_s = EVERY_S if every_s is None else every_s
        self.idle_exit_s = IDLE_EXIT_S if idle_exit_s is None else idle_exit_s
        self._lock = threading.Lock()
        self._dirty = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()
        self._failed = False  # the thread's connection did not open: SQLite's backstop checkpoints alone
        self.checkpoints = 0  # checkpoints run (tests and benchmarks read it)
        # the thread's CPU time in checkpoints (bench/bench_ledger.py counts it as the appends')
        self.cpu_s = 0.0

    def wrote(self) -> None:
        """After a committed append: a checkpoint is due soon. Starts the thread when none runs in this process."""
        self._dirty.set()
        thread = self._thread
        if thread is not None and thread.is_alive() and self._pid == os.getpid():
            return
        with self._lock:
            if self._pid != os.getpid():  # forked: the parent's thread does not exist here
                self._pid, self._thread, self._failed = os.getpid(), None, False
                self._stop = threading.Event()
            if self._failed or self._stop.is_set():
                return
            if self._thread is None or not self._thread.is_alive():
                thread = threading.Thread(target=self._run, name=f"{self.name}-wal-checkpoint", daemon=True)
                try:
                    thread.start()
                except RuntimeError as exc:  # no thread to be had (limits, interpreter shutdown): the append
                    # it follows is committed and must not fail; SQLite's backstop checkpoint keeps the log bounded
                    _log.warning(
                        "%s %s: no WAL checkpoint thread (%s); SQLite checkpoints in commits",
                        self.name,
                        self.path,
                        exc,
                    )
                    self._failed = True
                    return
                self._thread = thread

    def _connect(self) -> sqlite3.Connection | None:
        try:
            db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
            # the checkpoint fsyncs as the ledger's own connections would
            db.execute("PRAGMA synchronous=FULL")
            return db
        except sqlite3.Error as exc:
            _log.warning(
                "%s %s: no WAL checkpoint thread (%s); SQLite checkpoints in commits",
                self.name,
                self.path,
                exc,
            )
            self._failed = True
            return None

    def checkpoint(self, db: sqlite3.Connection) -> None:
        """One PASSIVE checkpoint: copies the frames no reader still needs, waits for nobody."""
        c0 = time.thread_time()
        try:
            db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        finally:
            self.cpu_s += time.thread_time() - c0
        self.checkpoints += 1

    def _run(self) -> None:
        db = self._connect()
        if db is None:
            return
        try:
            idle_s = 0.0
            while not self._stop.wait(self.every_s):
                if not self._dirty.is_set():
                    idle_s += self.every_s
                    if idle_s >= self.idle_exit_s:
                        return
                    continue
                idle_s = 0.0
                self._dirty.clear()
                try:
                    self.checkpoint(db)
                # busy or gone: the next period tries again, the backstop holds meanwhile
                except sqlite3.Error as exc:
                    _log.debug("%s WAL checkpoint failed: %s", self.name, exc)
        finally:
            with suppress(sqlite3.Error):
                db.close()
            with self._lock:  # an append that came in while this thread was ending starts the next one
                if self._thread is threading.current_thread():
                    self._thread = None
            if self._dirty.is_set() and not self._stop.is_set():
                self.wrote()

    @property
    def running(self) -> bool:
        thread = self._thread
        return thread is not None and thread.is_alive()

    def close(self, timeout_s: float = 5.0) -> None:
        """Stops the thread (no last checkpoint: SQLite checkpoints at the last connection's close)."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout_s)
