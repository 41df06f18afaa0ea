"""Hybrid retrieval: dense (Chroma) and BM25 rankings fused by reciprocal rank fusion, restricted to the document
versions eligible for the query (as_of, BU, region, product line). Results are POLICY_CLAUSE evidence whose lineage
records both ranks, so a citation can be reproduced. A long request is fused with less weight on its dense ranking
and BM25 saturating sooner (knowledge/policy/query_profile.py); at weight 0 it is not embedded at all."""

from __future__ import annotations

import itertools
import sqlite3
import time
from collections.abc import Sequence
from datetime import date
from operator import itemgetter
from typing import Any, Literal, NamedTuple

import numpy as np

from contract import clock
from contract.evidence import Evidence, EvidenceKind
from contract.ports import PolicyQuery
from knowledge.embeddings.base import Embedder
from knowledge.embeddings.cache import message_texts
from knowledge.policy.lexical import tokenize
from knowledge.policy.query_profile import QueryProfile, profile
from knowledge.policy.snapshot import Snapshot
from knowledge.policy.usage_prior import UsagePrior
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
    hits = _eligible_hits(snap, eligible, *vectors.query_ids(vector, fetch))
    if len(hits) < (3 * n) // 4 and not eligible.everything and eligible.doc_keys and fetch < total:
        hits = _eligible_hits(snap, eligible, *vectors.query_ids(vector, n, list(eligible.doc_keys)))
    return hits[:n]


def _eligible_hits(
    snap: Snapshot, eligible: Any, ids: list[str], distances: list[float]
) -> list[tuple[int, float]]:
    """Chroma's (chunk id, cosine distance) as (row position, cosine similarity), eligible rows only, in one pass."""
    position = snap.index_of.lookup()
    found = zip(map(position, ids, _MISSING), distances, strict=False)
    if eligible.everything:
        return [(i, 1.0 - float(d)) for i, d in found if i >= 0]
    allowed = eligible.mask_bytes  # a byte per row: indexing it is a C lookup, a numpy bool scalar is not
    return [(i, 1.0 - float(d)) for i, d in found if i >= 0 and allowed[i]]


_MISSING = itertools.repeat(-1)  # the default of every position look-up (map stops at the shorter input)


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
    dense_text: str | None = None,
) -> list[Evidence]:
    """`query_profile` replaces the one the query's length picks (evaluation of other weights). `vector` is the dense
    half's query vector when the caller has it; `dense_text`, the text it embeds, goes into the lineage
    (`dense_query`) when it is not `query.text`."""
    return search_with_needs(
        snap,
        vectors,
        embedder,
        query,
        mode=mode,
        candidates=candidates,
        vector=vector,
        query_profile=query_profile,
        dense_text=dense_text,
    )[0]


