"""bench/bench_scale.py's accounting helpers: the completion poll through the queue and the CPU split by process role."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.bench_scale import cpu_by_role, postmaster_pid, queue_drained
from contract import Channel, InboundMessage, TextPart
from copilot.scale import RedisStreamInbox


@pytest.mark.redis
def test_the_queue_is_drained_only_when_nothing_is_unread_or_unacked(redis_url: str) -> None:
    box = RedisStreamInbox(redis_url, stream=f"test:drained:{time.time_ns()}", lease_s=5.0)
    try:
        assert queue_drained(box) and box.backlog() == (0, 0)  # an empty group
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
        assert not queue_drained(box) and box.backlog() == (0, 1)  # unread
        [(item_id, _)] = box.claim("w1", 1)
        assert not queue_drained(box) and box.backlog() == (1, 0)  # claimed, not acked
        box.ack(item_id)
        assert queue_drained(box) and box.drained() and box.backlog() == (0, 0)
    finally:
        box.close()


def test_cpu_is_split_by_role() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time\nwhile True: time.sleep(0.05)"])
    try:
        time.sleep(0.2)
        roles = cpu_by_role([child.pid])
        assert set(roles) <= {
            "workers", "bench", "api", "redis", "chroma", "other_children", "postgresql_all_clusters"
        }  # fmt: skip
        assert "workers" in roles and "bench" in roles  # the given pid is a worker, this process the bench
        mine = os.times()
        assert roles["bench"] == pytest.approx(mine.user + mine.system, abs=0.5)
    finally:
        child.kill()
        child.wait()


_SPIN = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass\ntime.sleep(30)"


def test_postgresql_is_the_runs_own_cluster(tmp_path: Path) -> None:
    """Review 8e44d66: other helpers' PostgreSQL clusters on the machine are not this run's. With the run's postmaster
    pid, only that process and its descendants (the backends) are `postgresql`; a stand-in postmaster that forks a
    busy 'backend' shows it."""
    code = f"import subprocess, sys\nsubprocess.Popen([sys.executable, '-c', {_SPIN!r}])\n{_SPIN}"
    fake = subprocess.Popen([sys.executable, "-c", code])
    try:
        (tmp_path / "postmaster.pid").write_text(f"{fake.pid}\n/data\n")
        postmaster = postmaster_pid(tmp_path)
        assert postmaster == fake.pid
        deadline = time.monotonic() + 20  # both spin 0.3 s of CPU (slower on a loaded machine)
        roles = cpu_by_role([], postmaster)
        while roles.get("postgresql", 0.0) < 0.5 and time.monotonic() < deadline:
            time.sleep(0.2)
            roles = cpu_by_role([], postmaster)
        assert "postgresql_all_clusters" not in roles
        assert roles["postgresql"] >= 0.5  # the postmaster's 0.3 s and its backend's 0.3 s
        assert (
            "other_children" not in roles
        )  # the stand-in is this process's child, but counted as the cluster
    finally:
        fake.kill()
        fake.wait()
    assert postmaster_pid(tmp_path / "absent") is None
