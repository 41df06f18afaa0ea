"""copilot/hub.py RedisHub.listened remembers each topic's answer for `listened_ttl_s`: within it a publisher asks Redis
nothing (no PUBSUB NUMSUB per progress push), after it Redis is asked again, so a page subscribed in another process
gets its pushes at most that late. A subscription through the same hub object takes effect at once, begun or ended."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
import redis

from copilot.hub import RedisHub, listened


def _numsub_calls(client: Any) -> int:
    """PUBSUB NUMSUB calls since the last reset (Redis 7 lists the subcommand as `pubsub|numsub`, 6 as `pubsub`)."""
    stats = client.info("commandstats")
    return sum(int(v["calls"]) for k, v in stats.items() if k in ("cmdstat_pubsub|numsub", "cmdstat_pubsub"))


@pytest.mark.redis
def test_the_answer_is_remembered_within_the_ttl_and_asked_again_after_it(redis_url: str) -> None:
    ttl = 2.0  # long enough for a loaded machine to check the remembered answer within it
    hub = RedisHub(redis_url, "t", listened_ttl_s=ttl)
    # a page in another process: its own connection, not through `hub`
    page: Any = redis.Redis.from_url(redis_url)
    sub = page.pubsub()
    try:
        stamp = time.time_ns()
        quiet, watched = f"rep:q{stamp}", f"conversation:t:w{stamp}"
        topics = [quiet, watched]
        page.config_resetstat()
        assert listened(hub, topics) == []  # asked: one NUMSUB for both topics
        asked_at = time.monotonic()
        assert _numsub_calls(page) == 1
        sub.subscribe(hub._channel(watched))
        confirmed = sub.get_message(timeout=2.0)
        assert confirmed is not None and confirmed["type"] == "subscribe"
        assert int(dict(page.pubsub_numsub(hub._channel(watched)))[hub._channel(watched).encode()]) == 1
        page.config_resetstat()
        for _ in range(5):
            assert listened(hub, topics) == []  # the remembered answer: the new subscriber is not seen yet
        assert time.monotonic() - asked_at < ttl, "the machine was too slow to check within the TTL"
        assert _numsub_calls(page) == 0  # and Redis was not asked
        time.sleep(max(0.0, asked_at + ttl + 0.05 - time.monotonic()))
        assert listened(hub, topics) == [watched]  # expired: asked again, the subscriber is seen
        assert _numsub_calls(page) == 1
        assert listened(hub, [watched, quiet, watched]) == [watched, watched]  # remembered again; order kept
        assert _numsub_calls(page) == 1
    finally:
        sub.close()
        page.close()
        hub.close()


@pytest.mark.redis
def test_a_ttl_of_zero_asks_every_time(redis_url: str) -> None:
    hub = RedisHub(redis_url, "t", listened_ttl_s=0)
    try:
        hub._redis.config_resetstat()
        for _ in range(3):
            assert hub.listened([f"rep:z{time.time_ns()}"]) == []
        assert _numsub_calls(hub._redis) == 3
    finally:
        hub.close()


@pytest.mark.redis
def test_a_subscription_through_the_same_hub_is_seen_at_once_and_so_is_its_end(redis_url: str) -> None:
    """A long TTL: only the subscription's own confirmation (and its end) can change the remembered answer in time."""
    hub = RedisHub(redis_url, "t", listened_ttl_s=60.0)
    topic = f"rep:s{time.time_ns()}"

    async def main() -> tuple[list[str], list[str], list[dict[str, Any]]]:
        assert listened(hub, [topic]) == []  # remembered for 60 s
        events: Any = hub.subscribe(topic).__aiter__()
        first = asyncio.ensure_future(events.__anext__())
        deadline = time.monotonic() + 5.0
        # the confirmation forgets the answer; the next ask sees the subscriber
        while not listened(hub, [topic]):
            assert time.monotonic() < deadline, "the subscription was not seen"
            await asyncio.sleep(0.02)
        seen = listened(hub, [topic])
        hub.publish(topic, {"type": "suggestion", "text": "保养"})
        got = [await asyncio.wait_for(first, 5.0)]
        await events.aclose()  # the page leaves: its end forgets the answer too
        return seen, listened(hub, [topic]), got

    try:
        seen, after, got = asyncio.run(main())
        assert seen == [topic]
        assert after == []
        assert got == [{"type": "suggestion", "text": "保养"}]
    finally:
        hub.close()