def search_with_needs(
    snap: Snapshot,
    vectors: VectorIndex,
    embedder: Embedder,
    query: PolicyQuery,
    *,
    mode: Mode = "hybrid",
    candidates: int = 50,
    vector: np.ndarray | None = None,
    query_profile: QueryProfile | None = None,
    dense_text: str | None = None,
    needs: Sequence[str] = (),
) -> tuple[list[Evidence], list[str | None]]:
    """`search`, plus each of `needs`' best BM25 clause among the versions the query may see (what `lexical_best`
    gives for a need; knowledge/policy/retrieval_multi.py), worked out with the query's own keyword half."""
    t0 = time.perf_counter()
    as_of = query.as_of or clock.today()  # the clock port: an eval/replay runs at the message's date
    eligible = snap.eligible(
        as_of, query.business_unit, query.region, query.product_line, query.include_superseded
    )
    if not eligible.count:
        return [], [None] * len(needs)
    n = max(candidates, query.k)
    degraded = ""
    dense: list[tuple[int, float]] = []
    lexical: list[tuple[int, float]] = []
    best: list[str | None] = []
    allowed = None if eligible.everything else eligible.mask
    keywords = f"{query.text} {query.expansion}" if query.expansion else query.text
    prof = query_profile or profile(query.text)  # by the message's length, not the keyword expansion's
    dense_weight = prof.dense_weight if mode == "hybrid" else 1.0
    # The keyword half runs inline, before the vector query. chromadb 1.5's query does release the GIL, and a side
    # thread running BM25 during it was tried (same-process A/B at 100k chunks, load ~8 on 2 cores): p50 a little
    # lower, p95 1.7x worse, since on a busy machine the side thread waits for a core while the query waits for it.
    if mode != "dense":
        lexical, best = _keyword_half(snap, keywords, n, allowed, prof, needs)
    if mode == "dense" or (mode == "hybrid" and dense_weight > 0):
        try:
            if vector is None:
                with message_texts():  # the customer's words: not written to the embedding cache's file
                    qv = embedder.embed_query(query.text)
            else:
                qv = vector
            dense = _dense(vectors, snap, qv, n, eligible, len(snap.rows) - snap.dead)
        except Exception as exc:  # Chroma or the embedder is down: answer from BM25 alone and say so
            if mode == "dense":
                raise
            degraded = f"lexical_only: {exc.__class__.__name__}"
    # RRF over plain floats first; the per-candidate detail (ranks, scores) is gathered for the k returned only.
    # The sums are taken in the same order as always (dense, lexical, document), so scores and ties are unchanged.
    dense_ids = [c for c, _ in dense]
    lexical_ids = [c for c, _ in lexical]
    # 1.0 / (RRF_K + rank) comes from a table (the same divisions); a dense weight other than 1 divides as before
    rrf: dict[int, float] = dict(zip(dense_ids, _rrf_terms(dense_weight, len(dense_ids)), strict=False))
    get = rrf.get
    for c, v in zip(lexical_ids, _rrf_terms(1.0, len(lexical_ids)), strict=False):
        rrf[c] = get(c, 0.0) + v
    doc_rank: dict[int, int] = {}
    if prof.doc_weight > 0 and mode != "dense" and rrf:
        # a long request: each candidate clause also gets its document's rank as a whole (Bm25Index.grouped_top)
        doc_rank = {
            g: r
            for r, (g, _) in enumerate(
                snap.bm25.grouped_top(tokenize(keywords), snap.chunk_doc, n, allowed, k1=prof.k1, b=prof.b), 1
            )
        }
        chunk_doc = snap.chunk_doc
        for c in rrf:
            r = doc_rank.get(int(chunk_doc[c]))
            if r is not None:
                rrf[c] += prof.doc_weight / (RRF_K + r)
    # a stable sort keeps first-seen order among ties (dense candidates first, then lexical-only ones); reverse=True
    # keeps it too (Python's sort stays stable when reversed), so this is the order `key=-score` gave, with the key
    # read in C instead of a Python call per candidate
    top = sorted(rrf.items(), key=_SCORE, reverse=True)[: query.k]
    if not top:
        return [], best
    # chunk → its rank (its score: dense[rank - 1])
    dense_at = dict(zip(dense_ids, _RANKS, strict=False)) if dense else {}
    lexical_at = dict(zip(lexical_ids, _RANKS, strict=False)) if lexical else {}
    took_ms = round((time.perf_counter() - t0) * 1000, 3)
    # a short question's lineage stays as it was; a long request's says how it was weighed
    weighed = prof.as_lineage() if prof.long_share or query_profile is not None else None
    base = _base_lineage(
        query, as_of, mode, embedder.name, snap.generation, took_ms, dense_text if dense else None
    )
    out: list[Evidence] = []
    for c, score in top:
        info: dict[str, Any] = {}
        rank = dense_at.get(c)
        if rank is not None:  # rounded for the lineage of the k returned only, not for every candidate
            info["dense_rank"], info["dense_score"] = rank, round(dense[rank - 1][1], 6)
        rank = lexical_at.get(c)
        if rank is not None:
            info["lexical_rank"], info["lexical_score"] = rank, round(lexical[rank - 1][1], 6)
        r = doc_rank.get(int(snap.chunk_doc[c])) if doc_rank else None
        if r is not None:
            info["doc_rank"] = r
        out.append(_evidence(snap, c, score, info, base, eligible.status, degraded, weighed))
    return out, best


def _keyword_half(
    snap: Snapshot,
    keywords: str,
    n: int,
    allowed: np.ndarray | None,
    prof: QueryProfile,
    needs: Sequence[str],
) -> tuple[list[tuple[int, float]], list[str | None]]:
    """The query's BM25 ranking and each need's best clause (its evidence id), the keyword work of one search."""
    lexical = _lexical(snap, keywords, n, allowed, prof)
    best: list[str | None] = []
    for need in needs:
        top = _lexical(snap, need, 1, allowed, profile(need))
        best.append(str(snap.rows[top[0][0]]["evidence_id"]) if top else None)
    return lexical, best


