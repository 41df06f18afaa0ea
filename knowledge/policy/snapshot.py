"""The in-memory read view of the catalog for one generation: chunk rows, the BM25 index and per-filter eligibility
masks. Advanced lazily when the catalog's generation changes, so writes (from this or another process) are visible to
the next query without a restart: only the changed document versions are re-read and BM25 takes the difference
(Snapshot.advanced), never a full rebuild on a write."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

import numpy as np

from knowledge.policy.catalog import Catalog
from knowledge.policy.documents import DocumentMeta
from knowledge.policy.lexical import Bm25Index
from knowledge.policy.versions import IN_FORCE, VersionInfo, matches, statuses


@dataclass(frozen=True)
class Eligible:
    mask: np.ndarray  # bool per chunk
    doc_keys: tuple[str, ...]  # document versions that may be returned
    everything: bool  # no restriction at all (skip the filter)
    status: dict[str, str]
    count: int  # eligible chunks


# What tells a document version changed between two generations (any of these differs → its chunks are re-read)
# Every ingest (added or updated, metadata included) writes a new ingest_id; a removal deletes the row.
_SIGNATURE_SQL = "SELECT doc_id || '@' || version, ingest_id, content_hash FROM documents"


def _signatures(catalog: Catalog) -> dict[str, tuple[Any, ...]]:
    return {key: (ingest_id, content_hash) for key, ingest_id, content_hash in catalog.query(_SIGNATURE_SQL)}


def _version_info(d: dict[str, Any]) -> VersionInfo:
    meta = d["meta"]
    return VersionInfo(
        doc_id=d["doc_id"],
        version=d["version"],
        title=d["title"],
        effective=date.fromisoformat(d["effective_date"]) if d["effective_date"] else None,
        expiry=date.fromisoformat(d["expiry_date"]) if d["expiry_date"] else None,
        supersedes=tuple(DocumentMeta(**meta).supersedes_keys()),
        business_unit=meta.get("business_unit", "all"),
        region=meta.get("region", "all"),
        product_lines=tuple(meta.get("product_lines", [])),
    )


class ChunkPositions:
    """chunk_id → row position: the dict of the last full build (shared, never changed) under a small overlay of the
    chunks added and removed since, so an incremental snapshot does not copy 100k entries."""

    def __init__(
        self, base: dict[str, int], added: dict[str, int] | None = None, removed: frozenset[str] = frozenset()
    ) -> None:
        self.base, self.added, self.removed = base, added or {}, removed
        if not self.added and not self.removed:
            self.get = base.get  # type: ignore[method-assign,assignment]  # nothing overlaid: the dict's own C lookup

    def get(self, chunk_id: str, default: int = -1) -> int:
        if chunk_id in self.added:
            return self.added[chunk_id]
        if chunk_id in self.removed:
            return default
        return self.base.get(chunk_id, default)

    def changed(self, added: dict[str, int], removed: set[str]) -> ChunkPositions:
        overlay = {k: v for k, v in self.added.items() if k not in removed}
        overlay.update(added)
        return ChunkPositions(self.base, overlay, (self.removed | removed) - added.keys())


class Snapshot:
    def __init__(self, catalog: Catalog, generation: str) -> None:
        self.generation = generation
        self.versions: dict[str, VersionInfo] = {}
        self.docs: dict[str, dict[str, Any]] = {}
        for d in catalog.documents():
            info = _version_info(d)
            self.versions[info.key] = info
            self.docs[info.key] = d
        self.signatures = _signatures(catalog)
        rows = catalog.all_chunks()
        self.rows = rows
        self.index_of = ChunkPositions({r["chunk_id"]: i for i, r in enumerate(rows)})
        self.doc_rows: dict[str, list[int]] = {}  # document version → its row positions
        for i, r in enumerate(rows):
            self.doc_rows.setdefault(f"{r['doc_id']}@{r['version']}", []).append(i)
        keys = list(self.versions)
        self.key_pos = {k: i for i, k in enumerate(keys)}
        self.chunk_doc = np.asarray(
            [self.key_pos.get(f"{r['doc_id']}@{r['version']}", -1) for r in rows], dtype=np.int64
        )
        self.doc_keys = keys  # append-only across incremental snapshots: a removed version keeps its slot
        self.dead = 0  # row positions whose chunk was removed (kept so positions stay stable)
        self.bm25 = Bm25Index([r["tokens"].split() for r in rows])
        self.eligible = lru_cache(maxsize=256)(self._eligible)

    def advanced(self, catalog: Catalog, generation: str) -> Snapshot:
        """The snapshot of `generation` built from this one: only the document versions whose catalog row changed
        are re-read, their old rows become tombstones and the BM25 index takes the difference (no rebuild). Falls
        back to a full build when tombstones would outnumber the live rows or on a bulk ingest (cost, not correctness)."""
        signatures = _signatures(catalog)
        changed = [k for k, sig in signatures.items() if self.signatures.get(k) != sig]
        stale = [k for k in self.signatures if k not in signatures or self.signatures[k] != signatures[k]]
        dead = [i for k in stale for i in self.doc_rows.get(k, [])]
        if 2 * (self.dead + len(dead)) > len(self.rows) or 4 * len(changed) > max(len(self.signatures), 1):
            # tombstones would outnumber live rows, or a bulk ingest (a quarter of the documents or more): one
            # numpy build is cheaper than taking that difference token by token
            return Snapshot(catalog, generation)
        snap = object.__new__(Snapshot)
        snap.generation, snap.signatures = generation, signatures
        snap.versions, snap.docs, snap.doc_rows = dict(self.versions), dict(self.docs), dict(self.doc_rows)
        snap.key_pos, snap.doc_keys = dict(self.key_pos), list(self.doc_keys)
        for k in stale:
            snap.versions.pop(k, None)
            snap.docs.pop(k, None)
            snap.doc_rows.pop(k, None)
        new_rows: list[Any] = []
        for k in changed:
            doc_id, version = k.split("@", 1)
            d = catalog.document(doc_id, version)
            if d is None:  # removed again since the signature query: the next generation sees it
                continue
            snap.versions[k], snap.docs[k] = _version_info(d), d
            if k not in snap.key_pos:
                snap.key_pos[k] = len(snap.doc_keys)
                snap.doc_keys.append(k)
            start = len(self.rows) + len(new_rows)
            chunk_rows = catalog.chunks_of(doc_id, version)
            snap.doc_rows[k] = list(range(start, start + len(chunk_rows)))
            new_rows += chunk_rows
        snap.rows = self.rows + new_rows
        chunk_doc = np.concatenate(
            [
                self.chunk_doc,
                np.asarray([snap.key_pos[f"{r['doc_id']}@{r['version']}"] for r in new_rows], dtype=np.int64),
            ]
        )
        chunk_doc[dead] = -1
        snap.chunk_doc = chunk_doc
        removed_ids = {self.rows[i]["chunk_id"] for i in dead}
        added_ids = {r["chunk_id"]: len(self.rows) + j for j, r in enumerate(new_rows)}
        snap.index_of = self.index_of.changed(added_ids, removed_ids)
        snap.dead = self.dead + len(dead)
        snap.bm25 = self.bm25.with_changes(
            added=[r["tokens"].split() for r in new_rows],
            removed=[(i, self.rows[i]["tokens"].split()) for i in dead],
        )
        snap.eligible = lru_cache(maxsize=256)(snap._eligible)
        return snap

    def _eligible(
        self,
        as_of: date,
        business_unit: str | None,
        region: str | None,
        product_line: str | None,
        include_superseded: bool,
    ) -> Eligible:
        status = statuses(list(self.versions.values()), as_of)
        ok_keys = [
            k
            for k, v in self.versions.items()
            if (include_superseded or status[k] == IN_FORCE)
            and matches(v, business_unit, region, product_line)
        ]
        ok_pos = np.zeros(len(self.doc_keys) + 1, dtype=bool)  # the extra last slot: chunk_doc -1 (removed)
        for k in ok_keys:
            ok_pos[self.key_pos[k]] = True
        mask = ok_pos[self.chunk_doc] if len(self.chunk_doc) else np.zeros(0, dtype=bool)
        # "everything": every live version is eligible (removed rows never come back: BM25 scores them 0 and their
        # chunk ids are gone from index_of)
        return Eligible(mask, tuple(ok_keys), len(ok_keys) == len(self.versions), status, int(mask.sum()))
