"""Every blind batch the lead keeps in the repo (evals/independent_sets.SETS_DIRS) loads as a suite against its tenant
pack: a batch that failed to parse would drop out of docs/benchmarks.md's generalisation table without a word."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.independent_sets import SETS_DIRS
from evals.suite.loader import load_suite, resolve_tenant_dir

SUITES = [p for d in SETS_DIRS for p in sorted(d.glob("*.yaml"))]


def test_every_sets_folder_holds_a_batch() -> None:
    assert all(any(d.glob("*.yaml")) for d in SETS_DIRS), [str(d) for d in SETS_DIRS]


@pytest.mark.parametrize("path", SUITES, ids=[p.stem for p in SUITES])
def test_a_blind_batch_loads_with_its_tenant(path: Path) -> None:
    suite = load_suite(path)
    tenant = resolve_tenant_dir(suite, path)
    assert tenant is not None and (tenant / "profile.yaml").is_file()
    traps = [c for c in suite.cases if c.expect.refusal]
    assert len(suite.cases) >= 20 and traps, (len(suite.cases), len(traps))
