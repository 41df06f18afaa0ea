"""evals/independent_sets.py: one row per blind-written suite with the tenants report's metrics, every row as wide as
the header, and each suite's provenance (its description) printed under the table."""

from __future__ import annotations

from evals.independent_sets import render_markdown
from evals.tenants_report import METRICS


def test_rows_match_the_header_and_provenance_is_printed() -> None:
    row = {
        "description": "written blind by helper X",
        "cases": 3,
        "errors": 0.0,
        **dict.fromkeys(METRICS, 0.5),
    }
    md = render_markdown(
        {
            "_meta": {"generated_at": "now", "config": "c"},
            "set-a": row,
            "set-b": {**row, "description": "private"},
        }
    )
    table = [line for line in md.splitlines() if line.startswith("| ")]
    assert len(table) == 3 and len({line.count("|") for line in table}) == 1
    assert "| set-a | 3 | 0 | 0.5 |" in md
    assert "- `set-b`: private" in md


def test_the_blind_sets_load_and_say_where_they_come_from() -> None:
    from evals.independent_sets import SETS_DIRS
    from evals.suite import load_suite
    from evals.suite.loader import resolve_tenant_dir

    paths = [p for d in SETS_DIRS for p in sorted(d.glob("*.yaml"))]
    assert len(paths) >= 3
    for path in paths:
        suite = load_suite(path)
        assert len(suite.cases) >= 25, path.name
        tenant = resolve_tenant_dir(suite, path)  # a relative tenant path, so a clone elsewhere runs it
        assert tenant is not None and (tenant / "profile.yaml").is_file(), path.name
        assert not any(c.heldout for c in suite.cases)  # blind sets are their own measure, never a split
        assert "written blind" in (suite.description or ""), (
            path.name
        )  # the report prints who wrote it and what it saw
