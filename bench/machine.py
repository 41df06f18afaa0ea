"""What a benchmark report may say about the machine: only what was measured during the run.

`measure_load()` records the 1/5/15-minute load averages before and after the timed work, the wall time and this
process's CPU time (user + system, children included), so a report shows how busy the machine was instead of a canned
sentence about it. `machine_load_report()` renders that as one sentence for the markdown reports."""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


def _cpu_s() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


@dataclass
class LoadWindow:
    cpus: int = field(default_factory=lambda: os.cpu_count() or 1)
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    wall_s: float = 0.0
    cpu_s: float = 0.0  # this process and its children

    def as_dict(self) -> dict[str, object]:
        return {
            "cpus": self.cpus,
            "loadavg_before": [round(x, 2) for x in self.load_before],
            "loadavg_after": [round(x, 2) for x in self.load_after],
            "wall_s": round(self.wall_s, 2),
            "process_cpu_s": round(self.cpu_s, 2),
        }


@contextmanager
def measure_load() -> Iterator[LoadWindow]:
    window = LoadWindow(load_before=os.getloadavg())
    t0, c0 = time.perf_counter(), _cpu_s()
    try:
        yield window
    finally:
        window.wall_s = time.perf_counter() - t0
        window.cpu_s = _cpu_s() - c0
        window.load_after = os.getloadavg()


def machine_load_report(load: dict[str, object]) -> str:
    before = load.get("loadavg_before") or [0.0]
    after = load.get("loadavg_after") or [0.0]
    return (
        f"Measured on {load.get('cpus')} CPUs: 1-minute load average {before[0]} before and {after[0]} after the run "  # type: ignore[index]
        f"(wall {load.get('wall_s')} s, this process and its children {load.get('process_cpu_s')} CPU-s)."
    )
