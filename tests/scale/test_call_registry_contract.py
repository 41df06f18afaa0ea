"""One contract for both call registries (in-process and Redis): which calls an agent is on is their read scope, so
both must agree on start, the customer named after the socket connected, the end and its grace period."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest
import redis

from copilot.calls import ActiveCall, CallRegistry, LocalCalls, RedisCalls


@pytest.fixture(params=["local", "redis"])
def registry(request: pytest.FixtureRequest) -> Iterator[CallRegistry]:
    if request.param == "local":
        yield LocalCalls(grace_s=0.2)
        return
    request.applymarker(pytest.mark.redis)
    client = redis.Redis.from_url(request.getfixturevalue("redis_url"))
    yield RedisCalls(client, grace_s=0.2, prefix=f"test:calls:{uuid.uuid4().hex[:8]}:")
    client.close()


def test_an_agent_sees_only_their_own_calls(registry: CallRegistry) -> None:
    registry.start(ActiveCall("call-a", "agent_chen", "C1001", "demo"))
    registry.start(ActiveCall("call-b", "agent_liu", "C1004", "demo"))
    assert [(c.call_id, c.customer_ref) for c in registry.for_agent("agent_chen")] == [("call-a", "C1001")]
    assert [c.call_id for c in registry.for_agent("agent_liu")] == ["call-b"]
    assert registry.for_agent("agent_nobody") == []


def test_a_customer_named_after_connect_fills_the_call_and_is_not_replaced(registry: CallRegistry) -> None:
    registry.start(ActiveCall("call-c", "agent_chen", "", "demo"))  # the socket connected, no customer yet
    registry.start(ActiveCall("call-c", "agent_chen", "C1001", "demo"))  # the first final names the customer
    assert [c.customer_ref for c in registry.for_agent("agent_chen")] == ["C1001"]
    registry.start(ActiveCall("call-c", "agent_chen", "C1004", "demo"))  # a later frame cannot swap it
    assert [c.customer_ref for c in registry.for_agent("agent_chen")] == ["C1001"]


def test_an_ended_call_stays_in_scope_for_the_grace_period_only(registry: CallRegistry) -> None:
    registry.start(ActiveCall("call-d", "agent_chen", "C1001", "demo"))
    registry.end("call-d")
    held = registry.for_agent("agent_chen")
    assert [c.call_id for c in held] == ["call-d"] and held[0].ended_at > 0
    time.sleep(0.3)
    assert registry.for_agent("agent_chen") == []
