"""copilot/hub.py: `listened` says which topics someone subscribes to now (a publisher then builds its event only for
those), and `publish_all` sends one event to several topics (Redis: one serialisation, one round trip)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from copilot.hub import LocalHub, RedisHub, listened, publish_all


async def _first(hub: Any, topic: str, ready: asyncio.Event, got: list[dict[str, Any]]) -> None:
    events = hub.subscribe(topic).__aiter__()
    task = asyncio.ensure_future(events.__anext__())
    ready.set()
    got.append(await task)
    await events.aclose()


async def _until(check: Any, timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


def _roundtrip(hub: Any, topics: list[str]) -> list[dict[str, Any]]:
    async def main() -> list[dict[str, Any]]:
        assert listened(hub, topics) == []  # nobody yet
        got: list[dict[str, Any]] = []
        ready = asyncio.Event()
        sub = asyncio.ensure_future(_first(hub, topics[1], ready, got))
        await ready.wait()
        await _until(lambda: listened(hub, topics) == [topics[1]])
        publish_all(hub, listened(hub, topics), {"type": "suggestion", "text": "保养"})
        await asyncio.wait_for(sub, 5.0)
        await _until(lambda: listened(hub, topics) == [])  # the subscriber left
        return got

    return asyncio.run(main())


def test_local_hub_knows_its_subscribers() -> None:
    hub = LocalHub()
    assert _roundtrip(hub, ["rep:a", "conversation:t:c1"]) == [{"type": "suggestion", "text": "保养"}]


@pytest.mark.redis
def test_redis_hub_asks_numsub_and_publishes_once_serialised(redis_url: str) -> None:
    hub = RedisHub(redis_url, "t")
    try:
        stamp = time.time_ns()
        topics = [f"rep:a{stamp}", f"conversation:t:c{stamp}"]
        assert _roundtrip(hub, topics) == [{"type": "suggestion", "text": "保养"}]
        hub._redis.config_resetstat()
        hub.publish_many(topics, {"type": "decision"})  # one pipeline: a PUBLISH per topic
        stats = hub._redis.info("commandstats")
        assert int(stats["cmdstat_publish"]["calls"]) == 2
        assert listened(hub, []) == []
    finally:
        hub.close()


def test_an_unreachable_redis_answers_every_topic() -> None:
    hub = RedisHub("redis://127.0.0.1:1/0", "t")
    try:
        assert hub.listened(["rep:a", "rep:b"]) == ["rep:a", "rep:b"]  # the publish then fails as before
    finally:
        hub.close()


def test_a_hub_without_the_methods_gets_every_topic_one_by_one() -> None:
    class Plain:
        def __init__(self) -> None:
            self.sent: list[str] = []

        def publish(self, topic: str, event: dict[str, Any]) -> None:
            self.sent.append(topic)

    hub = Plain()
    assert listened(hub, ["x", "y"]) == ["x", "y"]  # type: ignore[arg-type]
    publish_all(hub, ["x", "y"], {})  # type: ignore[arg-type]
    assert hub.sent == ["x", "y"]
