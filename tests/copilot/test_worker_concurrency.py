"""A worker process with two message loops (COPILOT_QUEUE_CONCURRENCY): the loops run messages at the same time, every
message is handled exactly once, and a conversation's messages still run one at a time, in order (the inbox's claim
rule).

Behaviour, not speed: the overlap is proven by a barrier two messages must both reach before either may finish (one
loop alone can never pass it), not by how long the run took — a wall-clock bound failed once on the shared machine."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from channels.inbox import SqliteInbox
from contract import Channel, InboundMessage, TextPart
from contract.ports import Actor
from copilot.worker import Worker

WAIT_S = 0.02  # what a message spends waiting on round trips: lets a same-conversation overlap show if there were one
MEET_S = (
    60.0  # how long the first two messages wait for each other: only a worker with one loop ever uses it up
)


class MeetingHandler:
    """Handles a message by waiting, as the graph does on its I/O, and records what ran while what else ran. The first
    two messages meet at a barrier: both are in hand at once, or the barrier breaks."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.meet = threading.Barrier(2, timeout=MEET_S)
        self.met: list[str] = []
        self.broken = False
        self.started = 0
        self.running: set[str] = set()
        self.max_parallel = 0
        self.done: list[str] = []
        self.conversations_running: set[str] = set()
        self.same_conversation_overlap = False

    def handle_message(self, msg: InboundMessage, actor: Actor) -> None:
        with self.lock:
            if msg.conversation_id in self.conversations_running:
                self.same_conversation_overlap = True
            self.conversations_running.add(msg.conversation_id)
            self.running.add(msg.message_id)
            self.max_parallel = max(self.max_parallel, len(self.running))
            first_two, self.started = self.started < 2, self.started + 1
        if first_two:
            try:
                self.meet.wait()
                with self.lock:
                    self.met.append(msg.message_id)
            except threading.BrokenBarrierError:
                self.broken = True
        time.sleep(WAIT_S)
        with self.lock:
            self.running.discard(msg.message_id)
            self.conversations_running.discard(msg.conversation_id)
            self.done.append(msg.message_id)


def message(conv: int, n: int) -> InboundMessage:
    return InboundMessage(tenant="demo", channel=Channel.REST, conversation_id=f"c{conv}", message_id=f"c{conv}-m{n}",
                          customer_ref="C1001", parts=[TextPart(text=f"消息 {n}")])  # fmt: skip


def run_worker(inbox: SqliteInbox, handler: MeetingHandler, concurrency: int, total: int) -> None:
    worker = Worker(inbox, handler, worker_id="pair", batch=1, poll_s=0.02, concurrency=concurrency)
    worker.start()
    try:
        deadline = time.monotonic() + 4 * MEET_S  # a hang fails below, by what was not done
        while inbox.stats()["done"] < total and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        worker.stop()


def test_two_loops_run_messages_together_and_keep_each_conversation_in_order(tmp_path: Path) -> None:
    inbox = SqliteInbox(tmp_path / "inbox.sqlite", lease_s=3600.0)
    for n in range(3):
        for conv in range(4):
            assert inbox.accept(message(conv, n))
    handler = MeetingHandler()
    run_worker(inbox, handler, concurrency=2, total=12)
    # the first two messages were in hand at the same time (each waited at the barrier until the other arrived)
    assert not handler.broken and len(handler.met) == 2
    assert (
        len({m.split("-")[0] for m in handler.met}) == 2
    )  # of two conversations: never one conversation twice
    assert handler.max_parallel == 2
    assert sorted(handler.done) == sorted(
        f"c{c}-m{n}" for c in range(4) for n in range(3)
    )  # each exactly once
    for conv in range(4):
        order = [m for m in handler.done if m.startswith(f"c{conv}-")]
        assert order == [f"c{conv}-m{n}" for n in range(3)]
    assert not handler.same_conversation_overlap
    assert inbox.stats()["claimed"] == 0
    inbox.close()


def test_one_loop_never_has_two_messages_in_hand(tmp_path: Path) -> None:
    """The barrier's counter-check: with one loop the first message cannot meet a second one."""
    inbox = SqliteInbox(tmp_path / "inbox.sqlite", lease_s=3600.0)
    for conv in range(2):
        assert inbox.accept(message(conv, 0))
    handler = MeetingHandler()
    handler.meet = threading.Barrier(2, timeout=0.5)  # it must break: nothing else can arrive while it waits
    run_worker(inbox, handler, concurrency=1, total=2)
    assert handler.broken and handler.met == []
    assert handler.max_parallel == 1 and sorted(handler.done) == ["c0-m0", "c1-m0"]
    inbox.close()


class CrashingHandler:
    """Crashes on the first `crashes` runs of every message, then handles it: a passing fault, then recovery."""

    def __init__(self, crashes: int) -> None:
        self.crashes = crashes
        self.runs: dict[str, int] = {}
        self.done: list[str] = []

    def handle_message(self, msg: InboundMessage, actor: Actor) -> None:
        self.runs[msg.message_id] = self.runs.get(msg.message_id, 0) + 1
        if self.runs[msg.message_id] <= self.crashes:
            raise RuntimeError("database is locked")
        self.done.append(msg.message_id)


def test_a_crashed_run_is_retried_not_acked_and_a_poison_message_is_parked_with_its_content(
    tmp_path: Path,
) -> None:
    inbox = SqliteInbox(tmp_path / "inbox.sqlite", lease_s=3600.0, max_attempts=3)
    assert inbox.accept(message(0, 0))
    passing = CrashingHandler(crashes=1)  # one crash, then it works: handled, exactly once
    worker = Worker(inbox, passing, worker_id="retry", batch=1, poll_s=0.01)
    for _ in range(3):
        worker.run_once()
    assert passing.done == ["c0-m0"] and passing.runs["c0-m0"] == 2 and inbox.stats()["done"] == 1

    assert inbox.accept(message(1, 0))
    poison = CrashingHandler(crashes=99)  # crashes every time: dead-lettered after max_attempts, not done
    worker = Worker(inbox, poison, worker_id="poison", batch=1, poll_s=0.01)
    for _ in range(5):
        worker.run_once()
    assert poison.runs["c1-m0"] == 3 and poison.done == []
    stats = inbox.stats()
    assert stats["dead"] == 1 and stats["done"] == 1 and stats["claimed"] == 0
    inbox.close()
