"""What an accepted callback's durable insert waits for (issue 20, callback tail latency): no WAL checkpoint runs in a
commit (a thread of the inbox's own does them, on its own connection), and the worker's acks and claims do their
Python work (payload parsing, redaction) outside SQLite's one write lock. Real SQLite files, real threads."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

import channels.inbox as inbox_module
from channels import SqliteInbox
from channels.inbox import REDACTED_TEXT
from contract.messages import Channel, InboundMessage, TextPart


def message(msg_id: str, conversation: str | None = None) -> InboundMessage:
    conv = conversation or f"C{msg_id}"
    return InboundMessage(
        tenant="demo",
        channel=Channel.WECOM_KF,
        conversation_id=conv,
        message_id=msg_id,
        customer_ref=conv,
        sent_at=datetime(2026, 11, 30, tzinfo=UTC),
        parts=[TextPart(text=f"第{msg_id}条：返点政策能再发一遍吗？")],
    )


def rows_in_database_file(path: Path) -> int:
    """Rows already copied from the WAL into the database file: `immutable=1` makes SQLite ignore the WAL."""
    db = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        return int(db.execute("SELECT COUNT(*) FROM inbox").fetchone()[0])
    except sqlite3.OperationalError:  # the schema itself is still only in the WAL
        return 0
    finally:
        db.close()


def test_commits_run_no_checkpoint_and_the_thread_checkpoints(tmp_path: Path) -> None:
    path = tmp_path / "inbox.sqlite"
    box = SqliteInbox(path)
    try:
        for i in range(60):
            assert box.accept(message(str(i))) is True
        # the accepting connection never checkpoints (SQLite's default would in the commit passing 1,000 pages)
        assert box._db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
        deadline = time.monotonic() + 10
        while rows_in_database_file(path) < 60 and time.monotonic() < deadline:
            time.sleep(0.1)
        # 60 small commits stay far below 1,000 WAL pages: only the checkpoint thread copies them this soon
        assert rows_in_database_file(path) == 60
        thread = box._checkpointer._thread if box._checkpointer else None
        assert thread is not None and thread.is_alive()
    finally:
        box.close()
    assert not thread.is_alive()  # close() stops it


def test_a_reader_starts_no_checkpoint_thread(tmp_path: Path) -> None:
    path = tmp_path / "inbox.sqlite"
    SqliteInbox(path).close()
    reader = SqliteInbox(path)
    try:
        reader.stats()
        assert reader._checkpointer is None
    finally:
        reader.close()


def test_ack_redacts_outside_the_write_transaction(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    box = SqliteInbox(tmp_path / "inbox.sqlite")
    seen_in_transaction: list[bool] = []
    real = inbox_module.redacted_payload

    def spy(payload: str, text: str = REDACTED_TEXT) -> str:
        seen_in_transaction.append(box._db.in_transaction)
        return real(payload, text)

    monkeypatch.setattr(inbox_module, "redacted_payload", spy)
    try:
        for i in range(3):
            box.accept(message(f"a{i}"))
        claimed = box.claim("w1", 10)
        assert len(claimed) == 3
        box.ack(claimed[0][0])
        box.ack_many([item for item, _ in claimed[1:]])
        assert seen_in_transaction == [False, False, False]
        stats = box.stats()
        assert stats["done"] == 3 and stats["pending"] == stats["claimed"] == 0
        payloads = [p for (p,) in box._db.execute("SELECT payload FROM inbox")]
        assert all(REDACTED_TEXT in p and "返点" not in p for p in payloads)
    finally:
        box.close()


def test_accept_is_not_held_up_by_a_slow_ack_redaction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker's ack whose redaction is slow (a descheduled worker) must not hold the write lock meanwhile:
    another process's callback insert (its own connection, as in the benchmark) commits during it. Ordering, not a
    wall-clock bound: the redaction is held until the callback's insert has committed, so an ack that redacted inside
    its write transaction would keep the insert waiting on the lock and the callback would time out."""
    path = tmp_path / "inbox.sqlite"
    worker_side, callback_side = SqliteInbox(path), SqliteInbox(path, busy_timeout_ms=2000)
    real = inbox_module.redacted_payload
    started, inserted = threading.Event(), threading.Event()

    def slow(payload: str, text: str = REDACTED_TEXT) -> str:
        started.set()
        inserted.wait(3)  # held until the callback committed (or gave up)
        return real(payload, text)

    try:
        worker_side.accept(message("first"))
        ((item, _),) = worker_side.claim("w1", 1)
        monkeypatch.setattr(inbox_module, "redacted_payload", slow)
        acking = threading.Thread(target=worker_side.ack, args=(item,))
        acking.start()
        assert started.wait(5)
        assert callback_side.accept(message("second")) is True  # committed while the ack was still redacting
        inserted.set()
        acking.join(5)
        assert not acking.is_alive()
        assert worker_side.stats()["done"] == 1
    finally:
        worker_side.close()
        callback_side.close()


def test_claim_hands_out_full_messages_one_per_conversation(tmp_path: Path) -> None:
    box = SqliteInbox(tmp_path / "inbox.sqlite")
    try:
        for i in range(5):
            box.accept(message(f"c{i}", conversation="same" if i < 3 else None))
        claimed = box.claim("w1", 10)
        ids = sorted(msg.message_id for _, msg in claimed)
        assert ids == ["c0", "c3", "c4"]  # one of the three messages of "same": the oldest
        assert all(msg.text().startswith("第") for _, msg in claimed)
    finally:
        box.close()


def test_wal_starts_over_under_writes_that_never_pause(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A PASSIVE checkpoint that writers keep overtaking never lets the WAL start over; past the frame limit the
    checkpointer waits for the writers once (RESTART), so the WAL file stays bounded."""
    monkeypatch.setattr(inbox_module, "WAL_LIMIT_FRAMES", 300)
    monkeypatch.setattr(inbox_module, "CHECKPOINT_RETRY_S", 0.02)
    monkeypatch.setattr(inbox_module, "CHECKPOINT_EVERY_S", 0.05)
    path = tmp_path / "inbox.sqlite"
    box = SqliteInbox(path, synchronous="NORMAL")
    try:
        deadline = time.monotonic() + 2.5
        i = 0
        while (
            time.monotonic() < deadline
        ):  # ~1,000 commits a second: a PASSIVE checkpoint is always overtaken
            box.accept(message(f"w{i}"))
            i += 1
            time.sleep(0.0005)
        wal = Path(f"{path}-wal")
        # WAL header: checkpoint sequence number at bytes 12-16, +1 each time the WAL starts over
        restarts = int.from_bytes(wal.read_bytes()[12:16], "big")
        assert restarts >= 2
        assert wal.stat().st_size < 25_000_000  # ~5 pages a message: ~20 MB in 2.5 s without the RESTART
        assert box.stats()["pending"] == i  # nothing lost on the way
    finally:
        box.close()
