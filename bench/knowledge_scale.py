"""Ingest rate and query latency of the policy store at 1k / 10k (/ 100k) chunks, each timing beside its floor
measured in the same run: a raw chromadb query on the same collection and a raw embedding call.

The corpus is built by repeating and perturbing the demo tenant's real policy text (other regions, products, numbers
and dates), so chunk lengths and vocabulary stay realistic and every chunk is distinct. Embedding 10k–100k chunks on a
shared 2-core machine would take most of an hour, so the synthetic chunks get the real vector of the clause they were
perturbed from plus small noise (PerturbedCopyEmbedder); the embedding throughput is measured separately on real
perturbed chunks and reported beside the pipeline rate."""

from __future__ import annotations

import hashlib
import random
import re
import statistics
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from contract.ports import PolicyQuery
from knowledge.embeddings.base import Embedder, normalise
from knowledge.policy import PolicyStore
from knowledge.policy.chunking import chunk_document
from knowledge.policy.documents import SourceDocument
from knowledge.policy.ingest import embed_text
from knowledge.policy.loaders import iter_sources, load_file

REGIONS = ["华东", "华南", "华北", "华中", "西南", "西北", "东北"]
PRODUCTS = [
    "QX-3.5",
    "HB-200",
    "RM-500",
    "RM-700",
    "DV-9",
    "SA-30",
    "KJ-310",
    "TR-80",
    "SP-900",
]  # made-up models
CITIES = ["上海", "杭州", "南京", "广州", "深圳", "成都", "武汉", "西安", "沈阳", "青岛", "厦门", "苏州"]


SUFFIX = re.compile(r"（[^（）]*第\d+号）")


class PerturbedCopyEmbedder:
    """Bench only. Passage vectors: the real vector of the base clause (same title and clause path) plus noise seeded
    by the text, σ=0.03 per dimension before normalising. Queries: the real model."""

    def __init__(self, inner: Embedder, bases: list[SourceDocument]) -> None:
        self.inner, self.name, self.dim = inner, inner.name, inner.dim
        texts = [embed_text(d.meta.title, c.clause_path, c.text) for d in bases for c in chunk_document(d)[0]]
        self.base = dict(zip(map(self._key, texts), inner.embed_documents(texts), strict=True))

    @staticmethod
    def _key(text: str) -> str:
        return "\n".join(SUFFIX.sub("", line) for line in text.split("\n", 2)[:2])

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        rows = []
        for t in texts:
            rng = np.random.default_rng(int.from_bytes(hashlib.sha256(t.encode()).digest()[:8], "little"))
            base = self.base.get(self._key(t))
            if base is None:
                base = self.inner.embed_documents([t])[0]
            rows.append(base + rng.normal(0.0, 0.03, self.dim).astype(np.float32))
        return normalise(np.vstack(rows)) if rows else np.zeros((0, self.dim), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)


def embed_throughput(inner: Embedder, policies: Path, n_docs: int = 8) -> dict[str, float]:
    """Real embedding speed on perturbed policy chunks (what a real ingest of this corpus would pay)."""
    docs = synthetic_docs(policies, 10_000_000, n_docs)
    texts = [embed_text(d.meta.title, c.clause_path, c.text) for d in docs for c in chunk_document(d)[0]]
    t0 = time.perf_counter()
    inner.embed_documents(texts)
    s = time.perf_counter() - t0
    return {"chunks": len(texts), "seconds": round(s, 2), "chunks_per_s": round(len(texts) / s, 1)}


def percentile(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q / 100 * (len(s) - 1))))]


def timed(fn: Callable[[], Any], repeat: int) -> dict[str, float]:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return {
        "p50_ms": round(statistics.median(times), 3),
        "p95_ms": round(percentile(times, 95), 3),
        "n": repeat,
    }


