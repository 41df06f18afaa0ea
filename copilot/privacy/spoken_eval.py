"""Scores the masker on spoken-PII transcripts (evals/datasets/privacy/spoken_pii*.jsonl).

recall: a labelled value counts as caught when the masked text no longer contains any of its digits' spoken or written
forms, i.e. the detected spans cover the whole labelled span. entity_recall additionally wants the right entity.
negative precision: the share of non-PII numbers (amounts, dates, codes, order numbers) left untouched."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from guardrails.pii import detect


def load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def score(rows: list[dict[str, Any]]) -> dict[str, Any]:
    labelled = caught = caught_entity = 0
    negatives = negatives_flagged = 0
    spurious = detected_total = 0
    by_form: Counter[str] = Counter()
    missed_by_form: Counter[str] = Counter()
    misses: list[dict[str, Any]] = []
    flagged: list[dict[str, Any]] = []
    for row in rows:
        found = detect(row["text"])
        detected_total += len(found)
        if row["kind"] == "negative":
            negatives += 1
            if found:
                negatives_flagged += 1
                flagged.append({"id": row["id"], "text": row["text"], "found": [c.entity for c in found]})
            continue
        for span in row["spans"]:
            labelled += 1
            by_form[row["form"]] += 1
            covered = [c for c in found if c.start <= span["start"] + 1 and c.end >= span["end"] - 1]
            if covered:
                caught += 1
                caught_entity += any(c.entity == span["entity"] for c in covered)
            else:
                missed_by_form[row["form"]] += 1
                misses.append({"id": row["id"], "text": row["text"], "entity": span["entity"]})
        spurious += sum(
            1 for c in found if not any(c.start < s["end"] and c.end > s["start"] for s in row["spans"])
        )
    false_spans = spurious + sum(len(f["found"]) for f in flagged)
    return {
        "transcripts": len(rows),
        "labelled_values": labelled,
        "spoken_pii_recall": round(caught / labelled, 4) if labelled else None,
        "entity_recall": round(caught_entity / labelled, 4) if labelled else None,
        "negatives": negatives,
        "negatives_flagged": negatives_flagged,
        "non_pii_precision": round(1 - negatives_flagged / negatives, 4) if negatives else None,
        "span_precision": round(1 - false_spans / detected_total, 4) if detected_total else None,
        "spurious_spans_in_positives": spurious,
        "by_form": {f: {"n": n, "missed": missed_by_form[f]} for f, n in sorted(by_form.items())},
        "misses": misses[:20],
        "negatives_flagged_examples": flagged[:20],
    }
