"""A worker process with two message loops (COPILOT_QUEUE_CONCURRENCY): the loops overlap their waits, every message
is handled exactly once, and a conversation's messages still run one at a time, in order (the inbox's claim rule)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from channels.inbox import SqliteInbox
from contract import Channel, InboundMessage, TextPart
from contract.ports import Actor
from copilot.worker import Worker

WAIT_S = 0.08  # what a message spends waiting on round trips (vector store, CRM, ledger commit)


class WaitingHandler:
    """Handles a message by waiting, as the graph does on its I/O, and records what ran when."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
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
        time.sleep(WAIT_S)
        with self.lock:
            self.running.discard(msg.message_id)
            self.conversations_running.discard(msg.conversation_id)
            self.done.append(msg.message_id)


def message(conv: int, n: int) -> InboundMessage:
    return InboundMessage(tenant="demo", channel=Channel.REST, conversation_id=f"c{conv}", message_id=f"c{conv}-m{n}",
                          customer_ref="C1001", parts=[TextPart(text=f"消息 {n}")])  # fmt: skip


def test_two_loops_overlap_waits_and_keep_each_conversation_in_order(tmp_path: Path) -> None:
    inbox = SqliteInbox(tmp_path / "inbox.sqlite", lease_s=3600.0)
    for n in range(3):
        for conv in range(4):
            assert inbox.accept(message(conv, n))
    handler = WaitingHandler()
    worker = Worker(inbox, handler, worker_id="pair", batch=1, poll_s=0.02, concurrency=2)
    started = time.monotonic()
    worker.start()
    try:
        deadline = time.monotonic() + 60
        while inbox.stats()["done"] < 12 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        worker.stop()
    elapsed = time.monotonic() - started
    assert sorted(handler.done) == sorted(
        f"c{c}-m{n}" for c in range(4) for n in range(3)
    )  # each exactly once
    for conv in range(4):
        order = [m for m in handler.done if m.startswith(f"c{conv}-")]
        assert order == [f"c{conv}-m{n}" for n in range(3)]
    assert not handler.same_conversation_overlap
    assert handler.max_parallel == 2
    assert elapsed < 12 * WAIT_S  # one loop alone needs at least 12 waits end to end
    assert inbox.stats()["claimed"] == 0
    inbox.close()
