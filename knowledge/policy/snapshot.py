"""The in-memory read view of the catalog for one generation: chunk rows, the BM25 index and per-filter eligibility
masks. Rebuilt lazily when the catalog's generation changes, so writes (from this or another process) are visible to
the next query without a restart."""

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


class Snapshot:
    def __init__(self, catalog: Catalog, generation: str) -> None:
        self.generation = generation
        self.versions: dict[str, VersionInfo] = {}
        self.docs: dict[str, dict[str, Any]] = {}
        for d in catalog.documents():
            meta = d["meta"]
            info = VersionInfo(
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
            self.versions[info.key] = info
            self.docs[info.key] = d
        rows = catalog.all_chunks()
        self.rows = rows
        self.index_of = {r["chunk_id"]: i for i, r in enumerate(rows)}
        keys = list(self.versions)
        key_pos = {k: i for i, k in enumerate(keys)}
        self.chunk_doc = np.asarray(
            [key_pos.get(f"{r['doc_id']}@{r['version']}", -1) for r in rows], dtype=np.int64
        )
        self.doc_keys = keys
        self.bm25 = Bm25Index([r["tokens"].split() for r in rows])
        self.eligible = lru_cache(maxsize=256)(self._eligible)

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
        ok_pos = np.zeros(len(self.doc_keys) + 1, dtype=bool)
        pos = {k: i for i, k in enumerate(self.doc_keys)}
        for k in ok_keys:
            ok_pos[pos[k]] = True
        mask = ok_pos[self.chunk_doc] if len(self.chunk_doc) else np.zeros(0, dtype=bool)
        return Eligible(mask, tuple(ok_keys), len(ok_keys) == len(self.doc_keys), status, int(mask.sum()))
