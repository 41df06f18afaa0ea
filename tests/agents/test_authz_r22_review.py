"""Reviewer r1's two authorization errors in 2fffd96 (M5 a leak, M7 a false refusal), their repros and fresh variants
with innocents (tests/agents/data/authz_review_r22.yaml, written at bf664d4 before the fix; tag `repro` = the
reviewer's own messages), in the eval suite format: the real services, no LLM, the suites' scorer.

M5: a self-introduction that names the customer's own organisation first and then another establishment the speaker
belongs to («我是<own name>隔壁维修店的老板», «…旁边那家汽修厂的», «…合作的维修厂», «…投保的保险公司理赔中心», «…对面的轮胎店»)
is a third party: refused not_account_holder. Only an establishment word of the name itself (…公司 / 有限公司, a branch
分公司), the asker's own («我们公司») or an office / department (财务部, 维修部) is excused (establishment_after_name).
A third party's «他们那几台» counts as the holder's things and «还有多久» as asked.
M7: in a rep's own customer's conversation, a number whose clause names its holder right after it as a statement
(«<number> 是<own customer's contact>的号，她们公司去年…») is no look-up by number (holder_named_after, with the
directory resolving the holder to the conversation's own customer); a number asked «是谁的号 / 是不是咱们客户», or one
named as ANOTHER customer's contact, or an unknown holder's, stays personal_data_lookup.

Measured (clean copies, no LLM): at bf664d4 traps refused with the expected reason 5/12 (M5 0/7 — all answered, the
leak; M7 5/5), controls refused 4/11 (the four M7 own-contact asks, personal_data_lookup). After: traps 12/12, controls
refused 0/11 (the floors below).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agents.authz import PHONE, holder_named_after, personal_data_lookup
from agents.authz_phrases import establishment_after_name
from tests.agents.scratch_suite import (
    assert_no_case_crashes,
    assert_no_control_refused,
    assert_traps_right,
    refusal_checks,
    run_scratch_suite,
)

DATA = Path(__file__).parent / "data" / "authz_review_r22.yaml"
TRAPS_RIGHT_FLOOR = 12  # of 12 (5 at bf664d4)
CONTROLS = 11  # none refused (4 refused at bf664d4)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    yield from run_scratch_suite(DATA, tmp_path_factory.mktemp("authz_review_r22"))


def test_no_case_crashes(run: Any) -> None:
    assert_no_case_crashes(run)


def test_traps_refused_for_the_right_reason(run: Any) -> None:
    assert_traps_right(run, TRAPS_RIGHT_FLOOR, set())


def test_no_innocent_refused(run: Any) -> None:
    assert_no_control_refused(run, CONTROLS)


def test_the_reviewer_repros_are_in_the_set(run: Any) -> None:
    rows = {r[0]: r for r in refusal_checks(run)}
    assert rows["rv22-t-m5-k003-next-door-shop"][3]  # M5: refused not_account_holder
    assert rows["rv22-n-m7-k003-own-contact"][3] and not rows["rv22-n-m7-k003-own-contact"][2]  # M7: answered


@pytest.mark.parametrize(
    ("tail", "third"),
    [
        ("隔壁维修店的老板，他们车队", True),
        ("旁边那家汽修厂的", True),
        ("合作的维修厂", True),
        ("投保的保险公司理赔中心", True),
        ("对面的轮胎店", True),
        ("楼下修理店的老板", True),
        ("公司财务的小李", False),
        ("有限公司的司机", False),
        ("深圳分公司的小刘", False),
        ("财务部的小何", False),
        ("维修部的张师傅", False),
        ("冯经理的助理小吴", False),
        ("的钱红 我们公司那台车", False),
        ("的行政小赵", False),
    ],
)
def test_establishment_after_the_own_name(tail: str, third: bool) -> None:
    assert establishment_after_name(tail) is third


@pytest.mark.parametrize(
    ("text", "own", "lookup"),
    [
        ("13900001111 是远航冯经理的号，她们公司去年买过几台车？", True, False),
        ("13900001111为远航物流韩经理的手机，他们今年订过几台车", True, False),
        ("13900001111 是远航冯经理的号，她们公司去年买过几台车？", False, True),  # another customer's contact
        ("13900001111 是谁的号？是不是咱们客户", True, True),
        ("13900001111 是远航冯经理的号吗？她买过几台车", True, True),  # asked whose it is
        ("有人留了个号 13900001111，帮我看下是不是咱们的客户", True, True),
    ],
)
def test_holder_named_after_the_number(text: str, own: bool, lookup: bool) -> None:
    assert personal_data_lookup(text, lambda name: own) is lookup
    assert personal_data_lookup(text) is True  # without the directory's word, every such ask stays a look-up


def test_holder_named_after_needs_the_holder_right_after() -> None:
    text = "帮我看下 13900001111 买过啥车，远航冯经理说是她的号"
    m = PHONE.search(text)
    assert m is not None and not holder_named_after(text, m, lambda name: True)
