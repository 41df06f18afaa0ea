"""Clauses as structured facts, extracted at ingest and stored beside the chunks (table `facts` in the catalog).

- **Clauses.** Sub-clauses are the citable unit: 第N条, its items （一）（二）…, and decimal numbering 3 / 3.1 / 3.1.2
  (never split: "3.1" is one label). Text before the first clause (title, preamble, front matter) is kept as
  `preamble` and is never cited as a clause.
- **Table rows.** Every table row with its headers; each cell parsed to a range / quantity / text (contract.tables).
- **Numbers, dates, scopes.** Per clause: quantities with units, date windows, and the scope words it names (regions,
  models, customer types and tiers), plus the document's own scope (business unit, region, product lines).

Every fact keeps its lineage: doc_id, version, clause, row, the chunk (and its POLICY_CLAUSE evidence id) it sits in.
The fact types (`ClauseFact`, `RowFact`) are the contract's (contract/policy_facts.py): the reasoning tools read them."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from contract.policy_facts import ClauseFact, RowFact
from contract.quantities import date_windows, quantities
from contract.tables import Cell, find_tables
from knowledge.policy.documents import SourceDocument

CN = "一二三四五六七八九十百千零〇两"
ARTICLE = re.compile(rf"^\s*(?:#+\s*)?(?:\*\*)?(第[{CN}\d]+条)")
ITEM = re.compile(rf"^\s*([（(][{CN}\d]+[)）])")
DECIMAL = re.compile(
    r"^\s*(?:#+\s*)?(\d{1,2}(?:\.\d{1,2})+(?=\s|[、．]|$)|\d{1,2}(?=[.、．]\s*\D|\s+[^\d\s]))"
)
EN_ARTICLE = re.compile(r"^\s*(?:#+\s*)?((?:Article|Section|Clause)\s+\d+(?:\.\d+)*)", re.I)
HEADING = re.compile(rf"^\s*(?:#+\s+|第[{CN}\d]+[章节编部](?:\s|$))")

REGIONS = (
    "全国|华东|华南|华北|华中|西南|西北|东北|长三角|珠三角|京津冀|北京|上海|天津|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|"
    "安徽|福建|江西|山东|河南|湖北|湖南|广东|海南|四川|贵州|云南|陕西|甘肃|青海|内蒙古|广西|西藏|宁夏|新疆|杭州|宁波|温州|"
    "苏州|南京|无锡|合肥|深圳|广州|成都|武汉|西安|郑州|长沙|青岛|厦门|济南|大连"
)
REGION = re.compile(rf"({REGIONS})(?:区域|地区|市区|省|市)?")
MODEL = re.compile(r"(?<![A-Za-z0-9])(?!V\d)[A-Z]{1,4}-?\d{1,4}(?:\.\d+)?[A-Z]?(?![A-Za-z0-9])")
CUSTOMER_TYPE = re.compile(
    r"([A-E]级(?:代理商|经销商|客户)?|代理商|经销商|医院|终端|个人客户|企业客户|集团客户|车队客户|新客户|老客户|VIP客户|大客户|渠道商)"
)


def _label_of(line: str, has_articles: bool) -> tuple[str, str] | None:
    """(kind, label) when the line opens a clause."""
    if m := ARTICLE.match(line):
        return "article", m.group(1)
    if m := EN_ARTICLE.match(line):
        return "article", m.group(1)
    if m := ITEM.match(line):
        return "item", m.group(1)
    if not has_articles and (m := DECIMAL.match(line)) and not line.lstrip().startswith("|"):
        return "numbered", m.group(1)
    return None


def _scope(text: str) -> dict[str, list[str]]:
    out = {
        "regions": sorted({m.group(1) for m in REGION.finditer(text)}),
        "models": sorted(set(MODEL.findall(text))),
        "customer_types": sorted(set(CUSTOMER_TYPE.findall(text))),
    }
    return {k: v for k, v in out.items() if v}


def extract_clauses(doc: SourceDocument) -> list[ClauseFact]:
    text = doc.text
    has_articles = any(ARTICLE.match(ln) for ln in text.splitlines())
    opens: list[tuple[int, str, str]] = []  # (offset, kind, label)
    pos = 0
    for line in text.splitlines(keepends=True):
        found = _label_of(line, has_articles)
        if found and not line.lstrip().startswith("|"):
            opens.append((pos, *found))
        elif HEADING.match(line) and not found:
            opens.append((pos, "heading", ""))
        pos += len(line)
    facts: list[ClauseFact] = []
    first = next((o for o, k, _ in opens if k != "heading"), len(text))
    pre = text[:first].strip()
    if pre:
        facts.append(ClauseFact(doc.meta.doc_id, doc.meta.version, "前言", "", "preamble", pre, 0, first))
    article = ""
    for i, (start, kind, label) in enumerate(opens):
        if kind == "heading":
            continue
        end = next((o for o, k, _ in opens[i + 1 :] if k in ("heading", "article") or k == kind), len(text))
        if kind == "numbered":
            # 3 owns 3.1 and 3.2: its span runs to the next label of the same or a shallower depth
            depth = label.count(".")
            end = next(
                (
                    o
                    for o, k, lab in opens[i + 1 :]
                    if k == "heading" or (k == "numbered" and lab.count(".") <= depth)
                ),
                len(text),
            )
        if kind == "article":
            article = label
            end = next((o for o, k, _ in opens[i + 1 :] if k in ("heading", "article")), len(text))
        body = text[start:end].strip()
        full = f"{article}{label}" if kind == "item" and article else label
        parent = article if kind == "item" else ".".join(label.split(".")[:-1]) if kind == "numbered" else ""
        facts.append(
            ClauseFact(
                doc.meta.doc_id,
                doc.meta.version,
                full,
                parent,
                kind,
                body,
                start,
                start + len(text[start:end].rstrip()),
                quantities=[q.as_json() for q in quantities(body)],
                date_windows=[w.as_json() for w in date_windows(body)],
                scope=_scope(body),
            )
        )
    return facts


def _innermost(clauses: list[ClauseFact], offset: int) -> ClauseFact | None:
    holding = [c for c in clauses if c.char_start <= offset < c.char_end]
    return min(holding, key=lambda c: c.char_end - c.char_start) if holding else None


def extract_facts(
    doc: SourceDocument, chunks: list[dict[str, Any]]
) -> tuple[list[ClauseFact], list[RowFact]]:
    """Clauses and table rows of one document; `chunks` are the catalog rows (chunk_id, evidence_id, char spans)."""
    clauses = extract_clauses(doc)

    def chunk_at(offset: int) -> dict[str, Any] | None:
        return next((c for c in chunks if c["char_start"] <= offset < c["char_end"]), None)

    for i, c in enumerate(clauses):
        ch = chunk_at(c.char_start) or chunk_at(c.char_start + len(c.text) // 2)
        if ch:
            clauses[i] = replace(c, chunk_id=ch["chunk_id"], evidence_id=ch["evidence_id"])
    rows: list[RowFact] = []
    for t_i, table in enumerate(find_tables(doc.text), start=1):
        owner = _innermost([c for c in clauses if c.kind != "item"], table.char_start)
        ch = chunk_at(table.char_start)
        for r_i, cells in enumerate(table.rows, start=1):
            rows.append(
                RowFact(
                    doc.meta.doc_id,
                    doc.meta.version,
                    owner.clause if owner and owner.citable else "",
                    t_i,
                    r_i,
                    list(table.headers),
                    cells,
                    ch["chunk_id"] if ch else "",
                    ch["evidence_id"] if ch else "",
                    list(table.notes),
                    list(table.header_cells),
                )
            )
    return clauses, rows


# ---- storage (rows of the catalog's `facts` table) ---------------------------------------------------------------


def fact_rows(
    clauses: list[ClauseFact], rows: list[RowFact]
) -> list[tuple[str, str, str, str, int, int, str]]:
    """(doc_id, version, kind, clause, table, row, json) tuples for the catalog."""
    out = []
    for c in clauses:
        data = {k: v for k, v in c.__dict__.items()}
        out.append((c.doc_id, c.version, "clause", c.clause, 0, 0, json.dumps(data, ensure_ascii=False)))
    for r in rows:
        data = {
            "doc_id": r.doc_id,
            "version": r.version,
            "clause": r.clause,
            "table": r.table,
            "row": r.row,
            "headers": r.headers,
            "cells": [c.as_json() for c in r.cells],
            "chunk_id": r.chunk_id,
            "evidence_id": r.evidence_id,
            "notes": r.notes,
            "header_cells": [c.as_json() for c in r.header_cells],
        }
        out.append(
            (r.doc_id, r.version, "row", r.clause, r.table, r.row, json.dumps(data, ensure_ascii=False))
        )
    return out


def clause_from_json(data: dict[str, Any]) -> ClauseFact:
    return ClauseFact(**data)


def row_from_json(data: dict[str, Any]) -> RowFact:
    return RowFact(
        data["doc_id"],
        data["version"],
        data["clause"],
        data["table"],
        data["row"],
        data["headers"],
        [Cell.from_json(c) for c in data["cells"]],
        data.get("chunk_id", ""),
        data.get("evidence_id", ""),
        data.get("notes", []),
        [Cell.from_json(c) for c in data.get("header_cells", [])],
    )


@dataclass(frozen=True)
class VersionWindow:
    """When a version governs by an event's date (front matter event_field / event_from / event_until)."""

    doc_id: str
    version: str
    title: str
    event_field: str
    event_from: date | None
    event_until: date | None  # inclusive

    def governs(self, event: date) -> bool:
        return (self.event_from is None or event >= self.event_from) and (
            self.event_until is None or event <= self.event_until
        )