_SCORE = itemgetter(1)


_MAX_RANKS = 4096  # ranks in the table (a longer ranking computes its terms)
_RANKS = range(1, 1 << 30)  # rank 1, 2, … for zip (a range: nothing stored)
_RECIPROCAL = tuple(1.0 / i for i in range(RRF_K + 1, RRF_K + 1 + _MAX_RANKS))


def _rrf_terms(weight: float, count: int) -> Sequence[float]:
    """`weight / (RRF_K + rank)` for ranks 1…count, divided as always; weight 1 (every short question) reads them
    from a table."""
    if weight == 1.0 and count <= _MAX_RANKS:
        return _RECIPROCAL
    return [weight / i for i in range(RRF_K + 1, RRF_K + 1 + count)]


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


def _base_lineage(
    query: PolicyQuery,
    as_of: date,
    mode: str,
    embedder: str,
    generation: str,
    took_ms: float,
    dense_text: str | None = None,
) -> dict[str, Any]:
    """The lineage every clause of one search shares, built once per query (copied into each evidence); `_head` holds
    its leading keys (retriever … as_of) in lineage order, for one dict copy per clause."""
    head: dict[str, Any] = {
        "retriever": f"policy-{mode}",
        "fusion": "rrf" if mode == "hybrid" else "none",
        "rrf_k": RRF_K,
        "query": query.text,
        **({"query_expansion": query.expansion} if query.expansion else {}),
        **({"dense_query": dense_text} if dense_text and dense_text != query.text else {}),
        "as_of": as_of.isoformat(),
    }
    return {
        **head,
        "_head": head,
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
        # status, effective/expiry dates, embedder, ingest id: per clause (inserted here by _evidence, in this order)
        "embedder": embedder,
        "catalog_generation": generation,
        "search_ms": took_ms,
    }


class _Clause(NamedTuple):
    """What a chunk row's evidence takes from the catalog, read once per snapshot and row (sqlite3.Row looks a column
    up by name on every access) and reused by every later query that returns the row."""

    key: str  # doc_id@version
    evidence_id: str
    title: str
    content: str
    source_ids: dict[str, str]  # copied into each Evidence (never shared)
    version: str
    content_hash: str
    effective_date: str
    expiry_date: str
    ingest_id: Any


def _clause(snap: Snapshot, i: int) -> _Clause:
    parts = snap.clauses.get(i)
    if parts is None:
        row = snap.rows[i]
        key = f"{row['doc_id']}@{row['version']}"
        doc = snap.docs[key]
        parts = _Clause(
            key,
            row["evidence_id"],
            doc["title"],
            row["text"],
            _source_ids(row),
            row["version"],
            row["content_hash"],
            doc["effective_date"] or "",
            doc["expiry_date"] or "",
            doc["ingest_id"],
        )
        snap.clauses[i] = parts
    return parts


def _evidence(
    snap: Snapshot,
    i: int,
    score: float,
    info: dict[str, Any],
    base: dict[str, Any],
    status: dict[str, str],
    degraded: str,
    weighed: dict[str, float] | None = None,
) -> Evidence:
    c = _clause(snap, i)
    # the query's own keys first (retriever … as_of: `_head`, shared by the query's clauses), then the clause's
    lineage: dict[str, Any] = {
        **base["_head"],
        "filters": dict(base["filters"]),
        "include_superseded": base["include_superseded"],
        "status": status.get(c.key, ""),
        "effective_date": c.effective_date,
        "expiry_date": c.expiry_date,
        "embedder": base["embedder"],
        "ingest_id": c.ingest_id,
        "catalog_generation": base["catalog_generation"],
        "search_ms": base["search_ms"],
        **info,
    }
    if degraded:
        lineage["degraded"] = degraded
    if weighed:
        lineage["query_profile"] = dict(weighed)
    if not c.content_hash:  # no stored hash: validation computes it
        return Evidence(
            id=c.evidence_id,
            kind=EvidenceKind.POLICY_CLAUSE,
            title=c.title,
            content=c.content,
            source_ids=dict(c.source_ids),
            version=c.version,
            score=round(score, 6),
            content_hash=c.content_hash,
            lineage=lineage,
        )
    # the Evidence validation would give, built directly (what `Evidence.model_construct` does for a model with no
    # defaults left to fill, without its per-field alias loop: ~1 µs instead of ~6); values are already of the right
    # types, every field given in the model's order; tests compare the result with a validated Evidence
    ev = Evidence.__new__(Evidence)
    _set(
        ev,
        "__dict__",
        {
            "id": c.evidence_id,
            "kind": EvidenceKind.POLICY_CLAUSE,
            "title": c.title,
            "content": c.content,
            "source_ids": dict(c.source_ids),
            "version": c.version,
            "score": round(score, 6),
            "content_hash": c.content_hash,
            "lineage": lineage,
        },
    )
    _set(ev, "__pydantic_fields_set__", set(_EVIDENCE_FIELDS))
    _set(ev, "__pydantic_extra__", None)
    _set(ev, "__pydantic_private__", None)
    return ev


