"""Ranking metrics over document ids: recall@k (share of the gold found in the top k) and MRR (1 / rank of the first
gold hit). Macro-averaged over queries, as in ../shared/benchmarks/BASELINES.md."""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def dedupe(ranked: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for r in ranked:
        if r not in seen:
            seen.add(r)
            out.append(r)
    return out


def recall_at_k(ranked: Sequence[str], gold: set[str], k: int) -> float | None:
    if not gold:
        return None
    return len(set(dedupe(ranked)[:k]) & gold) / len(gold)


def reciprocal_rank(ranked: Sequence[str], gold: set[str]) -> float | None:
    if not gold:
        return None
    for i, r in enumerate(dedupe(ranked), start=1):
        if r in gold:
            return 1.0 / i
    return 0.0


def hit_at_k(ranked: Sequence[str], gold: set[str], k: int) -> float | None:
    if not gold:
        return None
    return 1.0 if set(dedupe(ranked)[:k]) & gold else 0.0


def mean(values: Iterable[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return sum(vals) / len(vals) if vals else None


def retrieval_scores(
    runs: Sequence[tuple[Sequence[str], set[str]]], ks: Sequence[int] = (5, 10)
) -> dict[str, float | None]:
    """`runs` holds (ranked ids, gold ids) per query. Queries without gold are skipped."""
    out: dict[str, float | None] = {f"recall@{k}": mean(recall_at_k(r, g, k) for r, g in runs) for k in ks}
    out["mrr"] = mean(reciprocal_rank(r, g) for r, g in runs)
    out["n"] = float(sum(1 for _, g in runs if g))
    return out
