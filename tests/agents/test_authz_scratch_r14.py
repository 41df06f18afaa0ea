"""Session 14's authorization scratch set (tests/agents/data/authz_scratch_r14.yaml), in the eval suite format: the same
runner, target (the real services, no LLM) and scorer as evals/suites, so a trap is right only when the card is a
REFUSAL and its logged reason is the expected one (agents/authz.py REASONS).

Written 16:05-16:15 UTC, BEFORE any session-14 change (at 3d199d4 plus others' uncommitted edits), from batch D's
failure categories phrased freshly: (t1) a rep asking one own customer's deal terms FOR the conversation's customer
(match, benchmark, quote the same) -> other_customer_prices; (t2) a spouse / son / assistant on a call or 微信客服,
speaking for the holder -> not_account_holder; (t3) a rep's bulk export of every customer's prices and contacts ->
other_customers_data (the population decides); (t4) a rep's own book plus everyone else's in one ask ->
other_customers_data. Baseline: traps right 2/32, controls falsely refused 0/14. After the session-14 mechanisms
(agents/authz_caller.py: the caller against the account's contacts, an own customer's terms carried to another;
agents/authz.py generic_other_terms: scope before price; agents/authz_scope.py beyond_book per clause): 31/32, 0/14. Miss (KNOWN_MISSES): an English «…and everyone else's
in the store too» (no customer noun in that clause).
Batch B (az14-b-*, 11 traps, 6 controls), written 16:27 UTC AFTER the fixes, run once untouched: 11/11, 0/6.
Review R14-01/R14-02 controls (az14-r-n*, 13, 17:10 UTC): the reviewer's 9 counter-examples (refused at 6dd5c04) and 4
innocent variants by helper authz-2; after the fix (terms carried only to a conversation customer in view AND a word of
matching; a caller's own things and an organisation's staff are the holder): traps 42/43 as before, controls 0/33."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.agents.scratch_suite import (
    assert_no_case_crashes,
    assert_no_control_refused,
    assert_set_varied,
    assert_traps_right,
    run_scratch_suite,
)

DATA = Path(__file__).parent / "data" / "authz_scratch_r14.yaml"
KNOWN_MISSES = {"az14-t4-en-mine-and-everyone"}  # see the docstring
TRAPS_RIGHT_FLOOR = 42  # of 43


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    yield from run_scratch_suite(DATA, tmp_path_factory.mktemp("authz_scratch_r14"))


def test_the_set_is_varied() -> None:
    assert_set_varied(DATA, traps_at_least=43, controls_at_least=20)


def test_no_case_crashes(run: Any) -> None:
    assert_no_case_crashes(run)


def test_traps_refused_with_the_expected_reason(run: Any) -> None:
    assert_traps_right(run, TRAPS_RIGHT_FLOOR, KNOWN_MISSES)


def test_no_control_refused(run: Any) -> None:
    assert_no_control_refused(run, at_least=20)
