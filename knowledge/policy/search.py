"""Hybrid retrieval: dense (Chroma) and BM25 rankings fused by reciprocal rank fusion, restricted to the document
versions eligible for the query (as_of, BU, region, product line). Results are POLICY_CLAUSE evidence whose lineage
records both ranks, so a citation can be reproduced. A long request is fused with less weight on its dense ranking
and BM25 saturating sooner (knowledge/policy/query_profile.py); at weight 0 it is not embedded at all."""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date
from typing import Any, Literal

import numpy as np

from contract import clock
from contract.evidence import Evidence, EvidenceKind
from contract.ports import PolicyQuery
from knowledge.embeddings.base import Embedder
from knowledge.policy.lexical import tokenize
from knowledge.policy.query_profile import QueryProfile, profile
from knowledge.policy.snapshot import Snapshot
from knowledge.policy.vectors import VectorIndex

Mode = Literal["hybrid", "dense", "lexical"]
RRF_K = 60


def _dense(
    vectors: VectorIndex, snap: Snapshot, vector: np.ndarray, n: int, eligible: Any, total: int
) -> list[tuple[int, float]]:
    """Chunk indices with cosine scores. Ask unfiltered first (the cheap common case: most chunks are eligible), and
    only if too few eligible hits come back ask again restricted to the eligible document versions."""
    # Over-fetch only the ineligible share (×1.25 slack, +2, at most ×3): asking Chroma for 3n when 97 % of the chunks
    # are eligible costs a bigger query for nothing (HNSW work grows with n). A small shortfall is kept as it is: dense
    # ranks past ~¾n hardly move an RRF top-k, while the filtered second query (an $in over every eligible version)
    # costs several plain ones; it runs only when the shortfall is large.
    share = total / max(eligible.count, 1)
    fetch = min(total, n if eligible.everything else min(n * 3, n + int(n * (share - 1) * 1.25) + 2))
    hits = [(snap.index_of.get(cid, -1), s) for cid, s in vectors.query(vector, fetch)]
    hits = [(i, s) for i, s in hits if i >= 0 and eligible.mask[i]]
    if len(hits) < (3 * n) // 4 and not eligible.everything and eligible.doc_keys and fetch < total:
        hits = [
            (snap.index_of.get(cid, -1), s) for cid, s in vectors.query(vector, n, list(eligible.doc_keys))
        ]
        hits = [(i, s) for i, s in hits if i >= 0 and eligible.mask[i]]
    return hits[:n]


_LEXICAL_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="policy-bm25")


def _lexical(
    snap: Snapshot, text: str, n: int, allowed: np.ndarray | None, prof: QueryProfile | None = None
) -> list[tuple[int, float]]:
    if prof is None or (prof.k1, prof.b) == (snap.bm25.k1, snap.bm25.b):  # a short question: as it always was
        return snap.bm25.top(tokenize(text), n, allowed)
    return snap.bm25.top(tokenize(text), n, allowed, k1=prof.k1, b=prof.b)


def search(
    snap: Snapshot,
    vectors: VectorIndex,
    embedder: Embedder,
    query: PolicyQuery,
    *,
    mode: Mode = "hybrid",
    candidates: int = 50,
    vector: np.ndarray | None = None,
    query_profile: QueryProfile | None = None,
) -> list[Evidence]:
    """`query_profile` replaces the one the query's length picks (evaluation of other weights)."""
    t0 = time.perf_counter()
    as_of = query.as_of or clock.today()  # the clock port: an eval/replay runs at the message's date
    eligible = snap.eligible(
        as_of, query.business_unit, query.region, query.product_line, query.include_superseded
    )
    if not eligible.count:
        return []
    n = max(candidates, query.k)
    degraded = ""
    dense: list[tuple[int, float]] = []
    lexical: list[tuple[int, float]] = []
    allowed = None if eligible.everything else eligible.mask
    # hybrid: BM25 runs on a worker thread while this one waits on Chroma (its query releases the GIL), so the
    # lexical half costs wall time only when it is slower than the vector query
    keywords = f"{query.text} {query.expansion}" if query.expansion else query.text
    prof = query_profile or profile(query.text)  # by the message's length, not the keyword expansion's
    dense_weight = prof.dense_weight if mode == "hybrid" else 1.0
    pending: Future[list[tuple[int, float]]] | None = (
        _LEXICAL_POOL.submit(_lexical, snap, keywords, n, allowed, prof) if mode == "hybrid" else None
    )
    if mode == "dense" or (mode == "hybrid" and dense_weight > 0):
        try:
            qv = embedder.embed_query(query.text) if vector is None else vector
            dense = _dense(vectors, snap, qv, n, eligible, len(snap.rows) - snap.dead)
        except Exception as exc:  # Chroma or the embedder is down: answer from BM25 alone and say so
            if mode == "dense":
                raise
            degraded = f"lexical_only: {exc.__class__.__name__}"
    if pending is not None:
        lexical = pending.result()
    elif mode == "lexical":
        lexical = _lexical(snap, keywords, n, allowed, prof)
    fused: dict[int, dict[str, Any]] = {}
    for name, ranking, weight in (("dense", dense, dense_weight), ("lexical", lexical, 1.0)):
        rank_key, score_key = f"{name}_rank", f"{name}_score"
        for rank, (i, score) in enumerate(ranking, start=1):
            entry = fused.setdefault(i, {"rrf": 0.0})
            entry["rrf"] += weight / (RRF_K + rank)
            entry[rank_key] = rank
            entry[score_key] = score
    if prof.doc_weight > 0 and mode != "dense" and fused:
        # a long request: each candidate clause also gets its document's rank as a whole (Bm25Index.grouped_top)
        doc_rank = {
            g: r
            for r, (g, _) in enumerate(
                snap.bm25.grouped_top(tokenize(keywords), snap.chunk_doc, n, allowed, k1=prof.k1, b=prof.b), 1
            )
        }
        for i, entry in fused.items():
            r = doc_rank.get(int(snap.chunk_doc[i]))
            if r is not None:
                entry["rrf"] += prof.doc_weight / (RRF_K + r)
                entry["doc_rank"] = r
    order = sorted(fused.items(), key=lambda kv: -kv[1]["rrf"])[: query.k]
    for _, info in order:  # rounded for the lineage of the k returned only, not for every candidate
        for key in ("dense_score", "lexical_score"):
            if key in info:
                info[key] = round(info[key], 6)
    took_ms = round((time.perf_counter() - t0) * 1000, 3)
    # a short question's lineage stays as it was; a long request's says how it was weighed
    weighed = prof.as_lineage() if prof.long_share or query_profile is not None else None
    return [
        _evidence(
            snap, i, info, query, as_of, eligible.status, mode, embedder.name, degraded, took_ms, weighed
        )
        for i, info in order
    ]


