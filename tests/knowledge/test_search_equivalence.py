"""The lean fusion in knowledge/policy/search.py (BM25 inline, RRF over plain floats, lineage built for the k returned
only) ranks and scores exactly as the former one did: a reference copy of the former fusion (a dict of dicts per
candidate, evidence built through the same clause_evidence) runs on the same snapshot and the same Chroma answers,
over the demo policies and a generated corpus, in every mode, with filters, a keyword expansion and a long request."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from contract.evidence import Evidence
from contract.ports import PolicyQuery
from knowledge.embeddings import CachedEmbedder
from knowledge.policy import PolicyStore
from knowledge.policy import search as S
from knowledge.policy.documents import SourceDocument
from knowledge.policy.lexical import Bm25Index, tokenize
from knowledge.policy.loaders import iter_sources, load_file
from knowledge.policy.query_profile import QueryProfile, profile
from tests.knowledge.conftest import DEMO_POLICIES

ROOT = Path(__file__).resolve().parents[2]
AS_OF = date(2026, 11, 30)
REGIONS = ["华东", "华南", "华北", "西南"]
CITIES = ["上海", "杭州", "广州", "成都", "武汉"]


def _reference(
    snap: Any,
    vectors: Any,
    embedder: Any,
    query: PolicyQuery,
    mode: S.Mode,
    candidates: int,
    vector: np.ndarray | None,
    query_profile: QueryProfile | None,
) -> list[tuple[str, float | None, dict[str, Any]]]:
    """The fusion as it was before the lean rewrite (ids, scores and lineage, search_ms left out)."""
    as_of = query.as_of or date.today()
    eligible = snap.eligible(
        as_of, query.business_unit, query.region, query.product_line, query.include_superseded
    )
    if not eligible.count:
        return []
    n = max(candidates, query.k)
    allowed = None if eligible.everything else eligible.mask
    keywords = f"{query.text} {query.expansion}" if query.expansion else query.text
    prof = query_profile or profile(query.text)
    dense_weight = prof.dense_weight if mode == "hybrid" else 1.0
    lexical = S._lexical(snap, keywords, n, allowed, prof) if mode != "dense" else []
    dense: list[tuple[int, float]] = []
    if mode == "dense" or (mode == "hybrid" and dense_weight > 0):
        qv = embedder.embed_query(query.text) if vector is None else vector
        dense = S._dense(vectors, snap, qv, n, eligible, len(snap.rows) - snap.dead)
    fused: dict[int, dict[str, Any]] = {}
    for name, ranking, weight in (("dense", dense, dense_weight), ("lexical", lexical, 1.0)):
        for rank, (i, score) in enumerate(ranking, start=1):
            entry = fused.setdefault(i, {"rrf": 0.0})
            entry["rrf"] += weight / (S.RRF_K + rank)
            entry[f"{name}_rank"] = rank
            entry[f"{name}_score"] = score
    if prof.doc_weight > 0 and mode != "dense" and fused:
        grouped = snap.bm25.grouped_top(tokenize(keywords), snap.chunk_doc, n, allowed, k1=prof.k1, b=prof.b)
        doc_rank = {g: r for r, (g, _) in enumerate(grouped, 1)}
        for i, entry in fused.items():
            r = doc_rank.get(int(snap.chunk_doc[i]))
            if r is not None:
                entry["rrf"] += prof.doc_weight / (S.RRF_K + r)
                entry["doc_rank"] = r
    order = sorted(fused.items(), key=lambda kv: -kv[1]["rrf"])[: query.k]
    weighed = prof.as_lineage() if prof.long_share or query_profile is not None else None
    out = []
    for i, info in order:
        for key in ("dense_score", "lexical_score"):
            if key in info:
                info[key] = round(info[key], 6)
        row = snap.rows[i]
        key = f"{row['doc_id']}@{row['version']}"
        doc = snap.docs[key]
        lineage: dict[str, Any] = {
            "retriever": f"policy-{mode}",
            "fusion": "rrf" if mode == "hybrid" else "none",
            "rrf_k": S.RRF_K,
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
            "status": eligible.status.get(key, ""),
            "effective_date": doc["effective_date"] or "",
            "expiry_date": doc["expiry_date"] or "",
            "embedder": embedder.name,
            "ingest_id": doc["ingest_id"],
            "catalog_generation": snap.generation,
            "search_ms": 0.0,
            **{k: v for k, v in info.items() if k != "rrf"},
        }
        if weighed:
            lineage["query_profile"] = weighed
        ev = S.clause_evidence(row, doc["title"], score=round(info["rrf"], 6), lineage=lineage)
        out.append(_comparable(ev))
    return out


def _comparable(ev: Evidence) -> tuple[str, float | None, dict[str, Any]]:
    dumped = ev.model_dump(mode="json")
    dumped["lineage"].pop("search_ms")
    # key order too: the lineage is written to the ledger as JSON
    return ev.id, ev.score, {**dumped, "lineage_keys": list(dumped["lineage"])}


def _generated(count: int) -> list[SourceDocument]:
    """Perturbed copies of the demo policies (other regions, cities, numbers): a corpus with many near-ties."""
    import re

    bases = [load_file(p) for p in iter_sources(DEMO_POLICIES)]
    rng = random.Random(11)
    docs = []
    for i in range(count):
        doc = bases[i % len(bases)]
        region = REGIONS[i % len(REGIONS)]
        text = doc.text.replace("华东", region).replace("上海", rng.choice(CITIES))
        text = re.sub(
            r"(\d+)(%|万元|日|天)", lambda m: f"{int(m.group(1)) + rng.randint(0, 5)}{m.group(2)}", text
        )
        meta = doc.meta.model_copy(
            update={
                "doc_id": f"{doc.meta.doc_id}-gen{i:03d}",
                "title": f"{doc.meta.title}（{region}{i}）",
                "supersedes": [],
            }
        )
        docs.append(SourceDocument(meta, text, f"generated:{i}", "md", doc.source_sha256))
    return docs


@pytest.fixture(scope="module")
def big_store(tmp_path_factory: pytest.TempPathFactory, usem3: CachedEmbedder) -> PolicyStore:
    d = tmp_path_factory.mktemp("equivalence")
    store = PolicyStore(d / "chroma", usem3, d / "catalog.sqlite")  # type: ignore[arg-type]  # as in conftest
    store.add(DEMO_POLICIES)
    store.add_documents(_generated(36))
    return store


def _queries() -> list[PolicyQuery]:
    cases = yaml.safe_load((ROOT / "evals" / "datasets" / "retrieval_zh.yaml").read_text("utf-8"))["cases"]
    texts = [c["q"] for c in cases[::3]]
    long_request = " ".join(
        c["q"] for c in cases[:40]
    )  # past the long-request ramp: doc ranking, dense weight 0
    mid_request = " ".join(c["q"] for c in cases[:9])  # inside the ramp: both weights and the doc ranking
    out = [PolicyQuery(text=t, k=5, as_of=AS_OF) for t in texts]
    out += [
        PolicyQuery(text=texts[0], k=8, as_of=AS_OF, region="华南"),
        PolicyQuery(text=texts[1], k=5, as_of=AS_OF, include_superseded=True),
        PolicyQuery(text=texts[2], k=5, as_of=AS_OF, expansion="返点 折扣 审批"),
        PolicyQuery(text=texts[3], k=3, as_of=date(2024, 6, 1)),
        PolicyQuery(text=long_request, k=10, as_of=AS_OF),
        PolicyQuery(text=mid_request, k=10, as_of=AS_OF),
        PolicyQuery(text="the dealer rebate paid quarterly", k=5, as_of=AS_OF),
    ]
    return out


@pytest.mark.parametrize("which", ["demo", "generated"])
def test_lean_fusion_ranks_and_scores_exactly_as_before(
    which: str, demo_store: PolicyStore, big_store: PolicyStore
) -> None:
    store = demo_store if which == "demo" else big_store
    snap = store.snapshot()
    compared = 0
    for query in _queries():
        vector = store.embedder.embed_query(query.text)
        for mode in ("hybrid", "dense", "lexical"):
            for prof in (None, profile(query.text, long_dense_weight=0.5)):
                found = S.search(
                    snap, store.vectors, store.embedder, query, mode=mode, vector=vector, query_profile=prof
                )
                for e in found:  # built without validation: the same object validation would give
                    validated = Evidence.model_validate(e.model_dump())
                    assert e == validated and e.model_fields_set == validated.model_fields_set
                got = [_comparable(e) for e in found]
                want = _reference(snap, store.vectors, store.embedder, query, mode, 50, vector, prof)
                assert got == want, (which, query.text[:40], mode, prof)
                compared += len(got)
    assert compared > 200  # the comparison saw real rankings, not empty lists


def _former_top(
    index: Bm25Index, tokens: list[str], n: int, allowed: np.ndarray | None, k1: float | None, b: float | None
) -> list[tuple[int, float]]:
    """Bm25Index.top as it was: one `acc[docs] += …` per term segment (`_postings`) over every chunk, no score floor,
    then the selection by argpartition. One documented change: a tie at the n-th place was cut wherever argpartition
    left it; the lowest positions now win it (deterministic, whatever the candidates gathered), so the reference
    takes the tied chunks in position order too."""
    postings = index._postings(tokens, k1, b)
    if not postings:
        return []
    acc = np.zeros(index.n, dtype=np.float32)
    for docs, contribution in postings:
        acc[docs] += contribution
    candidates = np.flatnonzero(acc > 0)
    keep = np.ones(len(candidates), dtype=bool)
    if index.has_dead:
        keep &= index.alive[candidates]
    if allowed is not None:
        keep &= allowed[candidates]
    candidates = candidates[keep]
    scores = acc[candidates]
    n = min(n, len(candidates))
    if n <= 0:
        return []
    if n < len(candidates):
        part = np.argpartition(-scores, n - 1)[:n]
        kth = scores[part].min()
        # the tie at the n-th place, by position: every chunk above it, then the tied ones in position order
        above = candidates[scores > kth]
        tied = candidates[scores == kth][: n - len(above)]
        candidates = np.concatenate([above, tied])
        scores = acc[candidates]
    order = np.lexsort((candidates, -scores))
    return [(int(candidates[i]), float(scores[i])) for i in order]


def test_vectorised_bm25_top_is_bit_identical_after_adds_and_removes(big_store: PolicyStore) -> None:
    snap = big_store.snapshot()
    corpus = [r["tokens"].split() for r in snap.rows]
    half = len(corpus) // 2
    # a built half, a write of the other half in three batches (delta segments), then removals (tombstones)
    index = Bm25Index(corpus[:half])
    for lo in range(half, len(corpus), (len(corpus) - half) // 3 + 1):
        index = index.with_changes(added=corpus[lo : lo + (len(corpus) - half) // 3 + 1])
    index = index.with_changes(removed=[(i, corpus[i]) for i in range(0, len(corpus), 7)])
    rng = np.random.default_rng(3)
    allowed = rng.random(index.n) > 0.3
    cases = yaml.safe_load((ROOT / "evals" / "datasets" / "retrieval_zh.yaml").read_text("utf-8"))["cases"]
    checked = 0
    for case in cases:
        tokens = tokenize(case["q"])
        for k1, b in ((None, None), (1.5, 0.4), (0.9, 0.2)):
            for mask in (None, allowed):
                got = index.top(tokens, 50, mask, k1=k1, b=b)
                assert got == _former_top(index, tokens, 50, mask, k1, b), case["q"]
                # and every score equals the full per-chunk score of `scores` (no tie cut involved there)
                full = index.scores(tokens, k1, b)
                assert all(full[i] == np.float32(s) for i, s in got)
                checked += len(got)
    assert checked > 1000


def _exhaustive_top(
    index: Bm25Index, tokens: list[str], n: int, allowed: np.ndarray | None, k1: float | None, b: float | None
) -> list[tuple[int, float]]:
    """Every chunk's score (`scores`), sorted by score then position: the answer any selection must give."""
    full = index.scores(tokens, k1, b)
    if allowed is not None:
        full = np.where(allowed[: index.n], full, np.float32(0.0))
    candidates = np.flatnonzero(full > 0)
    order = np.lexsort((candidates, -full[candidates]))[:n]
    return [(int(candidates[i]), float(full[candidates[i]])) for i in order]


