"""Run-level metrics from the per-turn facts of every case (dotted names, e.g. intent.accuracy, latency.total.p95_ms)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from evals.metrics.intent import intent_scores
from evals.metrics.latency import latency_by_node
from evals.metrics.retrieval import mean, retrieval_scores

# Metrics where a smaller number is better (compare and the report colour deltas by this).
LOWER_IS_BETTER_SUFFIXES = (
    "violations",
    "leaks",
    "errors",
    "_ms",
    "error_rate",
    "block_rate",
    "false_refusals",
)


def lower_is_better(metric: str) -> bool:
    return metric.endswith(LOWER_IS_BETTER_SUFFIXES)


def _ratio(pairs: list[tuple[int, int]]) -> float | None:
    total = sum(t for _, t in pairs)
    return sum(h for h, _ in pairs) / total if total else None


def compute_metrics(cases: list[dict[str, Any]]) -> dict[str, float | None]:
    """`cases` are CaseResult dicts; each turn carries `facts` from checks.score_turn."""
    facts = [t["facts"] for c in cases for t in c.get("turns", []) if t.get("facts") is not None]
    scored = [t for c in cases for t in c.get("turns", []) if t.get("expect")]
    m: dict[str, float | None] = {}
    n = len(cases)
    statuses = Counter(c.get("status") for c in cases)
    m["cases.n"] = float(n)
    m["cases.pass_rate"] = statuses["pass"] / n if n else None
    m["cases.errors"] = float(statuses["error"])
    m["cases.error_rate"] = statuses["error"] / n if n else None

    intents = [f["intent"] for f in facts if "intent" in f]
    if intents:
        s = intent_scores([g for g, _ in intents], [p for _, p in intents])
        for k in ("accuracy", "macro_f1", "abstain_precision", "abstain_recall"):
            m[f"intent.{k}"] = s[k]
    runs = [f["retrieval"] for f in facts if "retrieval" in f]
    if runs:
        r = retrieval_scores([(list(a), set(b)) for a, b in runs], ks=(1, 3, 5))
        m.update({f"retrieval.{k}": v for k, v in r.items() if k != "n"})
    cites = [f["citations"] for f in facts if "citations" in f]
    m["citation.precision"] = _ratio(cites)
    for key in ("action_top1", "action_top2", "action_top3"):
        vals = [f[key] for f in facts if key in f]
        if vals:
            m[key.replace("_", ".", 1)] = mean(vals)
    mentions = [f["mentions"] for f in facts if "mentions" in f]
    if mentions:
        m["must_mention.coverage"] = _ratio(mentions)
    for key, name in (
        ("must_not_violations", "must_not.violations"),
        ("forbidden_doc_violations", "documents.forbidden_violations"),
        ("pii_leaks", "pii.leaks"),
    ):
        vals = [f[key] for f in facts if key in f]
        if vals:
            m[name] = float(sum(vals))
    signals = [f["signals"] for f in facts if "signals" in f]
    if signals:
        m["signals.recall"] = _ratio(signals)
    refusals = [f["refusal"] for f in facts if "refusal" in f]
    traps = [ok for expected, ok in refusals if expected]
    if traps:  # share of authorization traps refused (with the expected reason when one is given)
        m["authz.refusals_correct"] = sum(traps) / len(traps)
        # the same traps refused with any reason: a diagnostic beside the metric, never a replacement for it
        m["authz.traps_refused_any_reason"] = sum(1 for f in facts if f.get("trap_refused")) / len(traps)
    if refusals:
        m["authz.false_refusals"] = float(sum(1 for expected, ok in refusals if not expected and not ok))
    verdicts = [f["grounding"] for f in facts if "grounding" in f]
    if verdicts:
        m["grounding.allow_rate"] = verdicts.count("allow") / len(verdicts)
        m["grounding.block_rate"] = verdicts.count("block") / len(verdicts)
    for node, stats in latency_by_node(f["timings"] for f in facts if f.get("timings")).items():
        m[f"latency.{node}.p50_ms"] = stats["p50_ms"]
        m[f"latency.{node}.p95_ms"] = stats["p95_ms"]
    m["turns.scored"] = float(len(scored))
    return m
