"""Metrics: intent, retrieval, citations, actions, text checks, PII, grounding, latency and human decision rates."""

from evals.metrics.aggregate import compute_metrics, lower_is_better
from evals.metrics.checks import score_turn
from evals.metrics.human import human_rates
from evals.metrics.intent import intent_scores, macro_f1
from evals.metrics.latency import latency_by_node, percentile
from evals.metrics.retrieval import hit_at_k, mean, recall_at_k, reciprocal_rank, retrieval_scores
from evals.metrics.text_checks import (
    citation_support,
    claim_supported,
    key_terms,
    mention_hits,
    pii_leaks,
    violations,
)

__all__ = [
    "citation_support",
    "claim_supported",
    "compute_metrics",
    "hit_at_k",
    "human_rates",
    "intent_scores",
    "key_terms",
    "latency_by_node",
    "lower_is_better",
    "macro_f1",
    "mean",
    "mention_hits",
    "percentile",
    "pii_leaks",
    "recall_at_k",
    "reciprocal_rank",
    "retrieval_scores",
    "score_turn",
    "violations",
]
