"""Third held-out injection set, written after the category co-occurrence scorer was added and tuned against held-out
sets 1 and 2. Never tuned on: this is the number to quote for the injection detector's generalisation.
The texts come from the tenant folder (<tenant>/synthetic/gen_heldout3.yaml, default copilot/tenants/demo)."""

from __future__ import annotations

from pathlib import Path

from tenant_vocabulary import injection_set


def build(tenant_dir: Path | None = None) -> list[dict[str, object]]:
    return injection_set("gen_heldout3", "heldout3", tenant_dir)
