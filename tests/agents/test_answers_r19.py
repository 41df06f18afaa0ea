"""Answers round 19 (issue #15): the mechanisms behind tests/agents/data/answers_scratch_r19.yaml, one table each.
End to end the scratch set measures them: tests/agents/test_answers_scratch.py (r19 row)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from agents.reasoning.asks import requested_discount, retracted
from agents.reasoning.base import english_counts, han_counts

UNITS = ["台", "辆"]


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("年底这批E5我们打算上二十台", "年底这批E5我们打算上20台"),
        ("S7八台，折扣上再多给三个点", "S7 8台，折扣上再多给三个点"),  # never «S78台»
        ("我司拟采购凌越V9十二台", "我司拟采购凌越V9 12台"),
        ("整六台得多少钱", "整6台得多少钱"),
        ("两台V9能加进套餐吗", "2台V9能加进套餐吗"),
        ("一百二十台", "120台"),
        # innocents: one unit (a price per unit), a range, an ordinal, «几十», «多», a place name
        ("T3一台能到十一万七不", "T3一台能到十一万七不"),
        ("来三五台", "来三五台"),
        ("一两台也行", "一两台也行"),
        ("第二台什么时候到", "第二台什么时候到"),
        ("几十台的单子", "几十台的单子"),
        ("二十多台", "二十多台"),
        ("去五台山自驾", "去五台山自驾"),
    ],
)
def test_a_count_in_chinese_numerals_is_read_in_digits(text: str, read: str) -> None:
    assert han_counts(text, UNITS) == read
    assert han_counts(text, []) == text  # a pack that counts no assets reads nothing


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("我说岔了，不是E5，是那款SUV，S7。整6台得多少钱", "我说岔了，，是那款SUV，S7。整6台得多少钱"),
        ("更正一下，是8台不是6台，总价再算一下", "更正一下，是8台，总价再算一下"),
        ("L5 我们想订4台 啊不对 6台 一共多少钱", "L5 我们想订 6台 一共多少钱"),
        # the count before its model code (review r2 M1): the count is taken back, the model stays
        ("订6台T3 啊不对 9台，按我们的阶梯折扣总价多少", "订T3 啊不对 9台，按我们的阶梯折扣总价多少"),
        ("要3辆V9，说错了，5辆", "要V9，说错了，5辆"),
        ("订6台T3，下个月再订4台", "订6台T3，下个月再订4台"),  # two orders, nothing taken back
        ("Sorry - I meant the S7, not the L5. Same quantity.", "Sorry - I meant the S7, . Same quantity."),
        # innocents: no second item of the same kind in the sentence, a question «是不是», no item after «不是»
        ("不是急着要，就是先了解下", "不是急着要，就是先了解下"),
        ("不是E5的问题吧", "不是E5的问题吧"),
        ("是不是S7有活动", "是不是S7有活动"),
        ("E5不是6台吗", "E5不是6台吗"),
        ("不是E5。S7多少钱", "不是E5。S7多少钱"),  # another sentence: not a correction read here
    ],
)
def test_what_the_customer_takes_back_is_not_asked(text: str, read: str) -> None:
    assert retracted(text) == read


@pytest.mark.parametrize(
    ("text", "asked"),
    [
        ("再让一个半点呢？总价多少", (Decimal("1.5"), "一个半点")),
        ("再给2个半点", (Decimal("2.5"), "2个半点")),
        ("再让半个点", (Decimal("0.5"), "半个点")),
        ("再让两个点", (Decimal("2"), "两个点")),
        (
            "can you do another 2 points on top of our fleet tier? Unit price please",
            (Decimal("2"), "2 points"),
        ),
        ("give us 3 percentage points off", (Decimal("3"), "3 percentage points")),
        ("I have 2 points to raise about the delivery", None),
        ("we scored 3 points", None),
    ],
)
def test_points_asked_half_and_english(text: str, asked: tuple[Decimal, str] | None) -> None:
    assert requested_discount(text) == asked


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("We're looking at thirty T3 vans in one order", "30台T3"),
        ("Mr Liu, 10 more T3s - can you do another 2 points", "10台T3"),
        ("If we traded in just 9 of the T3s from June 2024", "9台T3"),
        ("what would 7 L5s cost us", "7台L5"),
    ],
)
def test_english_counts_with_a_word_between(text: str, count: str) -> None:
    assert count in english_counts(text)


@pytest.mark.parametrize(
    ("text", "batch", "units"),
    [
        ("24年9月那20台E5，假如先拿15台出来置换", 20, 15),
        ("那这次先只换8台呢？剩下的明年再说。", 12, 8),
        ("那12台老L5全部置换", 12, 12),
        ("我们要买20台E5，旧车12台L5置换", 12, 12),  # a count above the batch is the new order
        ("车队的L5整体换一轮", 12, 12),
    ],
)
def test_a_trade_in_counts_the_units_of_the_batch_it_names(text: str, batch: int, units: int) -> None:
    from agents.reasoning.tiers import _traded_units

    assert _traded_units(text, batch) == units


def test_a_two_digit_year_with_its_month_is_this_century_or_the_last() -> None:
    from agents.reasoning.tiers import YEAR_MONTH, _year_of

    today = date(2026, 11, 20)
    m = YEAR_MONTH.search("我现在开的是一台19年3月上牌的大众朗逸")
    assert m is not None and (_year_of(m.group(1), today), m.group(2)) == (2019, "3")
    m = YEAR_MONTH.search("98年5月的老车")
    assert m is not None and _year_of(m.group(1), today) == 1998
    assert YEAR_MONTH.search("开了10年了") is None  # a duration, no month
    assert YEAR_MONTH.search("质保3年") is None


def test_a_short_follow_up_reads_its_subject_from_the_turn_before() -> None:
    from agents.nodes.reason import follow_up_subject
    from agents.reasoning.config import Need

    history = [
        {"role": "customer", "text": "黄顾问，我的保养套餐还剩几次？"},
        {"role": "rep", "text": "您的基础保养套餐还剩1次。"},
    ]
    follow = "那剩下的我不想用了，退的话能退多少钱？"
    subject = follow_up_subject(follow, history)
    assert subject == history[0]["text"]  # the customer's turn, not the rep's
    need = Need(words=["退"], with_words=["套餐", "保养套餐"], tools=["package_refund"])
    assert not need.asked(follow)
    assert need.asked(follow, subject=subject)
    assert not need.asked("S7想退订，定金能退多少", subject="")  # no earlier turn: its own words only
    assert follow_up_subject("S7那台退的话能退多少", history) == ""  # names its own product
    assert follow_up_subject("x" * 41, history) == ""  # not a short follow-up
