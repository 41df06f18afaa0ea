"""Compare two runs: per-metric deltas (improved / regressed, by each metric's direction) and per-case status and
check changes. `has_regressions` drives the CLI's exit code when asked to fail on regressions."""

from __future__ import annotations

from dataclasses import dataclass, field

from evals.metrics.aggregate import lower_is_better
from evals.report.labels import fmt, metric_label
from evals.runner.results import RunResult

RANK = {"error": 0, "fail": 1, "pass": 2}
NOISE = 1e-9


@dataclass
class MetricDelta:
    metric: str
    a: float | None
    b: float | None
    change: str  # improved | regressed | same | added | removed


@dataclass
class CaseDelta:
    case_id: str
    a: str | None
    b: str | None
    change: str  # improved | regressed | same | added | removed
    fixed: list[str] = field(default_factory=list)  # checks failing in A, passing in B
    broken: list[str] = field(default_factory=list)


@dataclass
class Comparison:
    run_a: str
    run_b: str
    metrics: list[MetricDelta]
    cases: list[CaseDelta]

    @property
    def has_regressions(self) -> bool:
        return any(d.change == "regressed" for d in self.metrics) or any(
            c.change == "regressed" for c in self.cases
        )


def _metric_change(metric: str, a: float | None, b: float | None, latency_tolerance: float) -> str:
    if a is None and b is None:
        return "same"
    if a is None:
        return "added"
    if b is None:
        return "removed"
    diff = b - a
    if metric.endswith("_ms"):  # timings are noisy on shared machines: only a relative change counts
        if abs(diff) <= latency_tolerance * max(abs(a), 1.0):
            return "same"
    elif abs(diff) <= NOISE:
        return "same"
    better = diff < 0 if lower_is_better(metric) else diff > 0
    return "improved" if better else "regressed"


def _failed(run: RunResult) -> dict[str, set[str]]:
    return {
        c.case_id: {f"t{t.index}:{x['name']}" for t in c.turns for x in t.checks if not x["passed"]}
        for c in run.cases
    }


def compare_runs(a: RunResult, b: RunResult, *, latency_tolerance: float = 0.2) -> Comparison:
    keys = list(dict.fromkeys([*a.metrics, *b.metrics]))
    skip = {"cases.n", "turns.scored"}
    metrics = [
        MetricDelta(
            k,
            a.metrics.get(k),
            b.metrics.get(k),
            _metric_change(k, a.metrics.get(k), b.metrics.get(k), latency_tolerance),
        )
        for k in keys
        if k not in skip
    ]
    sa, sb = {c.case_id: c.status for c in a.cases}, {c.case_id: c.status for c in b.cases}
    fa, fb = _failed(a), _failed(b)
    cases = []
    for cid in dict.fromkeys([*sa, *sb]):
        x, y = sa.get(cid), sb.get(cid)
        fixed = sorted(fa.get(cid, set()) - fb.get(cid, set())) if y else []
        broken = sorted(fb.get(cid, set()) - fa.get(cid, set())) if x else []
        if x is None:
            change = "added"
        elif y is None:
            change = "removed"
        elif RANK[y] != RANK[x]:
            change = "improved" if RANK[y] > RANK[x] else "regressed"
        else:
            change = "regressed" if broken and not fixed else ("improved" if fixed and not broken else "same")
        cases.append(CaseDelta(cid, x, y, change, fixed, broken))
    return Comparison(a.run_id, b.run_id, metrics, cases)


def render_comparison_markdown(cmp: Comparison) -> str:
    icon = {
        "improved": "▲ 改善",
        "regressed": "▼ 退步",
        "same": "= 持平",
        "added": "+ 新增",
        "removed": "− 移除",
    }
    lines = [
        f"## 运行对比 Compare `{cmp.run_a}` → `{cmp.run_b}`",
        "",
        "| 指标 Metric | A | B | 变化 Change |",
        "|---|---|---|---|",
    ]
    for d in cmp.metrics:
        lines.append(
            f"| {metric_label(d.metric)} | {fmt(d.a, d.metric)} | {fmt(d.b, d.metric)} | {icon[d.change]} |"
        )
    changed = [c for c in cmp.cases if c.change != "same"]
    lines += ["", "| 用例 Case | A | B | 变化 Change | 修复 fixed / 新失败 broken |", "|---|---|---|---|---|"]
    for c in changed:
        detail = "; ".join([*(f"+{x}" for x in c.fixed), *(f"-{x}" for x in c.broken)])
        lines.append(f"| {c.case_id} | {c.a or '—'} | {c.b or '—'} | {icon[c.change]} | {detail} |")
    if not changed:
        lines.append("| (无变化 no case changed) | | | | |")
    return "\n".join(lines) + "\n"
