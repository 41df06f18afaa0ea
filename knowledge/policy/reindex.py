"""Rebuild the dense index from the catalog (the catalog holds every chunk's text, so nothing is re-parsed)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from knowledge.policy.ingest import embed_text

if TYPE_CHECKING:
    from knowledge.policy.store import PolicyStore, Progress


def reindex(
    store: PolicyStore, *, full: bool = False, progress: Progress | None = None, batch: int = 256
) -> dict[str, int]:
    if full:
        store.vectors.reset()
    rows = store.catalog.all_chunks()
    titles = {(d["doc_id"], d["version"]): d["title"] for d in store.catalog.documents()}
    present = store.vectors.ids()
    wanted = {r["chunk_id"] for r in rows}
    orphans = sorted(present - wanted)
    if orphans:
        store.vectors.delete(orphans)
    missing = [r for r in rows if r["chunk_id"] not in present]
    for i in range(0, len(missing), batch):
        part = missing[i : i + batch]
        if progress:
            progress("embed", i, len(missing))
        vecs = store.embedder.embed_documents(
            [embed_text(titles[(r["doc_id"], r["version"])], r["clause_path"], r["text"]) for r in part]
        )
        store.vectors.upsert(
            [r["chunk_id"] for r in part],
            vecs,
            [
                {
                    "doc_id": r["doc_id"],
                    "version": r["version"],
                    "doc_key": f"{r['doc_id']}@{r['version']}",
                    "clause": r["clause"],
                }
                for r in part
            ],
        )
    if progress:
        progress("done", len(missing), len(missing))
    store.catalog.log(None, "reindex", True, full=full, embedded=len(missing), orphans_removed=len(orphans))
    return {"chunks": len(rows), "embedded": len(missing), "orphans_removed": len(orphans)}
