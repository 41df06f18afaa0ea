"""The ledger's WAL checkpoints run on a thread of their own, not inside an append (issue 20: the durable append's
tail). Appends stay durable (synchronous=FULL commits), the log is copied into the database file soon after appends
and starts over, and the thread ends when appends stop. Real SQLite files, real threads."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

import copilot.ledger.engine as engine_module
import copilot.ledger.wal as wal_module
from copilot.ledger import open_ledger
from copilot.ledger.engine import wal_checkpointer
from copilot.ledger.wal import BACKSTOP_PAGES, WalCheckpointer

from .conftest import make_suggestion


def entries_in_database_file(path: Path) -> int:
    """Entries already copied from the WAL into the database file: `immutable=1` makes SQLite ignore the WAL."""
    db = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        return int(db.execute("SELECT COUNT(*) FROM ledger_entries").fetchone()[0])
    except sqlite3.OperationalError:  # the schema itself is still only in the WAL
        return 0
    except (
        sqlite3.DatabaseError
    ):  # read while a checkpoint was writing the file (immutable reads take no lock)
        return -1
    finally:
        db.close()


def wait_for(predicate, seconds: float = 10.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return bool(predicate())


def test_appends_leave_the_checkpoint_to_the_thread(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    ledger = open_ledger(f"sqlite:///{path}")
    for _ in range(20):
        ledger.record_suggestion(make_suggestion(), inputs={"masked_text": "返点政策能再发一遍吗？"})
    with ledger.engine.connect() as conn:
        # the appending connections checkpoint only past the backstop (SQLite's default: at 1,000 pages, in a commit)
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == BACKSTOP_PAGES
        # FULL: each append is on disk when it returns
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2
    checkpointer = wal_checkpointer(ledger.engine)
    assert checkpointer is not None and checkpointer.running
    # 20 appends stay far below 1,000 WAL pages: only the checkpoint thread copies them into the database file this soon
    assert wait_for(lambda: entries_in_database_file(path) == 20)
    assert wait_for(lambda: checkpointer.checkpoints >= 1)  # counted once its copy has returned
    # its CPU is kept, so a benchmark can count it as the appends' (bench_ledger)
    assert checkpointer.cpu_s > 0.0
    report = ledger.verify()
    assert report.ok and report.entries == 20
    checkpointer.close()
    assert not checkpointer.running


def test_the_log_starts_over_after_a_checkpoint(tmp_path: Path) -> None:
    """Once a PASSIVE checkpoint from another connection (the thread's) has copied every frame, the next append writes
    the log from its start: the appending connections hold nothing that keeps the log growing with the ledger."""
    path = tmp_path / "ledger.sqlite"
    ledger = open_ledger(f"sqlite:///{path}")
    checkpointer = wal_checkpointer(ledger.engine)
    assert checkpointer is not None
    checkpointer.close()  # this test checkpoints itself, at a moment no append runs
    for _ in range(5):
        ledger.record_suggestion(make_suggestion(), inputs={})
    other = sqlite3.connect(path)
    try:
        checkpointer.checkpoint(other)
        log_bytes = (tmp_path / "ledger.sqlite-wal").stat().st_size
        ledger.record_suggestion(make_suggestion(), inputs={})
        # a PASSIVE checkpoint reports the frames in the log: only the last append's
        _busy, frames, _copied = other.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    finally:
        other.close()
    assert 0 < frames * 4096 < log_bytes
    report = ledger.verify()
    assert report.ok and report.entries == 6


def test_the_log_file_shrinks_when_the_log_starts_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite reuses the -wal file without shrinking it: after a burst the file would keep its largest size. With the
    ledger's journal_size_limit the append that starts the log over truncates it (entries stay durable: FULL)."""
    limit = 64 * 1024
    monkeypatch.setattr(engine_module, "JOURNAL_SIZE_LIMIT_BYTES", limit)
    path, log = tmp_path / "ledger.sqlite", tmp_path / "ledger.sqlite-wal"
    ledger = open_ledger(f"sqlite:///{path}")
    checkpointer = wal_checkpointer(ledger.engine)
    assert checkpointer is not None
    checkpointer.close()  # this test checkpoints itself
    with ledger.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_size_limit").scalar() == limit
    for _ in range(12):  # a burst: ~28 pages an append, no checkpoint in between
        ledger.record_suggestion(make_suggestion(), inputs={"masked_text": "返点政策能再发一遍吗？"})
    burst_bytes = log.stat().st_size
    assert burst_bytes > 4 * limit
    other = sqlite3.connect(path)
    try:
        checkpointer.checkpoint(other)  # copies every frame: the next append starts the log over
        ledger.record_suggestion(make_suggestion(), inputs={})
        _busy, frames, _copied = other.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    finally:
        other.close()
    # truncated to the limit, or to the last append's frames if they are more
    assert log.stat().st_size <= max(limit, 32 + frames * (4096 + 24)) < burst_bytes
    report = ledger.verify()
    assert report.ok and report.entries == 13


def test_the_thread_ends_when_appends_stop_and_the_next_append_starts_it(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    ledger = open_ledger(f"sqlite:///{path}")
    ledger.record_suggestion(make_suggestion(), inputs={})
    checkpointer = WalCheckpointer(str(path), every_s=0.01, idle_exit_s=0.1)
    checkpointer.wrote()
    assert checkpointer.running
    assert wait_for(lambda: not checkpointer.running, 5.0)
    ran = checkpointer.checkpoints
    assert ran >= 1
    checkpointer.wrote()  # an append after the thread ended
    assert wait_for(lambda: checkpointer.checkpoints > ran, 5.0)
    checkpointer.close()


def test_no_thread_without_a_file(tmp_path: Path) -> None:
    assert wal_checkpointer(open_ledger("sqlite://").engine) is None
    # a database the thread cannot open: no thread, no error; SQLite's backstop checkpoint stays in the commits
    broken = WalCheckpointer(str(tmp_path / "missing-dir" / "ledger.sqlite"), every_s=0.01)
    broken.wrote()
    assert wait_for(lambda: not broken.running, 5.0)
    broken.wrote()
    assert not broken.running and broken.checkpoints == 0


def test_an_append_does_not_fail_when_no_thread_can_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The append is committed before the checkpointer is woken: a thread that cannot start (limits, interpreter
    shutdown) leaves SQLite's own checkpoint in the commits and the append returns its entry as always."""

    class NoThread(threading.Thread):
        def start(self) -> None:
            raise RuntimeError("can't start new thread")

    monkeypatch.setattr(wal_module.threading, "Thread", NoThread)
    path = tmp_path / "ledger.sqlite"
    ledger = open_ledger(f"sqlite:///{path}")
    entry = ledger.record_suggestion(make_suggestion(), inputs={})
    assert entry and ledger.record_suggestion(make_suggestion(), inputs={})
    checkpointer = wal_checkpointer(ledger.engine)
    assert checkpointer is not None and not checkpointer.running
    report = ledger.verify()
    assert report.ok and report.entries == 2


def test_the_graph_checkpoint_database_gets_the_same_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """copilot/wiring.py's checkpointer (the graph's, on SQLite): the saver's commits wake a WalCheckpointer on the
    checkpoint file, SQLite's own checkpoint stays as the backstop only, and the commits keep synchronous=NORMAL."""
    from langgraph.checkpoint.base import empty_checkpoint

    from agents import make_checkpointer
    from copilot.wiring import open_checkpointer

    monkeypatch.setattr(wal_module, "EVERY_S", 0.01)
    # the thread ends soon after the test, not after 30 s of polls every 10 ms
    monkeypatch.setattr(wal_module, "IDLE_EXIT_S", 0.5)
    path = tmp_path / "checkpoints.sqlite"
    saver = open_checkpointer("sqlite", sqlite_path=path)
    conn = saver.conn  # type: ignore[attr-defined]
    assert conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == BACKSTOP_PAGES
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL, as before the thread

    def rows_in_database_file() -> int:
        db = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
        try:
            return int(db.execute("SELECT COUNT(*) FROM checkpoints").fetchone()[0])
        except sqlite3.DatabaseError:  # the schema still only in the WAL, or read during a copy
            return -1
        finally:
            db.close()

    config = {"configurable": {"thread_id": "t1", "checkpoint_ns": ""}}
    saved = saver.put(config, empty_checkpoint(), {}, {})  # type: ignore[arg-type]
    assert saver.get_tuple(saved) is not None  # committed and readable at once
    assert wait_for(lambda: rows_in_database_file() == 1)  # and copied into the database file by the thread
    assert any(t.name == "checkpoints-wal-checkpoint" for t in threading.enumerate())
    # the agents' own factory without the hooks is SQLite's default, as before
    plain = make_checkpointer("sqlite", sqlite_path=tmp_path / "plain.sqlite")
    assert plain.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000  # type: ignore[attr-defined]


def test_services_close_ends_the_graph_checkpoint_thread_and_closes_its_connections(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Review MINOR on caace6b: open_checkpointer's WalCheckpointer was never closed, so Services.close left its thread
    and that thread's SQLite connection open (for up to IDLE_EXIT_S). The SQLite saver is now a Closeable that
    build_services puts in the services' closers: closing the services joins the thread and closes both the thread's
    connection and the saver's. IDLE_EXIT_S stays 30 s here, so only the close can have ended the thread."""
    from types import SimpleNamespace

    from langgraph.checkpoint.base import empty_checkpoint

    from copilot.calls import LocalCalls
    from copilot.events import EventBus
    from copilot.metrics import ServiceMetrics
    from copilot.service import Closeable, Services
    from copilot.settings import Settings
    from copilot.wiring import open_checkpointer

    monkeypatch.setattr(wal_module, "EVERY_S", 0.01)
    opened: list[tuple[threading.Thread, sqlite3.Connection]] = []  # (the thread, its connection)
    real_connect = WalCheckpointer._connect

    def connect(self: WalCheckpointer) -> sqlite3.Connection | None:
        db = real_connect(self)
        if db is not None:
            opened.append((threading.current_thread(), db))
        return db

    monkeypatch.setattr(WalCheckpointer, "_connect", connect)
    saver = open_checkpointer("sqlite", sqlite_path=tmp_path / "checkpoints.sqlite")
    assert isinstance(saver, Closeable)
    config = {"configurable": {"thread_id": "t1", "checkpoint_ns": ""}}
    saver.put(config, empty_checkpoint(), {}, {})  # type: ignore[arg-type]
    assert wait_for(lambda: len(opened) == 1)  # the thread started and opened its own connection
    ((thread, thread_db),) = opened
    assert thread.name == "checkpoints-wal-checkpoint" and thread.is_alive()
    thread_db.execute("SELECT 1")  # open

    stub = SimpleNamespace(close=lambda: None)
    services = Services(
        settings=Settings(env="test", tenant="t", data_dir=tmp_path / "data"),
        policy_store=stub,  # type: ignore[arg-type]
        customers=stub,  # type: ignore[arg-type]
        ledger=stub,  # type: ignore[arg-type]
        copilot=stub,  # type: ignore[arg-type]
        hub=stub,  # type: ignore[arg-type]
        inbox=stub,  # type: ignore[arg-type]
        calls=LocalCalls(),
        bus=EventBus(),
        metrics=ServiceMetrics(tenant="t"),
        closers=[saver],
    )
    services.close()

    assert not thread.is_alive()  # joined by the close
    with pytest.raises(sqlite3.ProgrammingError):  # the thread's connection is closed
        thread_db.execute("SELECT 1")
    with pytest.raises(sqlite3.ProgrammingError):  # and the saver's
        saver.conn.execute("SELECT 1")  # type: ignore[attr-defined]
