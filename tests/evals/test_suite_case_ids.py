"""Case ids are unique within a suite and across the splits of one tenant: results, learning corrections and the
tenants report key cases by id, so a tuning case sharing an id with a held-out case would mix the splits."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from evals.suite.loader import load_suite

SUITES = sorted((Path(__file__).resolve().parents[2] / "evals" / "suites").glob("*.yaml"))


def duplicates(ids: list[str]) -> list[str]:
    return sorted(case_id for case_id, n in Counter(ids).items() if n > 1)


@pytest.mark.parametrize("path", SUITES, ids=lambda p: p.name)
def test_case_ids_unique_within_a_suite(path: Path) -> None:
    assert duplicates([case.id for case in load_suite(path).cases]) == []


def test_case_ids_unique_across_a_tenants_splits() -> None:
    by_tenant: dict[str, list[str]] = {}
    for path in SUITES:
        suite = load_suite(path)
        by_tenant.setdefault(suite.name.removesuffix("-heldout"), []).extend(case.id for case in suite.cases)
    assert {tenant: duplicates(ids) for tenant, ids in by_tenant.items() if duplicates(ids)} == {}
