"""The policy snapshot's structured facts as the reasoning tools read them: clauses and table rows of one document
version (knowledge.policy.facts extracts them at ingest), and the version that governs an event (knowledge.policy's
fact store decides it). Read through the `contract.ports.FactSource` port, so agents never import knowledge."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from contract.tables import Cell


@dataclass(frozen=True)  # frozen: one PolicyFacts per snapshot hands the same facts to every message
class ClauseFact:
    doc_id: str
    version: str
    clause: str  # "第四条", "第六条（一）", "3.1"
    parent: str  # the article a sub-clause belongs to ("" for an article)
    kind: str  # article | item | numbered | preamble
    text: str
    char_start: int
    char_end: int
    chunk_id: str = ""
    evidence_id: str = ""
    quantities: list[dict[str, Any]] = field(default_factory=list)
    date_windows: list[dict[str, str]] = field(default_factory=list)
    scope: dict[str, list[str]] = field(default_factory=dict)

    @property
    def citable(self) -> bool:
        return self.kind != "preamble"


@dataclass(frozen=True)  # frozen: shared like ClauseFact
class RowFact:
    doc_id: str
    version: str
    clause: str  # the clause the table sits in
    table: int  # table index within the document
    row: int  # 1-based data row
    headers: list[str]
    cells: list[Cell]
    chunk_id: str = ""
    evidence_id: str = ""
    notes: list[str] = field(default_factory=list)
    header_cells: list[Cell] = field(default_factory=list)

    def cell(self, header: str) -> Cell | None:
        """The cell under a header: exact match first, then the header containing the name."""
        for h, c in zip(self.headers, self.cells, strict=True):
            if h == header:
                return c
        for h, c in zip(self.headers, self.cells, strict=True):
            if header and header in h:
                return c
        return None

    @property
    def lineage(self) -> dict[str, Any]:
        return {"doc_id": self.doc_id, "version": self.version, "clause": self.clause, "row": self.row}

    def as_text(self) -> str:
        """One row as 'header: value' pairs (never table markup)."""
        return "；".join(f"{h}：{c.raw}" for h, c in zip(self.headers, self.cells, strict=True) if c.raw)


@dataclass(frozen=True)
class Governing:
    """The version chosen for an event, and why (shown in the computed fact's lineage)."""

    doc_id: str
    version: str
    title: str
    reason: str  # "in_force" | "event_window"
    status_today: str  # in_force | superseded | expired | future
    event_field: str = ""
    event_date: str = ""


class NoGoverningVersion(LookupError):
    """No version of the document governs this event (none in force, or the event falls outside every window)."""
