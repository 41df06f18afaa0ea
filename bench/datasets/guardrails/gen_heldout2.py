"""Second held-out injection set, written after the detector had been tuned on the dev set AND on held-out set 1 (whose
first-evaluation numbers are kept in the benchmark). Never tuned on.
The texts come from the tenant folder (<tenant>/synthetic/gen_heldout2.yaml, default copilot/tenants/demo)."""

from __future__ import annotations

from pathlib import Path

from tenant_vocabulary import Vocabulary


def build(tenant_dir: Path | None = None) -> list[dict[str, object]]:
    words = Vocabulary("gen_heldout2", tenant_dir)
    rows = [
        {"text": t, "source": s, "label": 1, "kind": f"heldout2_attack_{s}"}
        for s, t in words.pairs("injection_attacks")
    ]
    rows += [
        {"text": t, "source": s, "label": 0, "kind": f"heldout2_benign_{s}"}
        for s, t in words.pairs("injection_benign")
    ]
    for n, r in enumerate(rows):
        r["id"] = f"inj-h2-{n:04d}"
    return rows