def test_pruned_top_equals_exhaustive_scoring_on_a_large_templated_index() -> None:
    """Past a few hundred postings `top` keeps only the chunks at or above a floor (the n-th best among a rare term's
    chunks) and, past 4,096 candidates, narrows them by score bins: on 30k generated chunks made of repeated templates
    (most scores are ties, as in a corpus of copied clauses), with common and rare terms, delta segments, tombstones
    and a filter, the answer equals sorting every chunk's full score."""
    rng = np.random.default_rng(5)
    vocab = [f"w{i}" for i in range(400)]
    weights = 1.0 / np.arange(1, len(vocab) + 1)  # Zipf: a few terms in most chunks, most terms rare
    weights /= weights.sum()
    templates = [list(rng.choice(vocab, size=int(rng.integers(5, 40)), p=weights)) for _ in range(300)]
    corpus = [list(templates[int(rng.integers(0, len(templates)))]) for _ in range(30_000)]
    for doc in corpus[::7]:  # some chunks differ from their template
        doc.append(vocab[int(rng.integers(0, len(vocab)))])
    index = Bm25Index(corpus[:24_000])
    index = index.with_changes(added=corpus[24_000:27_000]).with_changes(added=corpus[27_000:])
    index = index.with_changes(removed=[(i, corpus[i]) for i in range(0, len(corpus), 11)])
    allowed = rng.random(index.n) > 0.25
    queries = [
        ["w0", "w1"],
        ["w0", "w3", "w250"],
        ["w2", "w2", "w17"],
        ["w5", "w120", "w390", "w0"],
        ["w399"],
    ]
    queries += [list(rng.choice(vocab[:60], size=int(rng.integers(2, 7)))) for _ in range(25)]
    pruned = binned = 0
    for tokens in queries:
        for n in (1, 5, 50, 400):
            for mask in (None, allowed):
                for k1, b in ((None, None), (1.5, 0.4)):
                    got = index.top(tokens, n, mask, k1=k1, b=b)
                    assert got == _exhaustive_top(index, tokens, n, mask, k1, b), (tokens, n)
        reached = index._contributions(tokens, None, None)
        assert reached is not None
        pruned += len(reached[0]) > 256
        binned += int((index.scores(tokens) > 0).sum()) > 4096
    assert pruned > 20 and binned > 10  # both shortcuts ran, not only the plain path
    # the long postings' contributions were kept for this index version (the loops above asked each query 16 times,
    # so most answers came from the kept ones) ...
    assert index._contrib and index._contrib_postings == sum(len(c) for c in index._contrib.values())
    # ... and a write starts the new version without them (its avgdl and idf differ), answering exactly again
    later = index.with_changes(added=corpus[:500], removed=[(i, corpus[i]) for i in range(1, 3000, 13)])
    assert not later._contrib and index._contrib
    allowed_later = np.concatenate([allowed, np.ones(later.n - index.n, dtype=bool)])
    for tokens in queries:
        for mask in (None, allowed_later):
            assert later.top(tokens, 50, mask) == _exhaustive_top(later, tokens, 50, mask, None, None)
            assert later.top(tokens, 50, mask) == _exhaustive_top(later, tokens, 50, mask, None, None)  # kept
    assert later._contrib


