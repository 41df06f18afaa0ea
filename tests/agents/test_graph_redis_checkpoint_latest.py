"""agents/checkpoint_redis.PlainRedisSaver: the newest checkpoint read in one round trip (a script) is the same tuple
as the one read by its id (the zset, then the two hashes)."""

from __future__ import annotations

import time
from typing import Any

import pytest
import redis
from langgraph.checkpoint.base import empty_checkpoint

from agents.checkpoint_redis import PlainRedisSaver

pytestmark = pytest.mark.redis


def _saved(saver: PlainRedisSaver, thread: str, n: int) -> list[str]:
    config: Any = {"configurable": {"thread_id": thread, "checkpoint_ns": ""}}
    ids = []
    for i in range(n):
        cp = empty_checkpoint()
        cp["channel_values"] = {"history": [{"role": "customer", "text": f"第{i}条"}], "n": i}
        config = saver.put(config, cp, {"source": "loop", "step": i}, {})
        saver.put_writes(config, [("history", [{"i": i}]), ("__interrupt__", ["x"])], f"task-{i}")
        ids.append(config["configurable"]["checkpoint_id"])
    return ids


def test_the_newest_checkpoint_in_one_round_trip_is_the_one_read_by_id(redis_url: str) -> None:
    saver = PlainRedisSaver(redis.Redis.from_url(redis_url), prefix=f"test:lgcp:{time.time_ns()}")
    ids = _saved(saver, "t1", 3)
    latest = saver.get_tuple({"configurable": {"thread_id": "t1", "checkpoint_ns": ""}})
    by_id = saver.get_tuple(
        {"configurable": {"thread_id": "t1", "checkpoint_ns": "", "checkpoint_id": ids[-1]}}
    )
    assert latest is not None and by_id is not None
    assert latest.config == by_id.config
    assert latest.checkpoint == by_id.checkpoint
    assert latest.checkpoint["channel_values"]["n"] == 2
    assert latest.metadata == by_id.metadata
    assert latest.parent_config == by_id.parent_config
    assert latest.pending_writes == by_id.pending_writes and len(latest.pending_writes or []) == 2
    assert (
        next(iter(saver.list({"configurable": {"thread_id": "t1", "checkpoint_ns": ""}}))).config
        == latest.config
    )


def test_a_thread_without_checkpoints_has_none(redis_url: str) -> None:
    saver = PlainRedisSaver(redis.Redis.from_url(redis_url), prefix=f"test:lgcp:{time.time_ns()}")
    assert saver.get_tuple({"configurable": {"thread_id": "nobody", "checkpoint_ns": ""}}) is None
