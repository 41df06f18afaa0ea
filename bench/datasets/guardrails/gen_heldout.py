"""Held-out sets, written after the detectors were tuned on the dev sets (pii / injection / grounding.jsonl) and never
tuned on: new templates, new phrasings, new clauses. Their numbers are the honest estimate of how the guards generalise.
The texts come from the tenant folder (<tenant>/synthetic/gen_heldout.yaml, default copilot/tenants/demo)."""

from __future__ import annotations

import random
from pathlib import Path

import gen_pii
import pii_values as pv
from tenant_vocabulary import Vocabulary


def _words(tenant_dir: Path | None) -> Vocabulary:
    return Vocabulary("gen_heldout", tenant_dir)


def build_pii(seed: int = 99, tenant_dir: Path | None = None) -> list[dict[str, object]]:
    words = _words(tenant_dir)
    positive, negative = words.texts("pii_positive_templates"), words.texts("pii_hard_negative_templates")
    rng = random.Random(seed)
    rows = []
    for _ in range(3):
        for t in positive:
            text, spans = gen_pii.fill(rng, t, tenant_dir)
            rows.append({"text": text, "spans": spans, "kind": "positive"})
        for t in negative:
            text, spans = gen_pii.fill(rng, t, tenant_dir)
            rows.append({"text": text, "spans": spans, "kind": "hard_negative"})
    for n, r in enumerate(rows):
        r["id"] = f"pii-h-{n:04d}"
        r["lang"] = "en" if sum(c.isascii() for c in str(r["text"])) > 0.8 * len(str(r["text"])) else "zh"
    return rows


def build_injection(tenant_dir: Path | None = None) -> list[dict[str, object]]:
    words = _words(tenant_dir)
    rows = [
        {"text": t, "source": s, "label": 1, "kind": f"heldout_attack_{s}"}
        for s, t in words.pairs("injection_attacks")
    ]
    rows += [
        {"text": t, "source": s, "label": 0, "kind": f"heldout_benign_{s}"}
        for s, t in words.pairs("injection_benign")
    ]
    for n, r in enumerate(rows):
        r["id"] = f"inj-h-{n:04d}"
    return rows


def build_grounding(tenant_dir: Path | None = None) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for case in _words(tenant_dir).grounding_cases("grounding_cases"):
        ev = case["evidence"]
        cites = [{"marker": "1", "evidence_id": ev["id"]}]
        rows.append({"evidence": [ev], "draft": case["draft"], "citations": cites, "planted": None})
        for kind, old, new in case["plants"]:
            assert old in case["draft"], (old, case["draft"])
            rows.append(
                {
                    "evidence": [ev],
                    "draft": case["draft"].replace(old, new, 1),
                    "citations": cites,
                    "planted": {"kind": kind, "text": new},
                }
            )
    for n, r in enumerate(rows):
        r["id"] = f"grd-h-{n:03d}"
    return rows


_ = pv  # the value makers are reached through gen_pii.fill
