"""A self-contained HTML report of one run: summary, charts, gates, then every case — failures and errors first —
with its conversation, checks, draft, actions and evidence. No scripts, no CDN: it opens from a file anywhere."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from evals.report.labels import STATUS_LABELS, fmt, metric_label
from evals.report.svg import latency_bars, rate_bars
from evals.runner.results import CaseResult, RunResult

CSS = """
body{font-family:"Noto Sans CJK SC","Noto Sans SC","PingFang SC","Microsoft YaHei",sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:28px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:4px 8px;font-size:13px;text-align:left}
.pass{color:#2e7d32}.fail{color:#e65100}.error{color:#c62828}.muted{color:#777;font-size:12px}
details{border:1px solid #ddd;border-radius:4px;margin:6px 0;padding:4px 10px}summary{cursor:pointer;font-weight:600}
.turn{background:#f7f7f7;padding:6px 10px;margin:6px 0;border-left:3px solid #90a4ae}
.draft{background:#fffde7;padding:6px 10px;white-space:pre-wrap}.ev{font-size:12px;border-left:3px solid #cfd8dc;padding:2px 8px;margin:3px 0}
.badge{display:inline-block;padding:1px 6px;border-radius:3px;font-size:12px;background:#eceff1;margin-right:4px}
pre{white-space:pre-wrap;font-size:12px;background:#fbe9e7;padding:6px}
"""

STATUS_ORDER = {"error": 0, "fail": 1, "pass": 2}


def _rate_metrics(metrics: dict[str, float | None]) -> dict[str, float | None]:
    keep = (
        "cases.pass_rate",
        "intent.accuracy",
        "intent.macro_f1",
        "intent.abstain_precision",
        "intent.abstain_recall",
        "retrieval.recall@3",
        "retrieval.mrr",
        "citation.precision",
        "action.top1",
        "action.top3",
        "must_mention.coverage",
        "signals.recall",
        "grounding.allow_rate",
    )
    return {k: metrics[k] for k in keep if metrics.get(k) is not None}


def _evidence_html(e: dict[str, Any], cited: set[str]) -> str:
    src = e.get("source_ids") or {}
    where = " ".join(
        f"{k}={v}"
        for k, v in src.items()
        if k in ("doc_id", "version", "clause", "table", "field", "signal_id", "rule_id")
    )
    star = "★ " if e.get("id") in cited else ""
    score = f" score {e['score']:.3f}" if isinstance(e.get("score"), int | float) else ""
    return (
        f'<div class="ev">{star}<span class="badge">{escape(str(e.get("kind", "")))}</span>'
        f"<b>{escape(str(e.get('title', '')))}</b> <span class='muted'>{escape(where)}{score} · {escape(str(e.get('id', '')))}</span>"
        f"<div>{escape(str(e.get('content', ''))[:600])}</div></div>"
    )


def _turn_html(t: Any) -> str:
    parts = [
        f'<div class="turn"><b>{escape(t.sender)}</b> · <span class="muted">{escape(t.message_id)}</span><div>{escape(t.text) or "<i>(非文本消息 non-text parts)</i>"}</div></div>'
    ]
    if t.error is not None:
        parts.append(
            f"<pre>{escape(t.error.type)}: {escape(t.error.message)}\n{escape(t.error.traceback)}</pre>"
        )
    for c in t.checks:
        cls = "pass" if c["passed"] else "fail"
        mark = "✔" if c["passed"] else "✘"
        parts.append(
            f'<div class="{cls}">{mark} {escape(c["name"])} <span class="muted">{escape(c.get("detail", ""))}</span></div>'
        )
    s = t.suggestion
    if s:
        intent = s.get("intent") or {}
        parts.append(
            f"<div>意图 Intent: <b>{escape(str(intent.get('name')))}</b> {escape(str(intent.get('label_zh', '')))} "
            f"<span class='muted'>conf {float(intent.get('confidence', 0)):.2f} · kind {escape(str(s.get('kind')))}</span></div>"
        )
        for a in s.get("actions") or []:
            params = ", ".join(f"{k}={v}" for k, v in (a.get("parameters") or {}).items())
            parts.append(
                f"<div>动作 Action: <b>{escape(a.get('name', ''))}</b>({escape(params)}) <span class='muted'>{escape(a.get('rationale', ''))}</span></div>"
            )
        d = s.get("draft")
        if d:
            parts.append(
                f'<div>草稿 Draft <span class="muted">({escape(str(d.get("source")))})</span></div><div class="draft">{escape(d.get("text", ""))}</div>'
            )
        cited = {c["evidence_id"] for c in (d or {}).get("citations", [])}
        for a in s.get("actions") or []:
            cited.update(a.get("evidence_ids", []))
        evid = s.get("evidence") or []
        if evid:
            parts.append(
                f"<details><summary>证据 Evidence ({len(evid)})</summary>{''.join(_evidence_html(e, cited) for e in evid)}</details>"
            )
        if s.get("timings_ms"):
            tm = " · ".join(f"{k} {v:.0f}" for k, v in s["timings_ms"].items())
            parts.append(f'<div class="muted">时延 Timings (ms): {escape(tm)}</div>')
    return "".join(parts)


def _case_html(c: CaseResult) -> str:
    failed = len(c.failed_checks())
    head = (
        f'<span class="{c.status}">{STATUS_LABELS[c.status]}</span> · <b>{escape(c.case_id)}</b> {escape(c.title)} '
        f'<span class="muted">{escape(c.customer_ref)} · {failed} 项未通过 failed checks{" · cached" if c.cached else ""}</span>'
    )
    opened = " open" if c.status != "pass" else ""
    return f'<details class="case case-{c.status}"{opened}><summary>{head}</summary>{"".join(_turn_html(t) for t in c.turns)}</details>'


def render_html(run: RunResult) -> str:
    m = run.metrics
    gate_min = {g.metric: g.min for g in run.gates if g.min is not None}
    lat: dict[str, tuple[float | None, float | None, float | None]] = {}
    sla_lat = (run.sla or {}).get("latency", {})
    for k in m:
        if k.startswith("latency.") and k.endswith(".p95_ms"):
            node = k.split(".")[1]
            lat[node] = (m.get(f"latency.{node}.p50_ms"), m[k], (sla_lat.get(node) or {}).get("p95_ms"))
    gates = "".join(
        f'<tr><td class="{"pass" if g.passed else "fail"}">{"✔ 通过" if g.passed else "✘ 未通过"}</td><td>{escape(metric_label(g.metric))}</td>'
        f"<td>{fmt(g.value, g.metric)}</td><td>{'≥ ' + fmt(g.min, g.metric) if g.min is not None else ''}{' ≤ ' + fmt(g.max, g.metric) if g.max is not None else ''}</td><td>{escape(g.label)}</td></tr>"
        for g in run.gates
    )
    table = "".join(f"<tr><td>{escape(metric_label(k))}</td><td>{fmt(v, k)}</td></tr>" for k, v in m.items())
    cases = sorted(run.cases, key=lambda c: (STATUS_ORDER[c.status], c.case_id))
    counts = {s: sum(1 for c in run.cases if c.status == s) for s in STATUS_ORDER}
    verdict = "✔ 全部门禁通过 all gates pass" if run.gates_passed else "✘ 有门禁未通过 gate failed"
    versions = ", ".join(f"{k} {v}" for k, v in run.versions.items())
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>评测报告 Eval report · {escape(run.suite.get("name", ""))}</title><style>{CSS}</style></head><body>
<h1>评测报告 Eval report · {escape(run.suite.get("name", ""))}</h1>
<p class="muted">运行 Run {escape(run.run_id)} · {escape(run.started_at)} · seed {run.seed} · workers {run.workers} · target {escape(str(run.target.get("kind", run.target.get("class", ""))))}</p>
<p><b class="{"pass" if run.gates_passed else "fail"}">{verdict}</b> · 通过 pass {counts["pass"]} · 未通过 fail {counts["fail"]} · 出错 error {counts["error"]}</p>
<h2>指标 Metrics</h2>{rate_bars(_rate_metrics(m), {k: v for k, v in gate_min.items() if v is not None})}
<h2>时延 Latency per node (SLA dashed)</h2>{latency_bars(lat) or '<p class="muted">无时延数据 no timings</p>'}
<h2>发布门禁 Release gates</h2><table><tr><th>结果 Result</th><th>指标 Metric</th><th>值 Value</th><th>门槛 Bar</th><th></th></tr>{gates}</table>
<h2>用例 Cases (失败优先 failures first)</h2>{"".join(_case_html(c) for c in cases)}
<h2>全部指标 All metrics</h2><table>{table}</table>
<h2>配置 Configuration</h2><p class="muted">{escape(versions)}</p><pre style="background:#f5f5f5">{escape(str(run.config))}\n{escape(str(run.target))}</pre>
</body></html>"""


def write_html(run: RunResult, path: str | Path) -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(render_html(run), encoding="utf-8")
    return p
