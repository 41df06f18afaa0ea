"""A markdown summary of one run (metrics, gates, failing cases): goes to evals/results/*.md and docs/benchmarks.md."""

from __future__ import annotations

from pathlib import Path

from evals.report.labels import STATUS_LABELS, fmt, metric_label
from evals.runner.results import RunResult


def render_markdown(run: RunResult, title: str | None = None) -> str:
    name = run.suite.get("name", "suite")
    lines = [f"## {title or f'评测套件 Eval suite: {name}'}", ""]
    counts = {s: sum(1 for c in run.cases if c.status == s) for s in STATUS_LABELS}
    target = run.target.get("kind", run.target.get("class", ""))
    lines.append(
        f"Run `{run.run_id}` · target `{target}` · seed {run.seed} · {len(run.cases)} cases: "
        + ", ".join(f"{STATUS_LABELS[s]} {n}" for s, n in counts.items())
        + f" · gates {'pass' if run.gates_passed else 'FAIL'} · git {run.versions.get('git_commit', '')[:10]}"
    )
    lines += ["", "| 指标 Metric | 值 Value |", "|---|---|"]
    lines += [f"| {metric_label(k)} | {fmt(v, k)} |" for k, v in run.metrics.items() if v is not None]
    if run.gates:
        lines += ["", "| 门禁 Gate | 值 Value | 门槛 Bar | 结果 |", "|---|---|---|---|"]
        for g in run.gates:
            bar = (f"≥ {fmt(g.min, g.metric)}" if g.min is not None else "") + (
                f" ≤ {fmt(g.max, g.metric)}" if g.max is not None else ""
            )
            lines.append(
                f"| {metric_label(g.metric)} | {fmt(g.value, g.metric)} | {bar} | {'✔' if g.passed else '✘'} |"
            )
    bad = [c for c in run.cases if c.status != "pass"]
    if bad:
        lines += ["", "未通过的用例 Cases not passing:", ""]
        for c in bad[:30]:
            why = c.error.message[:120] if c.error else "; ".join(x["name"] for x in c.failed_checks())[:160]
            lines.append(f"- `{c.case_id}` {STATUS_LABELS[c.status]}: {why}")
    lines += [""] + [f"_{n}_" for n in run.notes]
    return "\n".join(lines).rstrip() + "\n"


def write_markdown(run: RunResult, path: str | Path, title: str | None = None) -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(render_markdown(run, title), encoding="utf-8")
    return p
