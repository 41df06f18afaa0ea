"""The bundled demo tenant's CRM: its generator lives in the demo pack (copilot/tenants/demo/crm/generate.py, see
docs/demo-tenant.md) and is run through `knowledge.crm.generator`; this keeps the `build_demo_crm` entry point the CLI,
the demo replay and the tests call."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from knowledge.crm.generator import run_generator

DEMO_PACK = Path(__file__).resolve().parents[2] / "copilot" / "tenants" / "demo"


def build_demo_crm(
    url: str,
    *,
    today: date | None = None,
    seed: int = 7,
    background_customers: int = 20,
    background_orders: int = 240,
) -> dict[str, int]:
    """(Re)build the demo CRM at `url` in one transaction; same seed and `today` (default: the clock) → the same rows.
    Returns the row count per table."""
    return run_generator(
        DEMO_PACK,
        url,
        today=today,
        seed=seed,
        background_customers=background_customers,
        background_orders=background_orders,
    )
