"""Review r1 (session 20) of the answers round 20 (2c75df1, d7a77c8): wrong prices in drafts, each reproducer a row
that failed at d7a77c8/4daef06 and passes here, beside the innocents the round's fixes were written for.

M1 an English count is of the code it stands before (only a word of age or state between: «6 old K2s»); a count of
   people or events before a code is not units («12 people using K2s»); «2 of them were…» describes part of a batch
   (a clause's subject), only a count of them that is an object («trade in 8 of them») is asked.
M2 a longer turn that turns away from the quoted product (a change to something that is not a count, «不太合适»,
   "instead") is not priced as the product of the turn before.
M3 an end date is the contract's only when the contract is named in its clause (near_words), and a follow-up asks its
   question of the turn before only when the question opens its own clause (names no subject of its own).
M4 the deposit is asked only by a first payment («先付», «预付», "upfront"), not by any «交多少» after an order."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.nodes.reason import with_context
from agents.reasoning.asks import asked_units
from agents.reasoning.base import english_counts
from agents.reasoning.config import Need, load_tools
from agents.reasoning.tiers import _traded_units

NOUNS = ("vehicles", "vans", "sedans", "SUVs")  # a pack's English measure words (tools.yaml count_units_en)
PACK = load_tools(Path(__file__).resolve().parents[2] / "copilot" / "tenants" / "autodealer")


def _need(tool: str, word: str) -> Need:
    return next(n for n in PACK.needs if tool in n.tools and word in n.words)


# ------------------------------------------------------------------ M1
@pytest.mark.parametrize(
    ("text", "asked"),
    [
        (
            "We have 12 drivers using K2s every day. How much would 4 new K2 vans cost in total at our rate?",
            "4台",
        ),
        ("our 20 staff drive Z5s, we want 5 more Z5s", "5台"),
        ("We had 3 breakdowns with Z5s last month, quote 6 Z5 sedans", "6台"),
        ("Our 15 couriers love the K9; price 3 K9s please", "3台"),
        # innocents: the count before the code, a word of age between
        ("We trade in 6 of the twelve old K2s this round", "6台"),
        ("please quote 7 X7 SUVs", "7台"),
    ],
)
def test_a_count_of_people_or_events_before_a_code_is_not_units(text: str, asked: str) -> None:
    m = asked_units(english_counts(text, nouns=NOUNS))
    assert m is not None and m.group(0) == asked


@pytest.mark.parametrize(
    ("text", "batch", "traded"),
    [
        (
            "Hi, we have 6 old K2 vans, 2 of them were in minor accidents. What trade-in subsidy would we get if we "
            "trade in all of them for new K2s?",
            6,
            6,
        ),
        (
            "We'd like to trade in all six of our K2s for Z5s; 3 of those have over 150,000 km. How much in total?",
            6,
            6,
        ),
        ("We have 12 old Z5s, 3 of them were in accidents. What do we get if we trade in all 12?", 12, 12),
        ("Our 10 K2s: 4 of these still run fine, and we trade in all of them", 10, 10),
        # innocent: a count of them that is what is traded
        ("We have 12 old K2s. What if we only trade in 8 of them?", 12, 8),
    ],
)
def test_part_of_a_batch_described_is_not_the_count_traded(text: str, batch: int, traded: int) -> None:
    assert _traded_units(english_counts(text, nouns=NOUNS), batch) == traded


# ------------------------------------------------------------------ M2
BEFORE = [{"role": "customer", "text": "陈经理，K2现在给我们车队什么价？"}]


@pytest.mark.parametrize(
    "text",
    [
        "领导看了报价以后觉得厢式货车不太合适，想换成七座的那种商务车，大概要6台，总价多少？能不能再便宜点",
        "开会讨论了一下，这个车型我们不考虑了，老板想看看大一点的，先按8台报个总价多少，下周一前给我就行",
        "After the meeting the board wants something bigger instead, maybe 6 units, what would the total be then?",
    ],
)
def test_a_longer_turn_turning_away_does_not_price_the_quoted_model(text: str) -> None:
    assert with_context(text, BEFORE) == text


@pytest.mark.parametrize(
    "text",
    [
        "刚开完会，领导说一次性上20台，招标文件按20台做。单价还是按我们的折扣加补贴吧？总价多少，需要你们哪一级领导签字？",
        "刚开完会，领导说数量改成20台，招标文件按20台做。单价还是按我们的折扣加补贴吧？总价多少，需要你们哪一级领导签字？",
    ],
)
def test_innocents_a_longer_turn_changing_the_count_keeps_the_model(text: str) -> None:
    assert with_context(text, BEFORE).endswith("〔上文：K2〕")


# ------------------------------------------------------------------ M3
@pytest.mark.parametrize(
    ("text", "before"),
    [
        ("另外你们那个七座的商务车一台多少？", "刘经理，我们车队保养合同明年6月底到期，到时候再说。"),
        ("刘经理，我们车队的交强险下个月到期，今年一台大概多少钱？", ""),
        ("年检快到期了，一台大概多少钱？", ""),
        ("Our insurance is about to 到期, how much per vehicle?", ""),
        ("还有那个新出的七座一台多少钱？", "我们的保养套餐快到期了"),
    ],
)
def test_an_end_of_something_else_asks_no_renewal(text: str, before: str) -> None:
    assert not _need("package_renewal_price", "到期").asked(text, PACK.count_units, subject=before)


@pytest.mark.parametrize(
    ("text", "before"),
    [
        ("现在签和等下个月签有差别吗？一台多少，总共多少？", "陈经理，我们车队的保养合同快到期了。"),
        ("一台多少，总共多少？", "我们的保养套餐快到期了"),
        ("高经理，我们那80台的保养合同明年2月到期，一台多少，总价多少？", ""),
    ],
)
def test_innocents_the_contracts_end_asks_its_renewal(text: str, before: str) -> None:
    assert _need("package_renewal_price", "到期").asked(text, PACK.count_units, subject=before)


# ------------------------------------------------------------------ M4
def _deposit_asked(text: str) -> bool:
    return any(
        "deposit_amount" in n.tools and "定金" not in n.words and n.asked(text, PACK.count_units)
        for n in PACK.needs
    )


@pytest.mark.parametrize(
    "text",
    [
        "我下单S7以后，保险那块还要交多少？",
        "签合同以后上牌还要交多少钱？",
        "订车之后购置税交多少？",
        "After we sign the order, how much do we pay for the insurance?",
        "刘经理，上周下的那10台E5的订单，尾款的付款节点怎么安排？交车是哪天？",
    ],
)
def test_other_payments_after_ordering_are_not_the_deposit(text: str) -> None:
    assert not _deposit_asked(text)


@pytest.mark.parametrize(
    "text",
    [
        "陈经理，E5我们这次要10台，单价总价都报一下。另外付款怎么安排，签单的时候先付多少？",
        "Hi Mr Chen, please quote 6 S7s, and what do we have to pay upfront when we sign the order?",
        "我司拟采购E5 20台，请提供含补贴单价、总价及付款条件（订货时需预付的金额）。",
    ],
)
def test_innocents_the_first_payment_at_ordering_is_the_deposit(text: str) -> None:
    assert _deposit_asked(text)


# ------------------------------------------------------------------ MINOR 7
@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("原来说改成10台，现在还是按原计划6台", "6台"),  # the change taken back
        ("之前说好按12台算，领导又压了预算，最后定8台", "8台"),
        # innocents: a past basis and the count asked now; a basis with no past word
        ("上次报价按5台算的，这次改成8台", "8台"),
        ("这次要8台S7，上次是按5台的价格给的，单价总价多少", "8台"),
        ("老板说再加2台，按14台算，总价多少", "14台"),
    ],
)
def test_a_basis_taken_back_is_not_the_count(text: str, count: str) -> None:
    m = asked_units(text)
    assert m is not None and m.group(0) == count
