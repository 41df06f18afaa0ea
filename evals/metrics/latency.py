"""Latency percentiles per graph node (from Suggestion.timings_ms) checked against the suite's SLA."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default), q in 0..100."""
    if not values:
        return None
    s = sorted(values)
    pos = (len(s) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def latency_by_node(timings: Iterable[Mapping[str, float]]) -> dict[str, dict[str, float | None]]:
    """node → {p50_ms, p95_ms, n} over every turn that reported that node."""
    per: dict[str, list[float]] = {}
    for t in timings:
        for node, ms in t.items():
            per.setdefault(node, []).append(float(ms))
    return {
        node: {"p50_ms": percentile(v, 50), "p95_ms": percentile(v, 95), "n": float(len(v))}
        for node, v in sorted(per.items())
    }
