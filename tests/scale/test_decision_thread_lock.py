"""Scale-out: the rep's decision (API process) and the conversation's next message (a worker) never run the same graph
thread at once. The decision takes the same Redis lock the worker holds per conversation (copilot.service.Services.decide
→ RedisStreamInbox.thread_lock); the embedded SQLite inbox has no such lock (one process: agents.copilot serialises)."""

from __future__ import annotations

import threading
import time

import pytest

from channels.inbox import SqliteInbox
from contract import BackendUnavailable, Channel, InboundMessage, TextPart
from copilot.scale import RedisStreamInbox
from copilot.service import ThreadLocking

pytestmark = pytest.mark.redis


def _msg(conversation: str, channel: Channel = Channel.WECOM_APP) -> InboundMessage:
    return InboundMessage(tenant="demo", channel=channel, conversation_id=conversation, message_id="m1",
                          customer_ref="C1001", parts=[TextPart(text="在吗")])  # fmt: skip


def test_a_decision_waits_while_a_worker_runs_the_conversation(redis_url: str) -> None:
    box = RedisStreamInbox(redis_url, stream=f"test:decide:{time.time_ns()}", lease_s=5.0)
    assert isinstance(box, ThreadLocking)
    released = threading.Event()

    def worker() -> None:
        with box.conversation_lock(_msg("conv-1")):
            time.sleep(0.4)
        released.set()

    t = threading.Thread(target=worker)
    t.start()
    time.sleep(0.1)
    # the thread is the graph's: the channel is not part of the lock
    with pytest.raises(BackendUnavailable) as busy, box.thread_lock("demo", "conv-1", wait_s=0.1):
        pass
    assert busy.value.reason == "conversation_busy"
    with box.thread_lock("demo", "conv-1", wait_s=5.0):
        assert released.is_set()  # got the lock only after the worker let go
    t.join()
    with box.thread_lock("demo", "conv-2", wait_s=0.1):  # another conversation is never held up
        pass


def test_the_embedded_inbox_leaves_serialising_to_the_process(tmp_path) -> None:
    inbox = SqliteInbox(tmp_path / "inbox.sqlite")
    try:
        assert not isinstance(inbox, ThreadLocking)
    finally:
        inbox.close()
