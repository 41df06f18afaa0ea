"""Suggestion push: subscribers (the rep sidebar, the call desktop) get every suggestion for their topic.

In-process by default; Redis pub/sub when settings.redis_url is set, so an API process pushes what a worker produced.
Topics are plain strings: "rep:<id>", "conversation:<tenant>:<id>", "agent:<id>".
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any, Protocol


class Hub(Protocol):
    def publish(self, topic: str, event: dict[str, Any]) -> None: ...

    def subscribe(self, topic: str) -> AsyncIterator[dict[str, Any]]: ...

    def close(self) -> None: ...


class LocalHub:
    """Thread-safe fan-out to asyncio queues; publish may be called from worker threads."""

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
    """Redis pub/sub; each subscriber gets its own connection."""

    def __init__(self, url: str) -> None:
        import redis

        self._url = url
        self._redis = redis.Redis.from_url(url)

    def publish(self, topic: str, event: dict[str, Any]) -> None:
        self._redis.publish(f"copilot:push:{topic}", json.dumps(event, ensure_ascii=False, default=str))

    async def subscribe(self, topic: str) -> AsyncIterator[dict[str, Any]]:
        import redis.asyncio as aioredis

        client = aioredis.Redis.from_url(self._url)
        pubsub = client.pubsub()
        await pubsub.subscribe(f"copilot:push:{topic}")
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


def make_hub(redis_url: str) -> Hub:
    return RedisHub(redis_url) if redis_url else LocalHub()