def perturb(doc: SourceDocument, i: int, rng: random.Random) -> SourceDocument:
    """A distinct but realistic variant of a real policy: new id, region, city, model codes, numbers and dates."""
    region, city = REGIONS[i % len(REGIONS)], rng.choice(CITIES)
    text = doc.text.replace("华东", region).replace("上海", city)
    text = re.sub(r"[A-Z]{1,3}-\d{1,3}(\.\d)?", lambda m: rng.choice(PRODUCTS), text)
    text = re.sub(
        r"(\d+)(%|万元|日|天|个月|小时)", lambda m: f"{int(m.group(1)) + rng.randint(0, 9)}{m.group(2)}", text
    )
    text = text.replace("公司", rng.choice(["公司", "本公司", "甲方", "供方公司"]))
    meta = doc.meta.model_copy(
        update={
            "doc_id": f"{doc.meta.doc_id}-syn{i:06d}",
            "title": f"{doc.meta.title}（{region}第{i}号）",
            "supersedes": [],
        }
    )
    return SourceDocument(meta, text, f"synthetic:{i}", "md", doc.source_sha256)


def synthetic_docs(policies: Path, start: int, count: int, seed: int = 7) -> list[SourceDocument]:
    bases = [load_file(p) for p in iter_sources(policies)]
    rng = random.Random(seed + start)
    return [perturb(bases[i % len(bases)], i, rng) for i in range(start, start + count)]


