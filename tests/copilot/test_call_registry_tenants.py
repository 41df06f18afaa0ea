"""Session 12 (tenant scope gaps): the call registry's Redis keys carried no tenant (`copilot:calls:<agent>`,
`copilot:calls:call:<call id>`), so two tenants' services on one Redis shared them: tenant B's agent with the same id
saw tenant A's call (and so A's customer in their scope), B's gateway registering the same call id moved A's call, and
B's hang-up ended it. Now a registry bound to a tenant (`Services` binds its own, as it binds the ledger) keeps every
key under `<prefix><tenant>:`, and the claims that follow it (gateway signatures, call sockets) too."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from copilot.calls import ActiveCall, RedisCalls, RedisClaims, claims_for
from tests.copilot.test_ledger_tenants import ALPHA, BETA, tenant_services

pytestmark = pytest.mark.redis


@pytest.fixture
def client(redis_url: str) -> Iterator[redis.Redis]:
    c = redis.Redis.from_url(redis_url)
    yield c
    c.close()


def _pair(client: redis.Redis, prefix: str) -> tuple[RedisCalls, RedisCalls]:
    a, b = RedisCalls(client, prefix=prefix), RedisCalls(client, prefix=prefix)
    a.bind_tenant(ALPHA)
    b.bind_tenant(BETA)
    return a, b


def test_two_tenants_on_one_redis_never_see_or_move_each_others_calls(client: redis.Redis) -> None:
    prefix = f"test:tcalls:{uuid.uuid4().hex[:8]}:"
    alpha, beta = _pair(client, prefix)
    alpha.start(ActiveCall("call-1", "agent_chen", "CA1", ALPHA))
    assert beta.for_agent("agent_chen") == [] and beta.get("call-1") is None
    beta.start(ActiveCall("call-1", "agent_wu", "CB1", BETA))  # B's gateway, the same call id
    beta.end("call-1")  # B's hang-up
    held = alpha.get("call-1")
    assert held is not None and (held.agent_id, held.customer_ref, held.ended_at) == (
        "agent_chen",
        "CA1",
        0.0,
    )
    assert [c.customer_ref for c in alpha.for_agent("agent_chen")] == ["CA1"]
    keys = [k.decode() for k in client.scan_iter(match=prefix + "*")]
    assert keys and all(k.startswith((prefix + ALPHA + ":", prefix + BETA + ":")) for k in keys), keys


def test_the_service_binds_its_registry_and_the_claims_follow_it(client: redis.Redis, tmp_path: Path) -> None:
    prefix = f"test:tsvc:{uuid.uuid4().hex[:8]}:"
    services = tenant_services(f"sqlite:///{tmp_path / 'l.sqlite'}", ALPHA, tmp_path)
    services.calls = RedisCalls(client, prefix=prefix)
    services.__post_init__()  # as built: Services binds its ledger and its call registry to its tenant
    services.register_call("call-9", "agent_chen", "CA9")
    keys = [k.decode() for k in client.scan_iter(match=prefix + "*")]
    assert keys and all(k.startswith(prefix + ALPHA + ":") for k in keys), keys
    claims = claims_for(services.calls)
    assert isinstance(claims, RedisClaims)
    assert claims.prefix.endswith(f":{ALPHA}:"), claims.prefix
    services.ledger.close()


def test_a_registry_bound_to_one_tenant_refuses_another(client: redis.Redis) -> None:
    from contract import UserError

    registry = RedisCalls(client, prefix="test:tbind:")
    registry.bind_tenant(ALPHA)
    registry.bind_tenant(ALPHA)  # the same tenant again: a no-op
    with pytest.raises(UserError):
        registry.bind_tenant(BETA)
