"""The probe report itself: counts, verdicts and the markdown table evals/results/security.md is made of."""

from __future__ import annotations

import json
from pathlib import Path

from tests.security.conftest import ProbeResult, write_report


def test_report_counts_failed_and_skipped_probes(tmp_path: Path) -> None:
    probes = [
        ProbeResult(
            id="b-probe",
            test="t::b",
            sends="POST | pipe",
            expect="403",
            verdict="failed",
            detail="xfail: open",
        ),
        ProbeResult(id="a-probe", test="t::a", sends="GET /x", expect="200", verdict="passed"),
        ProbeResult(
            id="c-probe", test="t::c", sends="GET /y", expect="400", verdict="skipped", detail="no redis"
        ),
    ]
    json_path, md_path = write_report(probes, tmp_path)
    data = json.loads(json_path.read_text(encoding="utf-8"))
    assert (data["probes_total"], data["probes_failed"], data["probes_skipped"]) == (3, 1, 1)
    assert [p["id"] for p in data["probes"]] == ["a-probe", "b-probe", "c-probe"]
    assert data["probes"][1]["detail"] == "xfail: open"
    md = md_path.read_text(encoding="utf-8")
    assert "**3 probes, 1 failed**" in md
    assert "| `a-probe` | GET /x | 200 | ✅ passed |" in md
    assert "POST \\| pipe" in md and "❌ failed" in md  # a pipe in `sends` does not break the table
