"""Inline SVG charts (no scripts, no CDN): horizontal bars for 0..1 metrics with gate marks, paired bars for latency."""

from __future__ import annotations

from html import escape

from evals.report.labels import fmt, metric_label


def rate_bars(
    values: dict[str, float | None], marks: dict[str, float] | None = None, width: int = 640
) -> str:
    """One bar per metric in 0..1; a red tick where the gate (minimum) sits."""
    marks = marks or {}
    rows = [(k, v) for k, v in values.items() if v is not None]
    label_w, bar_w, h = 260, width - 330, 22
    out = [
        f'<svg class="chart" width="{width}" height="{h * len(rows) + 10}" role="img" aria-label="metrics">'
    ]
    for i, (k, v) in enumerate(rows):
        y = 5 + i * h
        w = max(0.0, min(1.0, v)) * bar_w
        colour = "#2e7d32" if k not in marks or v >= marks[k] else "#c62828"
        out.append(f'<text x="0" y="{y + 15}" font-size="12">{escape(metric_label(k))}</text>')
        out.append(f'<rect x="{label_w}" y="{y + 3}" width="{bar_w}" height="14" fill="#eee"/>')
        out.append(f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="14" fill="{colour}"/>')
        if k in marks:
            x = label_w + max(0.0, min(1.0, marks[k])) * bar_w
            out.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y}" y2="{y + 20}" stroke="#b71c1c" stroke-width="2"/>'
            )
        out.append(f'<text x="{label_w + bar_w + 6}" y="{y + 15}" font-size="12">{fmt(v)}</text>')
    out.append("</svg>")
    return "".join(out)


def latency_bars(stats: dict[str, tuple[float | None, float | None, float | None]], width: int = 760) -> str:
    """node → (p50, p95, SLA p95). Each row is scaled to its own max(p95, SLA) so a fast node next to an 8 s SLA
    still shows; the SLA is the dashed red line, a p95 past it turns the bar red."""
    rows = [(n, s) for n, s in stats.items() if s[1] is not None]
    if not rows:
        return ""
    label_w, bar_w, h = 140, width - 360, 34
    out = [
        f'<svg class="chart" width="{width}" height="{h * len(rows) + 10}" role="img" aria-label="latency">'
    ]
    for i, (node, (p50, p95, sla)) in enumerate(rows):
        y = 5 + i * h
        top = max(v for v in (p50, p95, sla) if v is not None) or 1.0
        over = sla is not None and p95 is not None and p95 > sla
        out.append(f'<text x="0" y="{y + 18}" font-size="12">{escape(node)}</text>')
        for j, (val, colour) in enumerate(((p50, "#64b5f6"), (p95, "#c62828" if over else "#1565c0"))):
            if val is not None:
                w = max(1.0, val / top * bar_w)
                out.append(
                    f'<rect x="{label_w}" y="{y + 3 + j * 13}" width="{w:.1f}" height="11" fill="{colour}"/>'
                )
        sla_text = f" · SLA {fmt(sla, '_ms')}" if sla is not None else ""
        out.append(
            f'<text x="{label_w + bar_w + 8}" y="{y + 18}" font-size="11">p50 {fmt(p50, "_ms")} / p95 {fmt(p95, "_ms")} ms{sla_text}</text>'
        )
        if sla is not None:
            x = label_w + sla / top * bar_w
            out.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y}" y2="{y + 30}" stroke="#c62828" stroke-dasharray="4 2"/>'
            )
    out.append("</svg>")
    return "".join(out)
