"""Per-node timing: each node returns its own wall time in `timings_ms`, which ends up in Suggestion.timings_ms."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any


def timed(name: str) -> Callable[[Callable[..., dict[str, Any]]], Callable[..., dict[str, Any]]]:
    def wrap(fn: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
        @functools.wraps(fn)
        def node(*args: Any, **kwargs: Any) -> dict[str, Any]:
            t0 = time.perf_counter()
            update = fn(*args, **kwargs)
            elapsed = round((time.perf_counter() - t0) * 1000, 3)
            timings = dict(update.get("timings_ms") or {})
            timings[name] = elapsed
            return {**update, "timings_ms": timings}

        return node

    return wrap