def test_each_needs_best_clause_comes_with_the_search_as_lexical_best_gives_it(
    big_store: PolicyStore,
) -> None:
    """A multi-part question's per-need keyword winners are worked out in the search's own keyword pass
    (`search_with_needs`): the same evidence ids as `lexical_best` asked need by need, with filters, and the
    store's need slots therefore unchanged."""
    snap = big_store.snapshot()
    needs = [
        "骨科耗材的返点比例是多少？",
        "设备保修期内主轴过热怎么办",
        "价格折扣谁来审批",
        "完全无关的内容 xyz",
    ]
    for query in (
        PolicyQuery(text=" ".join(needs), k=10, as_of=AS_OF),
        PolicyQuery(text=" ".join(needs), k=10, as_of=AS_OF, region="华南"),
        PolicyQuery(text=" ".join(needs), k=10, as_of=date(2024, 6, 1), include_superseded=True),
    ):
        for mode in ("hybrid", "lexical"):
            hits, best = S.search_with_needs(
                snap, big_store.vectors, big_store.embedder, query, mode=mode, needs=needs
            )
            assert hits
            expected = [S.lexical_best(snap, query.model_copy(update={"text": need})) for need in needs]
            assert best == expected and any(best)
            plain = S.search(snap, big_store.vectors, big_store.embedder, query, mode=mode)
            assert [(e.id, e.score) for e in plain] == [(e.id, e.score) for e in hits]
