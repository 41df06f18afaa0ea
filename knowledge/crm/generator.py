"""A tenant pack may ship a CRM generator instead of CSVs: `crm/generate.py` defining
`build(url, *, today, seed) -> {table: rows}` that (re)builds its CRM database deterministically, anchored on `today`.
It is the tenant's data, not product code: loaded by path from the pack, never imported by name."""

from __future__ import annotations

import importlib.util
from datetime import date
from pathlib import Path
from typing import Any

from contract import clock
from contract.errors import UserError

GENERATOR = Path("crm") / "generate.py"


def has_generator(tenant_dir: Path) -> bool:
    return (Path(tenant_dir) / GENERATOR).is_file()


def run_generator(
    tenant_dir: Path, url: str, *, today: date | None = None, seed: int = 7, **kw: Any
) -> dict[str, int]:
    """Build the pack's CRM at `url`; `today` defaults to the clock (the suite's date in an eval)."""
    path = Path(tenant_dir) / GENERATOR
    if not path.is_file():
        raise UserError(
            f"tenant {tenant_dir} has no CRM generator ({GENERATOR})", reason="tenant_crm_missing"
        )
    spec = importlib.util.spec_from_file_location(f"tenant_crm_generator_{abs(hash(str(path)))}", path)
    if spec is None or spec.loader is None:
        raise UserError(f"cannot load {path}", reason="tenant_crm_generator")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    build = getattr(module, "build", None)
    if not callable(build):
        raise UserError(f"{path} defines no build(url, *, today, seed)", reason="tenant_crm_generator")
    counts: dict[str, int] = build(url, today=today or clock.today(), seed=seed, **kw)
    return counts
