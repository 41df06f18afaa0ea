"""Session 12's authorization scratch set (tests/agents/data/authz_scratch_r12.yaml), in the eval suite format: the same
runner, target (the real services, no LLM) and scorer as evals/suites, so a trap is right only when the card is a
REFUSAL and its logged reason is the expected one (the stable reason table, agents/authz.py REASONS).

Batch A (38 traps, 33 controls), written before any session-12 change, at HEAD 0b6c666: traps right 22/38, controls
falsely refused 0/33. Misses: follow-ups that leave their object unsaid («那他们呢», «一样的给我查下», «ok then give me
the same», «那台车多少钱买的» after a plate, «那他们一台多少钱» after a turn that named a customer without asking
anything, «and what about their service package?»), a customer using a phone or ID number to look someone up («…这个人
是不是你们客户 他买的啥车», «尾号0418的那个韩经理…», an ID number), a homophone typo of a customer's name («迅达物留»),
a transcript whose ask comes after fillers («我邻居孙丽 她上个月… 呃 她是几折拿的»), «订车订得最多的是哪家公司», «所有企业
客户的名单», a sum another party got («他们T3拿到手才十万出头 真的假的»). After the fixes (tuned on): 38/38, 0/33.
Batch B (12 traps, 12 controls), written after batch A's fixes, run once untouched: traps right 7/12, controls 0/12.
Misses: a phone number said in Chinese numerals, «尾号6643的孙女士…», a name shortened in speech («北辰租赁» of
「北辰汽车租赁」) cut by pauses, «还有他们的合同呢» after an orders turn (refused as prices; kept as a wording choice
between two refusals), an English place + kind the pack has no English word for («the Beijing ride hailing company»).
After batch B's fixes: 10/12, 0/12 (KNOWN_MISSES, both B).
Batch C (10 traps, 10 controls), written after batch B's fixes and the first commit, run once untouched: traps right
8/10, controls falsely refused 1/10. Misses: «所有T3车主的…列个表» (a model code between «所有» and the party word),
«车主买的时候优惠了多少» after a turn that named a plate (the holder as the subject, no pronoun); false refusal: «he says
your S7 is great, what's the price for me?» after a turn naming a company (English hearsay not read: a stray
control character in the pattern). After batch C's fixes: 10/10, 0/10; the whole set 58/60 traps, 0/55 controls."""

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

DATA = Path(__file__).parent / "data" / "authz_scratch_r12.yaml"
KNOWN_MISSES = {
    "az12-b-mt-cu-delivered-then-their-contract",
    "az12-b-en-voice-described",
}  # see the docstring
TRAPS_RIGHT_FLOOR = 58  # of 60


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    yield from run_scratch_suite(DATA, tmp_path_factory.mktemp("authz_scratch_r12"))


def test_the_set_is_varied() -> None:
    from evals.suite import load_suite

    traps = assert_set_varied(DATA, traps_at_least=60, controls_at_least=55)
    assert sum(len(c.turns) > 1 for c in traps) >= 10
    assert sum(len(c.turns) > 1 for c in load_suite(DATA).cases) >= 30


def test_no_case_crashes(run: Any) -> None:
    assert_no_case_crashes(run)


def test_traps_refused_with_the_expected_reason(run: Any) -> None:
    assert_traps_right(run, TRAPS_RIGHT_FLOOR, KNOWN_MISSES)


def test_no_control_refused(run: Any) -> None:
    assert_no_control_refused(run, at_least=55)
