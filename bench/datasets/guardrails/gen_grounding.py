"""Grounding set: evidence clauses from the demo tenant's policies, a faithful draft for each (worded differently from
the clause: 百分之三 for 3%, 2026年7月1日 for 2026-07-01), and copies with one planted error — a wrong number, price,
percentage, date, model, version, or a promise the evidence does not make. The words come from the tenant folder
(<tenant>/synthetic/gen_grounding.yaml, default copilot/tenants/demo); this file keeps only the logic."""

from __future__ import annotations

import random
from pathlib import Path

from tenant_vocabulary import GroundingCase, Vocabulary


def load_cases(tenant_dir: Path | None = None) -> list[GroundingCase]:
    """The clauses, drafts and planted errors, from <tenant>/synthetic/gen_grounding.yaml."""
    return Vocabulary("gen_grounding", tenant_dir).grounding_cases("cases")


def build(seed: int = 11, tenant_dir: Path | None = None) -> list[dict[str, object]]:
    rng = random.Random(seed)
    cases = load_cases(tenant_dir)
    rows: list[dict[str, object]] = []
    for case in cases:
        ev = case["evidence"]
        rows.append(
            {
                "evidence": [ev],
                "draft": case["draft"],
                "citations": [{"marker": "1", "evidence_id": ev["id"]}],
                "planted": None,
            }
        )
        for kind, old, new in case["plants"]:
            assert old in case["draft"], (old, case["draft"])
            rows.append(
                {
                    "evidence": [ev],
                    "draft": case["draft"].replace(old, new, 1),
                    "citations": [{"marker": "1", "evidence_id": ev["id"]}],
                    "planted": {"kind": kind, "text": new},
                }
            )
    # The same planted errors in two-source drafts: the wrong claim sits next to a correct one from other evidence.
    for _ in range(12):
        a, b = rng.sample(cases, 2)
        kind, old, new = rng.choice(a["plants"])
        text = a["draft"].replace(old, new, 1) + b["draft"].replace("[1]", "[2]")
        rows.append(
            {
                "evidence": [a["evidence"], b["evidence"]],
                "draft": text,
                "citations": [
                    {"marker": "1", "evidence_id": a["evidence"]["id"]},
                    {"marker": "2", "evidence_id": b["evidence"]["id"]},
                ],
                "planted": {"kind": kind, "text": new},
            }
        )
    for n, r in enumerate(rows):
        r["id"] = f"grd-{n:03d}"
    return rows
