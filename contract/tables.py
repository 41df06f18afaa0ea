"""Tables in policy text → typed rows with their headers.

Loaders turn Markdown, HTML and DOCX tables into `| a | b |` lines (a Markdown separator row is optional); a PDF's text
layer keeps columns apart with runs of spaces, so a block of ≥ 3 lines with the same ≥ 2 space-separated columns is
read as a table too. Each cell keeps its raw text plus what it parses to: a range (tier bounds), a quantity (2.5 %,
24 个月, 九折) or plain text. Tier ranges along one dimension (a header row of tiers, or a column of tiers) are settled
by `settle_tiers`: when two neighbours both include their shared boundary, the one that writes （含） keeps it."""

from __future__ import annotations

import re
from collections import OrderedDict
from contextlib import suppress
from dataclasses import dataclass, field, replace
from typing import Any

from contract.quantities import ParseError, Quantity, Range, parse_range, quantities

SEPARATOR = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
PDF_COLUMNS = re.compile(r"\S(?:.*?\S)?(?=\s{2,}|\t|$)")


@dataclass(frozen=True)  # frozen: find_tables' cache hands the same cells to every caller
class Cell:
    raw: str
    range: Range | None = None
    quantity: Quantity | None = None
    error: str = ""  # a number the parser could not read

    def as_json(self) -> dict[str, Any]:
        return {
            "raw": self.raw,
            "range": self.range.as_json() if self.range else None,
            "quantity": self.quantity.as_json() if self.quantity else None,
            "error": self.error,
        }

    @staticmethod
    def from_json(d: dict[str, Any]) -> Cell:
        return Cell(
            d["raw"],
            Range.from_json(d["range"]) if d.get("range") else None,
            Quantity.from_json(d["quantity"]) if d.get("quantity") else None,
            d.get("error", ""),
        )


def parse_cell(raw: str) -> Cell:
    text = raw.strip()
    try:
        rng = parse_range(text)
        qs = quantities(text)
    except ParseError as exc:
        return Cell(text, error=str(exc))
    q = qs[0] if len(qs) == 1 and rng is None else None
    return Cell(text, rng, q)


@dataclass
class Table:
    headers: list[str]
    rows: list[list[Cell]]
    char_start: int
    char_end: int
    header_cells: list[Cell] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # e.g. an ambiguous tier boundary


def _split_pipe(line: str) -> list[str]:
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|"):
        s = s[:-1]
    return [c.strip() for c in s.split("|")]


# One suggestion reads the same clause texts several times (plan, next steps, summaries): parsing is pure, so a small
# cache keyed by the text returns what the first parse found. Callers get fresh Table objects and lists each call (a
# caller may append to `notes` or replace a cell); the cells themselves are frozen and shared. Whole documents (parsed
# once at ingest) are not kept: at most _CACHE_SIZE clause-sized texts are.
_CACHE_SIZE = 512
_CACHE_MAX_CHARS = 8000
_cache: OrderedDict[str, tuple[Table, ...]] = OrderedDict()


def find_tables(text: str) -> list[Table]:
    """Every `|` table and every space-aligned (PDF) table in `text`, with character spans."""
    if len(text) > _CACHE_MAX_CHARS:
        return _find_tables(text)
    parsed = _cache.get(text)
    if parsed is None:
        parsed = tuple(_find_tables(text))
        _cache[text] = parsed
        if len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    else:
        with suppress(KeyError):  # another thread evicted it meanwhile: the parse in hand is still right
            _cache.move_to_end(text)
    return [_copy(t) for t in parsed]


def _copy(t: Table) -> Table:
    return Table(
        list(t.headers),
        [list(r) for r in t.rows],
        t.char_start,
        t.char_end,
        list(t.header_cells),
        list(t.notes),
    )


def _find_tables(text: str) -> list[Table]:
    tables: list[Table] = []
    lines = text.splitlines(keepends=True)
    offsets, pos = [], 0
    for ln in lines:
        offsets.append(pos)
        pos += len(ln)
    i = 0
    while i < len(lines):
        if lines[i].lstrip().startswith("|"):
            j = i
            while j < len(lines) and lines[j].lstrip().startswith("|"):
                j += 1
            block = [ln for ln in lines[i:j] if not SEPARATOR.match(ln.strip())]
            cells = [_split_pipe(ln) for ln in block]
            if len(cells) >= 2:
                tables.append(_table(cells, offsets[i], offsets[j - 1] + len(lines[j - 1].rstrip("\n"))))
            i = j
            continue
        cols = _pdf_columns(lines[i])
        if len(cols) >= 2:
            j = i
            while j < len(lines) and len(_pdf_columns(lines[j])) == len(cols):
                j += 1
            if j - i >= 3:
                cells = [_pdf_columns(ln) for ln in lines[i:j]]
                tables.append(_table(cells, offsets[i], offsets[j - 1] + len(lines[j - 1].rstrip("\n"))))
                i = j
                continue
        i += 1
    return tables


def _pdf_columns(line: str) -> list[str]:
    s = line.strip()
    if not s or "  " not in s and "\t" not in s:
        return []
    return [c.strip() for c in re.split(r"\s{2,}|\t", s) if c.strip()]


def _table(cells: list[list[str]], start: int, end: int) -> Table:
    headers = cells[0]
    width = len(headers)
    rows = []
    for r in cells[1:]:
        r = (r + [""] * width)[:width]
        rows.append([parse_cell(c) for c in r])
    table = Table(headers, rows, start, end, [parse_cell(h) for h in headers])
    settle_tiers(table)
    return table


def settle_tiers(table: Table) -> None:
    """Make neighbouring tier ranges disjoint where the text says who owns a boundary; note where it does not."""
    header_ranges = [(i, c.range) for i, c in enumerate(table.header_cells) if c.range is not None]
    if len(header_ranges) >= 2:
        settled, notes = _settle([r for _, r in header_ranges])
        for (i, _), r in zip(header_ranges, settled, strict=True):
            table.header_cells[i] = replace(table.header_cells[i], range=r)
        table.notes += [f"表头：{n}" for n in notes]
    for col in range(len(table.headers)):
        ranged = [(k, row[col].range) for k, row in enumerate(table.rows) if row[col].range is not None]
        if len(ranged) >= 2 and len(ranged) == len(table.rows):
            settled, notes = _settle([r for _, r in ranged])
            for (k, _), r in zip(ranged, settled, strict=True):
                table.rows[k][col] = replace(table.rows[k][col], range=r)
            table.notes += [f"{table.headers[col]}：{n}" for n in notes]


def _settle(ranges: list[Range | None]) -> tuple[list[Range | None], list[str]]:
    out = list(ranges)
    notes = []
    for a_i in range(len(out)):
        for b_i in range(len(out)):
            a, b = out[a_i], out[b_i]
            if a is None or b is None or a_i == b_i or a.unit != b.unit:
                continue
            # a's upper bound meets b's lower bound
            if (
                a.high is not None
                and b.low is not None
                and a.high == b.low
                and a.high_inclusive
                and b.low_inclusive
            ):
                if b.explicit_low and not a.explicit_high:
                    out[a_i] = replace(a, high_inclusive=False)
                elif a.explicit_high and not b.explicit_low:
                    out[b_i] = replace(b, low_inclusive=False)
                else:
                    notes.append(f"{a.high} {a.unit} 同时属于「{a.raw}」和「{b.raw}」")
    return out, notes
