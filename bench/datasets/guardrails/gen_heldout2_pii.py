"""Second held-out PII set, written after the person-name rules were tuned on held-out set 1. Never tuned on.
The templates come from the tenant folder (<tenant>/synthetic/gen_heldout2_pii.yaml, default copilot/tenants/demo)."""

from __future__ import annotations

import random
from pathlib import Path

import gen_pii
from tenant_vocabulary import Vocabulary


def build(seed: int = 4242, tenant_dir: Path | None = None) -> list[dict[str, object]]:
    words = Vocabulary("gen_heldout2_pii", tenant_dir)
    positive, negative = words.texts("positive_templates"), words.texts("hard_negative_templates")
    rng = random.Random(seed)
    rows = []
    for _ in range(2):
        for t in positive:
            text, spans = gen_pii.fill(rng, t, tenant_dir)
            rows.append({"text": text, "spans": spans, "kind": "positive"})
        for t in negative:
            text, spans = gen_pii.fill(rng, t, tenant_dir)
            rows.append({"text": text, "spans": spans, "kind": "hard_negative"})
    for n, r in enumerate(rows):
        r["id"] = f"pii-h2-{n:04d}"
        r["lang"] = "en" if sum(c.isascii() for c in str(r["text"])) > 0.8 * len(str(r["text"])) else "zh"
    return rows
