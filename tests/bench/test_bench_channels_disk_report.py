"""bench_channels.disk_report: the durable writes' summary beside the callback's p99 (counts, percentiles, the
histogram's buckets cover every write once, disk wait = wall − CPU, never negative)."""

from __future__ import annotations

from bench.bench_channels import disk_lines, disk_report


def test_disk_report_counts_every_write_once() -> None:
    writes = [(0.1, 0.05), (0.4, 0.1), (0.7, 0.2), (3.0, 0.2), (6.0, 0.3), (100.0, 0.5), (0.2, 0.3)]
    d = disk_report(writes, requests=14, p99_ms=4.0, bare_p99_ms=1.5)
    assert d["writes"] == 7
    assert d["requests_per_write"] == 2.0
    assert sum(d["histogram_wall_ms"].values()) == 7
    assert d["histogram_wall_ms"]["<0.25"] == 2 and d["histogram_wall_ms"]["≥64"] == 1
    assert d["wall_ms"]["max"] == 100.0
    assert d["disk_wait_ms"]["max"] == 99.5
    assert min(d["disk_wait_ms"][q] for q in ("p50", "p95", "p99")) >= 0.0  # CPU above wall counts as 0 wait
    assert d["share_over_5ms"] == round(2 / 7, 4)
    assert d["p99_gap_to_bare_ms"] == 2.5
    lines = disk_lines(d)
    assert len(lines) == 2 and "7, 2.0 requests each" in lines[0] and "≥64: 1" in lines[1]


def test_no_writes_no_lines() -> None:
    assert disk_report([], 10, 1.0, 1.0) == {"writes": 0}
    assert disk_lines({"writes": 0}) == [] and disk_lines(None) == []
