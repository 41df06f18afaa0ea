"""`PolicyFacts`: the read side of the structured facts, for the reasoning tools (agents/reasoning), through the
`contract.ports.FactSource` port.

Which version a tool reads is decided by the event when the policy says so: a version whose front matter names an
`event_field` and a window (`event_from`/`event_until`, inclusive) governs the events in that window — even after it is
superseded — and is never chosen for any other event. Without an event window the version in force on `as_of` governs.
A document version ingested before facts existed gets its facts derived from its chunks on first read."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from contract.evidence import Evidence
from contract.policy_facts import ClauseFact, Governing, NoGoverningVersion, RowFact
from knowledge.policy.catalog import Catalog
from knowledge.policy.documents import DocumentMeta, SourceDocument
from knowledge.policy.facts import (
    VersionWindow,
    clause_from_json,
    extract_facts,
    row_from_json,
)
from knowledge.policy.search import clause_evidence
from knowledge.policy.snapshot import Snapshot
from knowledge.policy.versions import IN_FORCE, statuses


class PolicyFacts:
    def __init__(self, catalog: Catalog, snapshot: Snapshot) -> None:
        self.catalog, self.snap = catalog, snapshot
        # shared by every message of the snapshot (PolicyStore.facts): tuples of frozen facts, so no caller can change
        # them for the next
        self._cache: dict[str, tuple[tuple[ClauseFact, ...], tuple[RowFact, ...]]] = {}

    def doc_ids(self) -> list[str]:
        return sorted({v.doc_id for v in self.snap.versions.values()})

    def meta(self, doc_id: str, version: str) -> DocumentMeta:
        return DocumentMeta(**self.snap.docs[f"{doc_id}@{version}"]["meta"])

    def windows(self, doc_id: str) -> list[VersionWindow]:
        out = []
        for d in self.snap.docs.values():
            if d["doc_id"] != doc_id:
                continue
            m = DocumentMeta(**d["meta"])
            if m.event_field:
                out.append(
                    VersionWindow(m.doc_id, m.version, m.title, m.event_field, m.event_from, m.event_until)
                )
        return out

    def event_field(self, doc_id: str) -> str:
        """The CRM field whose date picks the version ('' when versions go by today's date only)."""
        return next((w.event_field for w in self.windows(doc_id)), "")

    def governing(self, doc_id: str, *, as_of: date, event: date | None = None) -> Governing:
        versions = [v for v in self.snap.versions.values() if v.doc_id == doc_id]
        if not versions:
            raise NoGoverningVersion(f"没有文档 {doc_id}")
        status = statuses(list(self.snap.versions.values()), as_of)
        windows = self.windows(doc_id)
        if event is not None and windows:
            hits = [w for w in windows if w.governs(event)]
            if hits:
                w = max(hits, key=lambda w: w.event_from or date.min)
                return Governing(
                    doc_id,
                    w.version,
                    w.title,
                    "event_window",
                    status[f"{doc_id}@{w.version}"],
                    w.event_field,
                    event.isoformat(),
                )
        # versions whose window excludes this event never govern it; the rest go by today's status
        excluded = {w.version for w in windows if event is not None and not w.governs(event)}
        in_force = [v for v in versions if status[v.key] == IN_FORCE and v.version not in excluded]
        if not in_force:
            raise NoGoverningVersion(f"{doc_id} 没有适用于该事件日期的现行版本")
        v = max(in_force, key=lambda v: v.effective or date.min)
        return Governing(
            doc_id, v.version, v.title, "in_force", IN_FORCE, "", event.isoformat() if event else ""
        )

    def _load(self, doc_id: str, version: str) -> tuple[tuple[ClauseFact, ...], tuple[RowFact, ...]]:
        key = f"{doc_id}@{version}"
        if key not in self._cache:
            rows = self.catalog.facts_of(doc_id, version)
            if rows:
                clauses = tuple(
                    clause_from_json(json.loads(r["data_json"])) for r in rows if r["kind"] == "clause"
                )
                table_rows = tuple(
                    row_from_json(json.loads(r["data_json"])) for r in rows if r["kind"] == "row"
                )
                self._cache[key] = (clauses, table_rows)
            else:  # ingested before facts existed: derive from the stored chunks (they tile the document)
                derived = self._derive(doc_id, version)
                self._cache[key] = (tuple(derived[0]), tuple(derived[1]))
        return self._cache[key]

    def _derive(self, doc_id: str, version: str) -> tuple[list[ClauseFact], list[RowFact]]:
        chunks = [dict(r) for r in self.catalog.chunks_of(doc_id, version)]
        if not chunks:
            return [], []
        end = max(c["char_end"] for c in chunks)
        buf = [" "] * end
        for c in chunks:
            buf[c["char_start"] : c["char_end"]] = list(c["text"])
        d = self.snap.docs[f"{doc_id}@{version}"]
        doc = SourceDocument(DocumentMeta(**d["meta"]), "".join(buf), d.get("source_path") or "", "md", "")
        return extract_facts(doc, chunks)

    def clauses(self, doc_id: str, version: str) -> Sequence[ClauseFact]:
        """The version's clauses: the shared tuple itself (read-only)."""
        return self._load(doc_id, version)[0]

    def rows(self, doc_id: str, version: str, *, table: int | None = None) -> list[RowFact]:
        """The version's rows (of one table): a new list each call, of the shared frozen rows."""
        return [r for r in self._load(doc_id, version)[1] if table is None or r.table == table]

    def tables(self, doc_id: str, version: str) -> dict[int, list[RowFact]]:
        out: dict[int, list[RowFact]] = {}
        for r in self.rows(doc_id, version):
            out.setdefault(r.table, []).append(r)
        return out

    def clause_evidence(
        self, doc_id: str, version: str, clause: str, governing: Governing | None = None
    ) -> Evidence | None:
        """The POLICY_CLAUSE evidence for a clause (the chunk holding it), so a computed fact can cite it even when
        retrieval did not return it (e.g. an old version that still governs this customer's device)."""
        fact = next((c for c in self.clauses(doc_id, version) if c.clause == clause), None)
        if fact is None or not fact.evidence_id:
            return None
        return self.chunk_evidence(fact.evidence_id, governing)

    def chunk_evidence(self, ref: str, governing: Governing | None = None) -> Evidence | None:
        """POLICY_CLAUSE evidence for a chunk id or evidence id, shaped like a search hit."""
        row = self.catalog.chunk(ref)
        if row is None:
            return None
        d = self.snap.docs.get(f"{row['doc_id']}@{row['version']}")
        if d is None:
            return None
        lineage: dict[str, Any] = {"via": "reasoning"}
        if governing is not None and governing.reason == "event_window":
            lineage["governs_by_event"] = {"field": governing.event_field, "date": governing.event_date}
        # not ranked by retrieval: brought by a computation
        return clause_evidence(row, d["title"], score=0.0, lineage=lineage)
