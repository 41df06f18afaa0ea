"""Suggestion push: subscribers (the rep sidebar, the call desktop) get every suggestion for their topic.

In-process by default; Redis pub/sub when settings.redis_url is set, so an API process pushes what a worker produced.
Topics are plain strings: "rep:<id>", "conversation:<tenant>:<id>", "agent:<id>", "call:<id>".

A hub serves one tenant. Several tenants' deployments may share one Redis (scale-out), and a topic does not say whose
it is (two tenants may each have a rep "r1"; an admin may listen to any topic; progress events carry no tenant), so
the Redis hub puts its tenant in every channel, `copilot:push:<tenant>:<topic>`: a publish and a subscription of
different tenants never meet. The in-process hub is per process and per set of services (`make_hub` builds one for
each), and a process's services serve one tenant, so it needs no tenant.

A publisher that pays for its event (a suggestion's JSON, the customer's words masked through the PII vault) asks
`listened(hub, topics)` first and builds the event only for topics someone subscribes to, then `publish_all`: the
Redis hub serialises it once and sends every topic in one round trip. Nobody listening is the common case for a worker
(pages subscribe in the API process only while open). Exact at the moment of asking, as PUBLISH itself is: a page that
subscribes a moment later misses the event either way and catches up by id.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from typing import Any, Protocol


class Hub(Protocol):
    def publish(self, topic: str, event: dict[str, Any]) -> None: ...

    def subscribe(self, topic: str) -> AsyncIterator[dict[str, Any]]: ...

    def close(self) -> None: ...


def listened(hub: Hub, topics: Sequence[str]) -> list[str]:
    """The topics someone subscribes to now (a hub that cannot tell: all of them)."""
    ask = getattr(hub, "listened", None)
    return list(topics) if ask is None else list(ask(topics))


def publish_all(hub: Hub, topics: Sequence[str], event: dict[str, Any]) -> None:
    """`event` to every topic: one serialisation and one round trip on Redis, a publish per topic on other hubs."""
    many = getattr(hub, "publish_many", None)
    if many is not None:
        many(topics, event)
        return
    for topic in topics:
        hub.publish(topic, event)


class LocalHub:
    """Thread-safe fan-out to asyncio queues; publish may be called from worker threads. One per set of services
    (one tenant): nothing is shared between two LocalHubs, so it needs no tenant in its topics."""

    def __init__(self, max_queue: int = 256) -> None:
        self._subs: dict[str, list[tuple[asyncio.AbstractEventLoop, asyncio.Queue[dict[str, Any]]]]] = (
            defaultdict(list)
        )
        self._lock = threading.Lock()
        self._max_queue = max_queue

    def publish(self, topic: str, event: dict[str, Any]) -> None:
        with self._lock:
            targets = list(self._subs.get(topic, ()))
        for loop, queue in targets:
            loop.call_soon_threadsafe(_offer, queue, event)

    def listened(self, topics: Sequence[str]) -> list[str]:
        with self._lock:
            return [t for t in topics if self._subs.get(t)]

    def publish_many(self, topics: Sequence[str], event: dict[str, Any]) -> None:
        for topic in topics:
            self.publish(topic, event)

    async def subscribe(self, topic: str) -> AsyncIterator[dict[str, Any]]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(self._max_queue)
        with self._lock:
            self._subs[topic].append((loop, queue))
        try:
            while True:
                yield await queue.get()
        finally:
            with self._lock:
                self._subs[topic].remove((loop, queue))

    def close(self) -> None:
        with self._lock:
            self._subs.clear()


def _offer(queue: asyncio.Queue[dict[str, Any]], event: dict[str, Any]) -> None:
    if (
        queue.full()
    ):  # a slow subscriber loses the oldest event, never blocks the publisher; pages catch up by id
        queue.get_nowait()
    queue.put_nowait(event)


class RedisHub:
    """Redis pub/sub for one tenant (channels `copilot:push:<tenant>:<topic>`); each subscriber gets its own
    connection."""

    def __init__(self, url: str, tenant: str) -> None:
        import redis

        if not tenant:
            raise ValueError("a Redis hub needs its tenant: channels on a shared Redis are per tenant")
        self._url = url
        self._prefix = _prefix(tenant)
        self._redis = redis.Redis.from_url(url)

    def _channel(self, topic: str) -> str:
        return self._prefix + topic

    def publish(self, topic: str, event: dict[str, Any]) -> None:
        self._redis.publish(self._channel(topic), _json(event))

    def listened(self, topics: Sequence[str]) -> list[str]:
        """PUBSUB NUMSUB: one round trip instead of building, serialising and publishing an event nobody gets. An
        unreachable Redis answers every topic (the publish then fails as it did)."""
        import redis

        if not topics:
            return []
        try:
            counts = dict(self._redis.pubsub_numsub(*(self._channel(t) for t in topics)))
        except redis.RedisError:
            return list(topics)
        return [
            t
            for t in topics
            if int(counts.get(self._channel(t).encode(), counts.get(self._channel(t), 0)) or 0) > 0
        ]

    def publish_many(self, topics: Sequence[str], event: dict[str, Any]) -> None:
        if not topics:
            return
        data = _json(event)
        pipe = self._redis.pipeline(transaction=False)
        for topic in topics:
            pipe.publish(self._channel(topic), data)
        pipe.execute()

    async def subscribe(self, topic: str) -> AsyncIterator[dict[str, Any]]:
        import redis.asyncio as aioredis

        client = aioredis.Redis.from_url(self._url)
        pubsub = client.pubsub()
        await pubsub.subscribe(self._channel(topic))
        try:
            async for message in pubsub.listen():
                if message.get("type") == "message":
                    yield json.loads(message["data"])
        finally:
            await pubsub.unsubscribe()
            await pubsub.aclose()  # type: ignore[no-untyped-call]
            await client.aclose()

    def close(self) -> None:
        self._redis.close()


def _prefix(tenant: str) -> str:
    """`copilot:push:<tenant>:` with the tenant percent-encoded (no ':' in it), so the first ':' after the tenant ends
    it: tenant "a:rep" + topic "x" and tenant "a" + topic "rep:x" are different channels."""
    from urllib.parse import quote

    return f"copilot:push:{quote(tenant, safe='')}:"


def _json(event: dict[str, Any]) -> str:
    return json.dumps(event, ensure_ascii=False, default=str)


def make_hub(redis_url: str, tenant: str) -> Hub:
    """The services' hub: Redis pub/sub scoped to `tenant` when `redis_url` is set, else in-process."""
    return RedisHub(redis_url, tenant) if redis_url else LocalHub()
