"""One contract suite over both work queues: the embedded SQLite inbox and the Redis Streams consumer group."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from channels.inbox import SqliteInbox
from contract import Channel, InboundMessage, TextPart
from copilot.scale import RedisStreamInbox


def _msg(i: int, conversation: str = "conv-1") -> InboundMessage:
    return InboundMessage(
        tenant="demo",
        channel=Channel.WECOM_APP,
        conversation_id=f"{conversation}-{i}",
        message_id=f"m{i}",
        customer_ref="C1001",
        rep_ref="rep_zhang",
        parts=[TextPart(text=f"第{i}条：返点政策是什么？")],
    )


@pytest.fixture(params=["sqlite", pytest.param("redis", marks=pytest.mark.redis)])
def inbox(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    if request.param == "sqlite":
        box: Any = SqliteInbox(tmp_path / "inbox.sqlite")
    else:
        url = request.getfixturevalue("redis_url")
        box = RedisStreamInbox(url, stream=f"test:{request.node.name}:{time.time_ns()}", lease_s=0.2)
    yield box
    box.close()


def test_duplicate_is_refused_and_enqueued_once(inbox: Any) -> None:
    assert inbox.accept(_msg(1)) is True
    assert inbox.accept(_msg(1)) is False  # Tencent's retry of the same MsgId
    assert inbox.accept(_msg(1)) is False
    claimed = inbox.claim("w1", 10)
    assert [m.message_id for _, m in claimed] == ["m1"]


def test_claim_then_ack_removes_work(inbox: Any) -> None:
    for i in range(3):
        inbox.accept(_msg(i))
    first = inbox.claim("w1", 10)
    assert sorted(m.message_id for _, m in first) == ["m0", "m1", "m2"]
    for item_id, _ in first:
        inbox.ack(item_id)
    inbox.requeue_stale(0.0)
    assert inbox.claim("w2", 10) == []


def test_unacked_work_is_reclaimed_after_the_lease(inbox: Any) -> None:
    """A worker that dies (kill -9) never acks; its message must come back to another worker exactly once."""
    inbox.accept(_msg(7))
    ((item_id, msg),) = inbox.claim("doomed-worker", 1)
    assert msg.message_id == "m7"
    time.sleep(0.3)
    inbox.requeue_stale(0.25)
    again = inbox.claim("survivor", 5)
    assert [m.message_id for _, m in again] == ["m7"]
    inbox.ack(again[0][0])
    time.sleep(0.3)
    inbox.requeue_stale(0.25)
    assert inbox.claim("survivor", 5) == []


def test_message_survives_reopen(tmp_path: Path) -> None:
    box = SqliteInbox(tmp_path / "inbox.sqlite")
    box.accept(_msg(3))
    box.close()
    reopened = SqliteInbox(tmp_path / "inbox.sqlite")
    assert [m.message_id for _, m in reopened.claim("w", 5)] == ["m3"]
    reopened.close()


@pytest.mark.redis
def test_redis_queue_runs_one_graph_per_conversation_at_a_time(redis_url: str) -> None:
    """Two workers holding two messages of one conversation never run them at once; other conversations do run."""
    import threading

    box = RedisStreamInbox(redis_url, stream=f"test:lock:{time.time_ns()}", lease_s=5.0)
    active: dict[str, int] = {}
    peak: dict[str, int] = {}
    guard = threading.Lock()

    def run(msg: InboundMessage) -> None:
        with box.conversation_lock(msg):
            with guard:
                active[msg.conversation_id] = active.get(msg.conversation_id, 0) + 1
                peak[msg.conversation_id] = max(peak.get(msg.conversation_id, 0), active[msg.conversation_id])
            time.sleep(0.2)
            with guard:
                active[msg.conversation_id] -= 1

    same = [_msg(i, "conv") for i in (1, 2, 3)]
    same = [m.model_copy(update={"conversation_id": "conv-shared"}) for m in same]
    other = _msg(9, "other")
    threads = [threading.Thread(target=run, args=(m,)) for m in [*same, other]]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert peak["conv-shared"] == 1
    assert peak[other.conversation_id] == 1

    # a lock that cannot be had in time is a retryable refusal, not a crash
    from contract import BackendUnavailable

    with (
        box.conversation_lock(same[0]),
        pytest.raises(BackendUnavailable, match="another worker"),
        box.conversation_lock(same[1], wait_s=0.2),
    ):
        pass
    box.close()


@pytest.fixture(params=["sqlite", pytest.param("redis", marks=pytest.mark.redis)])
def leased(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """Both queues with a short lease (0.3 s)."""
    if request.param == "sqlite":
        box: Any = SqliteInbox(tmp_path / "inbox.sqlite", lease_s=0.3)
    else:
        url = request.getfixturevalue("redis_url")
        box = RedisStreamInbox(url, stream=f"test:lease:{request.node.name}:{time.time_ns()}", lease_s=0.3)
    yield box
    box.close()


def test_an_expired_lease_is_taken_over_by_claim_alone(leased: Any) -> None:
    """No requeue_stale call needed: a silent worker's message comes back to the next claim after the lease."""
    leased.accept(_msg(1))
    assert [m.message_id for _, m in leased.claim("silent", 5)] == ["m1"]
    assert leased.claim("other", 5) == []
    time.sleep(0.45)
    assert [m.message_id for _, m in leased.claim("other", 5)] == ["m1"]


def test_a_heartbeat_keeps_the_lease(leased: Any) -> None:
    leased.accept(_msg(2))
    ((item_id, _),) = leased.claim("busy", 5)
    for _ in range(4):  # 0.6 s of work, two leases long, renewed every 0.15 s
        time.sleep(0.15)
        leased.touch("busy", [item_id])
    assert leased.claim("other", 5) == []
    leased.ack(item_id)


def test_release_gives_messages_back_at_once(leased: Any) -> None:
    """Graceful shutdown: what a stopping worker still holds is claimable immediately, not after the lease."""
    for i in (3, 4):
        leased.accept(_msg(i))
    held = leased.claim("stopping", 5)
    assert len(held) == 2
    assert leased.release("stopping", [item_id for item_id, _ in held]) == 2
    again = leased.claim("successor", 5)
    assert sorted(m.message_id for _, m in again) == ["m3", "m4"]


def test_orphaned_claims_of_a_dead_process_come_back_at_start_up(tmp_path: Path) -> None:
    from copilot.worker import holder_alive, worker_name

    box = SqliteInbox(tmp_path / "inbox.sqlite", lease_s=3600.0)
    box.accept(_msg(5))
    import subprocess
    import sys

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    ghost = worker_name("ghost").rsplit(":", 1)[0] + f":{dead.pid}"
    assert box.claim(ghost, 5)
    assert not holder_alive(ghost) and holder_alive(worker_name("me")) and holder_alive("w@another-host:1")
    assert box.reclaim_orphans(holder_alive) == 1
    assert [m.message_id for _, m in box.claim("heir", 5)] == ["m5"]
    box.close()
