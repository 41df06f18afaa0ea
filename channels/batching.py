"""Group commit for the callbacks: requests that arrive while the inbox is busy writing (an fsync under
synchronous=FULL takes 0.5–10 ms) are written together in its next transaction, instead of queueing one fsync each
behind a lock. One writer thread; each request awaits its own result.

With an inbox that can split its commit from its fsync (`PipelinedInbox`: SqliteInbox on a WAL file, synchronous=FULL)
SYNC_THREADS writer threads take batches from the queue: each commits its batch without the fsync, fdatasyncs the log
and only then answers the batch's requests. A batch that arrives while one writer is in its fsync is taken by another,
which commits at once (the SQLite write lock is free: the fsync no longer runs under it) and starts its own fsync beside
the first (this disk serves concurrent flushes in parallel), so an acknowledgement waits for one fsync instead of the
end of another's and then its own: the tail of the callback's latency. Each request is still answered only after an
fsync that began after its batch committed; a duplicate's too (the row it met committed before its own commit).

Batches commit in the order they were taken from the queue (arrival order): a writer takes its batch and commits it
under one lock (`_commit_lock`), and only its fsync runs outside it. Otherwise a writer descheduled between taking a
batch and committing it lets the next batch commit first, and the worker, which claims by row id, would see a
conversation's second message before its first."""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable

from channels.inbox import BatchInbox, PipelinedInbox
from contract.errors import BackendUnavailable
from contract.messages import InboundMessage

Item = tuple[InboundMessage, asyncio.AbstractEventLoop, asyncio.Future[bool]]
# writer threads of a pipelined inbox, i.e. fsyncs in flight at once: a batch that arrives while one runs is committed
# and fsynced by the other; when all are busy, the requests queued meanwhile form the next batch (one fsync for them all)
SYNC_THREADS = 2


class InlineGroupCommitter:
    """Group commit on the event loop itself: messages accepted during one loop iteration are written in one
    transaction by a callback scheduled right after them. No thread hand-off (under heavy CPU contention each wake-up
    of another thread can cost milliseconds), at the price of blocking the loop for the commit — cheap with
    synchronous=NORMAL, an fsync with FULL."""

    def __init__(self, inbox: BatchInbox, max_batch: int = 256) -> None:
        self.inbox = inbox
        self.max_batch = max_batch
        self._pending: list[tuple[InboundMessage, asyncio.Future[bool]]] = []

    async def accept(self, msg: InboundMessage) -> bool:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bool] = loop.create_future()
        if not self._pending:
            loop.call_soon(self._flush)
        self._pending.append((msg, future))
        return await future

    def _flush(self) -> None:
        batch, self._pending = self._pending, []
        for start in range(0, len(batch), self.max_batch):
            chunk = batch[start : start + self.max_batch]
            try:
                results = self.inbox.accept_many([msg for msg, _ in chunk])
            except BackendUnavailable as exc:
                for _, future in chunk:
                    _settle(future, False, exc)
                continue
            except Exception as exc:  # anything else is also "the queue is down" for the callers
                error = BackendUnavailable(f"inbox write failed: {exc}", reason="inbox_unavailable")
                for _, future in chunk:
                    _settle(future, False, error)
                continue
            for (_, future), fresh in zip(chunk, results, strict=True):
                _settle(future, fresh, None)


class GroupCommitter:
    """Group commit on writer threads (one, or SYNC_THREADS for a pipelined inbox): the loop keeps serving while a
    batch is fsynced."""

    def __init__(self, inbox: BatchInbox, max_batch: int = 256, sync_threads: int = SYNC_THREADS) -> None:
        self.inbox = inbox
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[Item | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        # commit and fsync apart, on several writers (see the module's docstring); otherwise one writer whose
        # accept_many fsyncs inside the commit, as before
        self._pipelined = isinstance(inbox, PipelinedInbox) and inbox.pipelined and sync_threads > 0
        self._count = sync_threads if self._pipelined else 1
        self._writers: list[threading.Thread] = []
        # held from taking a batch off the queue to the end of its commit: commits in take (arrival) order
        self._commit_lock = threading.Lock()

    def _ensure_started(self) -> None:
        if self._thread is None:
            with self._start_lock:
                if self._thread is None:
                    self._writers = [
                        threading.Thread(target=self._run, name=f"inbox-group-commit-{i}", daemon=True)
                        for i in range(self._count)
                    ]
                    for t in self._writers:
                        t.start()
                    self._thread = self._writers[0]

    async def accept(self, msg: InboundMessage) -> bool:
        """Durably enqueue; True = new, False = duplicate. Raises BackendUnavailable like Inbox.accept."""
        self._ensure_started()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bool] = loop.create_future()
        self._queue.put((msg, loop, future))
        return await future

    def _run(self) -> None:
        while True:
            with self._commit_lock:  # take and commit together: batch i commits before batch i+1 is taken
                batch = self._take()
                if batch is None:
                    return
                results, error = self._commit(batch)
            if error is None and self._pipelined:
                # answered only after an fsync that begins after this commit; the other writer may meanwhile take
                # and commit the next batch and start its own fsync beside this one
                assert isinstance(self.inbox, PipelinedInbox)
                results, error = self._guard(self.inbox.sync_committed, results)
            self._answer(batch, results, error)

    def _take(self) -> list[Item] | None:
        first = self._queue.get()
        if first is None:
            self._queue.put(None)  # for the next writer
            return None
        batch = [first]
        while len(batch) < self.max_batch:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is None:
                self._queue.put(None)  # finish this batch, then stop
                break
            batch.append(item)
        return batch

    def _commit(self, batch: list[Item]) -> tuple[list[bool] | None, BaseException | None]:
        msgs = [msg for msg, _, _ in batch]
        inbox = self.inbox
        if self._pipelined:
            assert isinstance(inbox, PipelinedInbox)
            return self._guard(lambda: inbox.commit_many(msgs))
        return self._guard(lambda: inbox.accept_many(msgs))

    @staticmethod
    def _guard(
        step: Callable[[], list[bool] | None], results: list[bool] | None = None
    ) -> tuple[list[bool] | None, BaseException | None]:
        """Run one write step; its results (or the ones passed through), or the error the callers get."""
        try:
            out = step()
            return (out if out is not None else results), None
        except BackendUnavailable as exc:
            return None, exc
        except Exception as exc:  # anything else is also "the queue is down" for the callers
            return None, BackendUnavailable(f"inbox write failed: {exc}", reason="inbox_unavailable")

    def _answer(self, batch: list[Item], results: list[bool] | None, error: BaseException | None) -> None:
        # One wake-up per loop for the whole batch, not one per message: each call_soon_threadsafe writes the loop's
        # self-pipe (a syscall and a loop wake-up), which under CPU contention cost more than the insert itself.
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[bool], bool]]] = {}
        for i, (_, loop, future) in enumerate(batch):
            by_loop.setdefault(loop, []).append((future, results[i] if results is not None else False))
        for loop, settled in by_loop.items():
            loop.call_soon_threadsafe(_settle_all, settled, error)

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(None)  # each writer puts it back for the next one as it stops
            for t in self._writers:
                t.join(5)


def _settle_all(settled: list[tuple[asyncio.Future[bool], bool]], error: BaseException | None) -> None:
    for future, result in settled:
        _settle(future, result, error)


def _settle(future: asyncio.Future[bool], result: bool, error: BaseException | None) -> None:
    if future.done():  # the request was cancelled (client went away); the write still happened
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
