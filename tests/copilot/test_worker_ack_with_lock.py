"""A worker on the Redis queue acks a processed message together with its conversation lock's release (one pipeline,
copilot.scale.RedisStreamInbox._release_and_ack): the same outcomes as an ack after the release, one round trip less
(counted on the server: INFO commandstats)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from contract import Channel, InboundMessage, TextPart
from contract.errors import AccessDenied
from contract.ports import Actor
from copilot.scale import RedisStreamInbox
from copilot.worker import Worker

pytestmark = pytest.mark.redis


def _msg(i: int) -> InboundMessage:
    return InboundMessage(
        tenant="demo",
        channel=Channel.WECOM_APP,
        conversation_id=f"conv-{i}",
        message_id=f"m{i}",
        customer_ref="C1001",
        rep_ref="rep_zhang",
        parts=[TextPart(text=f"第{i}条")],
    )


class _Services:
    def __init__(self, outcome: BaseException | None = None) -> None:
        self.outcome = outcome
        self.seen: list[str] = []

    def handle_message(self, msg: InboundMessage, actor: Actor) -> None:
        self.seen.append(msg.message_id)
        if self.outcome is not None:
            raise self.outcome


@pytest.fixture
def box(redis_url: str, request: pytest.FixtureRequest) -> Iterator[RedisStreamInbox]:
    inbox = RedisStreamInbox(
        redis_url, stream=f"test:ackrelease:{request.node.name}:{time.time_ns()}", lease_s=5.0
    )
    yield inbox
    inbox.close()


def _pending(box: RedisStreamInbox) -> int:
    return int(box.stats()["pending"])


def _locks(box: RedisStreamInbox) -> list[Any]:
    return list(box._r.scan_iter(f"{box.stream}:lock:*"))


def _run(
    box: RedisStreamInbox, services: _Services, monkeypatch: pytest.MonkeyPatch
) -> tuple[Worker, list[str]]:
    calls: list[str] = []
    monkeypatch.setattr(box, "ack", calls.append)
    worker = Worker(box, services, worker_id="w-ack")  # type: ignore[arg-type]
    worker.run_once()
    return worker, calls


@pytest.mark.parametrize("outcome", [None, AccessDenied("not yours", reason="not_owner")])
def test_processed_or_refused_is_acked_with_the_release(
    box: RedisStreamInbox, outcome: BaseException | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(2):
        box.accept(_msg(i))
    services = _Services(outcome)
    worker = Worker(box, services, worker_id="w-ack", batch=2)  # type: ignore[arg-type]
    separate: list[str] = []
    monkeypatch.setattr(box, "ack", separate.append)  # the separate ack is not used on this queue
    assert worker.run_once() == 2
    assert services.seen == ["m0", "m1"]
    assert separate == []
    assert _pending(box) == 0  # both acked
    assert _locks(box) == []  # and both locks released
    assert box.claim("w-other", 10) == []


def test_a_crashed_run_is_not_acked_and_its_lock_is_released(
    box: RedisStreamInbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    box.accept(_msg(0))
    worker, acks = _run(box, _Services(RuntimeError("bug")), monkeypatch)
    assert acks == []
    assert _pending(box) == 1  # left for a retry after the lease
    assert _locks(box) == []
    assert worker.failed == 1


def test_a_busy_conversation_waits_unacked(box: RedisStreamInbox, monkeypatch: pytest.MonkeyPatch) -> None:
    box.accept(_msg(0))
    with box.conversation_lock(_msg(0)):  # another worker runs this conversation
        worker = Worker(box, _Services(), worker_id="w-ack")  # type: ignore[arg-type]
        monkeypatch.setattr(worker._stop, "wait", lambda *_: False)  # no back-off sleep in the test
        monkeypatch.setattr(box, "lease_s", 0.1)  # the lock wait is one lease
        assert worker.run_once() == 1
    assert worker.retried == 1
    assert _pending(box) == 1
    assert _locks(box) == []


def _commands(box: RedisStreamInbox) -> dict[str, int]:
    stats = box._r.info("commandstats")
    return {name.removeprefix("cmdstat_"): int(value["calls"]) for name, value in stats.items()}


def test_the_release_and_ack_send_no_script_exists(box: RedisStreamInbox) -> None:
    """A Script registered on a redis-py pipeline costs a SCRIPT EXISTS round trip before the pipeline; the release
    goes as a bare EVALSHA instead, so each processed message sends exactly one EVALSHA and one XACK and nothing
    about scripts."""
    n = 5
    for i in range(n + 1):
        box.accept(_msg(i))
    worker = Worker(box, _Services(), worker_id="w-ack", batch=1)  # type: ignore[arg-type]
    assert worker.run_once() == 1  # warm: the script is known to the server after this
    box._r.config_resetstat()
    for _ in range(n):
        assert worker.run_once() == 1
    calls = _commands(box)
    assert not {name for name in calls if name.startswith("script")}, calls
    assert calls.get("evalsha") == n
    assert calls.get("xack") == n
    assert _pending(box) == 0
    assert _locks(box) == []


def test_a_server_that_forgot_the_script_still_releases_and_acks(box: RedisStreamInbox) -> None:
    """NOSCRIPT (a restarted or flushed server) on the pipelined EVALSHA: the ack stands and the release is sent
    again through the Script, which loads it."""
    box.accept(_msg(0))
    box._r.script_flush()
    worker = Worker(box, _Services(), worker_id="w-ack")  # type: ignore[arg-type]
    assert worker.run_once() == 1
    assert worker.processed == 1
    assert _pending(box) == 0
    assert _locks(box) == []
