"""Pipelined durability (channels.batching.GroupCommitter over SqliteInbox.commit_many / sync_committed): a batch
commits without its fsync and is answered only after an fdatasync of the WAL file that began after that commit, while
the next batch commits and its own fsync runs beside the first. What these tests hold the mechanism to:
- every answer (a new message's True, a duplicate's False) follows an fsync begun after its batch committed, under
  concurrent requests and slow fsyncs, and the pipeline really overlaps (commits during an fsync, two fsyncs at once);
- the fsync is an fdatasync of the inbox's own WAL file;
- batches commit in the order they were taken off the queue (a conversation's messages keep their order);
- a failed fsync answers its batch with BackendUnavailable (503) and refuses every later accept (and readiness) until
  restart;
- only a WAL file with synchronous=FULL is pipelined (NORMAL and :memory: keep accept_many as before)."""

from __future__ import annotations

import asyncio
import errno
import itertools
import os
import threading
import time
from pathlib import Path

import pytest

import channels.inbox as inbox_module
from channels import SqliteInbox
from channels.batching import GroupCommitter
from contract.errors import BackendUnavailable
from tests.channels.test_inbox_write_lock import message


class Recorder:
    """A global event order: commit ends, fsync starts and ends, answers; each fsync made slow (SLOW_S) so that
    requests keep arriving while one runs."""

    SLOW_S = 0.004

    def __init__(self, inbox: SqliteInbox) -> None:
        self.inbox, self._seq, self._lock = inbox, itertools.count(), threading.Lock()
        self.committed: dict[str, int] = {}  # message id -> seq of its batch's commit end
        self.syncs: list[tuple[int, int]] = []  # (start seq, end seq)
        self.in_flight, self.max_in_flight, self.commits_during_sync = 0, 0, 0
        commit_many, sync_committed = inbox.commit_many, inbox.sync_committed

        def recorded_commit(msgs):  # type: ignore[no-untyped-def]
            out = commit_many(msgs)
            with self._lock:
                end = next(self._seq)
                self.commits_during_sync += self.in_flight > 0
                for m in msgs:
                    self.committed.setdefault(m.message_id, end)
            return out

        def recorded_sync() -> None:
            with self._lock:
                start = next(self._seq)
                self.in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self.in_flight)
            time.sleep(self.SLOW_S)
            sync_committed()
            with self._lock:
                self.in_flight -= 1
                self.syncs.append((start, next(self._seq)))

        inbox.commit_many = recorded_commit  # type: ignore[method-assign]
        inbox.sync_committed = recorded_sync  # type: ignore[method-assign]

    def answered(self) -> int:
        with self._lock:
            return next(self._seq)


def test_every_answer_follows_an_fsync_begun_after_its_commit(tmp_path: Path) -> None:
    inbox = SqliteInbox(tmp_path / "inbox.sqlite")
    assert inbox.pipelined
    rec = Recorder(inbox)
    committer = GroupCommitter(inbox)
    answers: dict[tuple[str, int], tuple[bool, int]] = {}

    async def one(msg_id: str, k: int, delay: float) -> None:
        await asyncio.sleep(delay)
        fresh = await committer.accept(message(msg_id))
        answers[(msg_id, k)] = (fresh, rec.answered())

    async def load() -> None:
        # 300 requests over ~0.3 s (1 ms apart, every 5th a retry of an earlier message): several batches per fsync
        ids = [f"m{i // 5 * 5 if i % 5 == 4 else i}" for i in range(300)]
        await asyncio.gather(*(one(m, k, k * 0.001) for k, m in enumerate(ids)))

    try:
        asyncio.run(load())
    finally:
        committer.close()
        inbox.close()
    assert len(answers) == 300
    assert sum(fresh for fresh, _ in answers.values()) == 240  # 60 retries answered as duplicates
    for (msg_id, _), (_, at) in answers.items():
        commit = rec.committed[msg_id]  # the first commit of that id: a duplicate met this row
        assert any(start > commit and end < at for start, end in rec.syncs), (msg_id, commit, at)
    # the pipeline overlapped: batches committed while an fsync ran, and two fsyncs ran at once
    assert rec.commits_during_sync > 0
    assert rec.max_in_flight == 2
    reopened = SqliteInbox(tmp_path / "inbox.sqlite")
    assert reopened.stats()["total"] == 240
    reopened.close()


