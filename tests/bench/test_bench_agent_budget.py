"""bench_agent's report: the CPU the suggestion's p95 is over twice the floor's, and each node's share of the
suggestion's mean CPU (a budget to read; speed is measured in the benchmark, never asserted in tests)."""

from __future__ import annotations

from pathlib import Path

from bench.bench_agent import _share, write


def _result() -> dict:
    return {
        "run_at": "2026-12-07 17:00 UTC",
        "messages": 3,
        "ports": "fake",
        "suggestion_no_llm_ms": {"p50": 20.0, "p95": 30.0},
        "floor_ms": {"p50": 10.0, "p95": 12.0},
        "p95_over_floor_p95": 2.5,
        "suggestion_no_llm_cpu_ms": {"p50": 19.0, "p95": 26.0, "mean": 20.0},
        "floor_cpu_ms": {"p50": 9.0, "p95": 11.0},
        "cpu_p95_over_floor_cpu_p95": 2.36,
        "cpu_p95_over_goal_ms": 4.0,
        "graph_and_durable_writes_ms": {"p50": 1.0, "p95": 2.0},
        "nodes_ms": {"understand": {"p50": 5.0, "p95": 8.0}},
        "nodes_cpu_ms": {
            "understand": {"p50": 5.0, "p95": 8.0, "mean": 5.0},
            "outside_nodes": {"p50": 3.0, "p95": 4.0, "mean": 3.0},
        },
    }


def test_the_report_shows_the_cpu_over_the_goal_and_each_nodes_share(tmp_path: Path) -> None:
    res = _result()
    write(res, tmp_path)
    md = (tmp_path / "bench_agent.md").read_text(encoding="utf-8")
    assert "`cpu_p95_over_goal_ms`" in md and "| 4.0 | ≤ 0 |" in md
    assert "| understand | 5.0 | 8.0 | 5.0 / 8.0 / 5.0 | 25% |" in md
    assert "| outside_nodes (CPU only) | | | 3.0 / 4.0 / 3.0 | 15% |" in md


def test_a_result_without_the_mean_leaves_the_share_blank(tmp_path: Path) -> None:
    res = _result()
    del res["suggestion_no_llm_cpu_ms"]["mean"], res["cpu_p95_over_goal_ms"]
    assert _share(res, "understand") == ""
    write(res, tmp_path)
    md = (tmp_path / "bench_agent.md").read_text(encoding="utf-8")
    assert "cpu_p95_over_goal_ms" not in md
    assert "| understand | 5.0 | 8.0 | 5.0 / 8.0 / 5.0 |  |" in md
