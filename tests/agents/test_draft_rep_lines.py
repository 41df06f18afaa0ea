"""Rep-ask answers under a computed first line: CRM lines a rep reads as noise stay evidence only — the customer's name
(the answer says it) and raw codes ("客户类型 = individual") — while readable facts stay listed (agents/ask.py)."""

from __future__ import annotations

import pytest

from agents.ask import RAW_FACT_LINE


@pytest.mark.parametrize(
    ("line", "raw"),
    [
        ("- 客户类型 = individual [3]", True),
        ("- 客户类型 = fleet [6]", True),
        ("- 客户名称 = 郑凯 [1]", True),
        ("- 客户等级 = 普通 [4]", False),
        ("- 行业 = 物流运输 [5]", False),
        ("- 产品 凌越S7 2.0T SUV 指导价 = 225800 元 [2]", False),
        ("- 联系人 = 郑凯（车主） [5]", False),
        ("- 整车 最近一次采购 = 2026-05-10（订单 SO-2605-005，距今 194 天） [3]", False),
    ],
)
def test_raw_crm_lines_are_not_listed_under_a_computed_answer(line: str, raw: bool) -> None:
    assert bool(RAW_FACT_LINE.match(line)) is raw
