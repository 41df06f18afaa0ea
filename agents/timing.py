"""Per-node timing: each node returns its own wall time in `timings_ms`, which ends up in Suggestion.timings_ms.

Inside `node_cpu()` (a benchmark's diagnostic; the product never opens one) each node's CPU time on its own thread is
added to the block's dict too: on a shared machine a node's wall time holds whatever the scheduler gave other
processes, its thread's CPU time does not (bench/bench_agent.py reports both)."""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

# the open `node_cpu()` block's {node: CPU ms}; None (the product): nothing is read but this variable
_CPU: ContextVar[dict[str, float] | None] = ContextVar("node_cpu_ms", default=None)


@contextlib.contextmanager
def node_cpu() -> Iterator[dict[str, float]]:
    """{node name: CPU ms of its thread} for the nodes that run inside the block (a node on a pool thread, started with
    a copy of this context as the graph starts its branches, adds its own)."""
    sink: dict[str, float] = {}
    token = _CPU.set(sink)
    try:
        yield sink
    finally:
        _CPU.reset(token)


@contextlib.contextmanager
def cpu_span(name: str) -> Iterator[None]:
    """Inside an open `node_cpu()` block, adds the CPU this thread spends in the `with` body to the block's dict under
    `name` (a step of the turn that is not a node: the intent's re-read, the grounding hand-off); outside one, nothing
    is read but the context variable. Never part of the suggestion's `timings_ms`."""
    sink = _CPU.get()
    if sink is None:
        yield
        return
    c0 = time.thread_time()
    try:
        yield
    finally:
        sink[name] = sink.get(name, 0.0) + (time.thread_time() - c0) * 1000


def timed(name: str) -> Callable[[Callable[..., dict[str, Any]]], Callable[..., dict[str, Any]]]:
    def wrap(fn: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
        @functools.wraps(fn)
        def node(*args: Any, **kwargs: Any) -> dict[str, Any]:
            sink = _CPU.get()
            c0 = time.thread_time() if sink is not None else 0.0
            t0 = time.perf_counter()
            update = fn(*args, **kwargs)
            elapsed = round((time.perf_counter() - t0) * 1000, 3)
            if sink is not None:
                sink[name] = sink.get(name, 0.0) + (time.thread_time() - c0) * 1000
            timings = dict(update.get("timings_ms") or {})
            timings[name] = elapsed
            return {**update, "timings_ms": timings}

        return node

    return wrap
