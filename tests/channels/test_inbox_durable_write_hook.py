"""SqliteInbox.on_durable_write: every durable write (the COMMIT that fsyncs the WAL under synchronous=FULL, the
pipelined fdatasync) is reported with its wall and CPU time; nothing else is (NORMAL commits, the worker's relaxed
bookkeeping commits); a failing hook never fails the write; without a hook nothing changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from channels import SqliteInbox
from tests.channels.test_inbox_write_lock import message


def _inbox(tmp_path: Path, synchronous: str = "FULL") -> tuple[SqliteInbox, list[tuple[float, float]]]:
    inbox = SqliteInbox(tmp_path / "inbox.sqlite", synchronous=synchronous)  # type: ignore[arg-type]
    seen: list[tuple[float, float]] = []
    inbox.on_durable_write = lambda wall, cpu: seen.append((wall, cpu))
    return inbox, seen


def test_each_durable_commit_is_reported_with_wall_and_cpu(tmp_path: Path) -> None:
    inbox, seen = _inbox(tmp_path)
    assert inbox.accept(message("m1")) is True
    assert inbox.accept_many([message("m2"), message("m3"), message("m1")]) == [True, True, False]
    assert len(seen) == 2  # one per transaction, not per message
    assert all(wall >= 0.0 and cpu >= 0.0 for wall, cpu in seen)


def test_relaxed_and_normal_commits_are_not_reported(tmp_path: Path) -> None:
    inbox, seen = _inbox(tmp_path)
    inbox.accept(message("m1"))
    claimed = inbox.claim("w1", 10)  # (a claim may run the durable sweep of stale rows first)
    seen.clear()
    # the worker's bookkeeping (lease renewal, give-back) commits with durable=False
    inbox.touch("w1", [item_id for item_id, _ in claimed])
    assert inbox.release("w1") == 1
    assert seen == []
    normal, seen_normal = _inbox(tmp_path / "normal", "NORMAL")
    normal.accept(message("m2"))
    assert seen_normal == []


def test_pipelined_fdatasync_is_reported(tmp_path: Path) -> None:
    inbox, seen = _inbox(tmp_path)
    assert inbox.pipelined
    assert inbox.commit_many([message("m1")]) == [True]
    assert seen == []  # committed without its fsync
    inbox.sync_committed()
    assert len(seen) == 1


def test_a_failing_hook_does_not_fail_the_write(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    inbox = SqliteInbox(tmp_path / "inbox.sqlite")

    def broken(wall: float, cpu: float) -> None:
        raise RuntimeError("metrics down")

    inbox.on_durable_write = broken
    assert inbox.accept(message("m1")) is True
    assert inbox.stats()["pending"] == 1
    assert "on_durable_write hook failed" in caplog.text


def test_no_hook_by_default(tmp_path: Path) -> None:
    inbox = SqliteInbox(tmp_path / "inbox.sqlite")
    assert inbox.on_durable_write is None
    assert inbox.accept(message("m1")) is True
