"""Retrieval quality of the policy store: the Chinese demo-tenant set (evals/datasets/retrieval_zh.yaml) and
τ-Knowledge banking (../shared/benchmarks/tau2-bench/banking_knowledge). Both go through the real PolicyStore
(ingest → chunks → Chroma + BM25 → RRF), so what is measured is what the copilot runs."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from contract.ports import PolicyQuery
from copilot.settings import BENCHMARKS_DIR
from knowledge.policy import PolicyStore
from knowledge.policy.loaders import parse_bytes
from knowledge.policy.retrieval_multi import multi_need_search

REPO = Path(__file__).resolve().parents[1]
ZH_SET = REPO / "evals" / "datasets" / "retrieval_zh.yaml"
TAU_DIR = BENCHMARKS_DIR / "tau2-bench" / "banking_knowledge"
MODES = ("dense", "lexical", "hybrid")


def rank_metrics(
    runs: Sequence[tuple[list[str], set[str]]], ks: Sequence[int] = (1, 5, 10)
) -> dict[str, float]:
    """Macro recall@k (share of gold in the top k) and MRR (1 / rank of the first gold) over (ranked ids, gold)."""
    out: dict[str, float] = {}
    for k in ks:
        out[f"recall@{k}"] = sum(len(set(r[:k]) & g) / len(g) for r, g in runs) / len(runs)
    out["mrr"] = sum(next((1 / i for i, x in enumerate(r, 1) if x in g), 0.0) for r, g in runs) / len(runs)
    out["n"] = len(runs)
    return {k: round(v, 4) for k, v in out.items()}


def _dedupe(ids: list[str]) -> list[str]:
    seen: set[str] = set()
    return [x for x in ids if not (x in seen or seen.add(x))]  # type: ignore[func-returns-value]


# ---- Chinese demo-tenant set -------------------------------------------------------------------------------------
def load_zh() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(ZH_SET.read_text("utf-8"))
    return data


def eval_zh(store: PolicyStore, data: dict[str, Any], modes: Sequence[str] = MODES) -> dict[str, Any]:
    """Clause-level metrics (gold = doc@version#clause), doc-level hit@1, and how often a superseded version leaked."""
    as_of = date.fromisoformat(str(data["as_of"]))
    out: dict[str, Any] = {}
    for mode in modes:
        clause_runs, doc_runs, leaks, misses = [], [], 0, []
        for case in data["cases"]:
            hits = store.search(PolicyQuery(text=case["q"], k=10, as_of=as_of), mode=mode)  # type: ignore[arg-type]
            ranked = [f"{h.source_ids['doc_id']}@{h.version}#{h.source_ids['clause']}" for h in hits]
            gold = f"{case['doc']}@{case['version']}#{case['clause']}"
            clause_runs.append((ranked, {gold}))
            doc_runs.append(
                (_dedupe([r.split("#")[0] for r in ranked]), {f"{case['doc']}@{case['version']}"})
            )
            leaks += any(h.lineage.get("status") != "in_force" for h in hits)
            if gold not in ranked[:5]:
                misses.append(case["id"])
        m = rank_metrics(clause_runs)
        m["doc_hit@1"] = rank_metrics(doc_runs)["recall@1"]
        m["superseded_leaks"] = leaks
        m["missed_top5"] = misses
        out[mode] = m
    return out


# ---- τ-Knowledge banking -------------------------------------------------------------------------------------------
def tau_queries(task: dict[str, Any]) -> dict[str, str]:
    """Q_full and Q_open exactly as defined in ../shared/benchmarks/BASELINES.md §1."""
    full = task["user_scenario"]["instructions"]
    opening = re.search(r'Opening[^"“]*["“]([^"”]+)["”]', full)
    if opening:
        q_open = opening.group(1)
    elif m := re.search(r"Your situation[:\s]*(.+?)(?:\n\s*\n|$)", full, re.S):
        q_open = m.group(1)
    else:
        paras = [p for p in re.split(r"\n\s*\n", full) if p.strip()]
        q_open = re.sub(r"[^.]*\b(playing the role|role of)\b[^.]*\.\s*", "", "\n\n".join(paras[:2]))
    return {"Q_full": full, "Q_open": q_open.strip()}


def tau_doc_key(doc_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", doc_id)[:120].strip("-")


def ingest_tau(store: PolicyStore) -> dict[str, float]:
    docs = [
        json.loads(line)
        for line in (TAU_DIR / "documents.jsonl").read_text("utf-8").splitlines()
        if line.strip()
    ]
    parsed = [
        parse_bytes(
            f"# {d['title']}\n\n{d['content']}".encode(),
            "md",
            {"doc_id": tau_doc_key(d["id"]), "title": d["title"], "version": "1"},
            source=d["id"],
        )
        for d in docs
    ]
    t0 = time.perf_counter()
    results = store.add_documents(parsed)
    return {
        "documents": len(results),
        "chunks": sum(r.chunks for r in results),
        "ingest_s": round(time.perf_counter() - t0, 2),
        "embed_s": round(sum(r.embed_ms for r in results) / 1000, 2),
    }


def eval_tau(store: PolicyStore, modes: Sequence[str] = MODES, candidates: int = 100) -> dict[str, Any]:
    """Doc-level R@5 / R@10 / MRR of required_documents; a document ranks where its best chunk ranks."""
    tasks = json.loads((TAU_DIR / "tasks.json").read_text("utf-8"))
    out: dict[str, Any] = {}
    for variant in ("Q_full", "Q_open"):
        for mode in modes:
            runs = []
            t0 = time.perf_counter()
            for t in tasks:
                gold = {tau_doc_key(d) for d in t.get("required_documents") or []}
                if not gold:
                    continue
                q = PolicyQuery(text=tau_queries(t)[variant], k=candidates)
                hits = store.search(q, mode=mode, candidates=candidates)  # type: ignore[arg-type]
                runs.append((_dedupe([h.source_ids["doc_id"] for h in hits]), gold))
            out[f"{variant}/{mode}"] = rank_metrics(runs, ks=(5, 10, 20))
            out[f"{variant}/{mode}"]["ms_per_query"] = _ms_per_query(t0, len(runs))
    # the long request decomposed into its needs, one search each, fused by RRF (knowledge.policy.retrieval_multi)
    for mode in modes:
        runs = []
        t0 = time.perf_counter()
        for t in tasks:
            gold = {tau_doc_key(d) for d in t.get("required_documents") or []}
            if not gold:
                continue
            q = PolicyQuery(text=tau_queries(t)["Q_full"], k=candidates)
            hits = multi_need_search(store, q, mode=mode, candidates=candidates)
            runs.append((_dedupe([h.source_ids["doc_id"] for h in hits]), gold))
        out[f"Q_full/decomposed_{mode}"] = rank_metrics(runs, ks=(5, 10, 20))
        out[f"Q_full/decomposed_{mode}"]["ms_per_query"] = _ms_per_query(t0, len(runs))
    return out


def _ms_per_query(t0: float, n: int) -> float:
    """Wall time per task of one row (query embedding included; 100 candidates, evidence built for each)."""
    return round((time.perf_counter() - t0) * 1000 / max(n, 1), 2)
