"""Answers round 18 (issue #15): the mechanisms behind tests/agents/data/answers_scratch_r18.yaml, one table each.
End to end the scratch set measures them: tests/agents/test_answers_scratch.py (r18 row)."""

from __future__ import annotations

import pytest

from agents.reasoning.crm import MissingField, _names_device
from agents.reasoning.terms import _head_alone, _head_word, qualifier

BATTERY = "动力电池及电驱系统（纯电车型）"
POWERTRAIN = "动力总成（发动机、变速箱）"


@pytest.mark.parametrize(
    ("header", "head"),
    [(BATTERY, "电池"), (POWERTRAIN, "总成"), ("主机（电机、减速器）", ""), ("整车质保", "质保")],
)
def test_a_columns_head_word_is_the_thing_it_names(header: str, head: str) -> None:
    assert _head_word(header) == head


@pytest.mark.parametrize(
    ("text", "alone"),
    [
        ("E5电池保到哪天", True),
        ("那个大电池 呃 现在还在保修期不", True),
        ("电池另外算吧", True),
        ("D2FHR这台的电池还保多久", True),
        ("蓄电池还在质保期吗", False),  # another part with its own term
        ("电瓶没电了", False),
    ],
)
def test_the_head_word_counts_only_as_a_word_of_its_own(text: str, alone: bool) -> None:
    assert _head_alone("电池", text) is alone


@pytest.mark.parametrize(
    ("header", "qual"),
    [(BATTERY, "纯电"), (POWERTRAIN, ""), ("主机（电机、减速器）", ""), ("整车质保", "")],
)
def test_a_bracketed_condition_is_a_qualifier_a_list_of_parts_is_not(header: str, qual: str) -> None:
    assert qualifier(header) == qual


@pytest.mark.parametrize(
    ("plate", "text", "named"),
    [
        ("粤A·YWS3E", "我哋嗰部YWS3E嘅E5保修去到幾時", True),
        ("京·D2FHR", "d2fhr这台的电池还保多久", True),  # with a digit: any case
        ("苏E·QBGUR", "QBGUR这台L5质保到期没有", True),
        ("苏E·QBGUR", "qbgur这台", False),  # all letters: only as a plate is written
        ("苏E·PRICE", "what's the price", False),
        ("粤A·YWS3E", "XYWS3E", False),  # not standing alone
        ("京·4BL5", "4BL5那台", False),  # too short to name one
    ],
)
def test_a_plate_said_without_its_region_names_the_vehicle(plate: str, text: str, named: bool) -> None:
    assert _names_device({"id": "V1", "plate": plate}, text) is named


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("T3 来6个 折后单价和总价发我", "T3 来6台 折后单价和总价发我"),
        ("S7要两个，一共多少钱", "S7要2台，一共多少钱"),
        ("L5再订5个，总价多少？", "L5再订5台，总价多少？"),
        ("T3 我们想再上 八个 嗯", "T3 我们想再上 8台 嗯"),
        ("这次只续8个 多钱", "这次只续8台 多钱"),
        # innocents: what follows 个 is what is counted, or a time word keeps its unit, or points
        ("周六我们来4个司机试驾一下S7", "周六我们来4个司机试驾一下S7"),
        ("要两个小时吗", "要两个小时吗"),
        ("上2个月刚保养过", "上2个月刚保养过"),
        ("买了3个滤芯", "买了3个滤芯"),
        ("再让7个", "再让7个"),
        ("要两个点", "要两个点"),
    ],
)
def test_a_count_said_with_ge_after_ordering_is_units(text: str, read: str) -> None:
    from agents.reasoning.base import bare_units

    assert bare_units(text, ["台", "辆"]) == read
    assert bare_units(text, []) == text  # a pack that counts no assets reads nothing


def test_an_asset_described_by_its_odometer_is_the_one_with_the_extreme() -> None:
    from datetime import date
    from types import SimpleNamespace

    from agents.reasoning.crm import CrmRecord

    devices = [
        {"id": "VIN7S001", "name": "甲型 A5 轿车", "x_mileage_km": 120000},  # an id that contains the hint
        {"id": "VIN002", "name": "乙型 S7 越野", "x_mileage_km": 95900},
        {"id": "VIN003", "name": "乙型 S7 越野", "x_mileage_km": 28600},
        {"id": "VIN004", "name": "乙型 S7 越野", "x_mileage_km": 80100},
    ]
    crm = CrmRecord({"devices": devices}, [], today=date(2026, 11, 20))
    crm.described = (
        SimpleNamespace(field="mileage_km", most=["跑得最多", "highest mileage"], least=["里程最少"]),
    )
    assert crm.device(["S7"], "S7跑得最多的那台 保到啥时候")["id"] == "VIN002"
    assert crm.device([], "S7里程最少的那台")["id"] == "VIN003"
    assert crm.device([], "the S7 with the highest mileage")["id"] == "VIN002"
    assert crm.device([], "跑得最多那台")["id"] == "VIN7S001"  # no model: among all
    with pytest.raises(MissingField):
        crm.device(["S7"], "S7那台保到哪天")  # not described: still three S7s
