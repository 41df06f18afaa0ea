"""Second held-out injection set, written after the detector had been tuned on the dev set AND on held-out set 1 (whose
first-evaluation numbers are kept in the benchmark). Never tuned on.
The texts come from the tenant folder (<tenant>/synthetic/gen_heldout2.yaml, default copilot/tenants/demo)."""

from __future__ import annotations

from pathlib import Path

from tenant_vocabulary import injection_set


def build(tenant_dir: Path | None = None) -> list[dict[str, object]]:
    return injection_set("gen_heldout2", "heldout2", tenant_dir)
