"""Third held-out injection set, written after the category co-occurrence scorer was added and tuned against held-out
sets 1 and 2. Never tuned on: this is the number to quote for the injection detector's generalisation.
The texts come from the tenant folder (<tenant>/synthetic/gen_heldout3.yaml, default copilot/tenants/demo)."""

from __future__ import annotations

from pathlib import Path

from tenant_vocabulary import Vocabulary


def build(tenant_dir: Path | None = None) -> list[dict[str, object]]:
    words = Vocabulary("gen_heldout3", tenant_dir)
    rows = [
        {"text": t, "source": s, "label": 1, "kind": f"heldout3_attack_{s}"}
        for s, t in words.pairs("injection_attacks")
    ]
    rows += [
        {"text": t, "source": s, "label": 0, "kind": f"heldout3_benign_{s}"}
        for s, t in words.pairs("injection_benign")
    ]
    for n, r in enumerate(rows):
        r["id"] = f"inj-h3-{n:04d}"
    return rows
