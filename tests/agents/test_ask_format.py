"""A rep's ask answer quotes a clause as prose: no clause number said twice, no pasted table markup."""

from __future__ import annotations

import pytest

from agents.ask import clause_excerpt


@pytest.mark.parametrize(
    ("content", "clause", "expected"),
    [
        (
            "第三条 企业车队客户按以下阶梯享受折扣：\n\n| 阶梯 | 上年度 |\n|---|---|\n| F1 | 5台 |",
            "第三条",
            "企业车队客户按以下阶梯享受折扣：",
        ),
        ("第四条：返点按季度结算。", "第四条", "返点按季度结算。"),
        ("3.1 质保期自交付日起算。", "3.1", "质保期自交付日起算。"),
        ("返点按季度结算。", "", "返点按季度结算。"),
        ("甲" * 90, "", "甲" * 80 + "…"),
    ],
)
def test_clause_excerpt(content: str, clause: str, expected: str) -> None:
    out = clause_excerpt(content, clause)
    assert out == expected
    assert "|" not in out
