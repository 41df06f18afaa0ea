"""bench_agent splits each message's wall time by the kernel's schedstat (on a CPU, waiting on a run queue, blocked),
so a report says whether a tail is the work, the machine's other processes, or waiting on I/O and locks."""

from __future__ import annotations

import builtins
import time
from typing import Any

import pytest

from bench.bench_agent import thread_sched, wall_split


def test_thread_sched_counts_this_threads_cpu_and_not_its_sleep() -> None:
    before = thread_sched()
    if before is None:  # not Linux, or a kernel built without schedstats (no /proc/thread-self/schedstat)
        pytest.skip("no /proc/thread-self/schedstat")
    t0 = time.thread_time()
    while time.thread_time() - t0 < 0.02:  # 20 ms of CPU
        pass
    time.sleep(0.05)  # 50 ms blocked: not on a CPU, not waiting for one
    after = thread_sched()
    assert after is not None
    on_cpu, queued = after[0] - before[0], after[1] - before[1]
    assert 15.0 <= on_cpu < 50.0
    assert queued >= 0.0


def test_wall_split_takes_blocked_as_the_rest() -> None:
    split = wall_split([10.0, 30.0], [(6.0, 1.0), (8.0, 20.0)])
    assert split is not None
    # blocked = wall − on CPU − run queue: 10 − 6 − 1 = 3 and 30 − 8 − 20 = 2
    assert (split["blocked"]["p50"], split["blocked"]["p95"]) == (2.0, 3.0)
    assert split["runqueue_wait"]["p95"] == 20.0
    assert (split["wall_minus_runqueue"]["p50"], split["wall_minus_runqueue"]["p95"]) == (9.0, 10.0)
    # without schedstat (another OS): no split rather than a wrong one
    assert wall_split([10.0], [None]) is None


def test_thread_sched_is_none_without_schedstat(monkeypatch: pytest.MonkeyPatch) -> None:
    """A kernel without /proc/thread-self/schedstat: None (the test above then skips; bench_agent reports no split)."""

    def no_file(*_args: Any, **_kwargs: Any) -> Any:
        raise FileNotFoundError("/proc/thread-self/schedstat")

    monkeypatch.setattr(builtins, "open", no_file)
    assert thread_sched() is None
