"""The write path. Everything that can fail on the input (parsing, metadata, chunking, embedding) happens before the
store changes; then vectors go to Chroma, then the catalog commits in one transaction. If the commit fails, the new
vectors are deleted again; vectors without a catalog row are invisible to search anyway. Chunk ids carry the chunk's
content hash, so re-ingesting an edited document re-embeds only the clauses that changed."""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from contract.errors import BackendUnavailable, ConflictError, CopilotError, InputError
from contract.evidence import Evidence, EvidenceKind, content_hash
from knowledge.embeddings.base import Embedder
from knowledge.policy.catalog import Catalog, now_iso
from knowledge.policy.chunking import Chunk, chunk_document
from knowledge.policy.documents import SourceDocument
from knowledge.policy.facts import extract_facts, fact_rows
from knowledge.policy.lexical import tokenize
from knowledge.policy.vectors import VectorIndex


@dataclass
class IngestResult:
    doc_id: str
    version: str
    title: str
    status: str  # added | updated | unchanged
    chunks: int
    embedded: int  # chunks whose vectors were computed now
    reused: int  # chunks unchanged since the previous ingest of this version
    removed: int
    structure: str  # clauses | headings | paragraphs (fallback)
    pages: int
    chars: int
    embed_ms: float
    total_ms: float
    ingest_id: int | None
    source_path: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class PrefetchedEmbedder:
    """Vectors for a batch's texts computed up front in one call; anything else falls through to the real model."""

    def __init__(self, inner: Embedder, texts: list[str]) -> None:
        self.inner, self.name, self.dim = inner, inner.name, inner.dim
        t0 = time.perf_counter()
        try:
            vecs = inner.embed_documents(texts) if texts else np.zeros((0, inner.dim), dtype=np.float32)
        except CopilotError:
            raise
        except Exception as exc:
            raise BackendUnavailable(f"embedding failed: {exc}", reason="embedding_failed") from exc
        self._memo = {t: vecs[i] for i, t in enumerate(texts)}
        self.prefetch_ms = (time.perf_counter() - t0) * 1000

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in texts if t not in self._memo]
        if missing:
            for t, v in zip(missing, self.inner.embed_documents(missing), strict=True):
                self._memo[t] = v
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.vstack([self._memo[t] for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)


def embed_text(title: str, chunk_path: str, text: str) -> str:
    """What the embedder and BM25 see: the clause with its document title and clause path as context."""
    return f"{title}\n{chunk_path}\n{text}" if chunk_path else f"{title}\n{text}"


def _chunk_row(doc: SourceDocument, c: Chunk) -> dict[str, Any]:
    key = doc.meta.key
    chunk_id = f"{key}#{c.seq:04d}-{c.content_hash[7:15]}"
    return {
        "chunk_id": chunk_id,
        "evidence_id": Evidence.make_id(EvidenceKind.POLICY_CLAUSE, chunk_id),
        "doc_id": doc.meta.doc_id,
        "version": doc.meta.version,
        "seq": c.seq,
        "clause": c.clause,
        "clause_path": c.clause_path,
        "kind": c.kind,
        "page": c.page,
        "page_end": c.page_end,
        "char_start": c.char_start,
        "char_end": c.char_end,
        "content_hash": c.content_hash,
        "text": c.text,
        "tokens": " ".join(tokenize(embed_text(doc.meta.title, c.clause_path, c.text))),
    }


def doc_hash(doc: SourceDocument) -> str:
    return content_hash({"meta": doc.meta.model_dump(mode="json"), "text": doc.text})


@dataclass
class Prepared:
    """A document parsed, chunked, checked and embedded — everything except the write."""

    doc: SourceDocument
    structure: str
    digest: str
    rows: list[dict[str, Any]]
    existing: bool
    unchanged: bool
    old_ids: set[str]
    to_embed: list[dict[str, Any]]
    vecs: np.ndarray
    embed_ms: float
    t0: float
    ingest_id: int | None = None

    def result(self, status: str) -> IngestResult:
        meta, n_new = self.doc.meta, len(self.to_embed)
        removed = len(self.old_ids - {r["chunk_id"] for r in self.rows})
        return IngestResult(
            doc_id=meta.doc_id,
            version=meta.version,
            title=meta.title,
            status=status,
            chunks=len(self.rows),
            embedded=n_new,
            reused=len(self.rows) - n_new,
            removed=0 if self.unchanged else removed,
            structure=self.structure,
            pages=len(self.doc.page_starts),
            chars=len(self.doc.text),
            embed_ms=self.embed_ms,
            total_ms=(time.perf_counter() - self.t0) * 1000,
            ingest_id=self.ingest_id,
            source_path=self.doc.source_path,
        )


def prepare(
    catalog: Catalog, embedder: Embedder, doc: SourceDocument, *, replace: bool, max_chars: int
) -> Prepared:
    """Every check and the embedding; raises before anything is written."""
    t0 = time.perf_counter()
    meta = doc.meta
    chunks, structure = chunk_document(doc, max_chars)
    if not chunks:
        raise InputError(f"{doc.source_path}: no text to index", reason="empty_document")
    digest = doc_hash(doc)
    existing = catalog.document(meta.doc_id, meta.version)
    rows = _chunk_row_list(doc, chunks)
    empty = np.zeros((0, embedder.dim), dtype=np.float32)
    if existing and existing["content_hash"] == digest:
        p = Prepared(
            doc, structure, digest, rows, True, True, set(), [], empty, 0.0, t0, existing["ingest_id"]
        )
        return p
    if existing and not replace:
        raise ConflictError(
            f"{meta.key} is already ingested with different content; use `kb add --replace` (update) or a new version",
            reason="duplicate_version",
            doc_id=meta.doc_id,
            version=meta.version,
        )
    old_ids = set(catalog.chunk_ids(meta.doc_id, meta.version))
    to_embed = [r for r in rows if r["chunk_id"] not in old_ids]
    t1 = time.perf_counter()
    try:
        vecs = embedder.embed_documents(
            [embed_text(meta.title, r["clause_path"], r["text"]) for r in to_embed]
        )
    except CopilotError:
        raise
    except Exception as exc:
        raise BackendUnavailable(f"embedding {meta.key} failed: {exc}", reason="embedding_failed") from exc
    embed_ms = (time.perf_counter() - t1) * 1000
    return Prepared(
        doc, structure, digest, rows, bool(existing), False, old_ids, to_embed, vecs, embed_ms, t0
    )


def commit(
    catalog: Catalog, vectors: VectorIndex, batch: list[Prepared], embedder_name: str
) -> list[IngestResult]:
    """One Chroma upsert for the whole batch, then one catalog transaction: the batch lands entirely or not at all."""
    todo = [p for p in batch if not p.unchanged]
    added = [r["chunk_id"] for p in todo for r in p.to_embed]
    try:
        if added:
            vectors.upsert(
                added,
                np.vstack([p.vecs for p in todo if len(p.to_embed)]),
                [
                    {
                        "doc_id": p.doc.meta.doc_id,
                        "version": p.doc.meta.version,
                        "doc_key": p.doc.meta.key,
                        "clause": r["clause"],
                    }
                    for p in todo
                    for r in p.to_embed
                ],
            )
        if todo:
            with catalog.transaction() as db:
                for p in todo:
                    _write(catalog, db, p, embedder_name)
    except BaseException as exc:
        _forget(vectors, added)
        if isinstance(exc, CopilotError | KeyboardInterrupt):
            raise
        raise BackendUnavailable(f"ingest failed and was rolled back: {exc}", reason="ingest_failed") from exc
    for p in todo:
        _forget(vectors, sorted(p.old_ids - {r["chunk_id"] for r in p.rows}))
    return [p.result("unchanged" if p.unchanged else "updated" if p.existing else "added") for p in batch]


def _write(catalog: Catalog, db: Any, p: Prepared, embedder_name: str) -> None:
    meta, doc, rows = p.doc.meta, p.doc, p.rows
    db.execute("DELETE FROM chunks WHERE doc_id = ? AND version = ?", (meta.doc_id, meta.version))
    db.execute("DELETE FROM documents WHERE doc_id = ? AND version = ?", (meta.doc_id, meta.version))
    p.ingest_id = catalog.log(
        db,
        "updated" if p.existing else "added",
        True,
        meta.doc_id,
        meta.version,
        doc.source_path,
        p.digest,
        structure=p.structure,
        chunks=len(rows),
        embedded=len(p.to_embed),
        reused=len(rows) - len(p.to_embed),
        removed=len(p.old_ids - {r["chunk_id"] for r in rows}),
        source_sha256=doc.source_sha256,
        embedder=embedder_name,
    )
    db.execute(
        "INSERT INTO documents VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            meta.doc_id,
            meta.version,
            meta.title,
            json.dumps(meta.model_dump(mode="json"), ensure_ascii=False),
            meta.effective_date.isoformat() if meta.effective_date else None,
            meta.expiry_date.isoformat() if meta.expiry_date else None,
            p.digest,
            doc.source_path,
            doc.source_format,
            doc.source_sha256,
            p.structure,
            len(doc.page_starts),
            len(doc.text),
            p.ingest_id,
            now_iso(),
        ),
    )
    cols = list(rows[0])
    db.executemany(
        f"INSERT INTO chunks ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
        [tuple(r[c] for c in cols) for r in rows],
    )
    # clauses and table rows as structured facts, in the same transaction as the chunks they point at
    db.execute("DELETE FROM facts WHERE doc_id = ? AND version = ?", (meta.doc_id, meta.version))
    db.executemany("INSERT INTO facts VALUES (?,?,?,?,?,?,?)", fact_rows(*extract_facts(doc, rows)))


def _chunk_row_list(doc: SourceDocument, chunks: list[Chunk]) -> list[dict[str, Any]]:
    rows = [_chunk_row(doc, c) for c in chunks]
    if len({r["chunk_id"] for r in rows}) != len(
        rows
    ):  # cannot happen (seq is unique) but ids are the join key
        raise InputError(f"{doc.source_path}: duplicate chunk ids", reason="chunking_failed")
    return rows


def _forget(vectors: VectorIndex, ids: list[str]) -> None:
    """Best effort: an orphan vector is harmless (search joins every hit against the catalog); reindex sweeps them."""
    if not ids:
        return
    with contextlib.suppress(Exception):
        vectors.delete(ids)
