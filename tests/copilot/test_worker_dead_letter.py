"""A message no worker of this stream may process (`wrong_tenant`: another tenant's message on this tenant's stream)
is parked in `<stream>:dead` with its reason and a logged error, not acked away (it was acked before: found in
session 12). Other refusals (recorded by the service) are still acked; an inbox without dead letters gets the message
back (nack) so its own max attempts park it."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest

from contract import InboundMessage
from contract.errors import AccessDenied
from contract.ports import Actor
from copilot.scale import RedisStreamInbox
from copilot.worker import Worker
from tests.copilot.test_worker_ack_with_lock import _msg as _demo_msg


def _msg(i: int, tenant: str = "other") -> InboundMessage:
    return _demo_msg(i).model_copy(update={"tenant": tenant})


class _Refusing:
    """The service's scope check, as copilot.service.CopilotService.scope_message refuses another tenant's message."""

    def __init__(self, tenant: str = "demo", reason: str = "wrong_tenant") -> None:
        self.tenant, self.reason = tenant, reason
        self.seen: list[str] = []

    def handle_message(self, msg: InboundMessage, actor: Actor) -> None:
        self.seen.append(msg.message_id)
        if msg.tenant != self.tenant:
            raise AccessDenied(f"this service serves tenant {self.tenant!r}", reason=self.reason)


@pytest.fixture
def box(redis_url: str, request: pytest.FixtureRequest) -> Iterator[RedisStreamInbox]:
    inbox = RedisStreamInbox(
        redis_url, stream=f"test:deadletter:{request.node.name}:{time.time_ns()}", lease_s=5.0
    )
    yield inbox
    inbox.close()


def _dead(box: RedisStreamInbox) -> list[dict[bytes, bytes]]:
    return [fields for _id, fields in box._r.xrange(f"{box.stream}:dead")]


@pytest.mark.redis
def test_wrong_tenant_is_dead_lettered_with_its_reason(
    box: RedisStreamInbox, caplog: pytest.LogCaptureFixture
) -> None:
    foreign, own = _msg(1, tenant="other"), _msg(2, tenant="demo")
    assert box.accept(foreign) and box.accept(own)
    services = _Refusing(tenant="demo")
    worker = Worker(box, services, worker_id="w-dead", batch=2)  # type: ignore[arg-type]
    with caplog.at_level(logging.ERROR, logger="copilot.scale"):
        assert worker.run_once() == 2
    assert services.seen == ["m1", "m2"]
    dead = _dead(box)
    assert len(dead) == 1 and dead[0][b"reason"] == b"wrong_tenant"
    parked = InboundMessage.model_validate_json(dead[0][b"payload"])
    assert parked == foreign  # the whole message, for an operator
    assert worker.dead_lettered == 1
    stats = box.stats()
    assert (
        stats["pending"] == 0 and stats["dead"] == 1
    )  # acked with the parking, the own message acked as processed
    assert not list(box._r.scan_iter(f"{box.stream}:lock:*"))  # the conversation lock was released
    assert any("wrong_tenant" in r.getMessage() and "dead stream" in r.getMessage() for r in caplog.records)


@pytest.mark.redis
def test_other_refusals_are_still_acked_without_a_dead_letter(box: RedisStreamInbox) -> None:
    assert box.accept(_msg(3, tenant="other"))
    worker = Worker(box, _Refusing(tenant="demo", reason="not_owner"), worker_id="w-dead")  # type: ignore[arg-type]
    assert worker.run_once() == 1
    assert _dead(box) == [] and box.stats()["pending"] == 0 and worker.dead_lettered == 0


@pytest.mark.redis
def test_a_queue_down_at_parking_leaves_the_entry_pending(
    box: RedisStreamInbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert box.accept(_msg(4, tenant="other"))
    worker = Worker(box, _Refusing(tenant="demo"), worker_id="w-dead")  # type: ignore[arg-type]

    def down(*_a: Any, **_k: Any) -> None:
        import redis

        raise redis.ConnectionError("down")

    real_pipeline = box._r.pipeline

    class _Pipe:
        def __init__(self, *a: Any, **k: Any) -> None:
            self._p = real_pipeline(*a, **k)

        def __getattr__(self, name: str) -> Any:
            return down if name == "execute" else getattr(self._p, name)

    monkeypatch.setattr(box._r, "pipeline", _Pipe)
    with pytest.raises(Exception, match="queue unavailable"):
        worker.run_once()
    monkeypatch.undo()
    assert box.stats()["pending"] == 1 and _dead(box) == []  # nothing lost, nothing parked twice later
    assert json.loads(box._r.xrange(box.stream)[0][1][b"payload"])["tenant"] == "other"


class _NoDeadLetters:
    """An inbox without `dead_letter`: the worker gives the message back so the inbox's max attempts park it."""

    lease_s = 0.0

    def __init__(self) -> None:
        self.items = [(1, _msg(5, tenant="other"))]
        self.acked: list[Any] = []
        self.nacked: list[Any] = []

    def claim(self, worker_id: str, limit: int = 1) -> list[tuple[Any, InboundMessage]]:
        items, self.items = self.items, []
        return items

    def ack(self, item_id: Any) -> None:
        self.acked.append(item_id)

    def nack(self, item_id: Any) -> None:
        self.nacked.append(item_id)


def test_an_inbox_without_dead_letters_gets_it_back(caplog: pytest.LogCaptureFixture) -> None:
    inbox = _NoDeadLetters()
    worker = Worker(inbox, _Refusing(tenant="demo"), worker_id="w-dead")  # type: ignore[arg-type]
    with caplog.at_level(logging.ERROR, logger="copilot.worker"):
        assert worker.run_once() == 1
    assert inbox.acked == [] and inbox.nacked == [1]
    assert any("wrong_tenant" in r.getMessage() for r in caplog.records)


@pytest.mark.redis
def test_redaction_of_a_dead_letter_keeps_its_reason(box: RedisStreamInbox) -> None:
    assert box.accept(_msg(6, tenant="other"))
    Worker(box, _Refusing(tenant="demo"), worker_id="w-dead").run_once()  # type: ignore[arg-type]
    assert box.redact_dead(older_than_s=0) == 1
    (stub,) = _dead(box)
    assert stub[b"reason"] == b"wrong_tenant" and stub[b"redacted"] == b"1"
    assert "第6条" not in stub[b"payload"].decode()  # the content is gone, the reason and identity stay
