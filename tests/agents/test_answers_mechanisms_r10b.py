"""Round 10b's general mechanisms, table-driven: an interval clause read for an asset's class (a CRM date chained with
a policy term), a count's wording, an English message naming an offer row through the tenant's English words."""

from __future__ import annotations

from datetime import date

import pytest

from agents.reasoning.counts import _en_quantity, _interval, _sep, _usage_part
from agents.reasoning.crm import Contact, _dated, _writer_first
from agents.reasoning.offers import _mostly_latin, _to_en

CLAUSE = "常规保养间隔：非营运车辆每1万km或12个月，营运车辆每1万km或6个月，以先到者为准。"


@pytest.mark.parametrize(
    ("row", "want"),
    [
        ("营运", ("营运车辆每1万km或6个月", 6, "以先到者为准")),  # not the 非营运 part that contains 营运
        ("非营运", ("非营运车辆每1万km或12个月", 12, "以先到者为准")),
        ("特种", None),  # a class the clause does not name: can't compute, never another class's interval
    ],
)
def test_interval_for_the_asset_class(row: str, want: tuple[str, int, str] | None) -> None:
    assert _interval(CLAUSE, row) == want


def test_a_lone_interval_needs_no_class() -> None:
    assert _interval("设备每3个月巡检一次。", "") == ("设备每3个月巡检一次", 3, "")


@pytest.mark.parametrize(
    ("part", "want"), [("每1万km或12个月", "10,000 km"), ("每5000公里", "5,000 km"), ("每6个月", "")]
)
def test_km_in_english(part: str, want: str) -> None:
    # round 11: the usage part is read by the unit the pack declares (tools.yaml usage_unit), not a km pattern
    usage = _usage_part(part, "km")
    assert (_en_quantity(usage[0], "km") if usage else "") == want


@pytest.mark.parametrize(("name", "want"), [("X7 SUV", "X7 SUV "), ("轻型货车", "轻型货车"), ("Z5", "Z5 ")])
def test_a_count_after_a_latin_name_keeps_a_space(name: str, want: str) -> None:
    assert _sep(name) == want


def test_row_words_in_english() -> None:
    terms = {"冬季特惠": "Winter Special", "华东": "East China", "华南": "South China"}
    assert _to_en("冬季特惠 华东、华南", terms) == "Winter Special East China 、South China"
    assert _mostly_latin("can I get the winter 5,000 off on a Z5?")
    assert not _mostly_latin("冬季特惠Z5能减多少")


HAN = Contact("韩志刚", "车队经理", "e1", "韩经理")
QIAN = Contact("钱红", "采购主管", "e2", "钱主管")
ZHAO = Contact("赵明", "财务主管", "e3", "赵主管")


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("韩志刚让我问一下合同什么时候到期", QIAN, HAN),  # a colleague named in full, in the third person
        ("我替韩志刚问下质保", QIAN, HAN),
        ("韩志刚出差了，合同的事找我", QIAN, HAN),
        ("我是钱红，韩志刚让我问", QIAN, HAN),  # the self-introduced writer first, before the CRM's order
        ("韩志刚：合同什么时候到期？", HAN, ZHAO),  # signed plainly: the writer
        ("合同什么时候到期？——赵明", ZHAO, QIAN),
        ("韩经理和钱主管都不在，我问下合同", ZHAO, QIAN),  # both spoken of: the one not mentioned is greeted
    ],
)
def test_a_colleague_named_in_full_is_not_greeted(text: str, first: Contact, last: Contact) -> None:
    ranked = _writer_first([HAN, QIAN, ZHAO], text)
    assert ranked[0] == first
    assert ranked[-1] == last


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("这两年车买得越来越少，去年就4台", ["a", "b"]),  # a volume said of last year, not a batch picked
        ("去年才买了4台", ["a", "b"]),
        ("去年提的那4台质保到哪天", ["b"]),  # last year's batch
        ("2024年8月那批", ["a"]),
    ],
)
def test_a_year_with_a_volume_picks_no_batch(text: str, want: list[str]) -> None:
    devices = [{"id": "a", "installed_at": "2024-08-20"}, {"id": "b", "installed_at": "2025-06-03"}]
    assert [d["id"] for d in _dated(devices, text, date(2026, 11, 20))] == want
