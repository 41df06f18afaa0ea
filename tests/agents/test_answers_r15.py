"""Answers round 15 (issue #15): the mechanisms behind tests/agents/data/answers_scratch_r15.yaml, one table each.
End to end (the better of a tier price and a non-stacking renewal price, an English count's total, another maker's car
dated in English, whole renewal words) the scratch set measures them: tests/agents/test_answers_scratch.py (r15 row)."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import pytest

from agents.nodes.draft import complaint_shaped
from agents.nodes.reason import _clause_source
from agents.reasoning.base import spoken_percent
from agents.reasoning.config import ToolSpec
from agents.reasoning.results import Source
from agents.reasoning.tiers import _described_en


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("能不能便宜个百分之三啊", "能不能便宜个3%啊"),
        ("给个百分之二点五行不行", "给个2.5%行不行"),
        ("百分之十五的折扣", "15%的折扣"),
        ("百分之 4 可以吗", "4% 可以吗"),
        ("没有百分比的话", "没有百分比的话"),  # no figure after it: unchanged
        ("给5个点", "给5个点"),
    ],
)
def test_a_rate_said_in_words_reads_as_its_figure(text: str, want: str) -> None:
    assert spoken_percent(text) == want


SPEC = ToolSpec(id="trade", tool="row_tier", text_date_words=["上牌", "registered", "bought", "is from"])


def _parts(text: str) -> list[str]:
    return re.split(r"[，。！？；,!?;\n]|\.\s", text)


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("I'd like to trade in my 2022 Volkswagen for an L9", "2022"),  # a year as the car's attribute
        ("My old Nissan is from 2018. If I trade it in, what's the subsidy?", "2018"),
        ("I bought a BYD in 2024. Can I trade it in?", "2024"),
        ("first registered March 2021（2021年3月） for a new one", "2021"),  # english_counts' month form
        ("Can I get 2000 off?", None),  # an amount, no date word, no attribute
        ("We want 12 cars in 2027, what is the price?", None),  # a year with no car dated by it
        ("2019年上牌的车", None),  # Chinese: the Chinese reading (year, month, date word after) handles it
    ],
)
def test_another_makers_car_dated_in_english(text: str, year: str | None) -> None:
    found = _described_en(SPEC, _parts(text))
    assert (found[0].group(1) if found else None) == year


def test_a_relabelled_clause_never_keeps_another_clauses_evidence() -> None:
    """The expired-warranty sentence says 第六条: without that clause's own evidence it carries none, never 第三条's."""
    row = Source("pkg", "2.0", "某条款", "第三条", "1", "policy_clause:row3")
    spec = ToolSpec(id="offer", tool="row_lookup", doc="pkg")
    got = _clause_source(row, "第六条", spec, None)
    assert got.clause == "第六条" and got.evidence_id == "" and got.row == ""
    assert _clause_source(row, "第三条", spec, None) is row  # the same clause: unchanged
    assert _clause_source(row, "", spec, None) is row


def test_a_relabelled_clause_takes_that_clauses_evidence(monkeypatch: pytest.MonkeyPatch) -> None:
    import agents.nodes.reason as reason

    six = Source("pkg", "2.0", "某条款", "第六条", "", "policy_clause:six")
    seen: dict[str, Any] = {}

    def governing(ctx: Any, spec: ToolSpec) -> Any:
        seen.update(clause=spec.clause, doc=spec.doc)
        return (None, None, six)

    monkeypatch.setattr(reason, "governing_clause", governing)
    row = Source("pkg", "2.0", "某条款", "第三条", "1", "policy_clause:row3")
    got = _clause_source(row, "第六条", ToolSpec(id="offer", tool="row_lookup", doc="pkg"), SimpleNamespace())  # type: ignore[arg-type]
    assert got is six and seen == {"clause": "第六条", "doc": "pkg"}


@pytest.mark.parametrize(
    ("text", "shaped"),
    [
        ("This is the third time I'm asking and nobody got back to me: how much is it?", True),
        ("修了三回了还是这样，到底能不能修好", True),
        ("我要找你们老板谈", True),
        ("Can I bring the car in again next Tuesday?", False),  # "again" alone is no complaint
        ("下周六上午去做个保养，排得开吗？", False),
        ("How much is the extended warranty for my E9?", False),
    ],
)
def test_a_complaint_by_its_shape_whatever_it_was_filed_as(text: str, shaped: bool) -> None:
    assert complaint_shaped(text) is shaped


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        (
            "Hi, quick one. Our driver swears the L9 with plate 京·4BX5T has a 3-year warranty. When does it end?",
            "en",
        ),
        ("is our van 沪EGK21 still under warranty? Till when?", "en"),  # a plate with no dot
        ("沪B021B 这台车整车质保还有多久？", "zh"),
        ("粤A·0KJQ9这台车已经快9万公里了", "zh"),
        ("Hi 王经理 when does it end please", "zh"),  # a Chinese name written: Chinese
    ],
)
def test_a_plates_character_is_no_chinese_written(text: str, lang: str) -> None:
    from agents.drafting.common import detect_lang

    assert detect_lang(text) == lang


@pytest.mark.parametrize(
    ("unit", "en"), [("元/台/年", " per unit per year"), ("元", ""), ("元/次", " per visit")]
)
def test_a_price_tables_unit_in_english(unit: str, en: str) -> None:
    from agents.reasoning.tiers import _per_unit_en

    assert _per_unit_en(unit) == en


class _Crm:
    def __init__(self, delivered: list[str]) -> None:
        self.devices = [{"id": f"V{i}", "name": "某车型", "installed_at": d} for i, d in enumerate(delivered)]

    def device_group(self, hints: Any, text: str) -> list[dict[str, Any]]:
        return self.devices

    def all_devices(self) -> list[dict[str, Any]]:
        return self.devices


def _ctx(text: str, delivered: list[str]) -> Any:
    from datetime import date

    return SimpleNamespace(
        text=text, today=date(2026, 11, 20), entities={}, crm=_Crm(delivered), hints=lambda: []
    )


@pytest.mark.parametrize(
    ("text", "delivered", "span"),
    [
        # another maker's cars dated by their age: registered 4 to 5 years ago
        (
            "我们还有10台别的牌子的老出租，开了4年多了，能一起置换吗",
            ["2025-10-24"],
            ("2021-11-21", "2022-11-20"),
        ),
        ("那台老车用了五年半了，补贴多少", [], ("2021-05-20", "2021-05-20")),
        ("My old hatchback is 7 years old, what's it worth as a trade-in?", [], ("2018-11-21", "2019-11-20")),
        ("这台车开了1年多了，能置换吗", ["2025-06-01"], None),  # the customer's own recent car: the CRM's
        ("开了很多年了", [], None),  # no figure
    ],
)
def test_a_car_dated_by_its_age(text: str, delivered: list[str], span: tuple[str, str] | None) -> None:
    from agents.reasoning.tiers import _described_by_age

    got = _described_by_age(SPEC, _ctx(text, delivered), _parts(text))
    assert (got[0].isoformat(), got[1].isoformat()) == span if span else got is None


def test_one_kind_of_saving_is_counted_once() -> None:
    """Two trade-in subsidies (another maker's cars, the customer's own batch) never add up as one car's savings."""
    from agents.reasoning.combine import sum_savings
    from agents.reasoning.results import Computed, Saving

    def saving(name: str, amount: str, label: str) -> Computed:
        return Computed(
            "row_tier",
            name,
            amount,
            "text",
            f"{label}{amount}",
            (),
            (),
            Source(),
            saving=Saving(amount, label, (label,)),
        )

    ctx = SimpleNamespace(text="补贴一共多少")
    same = [
        saving("trade_in_subsidy", "6000", "置换补贴"),
        saving("fleet_batch_trade_in", "7000", "置换补贴"),
    ]
    assert sum_savings(same, ctx, {}) == []  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "shaped"),
    [
        ("车从4月份保养完到现在一次没做过 跑坏了算谁的？？", True),
        ("到底什么时候能修好?!", True),
        ("好的！谢谢", False),
    ],
)
def test_doubled_marks_are_a_complaints_shape(text: str, shaped: bool) -> None:
    assert complaint_shaped(text) is shaped