_set = object.__setattr__


def _source_ids(row: Any) -> dict[str, str]:
    return {
        "doc_id": row["doc_id"],
        "version": row["version"],
        "clause": row["clause"],
        "clause_path": row["clause_path"],
        "chunk_id": row["chunk_id"],
        "page": str(row["page"]),
        "char_start": str(row["char_start"]),
        "char_end": str(row["char_end"]),
    }


def clause_evidence(
    row: dict[str, Any] | sqlite3.Row, title: str, *, score: float, lineage: dict[str, Any]
) -> Evidence:
    """One clause row of the snapshot as POLICY_CLAUSE evidence: the same shape whether retrieval ranked it or a
    reasoning tool brought it."""
    return Evidence(
        id=row["evidence_id"],
        kind=EvidenceKind.POLICY_CLAUSE,
        title=title,
        content=row["text"],
        source_ids=_source_ids(row),
        version=row["version"],
        score=score,
        content_hash=row["content_hash"],
        lineage=lineage,
    )


_EVIDENCE_FIELDS = tuple(Evidence.model_fields)


def with_usage_prior(
    snap: Snapshot,
    query: PolicyQuery,
    hits: list[Evidence],
    prior: UsagePrior,
    *,
    mode: Mode,
    embedder: str,
) -> list[Evidence]:
    """`hits` re-ranked by document with the evidence-usage prior (knowledge/policy/usage_prior.py): a document scores
    its vote share among the past requests nearest this one plus its rank here; a document only the prior names joins
    with its opening clause in the versions this query may see. A document's clauses keep their order; the lineage of
    a clause whose document the prior voted for records its share (`usage_prior`). The k returned are each document's
    best clause in that order, then the further clauses. No history or no vote: unchanged."""
    shares = prior.shares(query.text)
    if not shares:
        return hits
    by_doc: dict[str, list[Evidence]] = {}
    for h in hits:
        by_doc.setdefault(h.source_ids.get("doc_id", ""), []).append(h)
    rank = {d: r for r, d in enumerate(by_doc, 1)}
    extra = [d for d in sorted(shares, key=lambda d: (-shares[d], d)) if d not in by_doc]
    if extra:
        as_of = query.as_of or clock.today()
        eligible = snap.eligible(
            as_of, query.business_unit, query.region, query.product_line, query.include_superseded
        )
        allowed = eligible.mask_bytes
        base = _base_lineage(query, as_of, mode, embedder, snap.generation, 0.0)
        for d in extra:
            rows = [
                i
                for key in snap.by_doc.get(d, ())
                for i in snap.doc_rows.get(key, ())
                if eligible.status.get(key) and allowed[i]
            ]
            if rows:
                info = {"usage_prior": round(shares[d], 6)}
                score = prior.doc_score(shares[d], None)
                by_doc[d] = [_evidence(snap, min(rows), score, info, base, eligible.status, "")]
    for d, group in by_doc.items():
        if d in rank and d in shares:
            for h in group:
                h.lineage["usage_prior"] = round(shares[d], 6)
    order = {d: i for i, d in enumerate(by_doc)}
    docs = sorted(by_doc, key=lambda d: (-prior.doc_score(shares.get(d, 0.0), rank.get(d)), order[d]))
    # each document's best clause first, in document order, then their further clauses in the same order: k slots
    # reach k documents rather than one document's k clauses
    return [by_doc[d][i] for i in range(max(map(len, by_doc.values()))) for d in docs if i < len(by_doc[d])][
        : query.k
    ]
