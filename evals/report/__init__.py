"""Reports: self-contained HTML, markdown summaries, run comparison and docs/benchmarks.md."""

from evals.report.compare import CaseDelta, Comparison, MetricDelta, compare_runs, render_comparison_markdown
from evals.report.html import render_html, write_html
from evals.report.markdown import render_markdown, write_markdown
from evals.report.summary import render_benchmarks_doc, write_benchmarks_doc

__all__ = [
    "CaseDelta",
    "Comparison",
    "MetricDelta",
    "compare_runs",
    "render_benchmarks_doc",
    "render_comparison_markdown",
    "render_html",
    "render_markdown",
    "write_benchmarks_doc",
    "write_html",
    "write_markdown",
]
