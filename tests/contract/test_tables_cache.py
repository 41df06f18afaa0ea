"""find_tables caches its parse by text: every call must still see exactly what a fresh parse finds, and nothing a
caller does to its tables may reach the next caller."""

from __future__ import annotations

import dataclasses

import pytest

from contract import tables
from contract.tables import Cell, find_tables

TIERED = (
    "第四条 返点比例如下：\n"
    "| 季度采购额 | 返点 |\n|---|---|\n| 50万元以下 | 0% |\n| 50万至100万元（含） | 2% |\n| 100万元以上 | 3.5% |\n"
)
PDF = "等级    年度采购额    折扣\nA    800万元以上    九折\nB    300万至800万元    九五折\nC    300万元以下    无\n"


@pytest.mark.parametrize("text", [TIERED, PDF, "没有表格的条款。", ""])
def test_cached_parse_equals_a_fresh_parse(text: str) -> None:
    tables._cache.clear()
    fresh = tables._find_tables(text)
    assert len(fresh) == (1 if text in (TIERED, PDF) else 0)
    first, second = find_tables(text), find_tables(text)
    assert first == fresh and second == fresh
    assert first is not second and all(a is not b for a, b in zip(first, second, strict=True))


def test_a_caller_changing_its_tables_does_not_change_the_next_callers() -> None:
    tables._cache.clear()
    expected = tables._find_tables(TIERED)
    got = find_tables(TIERED)
    assert got[0].rows[1][1].quantity is not None  # the 2 % cell parsed to a quantity
    got[0].notes.append("caller's note")
    got[0].headers[0] = "changed"
    got[0].rows[0][0] = Cell("replaced")
    got[0].rows.pop()
    got[0].header_cells.clear()
    assert find_tables(TIERED) == expected


def test_cells_are_frozen() -> None:
    cell = find_tables(TIERED)[0].rows[0][1]
    with pytest.raises(dataclasses.FrozenInstanceError):
        cell.raw = "9%"  # type: ignore[misc]


def test_cache_is_bounded_and_skips_whole_documents() -> None:
    tables._cache.clear()
    for i in range(tables._CACHE_SIZE + 20):
        find_tables(f"| 项目 | 值 |\n| 第{i}项 | {i}% |\n")
    assert len(tables._cache) == tables._CACHE_SIZE
    document = TIERED + "正文。" * tables._CACHE_MAX_CHARS
    tables._cache.clear()
    assert find_tables(document) == tables._find_tables(document)
    assert document not in tables._cache and not tables._cache
