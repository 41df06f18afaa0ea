"""Round 11, read as the customer (tuning drafts): a later sentence restated an amount the answer had just given
("…您不适用：客户类型限个人客户；X7指导价 199,900 元" after the tier sentence quoted that list price). A trailing part
(after ；/ ; ) whose every amount is said already is dropped; its citation label stays; a part with a new amount, or
with no amount, is kept. Table-driven over invented figures."""

from __future__ import annotations

import pytest

from agents.drafting.template import _without_said_tail

TOLD = "贵司去年采购 8 台，X7 指导价 199,900 元，折后单价 193,903 元"


@pytest.mark.parametrize(
    ("statement", "want"),
    [
        (
            "冬季特惠：X7每台立减8000元，您不适用：客户类型限个人客户；X7指导价 199,900 元（《活动方案》第二条）",
            "冬季特惠：X7每台立减8000元，您不适用：客户类型限个人客户（《活动方案》第二条）",
        ),
        # a new amount: kept
        ("冬季特惠：您符合条件；X7指导价 199,900 元，立减后 191,900 元", None),
        # no amount in the tail: it says something else, kept
        ("冬季特惠：您不适用；活动仅限华东、华南", None),
        # one part only: unchanged
        ("X7指导价 199,900 元", None),
        # English
        (
            "The Winter Special does not apply to you: it is for individuals only; the X7 list price is CNY 199,900",
            "The Winter Special does not apply to you: it is for individuals only",
        ),
        ("The Winter Special does not apply to you; the Z5 list price is CNY 149,900", None),
    ],
)
def test_a_said_amount_is_not_restated(statement: str, want: str | None) -> None:
    told = TOLD + " CNY 199,900"
    assert _without_said_tail(statement, told) == (statement if want is None else want)


@pytest.mark.parametrize(
    ("statement", "told", "want"),
    [
        # a new amount whose digits are part of an earlier one is new: kept (a deposit, a refund)
        ("您的订单已确认；定金 5,000 元", "两台合计优惠 15,000 元。", None),
        ("退款规则如下；可退 1809 元", "套餐价 21809 元", None),
        ("The order is confirmed; the deposit is CNY 2,500", "a saving of CNY 12,500 on two units", None),
        # the same amount written with or without its thousands separator is the same amount: dropped
        ("您的订单已确认；定金 5,000 元", "定金 5000 元。", "您的订单已确认"),
        ("退款规则如下；可退 21809 元", "套餐价 21,809 元", "退款规则如下"),
    ],
)
def test_a_new_amount_inside_a_said_one_is_kept(statement: str, told: str, want: str | None) -> None:
    assert _without_said_tail(statement, told) == (statement if want is None else want)
