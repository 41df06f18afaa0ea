"""Reasoning round 22: the options a message weighs, one table per mechanism, and the scratch set
tests/agents/data/answers_scratch_r22.yaml (the KINDS of blind batch L's must-mention misses, new messages written
before any fix) run end to end through the real graph (no LLM). Model codes in the tables are made up (Z5, X7, Q3).

- options.count_options / model_options: «4台还是5台», «先按15台…假如再加5台凑20台», «那单6台…再补4台» (and the 4
  added: their deposit), "3 or 4 Z5s", «新Z5和X7之间»: one text per option; reason.option_results runs the same tools
  on each and states each option (and the difference of two totals when asked).
- a rate read out of the policy («你们条款写了续购打9折») is a claim, not a discount asked (asks.CLAIM_WORDS): no
  approval for it; a renewal price asked on a contract that has ENDED is corrected with the price that applies
  (records._lapsed_price: the better_of tool's tier price, with why the renewal price does not apply).
- the most the rep may grant, asked beside a figure that needs approval («让不了的话你最多能让多少»), carries its
  saving: the final price with the offer it stacks with is stated (combine._ceiling_asked).
- «扣掉补贴和立减各要付多少» asks the final price (combine.FINAL_ASKED).
- a product code is written as a code (crm._code_written): English "order of 10" is no «OF-10».

Scratch r22 (38 messages, 6 innocents), measured on a clean copy of the session-start code f193a6c before any fix:
items 54/89, 16/38 cases -> after (clean copy of this commit's code): 86/89, 36/38. Still missed: nm-b (a trade-in
priced on the car traded in, not the model bought, with the order day after the offer ends: not this round's
mechanism) and tb-b (the rep's own ceiling price told to a customer below every tier: the authority says stays the
rep's, review S10-B2 — left for the lead to decide)."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.reasoning.asks import requested_discount
from agents.reasoning.base import english_counts, han_counts
from agents.reasoning.crm import _code_written
from agents.reasoning.options import asks_difference, count_options, model_options
from tests.agents.scratch_suite import must_mention_items, must_not_claim_breaks, run_scratch_suite

DATA = Path(__file__).parent / "data" / "answers_scratch_r22.yaml"
UNITS = ("台", "辆")
ITEMS_FLOOR = 86  # of 89 at this commit (54 before)
CASES_FLOOR = 36  # of 38 at this commit (16 before)


def _counts(text: str) -> list[tuple[str, str]]:
    return [
        (o.label, o.kind) for o in count_options(han_counts(english_counts(text, nouns=("vans",)), UNITS))
    ]


@pytest.mark.parametrize(
    ("text", "options"),
    [
        # alternatives
        ("Z5我们买3台还是6台还没定，两种各自总价多少？", [("3台", "count"), ("6台", "count")]),
        ("X7订8台和订10台，总价分别多少？差多少钱？", [("8台", "count"), ("10台", "count")]),
        ("Q3在6台跟8台之间犹豫", [("6台", "count"), ("8台", "count")]),
        ("Z5买两台还是三台，各要多少钱？", [("2台", "count"), ("3台", "count")]),
        ("should we take 3 or 4 Z5s? What would each cost?", [("3台", "count"), ("4台", "count")]),
        # what-if on the count asked
        ("Z5先按15台报。要是领导点头再加5台凑20台，总价多少？", [("15台", "count"), ("20台", "count")]),
        ("X7打算订12台，万一加到15台的话总价多少", [("12台", "count"), ("15台", "count")]),
        ("Q3先报10台，假设再加两台变成12台呢", [("10台", "count"), ("12台", "count")]),
        # an order placed + N more: the new total, and the units added (a per-unit amount of them)
        (
            "之前那单6台X7，如果再补4台，总价多少？新增的定金多少？",
            [("6台", "count"), ("10台", "count"), ("4台", "added")],
        ),
        (
            "on our order of 10 Z5s, if we add 2 more, what's the total?",
            [("10台", "count"), ("12台", "count"), ("2台", "added")],
        ),
    ],
)
def test_count_options(text: str, options: list[tuple[str, str]]) -> None:
    assert _counts(text) == options


@pytest.mark.parametrize(
    "text",
    [
        "Z5 10台，单价总价多少",  # one count
        "Z5再订3台多少钱",  # an order, nothing to add to
        "我们去年买了10台，今年再订5台Z5多少钱",  # a past purchase is no order the new units add to
        "手上已经有20台X7了，再加5台多少钱",  # a fleet held
        "Z5订8台和X7订10台",  # two models' lines of one order, no choice asked
    ],
)
def test_no_count_options(text: str) -> None:
    assert _counts(text) == []


@pytest.mark.parametrize(
    ("text", "labels"),
    [
        ("旧Z5置换的话，换新Z5和换X7分别到手多少钱？", ["Z5", "X7"]),
        ("拿我这台X7去置换，再买一台新X7或者换台Z5，各要付多少？", ["X7", "Z5"]),
        ("Z5和X7现在立减完各是多少钱？", ["Z5", "X7"]),
        ("what do the Z5 and the X7 each cost after the discount?", ["Z5", "X7"]),
    ],
)
def test_model_options(text: str, labels: list[str]) -> None:
    options = model_options(text, lambda code: code in ("Z5", "X7"))
    assert [o.label for o in options] == labels
    for o in options:  # each option's text names its own model where the two were named
        other = next(x for x in labels if x != o.label)
        assert o.label in o.text and o.text.count(other) < text.count(other)


@pytest.mark.parametrize(
    "text",
    [
        "Z5和X7都是什么时候上市的？",  # no choice weighed (no alternative word, no «各/分别»)
        "10台Z5和4台X7一共多少钱",  # one order of two models
        "Z5和Q3分别多少钱",  # Q3 is not a priced model here
    ],
)
def test_no_model_options(text: str) -> None:
    assert model_options(text, lambda code: code in ("Z5", "X7")) == []


def test_difference_asked() -> None:
    assert asks_difference("两个方案总价差多少钱？") and asks_difference("what's the difference?")
    assert not asks_difference("两种各自总价多少？")


@pytest.mark.parametrize(
    "text",
    [
        "你们条款写了续购打9折，按这个价续上吧",
        "按你们条款里的续购9折算，一共多少？",
        "政策上写着续费9折，对吧？",
    ],
)
def test_a_rate_read_out_of_the_policy_is_no_ask(text: str) -> None:
    assert requested_discount(text) is None


@pytest.mark.parametrize("text", ["能不能给个9折？", "再让3个点行不行", "给我打个95折吧"])
def test_a_rate_asked_is_still_read(text: str) -> None:
    assert requested_discount(text) is not None


@pytest.mark.parametrize(
    ("code", "text", "written"),
    [
        ("AB-10", "on our order of 10 Z5s", False),
        ("AB-10", "滤芯AB-10多少钱", True),
        ("AB-10", "ab10 多少", True),
        ("AB-10", "AB 10 多少", True),
        ("AB-60", "AB-600 是什么", False),
        ("PKG-F", "PKG-F套餐", True),
        ("AB-9", "AB-9x40 unit price and total", True),  # a count after the code
    ],
)
def test_a_product_code_is_written_as_a_code(code: str, text: str, written: bool) -> None:
    assert _code_written(code, text) is written


@pytest.fixture(scope="module")
def scratch_run(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    yield from run_scratch_suite(DATA, tmp_path_factory.mktemp("r22"))


def test_scratch_set_is_new_and_hand_computed() -> None:
    text = DATA.read_text(encoding="utf-8")
    assert text.count("  - id: scr-r22-") >= 38
    assert "heldout" not in text.split("cases:")[1]  # never a held-out case


def test_scratch_must_mention(scratch_run) -> None:  # type: ignore[no-untyped-def]
    hit, total = must_mention_items(scratch_run)
    assert total >= 89
    assert hit >= ITEMS_FLOOR, f"{hit}/{total}"
    passed = sum(1 for c in scratch_run.cases if c.status == "pass")
    assert passed >= CASES_FLOOR, f"{passed}/{len(scratch_run.cases)} cases"


def test_scratch_no_must_not_claim_broken(scratch_run) -> None:  # type: ignore[no-untyped-def]
    assert not must_not_claim_breaks(scratch_run)
