"""Table lookups over typed policy rows: the row for this customer's attribute (a product line, a model, a tier name),
then the tier that contains their number — across the header (tiers as columns) or down a column (tiers as rows).
A value that two tiers both claim, or that no tier holds, is "can't compute", never a guess."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from contract.policy_facts import RowFact
from contract.tables import Cell


class LookupError_(LookupError):
    """Why the table cannot answer (the message is shown to the rep as "can't compute: …")."""


def _norm(s: str) -> str:
    return re.sub(r"\s+", "", s).casefold()


def cell_matches(cell: Cell | None, value: str) -> bool:
    """Exact cell, or the value as a whole token of a cell listing several ("AB-100、AB-200")."""
    if cell is None or not value:
        return False
    raw, v = _norm(cell.raw), _norm(value)
    if raw == v:
        return True
    tokens = [
        _norm(t)
        for t in re.split(r"[、,，;；/\s]+|(?<=[\u4e00-\u9fff])(?=[A-Za-z0-9])", cell.raw)
        if t.strip()
    ]
    return v in tokens


def find_rows(rows: list[RowFact], column: str, value: str) -> list[RowFact]:
    return [r for r in rows if cell_matches(r.cell(column), value)]


@dataclass(frozen=True)
class Tier:
    header: str  # the tier's header (tiers across) or the row's tier cell (tiers down)
    cell: Cell  # the value cell
    row: RowFact


def tier_across(row: RowFact, value: Decimal, unit: str) -> Tier:
    """Tiers as columns (e.g. 季度采购额 50万元以下 | 50万（含）至100万元 …): the column whose header range holds `value`."""
    hits = [
        i
        for i, h in enumerate(row.header_cells)
        if h.range is not None and (h.range.unit in (unit, "")) and h.range.contains(value)
    ]
    ranged = [h for h in row.header_cells if h.range is not None]
    if not ranged:
        raise LookupError_("表头里没有可识别的区间（如「50万（含）至100万元」）")
    if not hits:
        raise LookupError_(f"没有哪一档包含 {value} {unit}")
    if len(hits) > 1:
        names = "、".join(row.headers[i] for i in hits)
        raise LookupError_(f"{value} {unit} 同时落在多档（{names}），表格边界有歧义")
    i = hits[0]
    return Tier(row.headers[i], row.cells[i], row)


def tier_down(rows: list[RowFact], column: str, value: Decimal, unit: str) -> Tier:
    """Tiers as rows (e.g. 单笔订单折扣上限: 不超过3% / 超过3%且不超过8% / 超过8%): the row whose cell holds `value`."""
    ranged: list[tuple[RowFact, Cell]] = []
    for r in rows:
        c = r.cell(column)
        if c is not None and c.range is not None:
            ranged.append((r, c))
    if not ranged:
        raise LookupError_(f"「{column}」列里没有可识别的区间")
    hits = [
        (r, c)
        for r, c in ranged
        if c.range is not None and c.range.unit in (unit, "") and c.range.contains(value)
    ]
    if not hits:
        raise LookupError_(f"「{column}」没有哪一档包含 {value} {unit}")
    if len(hits) > 1:
        raise LookupError_(
            f"{value} {unit} 同时落在多档（{'、'.join(c.raw for _, c in hits)}），表格边界有歧义"
        )
    r, c = hits[0]
    return Tier(c.raw, c, r)