def test_the_fsync_is_an_fdatasync_of_the_inbox_wal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inbox = SqliteInbox(tmp_path / "inbox.sqlite")
    synced: list[str] = []
    real = os.fdatasync

    def spy(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real(fd)

    monkeypatch.setattr(inbox_module.os, "fdatasync", spy)
    assert inbox.commit_many([message("w1")]) == [True]
    inbox.sync_committed()
    inbox.close()
    assert synced == [str((tmp_path / "inbox.sqlite").resolve()) + "-wal"]


def test_a_failed_fsync_refuses_its_batch_and_every_later_accept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox = SqliteInbox(tmp_path / "inbox.sqlite")
    committer = GroupCommitter(inbox)

    def broken(fd: int) -> None:
        raise OSError(errno.EIO, "I/O error")

    async def accept(msg_id: str) -> bool:
        return await committer.accept(message(msg_id))

    try:
        assert asyncio.run(accept("f1")) is True
        monkeypatch.setattr(inbox_module.os, "fdatasync", broken)
        with pytest.raises(BackendUnavailable):
            asyncio.run(accept("f2"))
        monkeypatch.undo()  # the disk answers again: the file's state is still unknown, so nothing is accepted
        for msg_id in ("f2", "f3"):  # Tencent's retry of the refused message, and a new one
            with pytest.raises(BackendUnavailable):
                asyncio.run(accept(msg_id))
        with pytest.raises(BackendUnavailable):
            inbox.accept(message("f4"))
        with pytest.raises(BackendUnavailable):
            inbox.accept_many([message("f5")])
        # readiness says so too: the balancer stops sending callbacks here
        with pytest.raises(BackendUnavailable):
            inbox.ping()
    finally:
        committer.close()
        inbox.close()


def test_batches_commit_in_the_order_they_were_taken(tmp_path: Path) -> None:
    """One conversation's m1 then m2 (m2 queued while m1's batch is being committed). The writer committing m1 is held
    inside its commit until another writer starts a commit (or HOLD_S passes): were the second writer free to take m2
    and commit it meanwhile, m2 would get the lower row id and the worker, claiming by id, would see it first."""
    HOLD_S = 1.0
    inbox = SqliteInbox(tmp_path / "inbox.sqlite")
    commit_many = inbox.commit_many
    first_entered, other_started = threading.Event(), threading.Event()
    calls = itertools.count()

    def held_commit(msgs):  # type: ignore[no-untyped-def]
        if next(calls) == 0:
            first_entered.set()
            other_started.wait(HOLD_S)  # the first writer loses the CPU here
        else:
            other_started.set()
        return commit_many(msgs)

    inbox.commit_many = held_commit  # type: ignore[method-assign]
    committer = GroupCommitter(inbox)

    async def both() -> list[bool]:
        loop = asyncio.get_running_loop()
        t1 = asyncio.create_task(committer.accept(message("m1", "conv-1")))
        assert await loop.run_in_executor(None, first_entered.wait, 5.0)
        t2 = asyncio.create_task(committer.accept(message("m2", "conv-1")))
        return [await t1, await t2]

    try:
        assert asyncio.run(both()) == [True, True]
        claimed = []
        for _ in range(2):  # the worker: one message of a conversation at a time, acked before the next
            for item_id, msg in inbox.claim("w", limit=1):
                claimed.append(msg.message_id)
                inbox.ack(item_id)
    finally:
        committer.close()
        inbox.close()
    assert claimed == ["m1", "m2"]


def test_only_a_wal_file_with_full_sync_is_pipelined(tmp_path: Path) -> None:
    normal = SqliteInbox(tmp_path / "normal.sqlite", synchronous="NORMAL")
    memory = SqliteInbox(":memory:")
    try:
        assert not normal.pipelined and not memory.pipelined
        with pytest.raises(RuntimeError):
            normal.commit_many([message("n1")])
        committer = GroupCommitter(normal)

        async def accept() -> bool:
            return await committer.accept(message("n2"))

        assert asyncio.run(accept()) is True
        committer.close()
        assert normal.stats()["total"] == 1
    finally:
        normal.close()
        memory.close()


def test_the_router_pipelines_only_when_the_policy_asks(tmp_path: Path) -> None:
    """CallbackPolicy.fsync_writers (settings.callback_fsync_writers): 0, the default, keeps one writer whose commit
    carries the fsync (the lower-CPU path, and the better tail on an idle host); N pipelines on N writers."""
    from channels import CallbackPolicy, ChannelConfig
    from channels.dedupe import InMemoryNonceCache
    from channels.router import CallbackHandler
    from copilot.settings import Settings

    for writers, pipelined, count in ((0, False, 1), (2, True, 2)):
        inbox = SqliteInbox(tmp_path / f"inbox{writers}.sqlite")
        config = ChannelConfig(tenant="demo", policy=CallbackPolicy(fsync_writers=writers))
        committer = CallbackHandler(inbox, config, InMemoryNonceCache(), None, None).committer
        assert isinstance(committer, GroupCommitter)
        assert (committer._pipelined, committer._count) == (pipelined, count)
    assert Settings().callback_fsync_writers == 0
    assert ChannelConfig.from_settings(Settings(callback_fsync_writers=2)).policy.fsync_writers == 2
