"""Reasoning, review r1 of session 23 (helper reasoning2): rows for the review's M3 and M4 kinds, with variants in
other models / numbers / wordings and innocents that must not change. Model codes are made up (Z5, X7, Q3).

- base.measure_counts (M3): a count before a measure word the pack does not list counts the priced model only when
  the model's code is the thing counted — not «2套X7的坐垫» (what is counted is said after 的), not «X7前灯换2套»
  (another noun between the code and the count), never a hand («二手»), people («2个人», «两位»), documents
  («两份报价»), time («2个月后»). When unsure, no count (the draft then asks).
- drafting._without_restated (M4): an option priced for a what-if order day («若元旦以后下单：…», "if ordered in
  January: …") stays in the draft even when its figures were said: its day differs from the main quote's.

Measured (no LLM, clean copy of 073925c + this diff): batch M must-mention 68/73 before -> see the commit message."""

from __future__ import annotations

import pytest

from agents.actions.plans import asked_off
from agents.drafting.template import (
    _options_after_main,
    _put_figures,
    _without_restated,
    _without_same_result,
)
from agents.reasoning.base import measure_counts

UNITS = ("台", "辆")
PRICED = {"Z5", "X7", "Q3"}


def _priced(code: str) -> bool:
    return code in PRICED


@pytest.mark.parametrize(
    "text",
    [
        "王生，X7前刹车片换2套多少钱？",  # a part of the model is counted
        "我们想订2套Z5的脚垫，多少钱？",  # 的 + what is counted
        "Q3的空调滤芯要换3个",
        "Z5后视镜要换两个，多少钱",
        "我那台二手X7想卖掉",  # a hand, not a count
        "三手Q3有人要吗",
        "两证Z5办下来没有",
        "Z5给我来两份报价",  # documents
        "我们两位想去试驾X7",  # people
        "X7要3张单子的发票",
        "2套X7的座套",
        "我们想给X7换4个轮胎",
    ],
)
def test_no_vehicle_count_read(text: str) -> None:
    assert measure_counts(text, UNITS, _priced) == text


@pytest.mark.parametrize(
    ("text", "written"),
    [
        # the vehicle count is read; a count of months / people in the same word stays as written
        ("再订3个X7，大概2个月后提车", "再订3台X7，大概2个月后提车"),
        ("Z5要3个，另外2个人要试驾", "Z5要3台，另外2个人要试驾"),
        ("Q3我们再来5个，2个报价单都发我", "Q3我们再来5台，2个报价单都发我"),
        # innocents: the earlier rows still read (a count before the code, or closing the clause ordering it)
        ("再加6架X7，6架埋单几多", "再加6台X7，6台埋单几多"),
        ("两部Z5多少钱", "2台Z5多少钱"),
        ("我们打算下个月再订3部Q3", "我们打算下个月再订3台Q3"),
        ("X7我们明年再上五部一共多少", "X7我们明年再上5台一共多少"),
        ("6架X7的话多少", "6台X7的话多少"),
    ],
)
def test_vehicle_count_read_only(text: str, written: str) -> None:
    assert measure_counts(text, UNITS, _priced) == written


class _Ev:
    def __init__(self, slots: tuple[str, ...]) -> None:
        self.lineage = {"slots": list(slots)}


def test_what_if_day_option_kept() -> None:
    main = "Z5指导价 159,800 元，立减后 154,800 元，2026年12月31日及之前下单"
    for option in (
        "若元旦以后下单：Z5 指导价 159,800 元",
        "if ordered in January: Z5 list price CNY 159,800",
    ):
        said = [(_Ev(("159,800", "154,800")), main), (_Ev(("159,800",)), option)]
        assert [st for _, st in _without_restated(said)] == [main, option]  # type: ignore[arg-type]


def test_plain_restated_line_still_dropped() -> None:
    # innocent: a sentence whose figures another one says with more (no what-if head) is still said once
    main = "Z5指导价 159,800 元，立减后 154,800 元"
    again = "Z5 指导价 159,800 元"
    said = [(_Ev(("159,800", "154,800")), main), (_Ev(("159,800",)), again)]
    assert [st for _, st in _without_restated(said)] == [main]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "put"),
    [
        # the customer's own working puts its result only (the amounts worked from are not figures to confirm)
        ("陈经理，车现在跑了146600公里，150000-146600=3400，质保就剩这么多公里了对吧？", [3400.0]),
        ("新Z5 189800-5000-6000=177800，没错吧？", [177800.0]),
        ("新X7指导价209800减8000再减6000，等于195800，今天下单是这个价吧？", [195800.0]),
        ("225,800 - 8,000 - 6,000 = 212,800, right?", [212800.0]),
        ("5万减2万等于3万对吧", [30000.0]),
        # innocents: a figure put without working is put as before
        ("总价是一百六十四万八对吧", [1648000.0]),
        ("Q3到手148800对吧", [148800.0]),
    ],
)
def test_working_puts_its_result(text: str, put: list[float]) -> None:
    assert _put_figures(text) == ([], put)


@pytest.mark.parametrize(
    ("text", "asked"),
    [
        ("新X7指导价209800减8000再减6000，等于195800，今天下单是这个价吧？", ""),  # a worked sum is no demand
        ("by my maths 225,800 less 8,000 less 6,000 = 211,800, ok?", ""),
        ("能不能再减6000", "能不能再减6000"),  # innocents: a demand stays a demand
        ("209800再减6000能行吗", "再减6000"),
    ],
)
def test_worked_sum_is_no_demand(text: str, asked: str) -> None:
    assert asked_off(text) == asked


def test_what_if_option_is_not_the_same_result() -> None:
    # the option restating the main quote's figures for another day is that day's answer, not a copy of the main one
    main = "Z5指导价 159,800 元，立减后 154,800 元"
    option = (
        "若1月5号下单：您1月5号下单届时已不在活动期内；若在此之前下单，Z5指导价 159,800 元，立减后 154,800 元"
    )
    said = [(_Ev(("159,800", "154,800")), main), (_Ev(("159,800", "154,800")), option)]
    assert [st for _, st in _without_same_result(said)] == [main, option]  # type: ignore[arg-type]


def test_what_if_option_after_the_main_quote() -> None:
    main = "Z5指导价 159,800 元，立减后 154,800 元"
    option = "若元旦以后下单：Z5 单价 159,800 元"
    said = [(_Ev(("159,800",)), option), (_Ev(("159,800", "154,800")), main)]
    assert [st for _, st in _options_after_main(said)] == [main, option]  # type: ignore[arg-type]
