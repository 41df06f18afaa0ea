"""τ-Knowledge retrieval (tau2-bench banking_knowledge): recall@5/10 and MRR of each task's required documents, with
the task's request (user_scenario.instructions) as the query: BM25 with stop words, dense chunks, and their RRF."""

from __future__ import annotations

import json
import re
import time

import numpy as np
from rank_bm25 import BM25Okapi

from evals.adapters.common import AdapterResult, bench_path, get_embedder, source_lines
from evals.metrics.retrieval import retrieval_scores

# A compact English stop list (BASELINES.md: BM25 without stop words loses half its MRR on these long requests).
STOP_WORDS = (
    "a about above after again against all am an and any are as at be because been before being below between both "
    "but by can could did do does doing down during each few for from further had has have having he her here hers "
    "herself him himself his how i if in into is it its itself just me more most my myself no nor not now of off on "
    "once only or other our ours ourselves out over own same she should so some such than that the their theirs "
    "them themselves then there these they this those through to too under until up very was we were what when "
    "where which while who whom why will with would you your yours yourself yourselves also get got want need like "
    "one may might must shall im ive youre dont cant wont "
)
STOP = frozenset(STOP_WORDS.split())
TOKEN = re.compile(r"[a-z0-9]+")
CHUNK_CHARS = 500
RRF_K = 60


def tokens(text: str) -> list[str]:
    return [t for t in TOKEN.findall(text.lower()) if t not in STOP]


def chunks(doc: dict[str, str]) -> list[str]:
    """~500-character passages, each prefixed with its title (as in BASELINES.md §1)."""
    body = doc["content"]
    parts, buf = [], ""
    for para in body.split("\n"):
        if len(buf) + len(para) > CHUNK_CHARS and buf:
            parts.append(buf)
            buf = ""
        buf += para + "\n"
    if buf.strip():
        parts.append(buf)
    return [f"{doc['title']}\n{p}" for p in parts] or [doc["title"]]


BASELINE_ROWS = (r"^\| bm25stop doc", r"^\| usem3 doc", r"^\| RRF bm25stop\+minilm")


def _baseline_row(row: str) -> str:
    """'| name | a | b | c | d |' → 'name R@5 a, R@10 b, R@20 c, MRR d'."""
    cells = [c.strip() for c in row.strip().strip("|").split("|")]
    return (
        f"{cells[0]} R@5 {cells[1]}, R@10 {cells[2]}, R@20 {cells[3]}, MRR {cells[4]}"
        if len(cells) >= 5
        else row
    )


def _rrf(*rankings: list[str]) -> list[str]:
    score: dict[str, float] = {}
    for ranking in rankings:
        for rank, doc in enumerate(ranking, start=1):
            score[doc] = score.get(doc, 0.0) + 1.0 / (RRF_K + rank)
    return sorted(score, key=lambda d: -score[d])


def run_tau_knowledge(limit: int | None = None) -> AdapterResult:
    started = time.perf_counter()
    emb = get_embedder()
    docs = [
        json.loads(x)
        for x in bench_path("tau2-bench", "banking_knowledge", "documents.jsonl")
        .read_text(encoding="utf-8")
        .splitlines()
        if x.strip()
    ]
    tasks = json.loads(
        bench_path("tau2-bench", "banking_knowledge", "tasks.json").read_text(encoding="utf-8")
    )
    tasks = [t for t in tasks if t.get("required_documents")]
    if (
        limit
    ):  # CI subset: the tasks' gold documents plus 150 others (a smaller, easier corpus: labelled as such)
        tasks = tasks[:limit]
        gold = {d for t in tasks for d in t["required_documents"]}
        others = [d for d in docs if d["id"] not in gold]
        pick = np.random.default_rng(0).choice(len(others), size=min(150, len(others)), replace=False)
        keep = {others[i]["id"] for i in pick} | gold
        docs = [d for d in docs if d["id"] in keep]
    ids = [d["id"] for d in docs]
    bm25 = BM25Okapi([tokens(d["title"] + " " + d["content"]) for d in docs])
    chunk_doc, chunk_text = [], []
    for i, d in enumerate(docs):
        for c in chunks(d):
            chunk_doc.append(i)
            chunk_text.append(c)
    cx = emb.passages(chunk_text)
    queries = [str(t["user_scenario"]["instructions"]) for t in tasks]
    qx = emb.encode(queries)
    runs: dict[str, list[tuple[list[str], set[str]]]] = {
        "bm25stop doc": [],
        f"{emb.name} chunk": [],
        "RRF bm25stop+dense": [],
    }
    for q, qv, t in zip(queries, qx, tasks, strict=True):
        gold = set(t["required_documents"])
        lex = [ids[i] for i in np.argsort(-bm25.get_scores(tokens(q)))[:100]]
        sims = cx @ qv
        best = np.full(len(docs), -1.0)
        np.maximum.at(best, chunk_doc, sims)  # a doc scores as its best chunk
        dense = [ids[i] for i in np.argsort(-best)[:100]]
        runs["bm25stop doc"].append((lex, gold))
        runs[f"{emb.name} chunk"].append((dense, gold))
        runs["RRF bm25stop+dense"].append((_rrf(lex, dense), gold))
    ours: dict[str, dict[str, float | None]] = {}
    for name, r in runs.items():
        s = retrieval_scores(r, ks=(5, 10))
        ours[name] = {"recall@5": s["recall@5"], "recall@10": s["recall@10"], "mrr": s["mrr"]}
    published = source_lines("tau2-bench", r"(?i)not comparable with >= 1\.0\.1")
    published += [
        "End-to-end leaderboard (a DIFFERENT task: an LLM agent solving the whole task, pass^k): "
        + " ".join(source_lines(".", r"τ-Knowledge \(banking_knowledge", file="README.md")),
        "BASELINES.md naive retrieval, same protocol as ours (Q_full; doc / chunk): "
        + "; ".join(_baseline_row(r) for r in source_lines(".", *BASELINE_ROWS, file="BASELINES.md")[:3]),
    ]
    return AdapterResult(
        name="tau_knowledge",
        title="τ-Knowledge retrieval (tau2-bench banking_knowledge, 698 docs)",
        task_note=(
            "retrieval only: each task's full scenario text (Q_full) as the query, gold = required_documents, macro recall@k "
            "and MRR — the protocol of BASELINES.md §1, not the leaderboard's end-to-end pass^k. The product retriever "
            "(knowledge package) is measured in bench_knowledge.md."
        ),
        ours=ours,
        published=published,
        details={"chunks": len(chunk_text), "docs": len(docs)},
        n=len(tasks),
        subset=bool(limit),
        wall_s=time.perf_counter() - started,
    )
