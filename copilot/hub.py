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
(pages subscribe in the API process only while open). The in-process hub's answer is exact at the moment of asking, as
PUBLISH itself is: a page that subscribes a moment later misses the event either way and catches up by id.

The Redis hub remembers each topic's answer for `listened_ttl_s` (1 s): a message pushes its progress phases and its
suggestion to the same topics within a second, and asking PUBSUB NUMSUB before each cost 3 Redis round trips a
message. So a page that subscribes in another process gets its topic's pushes at most `listened_ttl_s` later than
before (it catches up by id, as after any missed event); a subscription made through the same hub object takes effect
at once (its confirmation forgets the topic's answer), as does one that ends. A remembered "listened" for a page that
has left costs a PUBLISH to nobody, which is harmless.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
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

    _REMEMBERED_MAX = 4096  # topics whose answer is remembered at once; expired ones are dropped past it

    def __init__(self, url: str, tenant: str, listened_ttl_s: float = 1.0) -> None:
        import redis

        if not tenant:
            raise ValueError("a Redis hub needs its tenant: channels on a shared Redis are per tenant")
        self._url = url
        self._prefix = _prefix(tenant)
        self._redis = redis.Redis.from_url(url)
        # topic -> (monotonic time the answer expires, someone subscribed); 0 s remembers nothing (asks every time)
        self._listened_ttl_s = listened_ttl_s
        self._remembered: dict[str, tuple[float, bool]] = {}
        # bumped whenever an answer is forgotten: an answer asked of Redis before that is not remembered
        self._forgets = 0
        self._lock = threading.Lock()

    def _channel(self, topic: str) -> str:
        return self._prefix + topic

    def publish(self, topic: str, event: dict[str, Any]) -> None:
        self._redis.publish(self._channel(topic), _json(event))

    def listened(self, topics: Sequence[str]) -> list[str]:
        """PUBSUB NUMSUB: one round trip instead of building, serialising and publishing an event nobody gets, asked
        only for the topics whose answer is not remembered (`listened_ttl_s`). An unreachable Redis answers every
        topic (the publish then fails as it did), and that answer is not remembered."""
        import redis

        if not topics:
            return []
        now = time.monotonic()
        with self._lock:
            known = {
                t: hit[1] for t in topics if (hit := self._remembered.get(t)) is not None and hit[0] > now
            }
            forgets = self._forgets
        unknown = list(dict.fromkeys(t for t in topics if t not in known))
        if unknown:
            try:
                counts = dict(self._redis.pubsub_numsub(*(self._channel(t) for t in unknown)))
            except redis.RedisError:
                return list(topics)
            asked = {
                t: int(counts.get(self._channel(t).encode(), counts.get(self._channel(t), 0)) or 0) > 0
                for t in unknown
            }
            known.update(asked)
            if self._listened_ttl_s > 0:
                self._remember(asked, now + self._listened_ttl_s, forgets)
        return [t for t in topics if known[t]]

    def _remember(self, asked: dict[str, bool], expires: float, forgets: int) -> None:
        with self._lock:
            if self._forgets != forgets:
                return  # a subscription began or ended while Redis was asked: the answer may predate it
            if len(self._remembered) >= self._REMEMBERED_MAX:
                now = time.monotonic()
                self._remembered = {t: hit for t, hit in self._remembered.items() if hit[0] > now}
                if len(self._remembered) >= self._REMEMBERED_MAX:
                    self._remembered.clear()
            for topic, heard in asked.items():
                self._remembered[topic] = (expires, heard)

    def _forget(self, topic: str) -> None:
        """A subscription through this hub began (confirmed by Redis) or ended: the topic's next `listened` asks."""
        with self._lock:
            self._forgets += 1
            self._remembered.pop(topic, None)

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
                kind = message.get("type")
                if kind == "message":
                    yield json.loads(message["data"])
                elif kind == "subscribe":
                    self._forget(topic)  # Redis counts the subscriber from now on: publishers here ask again
        finally:
            await pubsub.unsubscribe()
            self._forget(topic)
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
