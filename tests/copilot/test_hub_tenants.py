"""copilot/hub.py: a hub serves one tenant. Two tenants' deployments on one Redis (scale-out) publish and listen on
`copilot:push:<tenant>:<topic>`, so tenant B's subscriber to a topic tenant A also uses ("rep:r1": both have a rep r1;
"conversation:<A>:<id>": B's admin may listen to any topic) gets nothing of A's pushes, while A's own subscriber gets
them. Before, every tenant's hub used `copilot:push:<topic>` and B received A's suggestions and progress events."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import pytest

from contract.messages import InboundMessage, TextPart
from copilot.events import SuggestionProgress
from copilot.hub import Hub, LocalHub, RedisHub, listened, make_hub
from copilot.listeners import HubPush


def message(tenant: str, rep: str = "r1", conversation: str = "c-1") -> InboundMessage:
    return InboundMessage(
        tenant=tenant,
        channel="rest",
        conversation_id=conversation,
        message_id="m-1",
        customer_ref="cust-1",
        rep_ref=rep,
        parts=[TextPart(text="这台车保修到什么时候")],
    )


async def _until(check: Any, timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


def cross_tenant_push(redis_url: str) -> dict[str, list[dict[str, Any]]]:
    """Tenant A's listeners push a progress event for A's rep r1 in A's conversation c-1, through the hub the services
    make (`make_hub(redis_url, tenant)`); A's rep r1, B's rep r1 and B's admin on A's conversation topic listen. Then
    B's hub publishes a marker on B's two topics: each B subscriber's first event shows whether A's push reached it
    (Redis delivers in publish order, and A's push was delivered before the marker was sent)."""
    stamp = time.time_ns()
    alpha, beta = f"alpha{stamp}", f"beta{stamp}"
    hub_a, hub_b = make_hub(redis_url, alpha), make_hub(redis_url, beta)
    a_topic, b_topics = "rep:r1", ["rep:r1", f"conversation:{alpha}:c-1"]

    async def first(hub: Hub, topic: str, ready: list[str]) -> dict[str, Any]:
        stream: Any = hub.subscribe(topic).__aiter__()
        task = asyncio.ensure_future(stream.__anext__())
        ready.append(topic)
        try:
            return await asyncio.wait_for(task, 5.0)
        finally:
            await stream.aclose()

    async def run() -> dict[str, list[dict[str, Any]]]:
        ready: list[str] = []
        got_a = asyncio.ensure_future(first(hub_a, a_topic, ready))
        got_b = [asyncio.ensure_future(first(hub_b, t, ready)) for t in b_topics]
        await _until(lambda: listened(hub_a, [a_topic]) == [a_topic])
        await _until(lambda: listened(hub_b, b_topics) == b_topics)
        HubPush(hub_a).progress(
            SuggestionProgress(message=message(alpha), phase="partial", data={"intent": "warranty"})
        )
        a_events = [await got_a]
        for topic in b_topics:
            hub_b.publish(topic, {"type": "marker", "tenant": beta})
        return {"alpha": a_events, "beta": [await task for task in got_b]}

    try:
        return asyncio.run(run())
    finally:
        hub_a.close()
        hub_b.close()


@pytest.mark.redis
def test_two_tenants_on_one_redis_do_not_receive_each_others_pushes(redis_url: str) -> None:
    got = cross_tenant_push(redis_url)
    assert [e["type"] for e in got["alpha"]] == ["suggestion_partial"]  # A's own rep still gets A's push
    assert [e["type"] for e in got["beta"]] == ["marker", "marker"], got["beta"]  # B: its own marker first


@pytest.mark.redis
def test_a_tenant_hub_counts_only_its_own_listeners(redis_url: str) -> None:
    stamp = time.time_ns()
    hub_a, hub_b = RedisHub(redis_url, f"a{stamp}"), RedisHub(redis_url, f"b{stamp}")

    async def run() -> list[str]:
        stream: Any = hub_b.subscribe("rep:r1").__aiter__()
        task = asyncio.ensure_future(stream.__anext__())
        await _until(lambda: listened(hub_b, ["rep:r1"]) == ["rep:r1"])
        seen_by_a = listened(hub_a, ["rep:r1"])
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await stream.aclose()
        return seen_by_a

    try:
        assert asyncio.run(run()) == []  # A builds nothing for B's page
    finally:
        hub_a.close()
        hub_b.close()


def test_channels_name_their_tenant_unambiguously() -> None:
    assert RedisHub("redis://127.0.0.1:1/0", "alpha")._channel("rep:r1") == "copilot:push:alpha:rep:r1"
    # a ':' in a tenant id cannot make one tenant's channel another's
    assert RedisHub("redis://127.0.0.1:1/0", "a:rep")._channel("x") != RedisHub(
        "redis://127.0.0.1:1/0", "a"
    )._channel("rep:x")


def test_a_redis_hub_without_a_tenant_is_refused_and_local_hubs_share_nothing() -> None:
    with pytest.raises(ValueError, match="tenant"):
        RedisHub("redis://127.0.0.1:1/0", "")
    assert isinstance(make_hub("", "alpha"), LocalHub)
    assert make_hub("", "alpha") is not make_hub("", "beta")  # one in-process hub per set of services
