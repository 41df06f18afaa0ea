"""Fixtures for the evals tests: the demo suite, scripted targets, and stored runs in a temp dir."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.cache import DiskCache
from evals.runner import RunResult, run_suite
from evals.suite import Suite, load_suite
from tests.evals.evals_helpers import ScriptedTarget

REPO = Path(__file__).resolve().parents[2]
DEMO_SUITE = REPO / "evals" / "suites" / "demo.yaml"


@pytest.fixture(scope="session")
def demo_suite() -> Suite:
    return load_suite(DEMO_SUITE)


@pytest.fixture(scope="session")
def good_run(demo_suite: Suite) -> RunResult:
    return run_suite(demo_suite, ScriptedTarget(), suite_path=DEMO_SUITE, workers=3, seed=1)


@pytest.fixture(scope="session")
def bad_run(demo_suite: Suite) -> RunResult:
    return run_suite(
        demo_suite, ScriptedTarget(good=False, crash_on="钓鱼"), suite_path=DEMO_SUITE, workers=2, seed=1
    )


@pytest.fixture
def tmp_cache(tmp_path: Path) -> DiskCache:
    return DiskCache(tmp_path / "cache")
