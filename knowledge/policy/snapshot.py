"""The in-memory read view of the catalog for one generation: chunk rows, the BM25 index and per-filter eligibility
masks. Advanced lazily when the catalog's generation changes, so writes (from this or another process) are visible to
the next query without a restart: only the changed document versions are re-read and BM25 takes the difference
(Snapshot.advanced), never a full rebuild on a write."""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from knowledge.policy.catalog import Catalog
from knowledge.policy.documents import DocumentMeta
from knowledge.policy.layered import AppendOnlyRows, LayeredMap
from knowledge.policy.lexical import Bm25Index
from knowledge.policy.versions import IN_FORCE, VersionInfo, matches, statuses


class Eligible:
    """The chunks one filter (as_of, BU, region, product line, include_superseded) may return."""

    def __init__(self, mask: np.ndarray, status: dict[str, str], live_rows: int, snap: Snapshot) -> None:
        self.mask = mask  # bool per chunk row
        self.status = status  # version key → status on as_of, for every live version
        self.count = int(mask.sum())  # eligible chunks
        # no restriction at all (skip the filter): every live row is eligible (a version always has a chunk)
        self.everything = self.count == live_rows
        # weak: a carried Eligible must not keep its (older, bigger) snapshot alive
        self._snap = weakref.ref(snap)
        self._doc_keys: tuple[str, ...] | None = None
        self._mask_bytes: bytes | None = None

    @property
    def mask_bytes(self) -> bytes:
        """The mask as one byte per row (1 = eligible), made on first use: what a per-row check in Python reads."""
        if self._mask_bytes is None:
            self._mask_bytes = self.mask.tobytes()
        return self._mask_bytes

    @property
    def doc_keys(self) -> tuple[str, ...]:
        """Document versions that may be returned (for Chroma's filtered query; computed on first use only)."""
        if self._doc_keys is None:
            snap = self._snap()
            assert snap is not None, "doc_keys is read while the query holds its snapshot"
            positions = np.unique(snap.chunk_doc[self.mask])
            self._doc_keys = tuple(snap.doc_keys[p] for p in positions if p >= 0)
        return self._doc_keys


_FilterKey = tuple[date, str | None, str | None, str | None, bool]
_CACHE_SIZE = 256  # filters kept per snapshot
_CARRY = 64  # filters carried to the next snapshot after a write (updated on first use, never recomputed)


@dataclass(frozen=True)
class _Delta:
    """What changed between the snapshot an Eligible was computed on and a later one."""

    docs: frozenset[str]  # doc ids whose versions' status may differ (changed ones and those they supersede)
    stale: frozenset[str]  # version keys removed or replaced
    dead: tuple[int, ...]  # row positions that became tombstones

    def then(self, later: _Delta) -> _Delta:
        return _Delta(self.docs | later.docs, self.stale | later.stale, self.dead + later.dead)


def _signature(d: dict[str, Any] | None) -> tuple[Any, ...] | None:
    """What tells a document version changed: every ingest (added or updated, metadata included) writes a new
    ingest_id; a removal deletes the row."""
    return None if d is None else (d["ingest_id"], d["content_hash"])


