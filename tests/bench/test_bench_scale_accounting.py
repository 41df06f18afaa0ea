"""bench/bench_scale.py's accounting helpers: the completion poll through the queue and the CPU split by process role."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from bench.bench_scale import cpu_by_role, queue_drained
from contract import Channel, InboundMessage, TextPart
from copilot.scale import RedisStreamInbox


@pytest.mark.redis
def test_the_queue_is_drained_only_when_nothing_is_unread_or_unacked(redis_url: str) -> None:
    box = RedisStreamInbox(redis_url, stream=f"test:drained:{time.time_ns()}", lease_s=5.0)
    try:
        assert queue_drained(box)  # an empty group
        box.accept(
            InboundMessage(
                tenant="demo",
                channel=Channel.REST,
                conversation_id="c1",
                message_id="m1",
                customer_ref="C1001",
                parts=[TextPart(text="返点政策")],
            )
        )
        assert not queue_drained(box)  # unread
        [(item_id, _)] = box.claim("w1", 1)
        assert not queue_drained(box)  # claimed, not acked
        box.ack(item_id)
        assert queue_drained(box)
    finally:
        box.close()


def test_cpu_is_split_by_role() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time\nwhile True: time.sleep(0.05)"])
    try:
        time.sleep(0.2)
        roles = cpu_by_role([child.pid])
        assert set(roles) <= {"workers", "bench", "api", "redis", "chroma", "other_children", "postgresql"}
        assert "workers" in roles and "bench" in roles  # the given pid is a worker, this process the bench
        mine = os.times()
        assert roles["bench"] == pytest.approx(mine.user + mine.system, abs=0.5)
    finally:
        child.kill()
        child.wait()
