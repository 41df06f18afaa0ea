"""Live service levels in the Prometheus text format (prometheus-client is not a dependency: this is the ~100 lines of
it we need). Per-capability latency histograms, SLA-breach counters against the tenant's declared SLAs, and the
humans' accept / edit / reject counts (the acceptance rate is a PromQL ratio, see docs/deployment.md).

Capabilities (the `capability` label):
  callback_ack        a channel callback answered (Tencent waits 5 s at most)
  suggestion_no_llm   message → suggestion, without the draft's LLM time
  first_draft_token   message → the first draft token pushed to the page
  full_draft          message → suggestion with an LLM draft
  voice_final         a final call segment → its suggestion
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable
from pathlib import Path

BUCKETS_MS = (25, 50, 100, 250, 500, 1000, 2000, 4000, 8000, 15000, 30000, 60000)
CAPABILITIES = ("callback_ack", "suggestion_no_llm", "first_draft_token", "full_draft", "voice_final")
# Defaults when the tenant declares none; `total` of the eval suite's sla block overrides the suggestion SLAs.
DEFAULT_SLA_MS = {
    "callback_ack": 1000.0,
    "suggestion_no_llm": 8000.0,
    "first_draft_token": 3000.0,
    "full_draft": 8000.0,
    "voice_final": 2000.0,
}

Labels = tuple[tuple[str, str], ...]


def _fmt_labels(labels: Labels, extra: Iterable[tuple[str, str]] = ()) -> str:
    pairs = [*labels, *extra]
    if not pairs:
        return ""
    body = ",".join(f'{k}="{_escape(v)}"' for k, v in pairs)
    return "{" + body + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _num(value: float) -> str:
    if math.isinf(value):
        return "+Inf"
    return repr(float(value)) if not float(value).is_integer() else str(int(value))


class Counter:
    def __init__(self, name: str, help_text: str) -> None:
        self.name, self.help = name, help_text
        self._values: dict[Labels, float] = {}
        self._lock = threading.Lock()

    def inc(self, amount: float = 1.0, **labels: str) -> None:
        key = tuple(sorted(labels.items()))
        with self._lock:
            self._values[key] = self._values.get(key, 0.0) + amount

    def value(self, **labels: str) -> float:
        return self._values.get(tuple(sorted(labels.items())), 0.0)

    def render(self) -> list[str]:
        out = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} counter"]
        with self._lock:
            for labels, v in sorted(self._values.items()):
                out.append(f"{self.name}{_fmt_labels(labels)} {_num(v)}")
        return out


class Histogram:
    def __init__(self, name: str, help_text: str, buckets: Iterable[float] = BUCKETS_MS) -> None:
        self.name, self.help = name, help_text
        self.buckets = tuple(sorted(buckets))
        self._series: dict[Labels, tuple[list[int], list[float]]] = {}  # counts per bucket (+Inf last), [sum]
        self._lock = threading.Lock()

    def observe(self, value: float, **labels: str) -> None:
        key = tuple(sorted(labels.items()))
        with self._lock:
            counts, total = self._series.setdefault(key, ([0] * (len(self.buckets) + 1), [0.0]))
            for i, bound in enumerate(self.buckets):
                if value <= bound:
                    counts[i] += 1
            counts[-1] += 1
            total[0] += value

    def count(self, **labels: str) -> int:
        series = self._series.get(tuple(sorted(labels.items())))
        return series[0][-1] if series else 0

    def render(self) -> list[str]:
        out = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} histogram"]
        with self._lock:
            for labels, (counts, total) in sorted(self._series.items()):
                for bound, c in zip((*self.buckets, math.inf), counts, strict=True):
                    out.append(f"{self.name}_bucket{_fmt_labels(labels, [('le', _num(bound))])} {c}")
                out.append(f"{self.name}_sum{_fmt_labels(labels)} {_num(total[0])}")
                out.append(f"{self.name}_count{_fmt_labels(labels)} {counts[-1]}")
        return out


class ServiceMetrics:
    """The registry the service's metrics listener and the callback timer write to; /metrics renders it."""

    def __init__(self, sla_ms: dict[str, float] | None = None, tenant: str = "") -> None:
        self.tenant = tenant
        self.sla_ms = {**DEFAULT_SLA_MS, **(sla_ms or {})}
        self.latency = Histogram("copilot_latency_ms", "Latency per capability, in milliseconds")
        self.sla_breaches = Counter("copilot_sla_breaches_total", "Observations over the declared SLA")
        self.suggestions = Counter("copilot_suggestions_total", "Suggestions delivered, by kind")
        self.decisions = Counter(
            "copilot_decisions_total", "Human decisions, by kind (accept / edit / reject)"
        )
        self.refusals = Counter("copilot_refusals_total", "Messages refused for access, by reason")
        self.listener_failures = Counter("copilot_listener_failures_total", "Event listeners that failed")

    def observe(self, capability: str, ms: float) -> None:
        self.latency.observe(ms, capability=capability, tenant=self.tenant)
        limit = self.sla_ms.get(capability)
        if limit is not None and ms > limit:
            self.sla_breaches.inc(capability=capability, tenant=self.tenant)

    def acceptance_rate(self) -> float:
        accepted = self.decisions.value(kind="accept", tenant=self.tenant)
        edited = self.decisions.value(kind="edit", tenant=self.tenant)
        rejected = self.decisions.value(kind="reject", tenant=self.tenant)
        decided = accepted + edited + rejected
        return (accepted + edited) / decided if decided else 0.0

    def render(self) -> str:
        lines: list[str] = []
        for metric in (
            self.latency,
            self.sla_breaches,
            self.suggestions,
            self.decisions,
            self.refusals,
            self.listener_failures,
        ):
            lines += metric.render()
        lines += [
            "# HELP copilot_sla_ms The declared SLA per capability, in milliseconds",
            "# TYPE copilot_sla_ms gauge",
            *(f'copilot_sla_ms{{capability="{c}"}} {_num(v)}' for c, v in sorted(self.sla_ms.items())),
            "# HELP copilot_acceptance_ratio Accepted or edited over decided, since start",
            "# TYPE copilot_acceptance_ratio gauge",
            f"copilot_acceptance_ratio{_fmt_labels((('tenant', self.tenant),))} {_num(self.acceptance_rate())}",
        ]
        return "\n".join(lines) + "\n"


def declared_sla_ms(suite_file: Path) -> dict[str, float]:
    """The tenant's declared SLAs from its eval suite's `sla` block: `latency.total.p95_ms` is the suggestion SLA
    (with and without the LLM); `capabilities: {<capability>: <ms>}` sets any capability. {} without a file."""
    if not suite_file.is_file():
        return {}
    import yaml

    try:
        data = yaml.safe_load(suite_file.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return {}
    sla = data.get("sla") or {}
    out: dict[str, float] = {}
    total = ((sla.get("latency") or {}).get("total") or {}).get("p95_ms")
    if isinstance(total, int | float):
        out["suggestion_no_llm"] = out["full_draft"] = float(total)
    for name, ms in (sla.get("capabilities") or {}).items():
        if name in CAPABILITIES and isinstance(ms, int | float):
            out[name] = float(ms)
    return out