def lexical_best(snap: Snapshot, query: PolicyQuery) -> str | None:
    """The evidence id of the best BM25 clause for `query.text` among the versions the query may see, or None: one
    need of a multi-part question (knowledge/policy/retrieval_multi.py), without building evidence or asking Chroma."""
    eligible = snap.eligible(
        query.as_of or clock.today(),
        query.business_unit,
        query.region,
        query.product_line,
        query.include_superseded,
    )
    if not eligible.count:
        return None
    top = _lexical(snap, query.text, 1, None if eligible.everything else eligible.mask, profile(query.text))
    return str(snap.rows[top[0][0]]["evidence_id"]) if top else None


def _evidence(
    snap: Snapshot,
    i: int,
    info: dict[str, Any],
    query: PolicyQuery,
    as_of: date,
    status: dict[str, str],
    mode: str,
    embedder: str,
    degraded: str,
    took_ms: float,
    weighed: dict[str, float] | None = None,
) -> Evidence:
    row = snap.rows[i]
    key = f"{row['doc_id']}@{row['version']}"
    doc = snap.docs[key]
    lineage: dict[str, Any] = {
        "retriever": f"policy-{mode}",
        "fusion": "rrf" if mode == "hybrid" else "none",
        "rrf_k": RRF_K,
        "query": query.text,
        **({"query_expansion": query.expansion} if query.expansion else {}),
        "as_of": as_of.isoformat(),
        "filters": {
            k: v
            for k, v in (
                ("business_unit", query.business_unit),
                ("region", query.region),
                ("product_line", query.product_line),
            )
            if v
        },
        "include_superseded": query.include_superseded,
        "status": status.get(key, ""),
        "effective_date": doc["effective_date"] or "",
        "expiry_date": doc["expiry_date"] or "",
        "embedder": embedder,
        "ingest_id": doc["ingest_id"],
        "catalog_generation": snap.generation,
        "search_ms": took_ms,
        **{k: v for k, v in info.items() if k != "rrf"},
    }
    if degraded:
        lineage["degraded"] = degraded
    if weighed:
        lineage["query_profile"] = weighed
    return clause_evidence(row, doc["title"], score=round(info["rrf"], 6), lineage=lineage)


def clause_evidence(row: dict[str, Any], title: str, *, score: float, lineage: dict[str, Any]) -> Evidence:
    """One clause row of the snapshot as POLICY_CLAUSE evidence: the same shape whether retrieval ranked it or a
    reasoning tool brought it."""
    return Evidence(
        id=row["evidence_id"],
        kind=EvidenceKind.POLICY_CLAUSE,
        title=title,
        content=row["text"],
        source_ids={
            "doc_id": row["doc_id"],
            "version": row["version"],
            "clause": row["clause"],
            "clause_path": row["clause_path"],
            "chunk_id": row["chunk_id"],
            "page": str(row["page"]),
            "char_start": str(row["char_start"]),
            "char_end": str(row["char_end"]),
        },
        version=row["version"],
        score=score,
        content_hash=row["content_hash"],
        lineage=lineage,
    )
