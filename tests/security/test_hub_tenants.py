"""Probe: two tenants' deployments share one Redis (scale-out). Tenant B's admin, who may listen to any topic, and
tenant B's rep with the same id as a rep of tenant A subscribe through tenant B's push hub; tenant A's listeners push
a progress event (the customer's quoted words, the intent) to A's rep and A's conversation. Real redis-server, the hub
as the services make it (copilot.hub.make_hub(redis_url, settings.tenant)), the listeners' HubPush."""

from __future__ import annotations

import pytest

from tests.copilot.test_hub_tenants import cross_tenant_push


@pytest.mark.redis
@pytest.mark.probe(
    id="push-cross-tenant-listen",
    sends="tenant B's hub on tenant A's Redis: SUBSCRIBE rep:r1 (B's rep with A's rep id) and "
    "conversation:<A>:c-1 (B's admin, any topic) while A's listeners push a progress event to A's rep r1",
    expect="B's subscribers receive only B's own events (none of A's); A's rep r1 receives A's event",
)
def test_tenant_b_listeners_get_none_of_tenant_a_pushes_on_a_shared_redis(redis_url: str) -> None:
    got = cross_tenant_push(redis_url)
    assert [e["type"] for e in got["alpha"]] == ["suggestion_partial"]
    assert [e["type"] for e in got["beta"]] == ["marker", "marker"], got["beta"]
