"""Session 19, actions: a refusal for another customer's price and the quote's next step, on new messages
(tests/agents/data/actions_scratch_r19_refusals.yaml, written before the change; see its header for kinds and numbers).
A count of one beside a price («我们E5 1台多少钱», «单台», "per unit") is the unit the price is quoted per, not an order of
the customer's own, so the refusal withholds the quote; an order quantity of its own keeps it, also for a customer
below every volume tier (priced at list price, no rate). Floors are the counts measured at the commit."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.agents.scratch_suite import run_scratch_suite

DATA = Path(__file__).parent / "data" / "actions_scratch_r19_refusals.yaml"


@pytest.fixture(scope="module")
def scratch_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    yield from run_scratch_suite(DATA, tmp_path_factory.mktemp("actions-r19"))


def _passed(run: Any, tag: str, *, checks: tuple[str, ...]) -> tuple[int, int]:
    """(cases whose named checks all passed, cases) among the cases tagged `tag`; a check's name starts with one of
    `checks` («no action send_quote», «action send_quote(…)»)."""
    ok = n = 0
    for case in run.cases:
        if tag not in (case.tags or []):
            continue
        n += 1
        named = [c for t in case.turns for c in t.checks if str(c["name"]).startswith(checks)]
        ok += bool(named) and all(c["passed"] for c in named)
    return ok, n


def test_a_unit_price_beside_another_customers_price_gets_no_quote(scratch_run: Any) -> None:
    # measured: 7/9 before (fe3be5d: «1台», «1辆» kept the quote), 9/9 after
    ok, n = _passed(scratch_run, "perunit", checks=("no action",))
    assert n >= 9 and ok >= 9, (ok, n)


def test_an_order_of_its_own_keeps_the_quote(scratch_run: Any) -> None:
    # measured: innocents 7/7 before and after; below every tier 1/5 before, 5/5 after
    ok, n = _passed(scratch_run, "perunit_innocent", checks=("action ",))
    assert n >= 7 and ok >= 7, (ok, n)
    ok, n = _passed(scratch_run, "below_tier", checks=("action ",))
    assert n >= 5 and ok >= 5, (ok, n)
