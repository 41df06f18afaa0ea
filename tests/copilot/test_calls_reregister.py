"""Review s10 B1: the telephony gateway may re-register an ENDED call id for another agent. The registration must move
to the new agent (the old agent loses it from their scope; `get` names the new agent) in both call registries; and
`for_agent` returns only calls whose agent is the one asked for (defence in depth)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import asdict

import pytest
import redis

from copilot.calls import ActiveCall, CallRegistry, LocalCalls, RedisCalls


@pytest.fixture(params=["local", "redis"])
def registry(request: pytest.FixtureRequest) -> Iterator[CallRegistry]:
    if request.param == "local":
        yield LocalCalls(grace_s=60)
        return
    request.applymarker(pytest.mark.redis)
    client = redis.Redis.from_url(request.getfixturevalue("redis_url"))
    yield RedisCalls(client, grace_s=60, prefix=f"test:calls:{uuid.uuid4().hex[:8]}:")
    client.close()


def _scope(registry: CallRegistry, agent: str) -> list[tuple[str, str, str]]:
    return [(c.call_id, c.agent_id, c.customer_ref) for c in registry.for_agent(agent)]


def test_ended_id_re_registered_for_another_agent_moves_to_the_new_agent(registry: CallRegistry) -> None:
    registry.start(ActiveCall("call-1", "agent_a", "C1001", "demo"))
    registry.end("call-1")
    registry.start(ActiveCall("call-1", "agent_b", "C1004", "demo"))
    assert _scope(registry, "agent_a") == []
    assert _scope(registry, "agent_b") == [("call-1", "agent_b", "C1004")]
    held = registry.get("call-1")
    assert held is not None and (held.agent_id, held.customer_ref, held.ended_at) == ("agent_b", "C1004", 0.0)
    registry.end("call-1")  # the hang-up ends the new agent's call, not a stale copy
    ended = registry.for_agent("agent_b")
    assert [c.call_id for c in ended] == ["call-1"] and ended[0].ended_at > 0
    assert _scope(registry, "agent_a") == []


def test_a_live_id_is_not_taken_over_by_another_agent(registry: CallRegistry) -> None:
    registry.start(ActiveCall("call-2", "agent_a", "C1001", "demo"))
    registry.start(ActiveCall("call-2", "agent_b", "C1004", "demo"))
    assert _scope(registry, "agent_a") == [("call-2", "agent_a", "C1001")]
    assert _scope(registry, "agent_b") == []


@pytest.mark.redis
def test_redis_for_agent_keeps_only_the_agents_own_calls(redis_url: str) -> None:
    """A record in an agent's hash that names another agent (as B1 wrote it) is not in that agent's scope."""
    client = redis.Redis.from_url(redis_url)
    prefix = f"test:calls:{uuid.uuid4().hex[:8]}:"
    calls = RedisCalls(client, grace_s=60, prefix=prefix)
    stray = ActiveCall("call-3", "agent_b", "C1004", "demo", started_at=1.0)
    client.hset(prefix + "agent_a", "call-3", json.dumps(asdict(stray)))
    assert calls.for_agent("agent_a") == []
    client.close()