def grow_to(
    store: PolicyStore, policies: Path, target_chunks: int, next_id: int
) -> tuple[dict[str, float], int]:
    """Add synthetic documents until the store holds ~target_chunks; returns ingest stats and the next doc number."""
    have = len(store.catalog.all_chunks())
    per_doc = 8
    need_docs = max(0, (target_chunks - have) // per_doc)
    docs = synthetic_docs(policies, next_id, need_docs)
    t0 = time.perf_counter()
    results = store.add_documents(docs) if docs else []
    total_s = time.perf_counter() - t0
    embed_s = sum(r.embed_ms for r in results) / 1000
    chunks = sum(r.chunks for r in results)
    return {
        "docs": len(results),
        "pages": len(results),  # each policy is a one-page document (1.6–2.4 KB)
        "chunks": chunks,
        "ingest_s": round(total_s, 2),
        "embed_s": round(embed_s, 2),
        "pages_per_s": round(len(results) / total_s, 1) if total_s else 0.0,
        "pages_per_s_without_embedding": round(len(results) / max(total_s - embed_s, 1e-9), 1),
        "chunks_per_s": round(chunks / total_s, 1) if total_s else 0.0,
        "embed_chunks_per_s": round(chunks / embed_s, 1) if embed_s else 0.0,
    }, next_id + need_docs


def latency(store: PolicyStore, questions: list[str], repeat: int) -> dict[str, Any]:
    """The four timings are interleaved query by query, so a noisy neighbour hits them all alike."""
    as_of = date(2026, 11, 30)
    t0 = time.perf_counter()
    store.search(PolicyQuery(text=questions[0], k=5, as_of=as_of))  # snapshot rebuild after the ingest
    first_ms = (time.perf_counter() - t0) * 1000
    vectors = {q: store.embedder.embed_query(q) for q in questions}
    col = store.vectors.col
    probes: dict[str, Callable[[str], Any]] = {
        "raw_chroma_n50": lambda q: col.query(
            query_embeddings=[vectors[q].tolist()], n_results=50, include=["distances"]
        ),
        "raw_chroma_n5": lambda q: col.query(
            query_embeddings=[vectors[q].tolist()], n_results=5, include=["distances"]
        ),
        "ours_hybrid_given_vector": lambda q: store.search(
            PolicyQuery(text=q, k=5, as_of=as_of), vector=vectors[q]
        ),
        "ours_hybrid_total": lambda q: store.search(PolicyQuery(text=q, k=5, as_of=as_of)),
        "raw_embed_query": lambda q: store.embedder.embed_query(q),
    }
    times: dict[str, list[float]] = {name: [] for name in probes}
    cpu: dict[str, list[float]] = {
        name: [] for name in probes
    }  # process CPU time: less sensitive to neighbours
    for i in range(repeat):
        q = questions[i % len(questions)]
        for name, probe in probes.items():
            c, t = time.process_time(), time.perf_counter()
            probe(q)
            times[name].append((time.perf_counter() - t) * 1000)
            cpu[name].append((time.process_time() - c) * 1000)
    out: dict[str, Any] = {
        "chunks": len(store.catalog.all_chunks()),
        "first_query_after_ingest_ms": round(first_ms, 1),
    }
    for name, values in times.items():
        out[name] = {
            "p50_ms": round(statistics.median(values), 3),
            "p95_ms": round(percentile(values, 95), 3),
            "n": repeat,
            "cpu_p50_ms": round(statistics.median(cpu[name]), 3),
        }
    given, raw = out["ours_hybrid_given_vector"]["cpu_p50_ms"], out["raw_chroma_n50"]["cpu_p50_ms"]
    out["ratio_cpu_p50_ours_given_vector_vs_raw_chroma"] = round(given / raw, 2) if raw else None
    given, raw = out["ours_hybrid_given_vector"]["p95_ms"], out["raw_chroma_n50"]["p95_ms"]
    out["ratio_p95_ours_given_vector_vs_raw_chroma"] = round(given / raw, 2) if raw else None
    given, raw = out["ours_hybrid_given_vector"]["p50_ms"], out["raw_chroma_n50"]["p50_ms"]
    out["ratio_p50_ours_given_vector_vs_raw_chroma"] = round(given / raw, 2) if raw else None
    return out


def first_query_after_write(
    store: PolicyStore,
    policies: Path,
    questions: list[str],
    next_id: int,
    steady_p50_ms: float,
    writes: int = 9,
) -> dict[str, Any]:
    """A write (one new policy document) followed by the first query, `writes` times: the query pays for whatever
    the write left to do (the snapshot advance, the BM25 difference). Both the first and the steady query are the
    hybrid search given the query vector, so the ratio is the write's leftover cost alone. Each first query is also
    paired with the steady query that follows it (the next question, same snapshot), a floor taken at the same
    moment of machine load. The writing store advances its own snapshot at the end of the write, so the in-process
    first query pays only what is left (Chroma's own first query after an upsert); `snapshot_advance_ms` is what a
    reader in another process pays on its next query: the advance of a snapshot taken before the write."""
    as_of = date(2026, 11, 30)
    vectors = [store.embedder.embed_query(q) for q in questions[: writes + 1]]
    first: list[float] = []
    after: list[float] = []
    advance: list[float] = []
    for w in range(writes):
        store.add_documents(synthetic_docs(policies, next_id + w, 1))
        t0 = time.perf_counter()
        store.search(PolicyQuery(text=questions[w], k=5, as_of=as_of), vector=vectors[w])
        first.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        store.search(PolicyQuery(text=questions[w + 1], k=5, as_of=as_of), vector=vectors[w + 1])
        after.append((time.perf_counter() - t0) * 1000)
        # what a reader in another process pays on its next query: its snapshot advanced past this write
        behind = store.snapshot()
        store.add_documents(synthetic_docs(policies, next_id + writes + w, 1))
        generation = store.catalog.generation()
        t0 = time.perf_counter()
        behind.advanced(store.catalog, generation)
        advance.append((time.perf_counter() - t0) * 1000)
    median = statistics.median(first)
    paired = statistics.median(f / a for f, a in zip(first, after, strict=True) if a > 0)
    return {
        "first_query_after_write_ms": {
            "p50_ms": round(median, 3),
            "max_ms": round(max(first), 3),
            "n": writes,
        },
        "first_query_after_write_ratio": round(median / steady_p50_ms, 2) if steady_p50_ms else None,
        "first_query_after_write_ratio_paired": round(paired, 2),
        "snapshot_advance_ms": {
            "p50_ms": round(statistics.median(advance), 3),
            "max_ms": round(max(advance), 3),
            "n": writes,
        },
    }