def _target_doc(target: str) -> str:
    return target.split("@", 1)[0]


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

    def lookup(self) -> Callable[[str, int], int]:
        """`get` for a batch of ids: the base dict's own get when there is no overlay (the common case)."""
        return self.base.get if not self.added and not self.removed else self.get

    def get(self, chunk_id: str, default: int = -1) -> int:
        if chunk_id in self.added:
            return self.added[chunk_id]
        if chunk_id in self.removed:
            return default
        return self.base.get(chunk_id, default)

    def changed(self, added: dict[str, int], removed: set[str]) -> ChunkPositions:
        overlay = {k: v for k, v in self.added.items() if k not in removed}
        overlay.update(added)
        gone = (self.removed | removed) - added.keys()
        if len(overlay) + len(gone) > max(4096, len(self.base) // 8):
            # the overlay is copied on every write: fold it into a new base once it grows (amortised O(1) per write)
            base = {k: v for k, v in self.base.items() if k not in gone}
            base.update(overlay)
            return ChunkPositions(base)
        return ChunkPositions(self.base, overlay, gone)


class Snapshot:
    def __init__(self, catalog: Catalog, generation: str) -> None:
        self.generation = generation
        with catalog.reading():  # the feed mark, documents and chunks of one committed state
            self.change_id = catalog.last_change()
            documents = catalog.documents()
            rows = catalog.all_chunks()
        versions: dict[str, VersionInfo] = {}
        docs: dict[str, dict[str, Any]] = {}
        for d in documents:
            info = _version_info(d)
            versions[info.key] = info
            docs[info.key] = d
        doc_rows: dict[str, list[int]] = {}  # document version → its row positions
        for i, r in enumerate(rows):
            doc_rows.setdefault(f"{r['doc_id']}@{r['version']}", []).append(i)
        keys = list(versions)
        key_pos = {k: i for i, k in enumerate(keys)}
        self.chunk_doc = np.asarray(
            [key_pos.get(f"{r['doc_id']}@{r['version']}", -1) for r in rows], dtype=np.int64
        )
        # the indexes that let a write recompute the status of the versions it touches only
        by_doc: dict[str, tuple[str, ...]] = {}  # doc id → its version keys
        self.superseders: dict[
            str, frozenset[str]
        ] = {}  # "doc" or "doc@version" → keys of versions naming it
        for k, v in versions.items():
            by_doc[v.doc_id] = (*by_doc.get(v.doc_id, ()), k)
            for target in v.supersedes:
                self.superseders[target] = self.superseders.get(target, frozenset()) | {k}
        self.versions, self.docs, self.doc_rows = LayeredMap(versions), LayeredMap(docs), LayeredMap(doc_rows)
        self.key_pos, self.by_doc = LayeredMap(key_pos), LayeredMap(by_doc)
        self.rows = AppendOnlyRows(rows)
        self.index_of = ChunkPositions({r["chunk_id"]: i for i, r in enumerate(rows)})
        self.doc_keys = keys  # append-only across incremental snapshots: a removed version keeps its slot
        self.dead = 0  # row positions whose chunk was removed (kept so positions stay stable)
        self.bm25 = Bm25Index([r["tokens"].split() for r in rows])
        self._cache: OrderedDict[_FilterKey, Eligible] = OrderedDict()
        self._carried: dict[_FilterKey, tuple[Eligible, _Delta]] = {}
        self._cache_lock = threading.Lock()
        # row position → what its evidence reads from the catalog, filled by the queries that return it (search.py)
        self.clauses: dict[int, Any] = {}

    def advanced(self, catalog: Catalog, generation: str) -> Snapshot:
        """The snapshot of `generation` built from this one. The catalog's change feed names the document versions
        written since this snapshot; only those are re-read, their old rows become tombstones, the BM25 index takes
        the difference, and the eligibility masks are updated for the touched documents on first use (no rebuild,
        nothing proportional to the corpus but a few numpy copies). Falls back to a full build when tombstones would
        outnumber the live rows or on a bulk write (cost, not correctness)."""
        with catalog.reading():
            change_id = catalog.last_change()
            if change_id < self.change_id:  # the catalog was replaced underneath us
                return Snapshot(catalog, generation)
            keys = catalog.changed_since(self.change_id)
            if 4 * len(keys) > max(len(self.versions), 1):
                # a bulk write (a quarter of the documents or more): one numpy build is cheaper than the difference
                return Snapshot(catalog, generation)
            fresh: dict[str, dict[str, Any] | None] = {}
            for k in keys:
                doc_id, version = k.split("@", 1)
                fresh[k] = catalog.document(doc_id, version)
            changed = [
                k for k, d in fresh.items() if d is not None and _signature(d) != _signature(self.docs.get(k))
            ]
            stale = [
                k for k, d in fresh.items() if k in self.docs and _signature(d) != _signature(self.docs[k])
            ]
            chunk_rows = {k: catalog.chunks_of(*k.split("@", 1)) for k in changed}
        dead = [i for k in stale for i in self.doc_rows.get(k, [])]
        if 2 * (self.dead + len(dead)) > len(self.rows):  # tombstones would outnumber live rows
            return Snapshot(catalog, generation)
        snap = object.__new__(Snapshot)
        snap.generation, snap.change_id = generation, change_id
        if (
            not changed and not stale
        ):  # the generation moved without touching a version (e.g. a reindex record)
            snap.__dict__.update(
                {k: v for k, v in self.__dict__.items() if k not in ("generation", "change_id")}
            )
            snap._cache, snap._carried, snap._cache_lock = (
                OrderedDict(),
                self._carry_over(None),
                threading.Lock(),
            )
            return snap
        # copy-on-write layers, never a copy of a per-version or per-row structure (knowledge/policy/layered.py)
        superseders = dict(self.superseders)  # only versions that name another: small
        touched_docs: set[str] = set()
        versions: dict[str, VersionInfo] = {}
        docs: dict[str, dict[str, Any]] = {}
        doc_rows: dict[str, list[int]] = {}
        key_pos: dict[str, int] = {}
        by_doc: dict[str, tuple[str, ...]] = {}
        for k in stale:
            old = self.versions[k]
            touched_docs.add(old.doc_id)
            kept = by_doc.get(old.doc_id, self.by_doc.get(old.doc_id, ()))
            by_doc[old.doc_id] = tuple(x for x in kept if x != k)
            for target in old.supersedes:
                touched_docs.add(_target_doc(target))
                left = superseders.get(target, frozenset()) - {k}
                if left:
                    superseders[target] = left
                else:
                    superseders.pop(target, None)
        new_rows: list[Any] = []
        for k in changed:
            d = fresh[k]
            assert d is not None
            info = _version_info(d)
            versions[k], docs[k] = info, d
            touched_docs.add(info.doc_id)
            by_doc[info.doc_id] = (*by_doc.get(info.doc_id, self.by_doc.get(info.doc_id, ())), k)
            for target in info.supersedes:
                touched_docs.add(_target_doc(target))
                superseders[target] = superseders.get(target, frozenset()) | {k}
            if k not in self.key_pos:
                key_pos[k] = len(self.doc_keys)
                self.doc_keys.append(
                    k
                )  # shared and append-only: older snapshots never index past their own keys
            start = len(self.rows) + len(new_rows)
            doc_rows[k] = list(range(start, start + len(chunk_rows[k])))
            new_rows += chunk_rows[k]
        gone = [k for k in stale if k not in versions]
        snap.versions = self.versions.changed(versions, gone)
        snap.docs = self.docs.changed(docs, gone)
        snap.doc_rows = self.doc_rows.changed(doc_rows, gone)
        snap.key_pos = self.key_pos.changed(key_pos)
        snap.doc_keys = self.doc_keys
        snap.by_doc = self.by_doc.changed(
            {doc: keys for doc, keys in by_doc.items() if keys},
            [doc for doc, keys in by_doc.items() if not keys],
        )
        snap.superseders = superseders
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
        snap._cache, snap._cache_lock = OrderedDict(), threading.Lock()
        snap.clauses = {}  # refilled by the queries (a few rows each), never copied
        snap._carried = self._carry_over(_Delta(frozenset(touched_docs), frozenset(stale), tuple(dead)))
        return snap

    def _carry_over(self, delta: _Delta | None) -> dict[_FilterKey, tuple[Eligible, _Delta]]:
        """The most recently used filters of this snapshot (and those carried into it, not used since), each with
        what changed since it was computed: the next snapshot updates one on first use instead of recomputing it."""
        none = _Delta(frozenset(), frozenset(), ())
        with self._cache_lock:
            out = {
                key: (e, d.then(delta or none))
                for key, (e, d) in self._carried.items()
                if key not in self._cache
            }
            out.update({key: (e, delta or none) for key, e in self._cache.items()})
        return dict(list(out.items())[-_CARRY:])

    def eligible(
        self,
        as_of: date,
        business_unit: str | None,
        region: str | None,
        product_line: str | None,
        include_superseded: bool,
    ) -> Eligible:
        key: _FilterKey = (as_of, business_unit, region, product_line, include_superseded)
        with self._cache_lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
            carried = self._carried.pop(key, None)
        e = self._updated(key, *carried) if carried else self._computed(key)
        with self._cache_lock:
            self._cache[key] = e
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return e

    def _ok(self, key: _FilterKey, k: str, status: str) -> bool:
        _, business_unit, region, product_line, include_superseded = key
        return (include_superseded or status == IN_FORCE) and matches(
            self.versions[k], business_unit, region, product_line
        )

    def _live_rows(self) -> int:
        return len(self.rows) - self.dead

    def _computed(self, key: _FilterKey) -> Eligible:
        """Every version's status and filter match: O(versions), once per filter and snapshot lineage."""
        status = statuses(list(self.versions.values()), key[0])
        ok_pos = np.zeros(len(self.doc_keys) + 1, dtype=bool)  # the extra last slot: chunk_doc -1 (removed)
        for k in self.versions:
            if self._ok(key, k, status[k]):
                ok_pos[self.key_pos[k]] = True
        mask = ok_pos[self.chunk_doc] if len(self.chunk_doc) else np.zeros(0, dtype=bool)
        return Eligible(mask, status, self._live_rows(), self)

    def _updated(self, key: _FilterKey, old: Eligible, delta: _Delta) -> Eligible:
        """`old` (computed on an earlier snapshot) brought up to this one: only the versions of the touched
        documents get a new status (with every version that supersedes them, the status depends on nothing else);
        rows written since are appended, tombstones cleared. Equal to `_computed` (a test checks it)."""
        mask = np.zeros(len(self.rows), dtype=bool)
        mask[: len(old.mask)] = old.mask
        if delta.dead:
            mask[list(delta.dead)] = False
        keys = [k for doc in delta.docs for k in self.by_doc.get(doc, ())]
        related = set(keys)
        for k in keys:
            related |= self.superseders.get(k, frozenset()) | self.superseders.get(
                self.versions[k].doc_id, frozenset()
            )
        fresh = statuses([self.versions[k] for k in related], key[0])
        status = dict(old.status)
        for k in delta.stale:
            status.pop(k, None)
        for k in keys:
            status[k] = fresh[k]
            mask[self.doc_rows[k]] = self._ok(key, k, fresh[k])
        return Eligible(mask, status, self._live_rows(), self)
