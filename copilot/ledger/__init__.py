"""The intervention ledger: append-only, hash-chained, SQLite by default and PostgreSQL by URL.

ledger = open_ledger(get_settings().ledger_url)
entry_id = ledger.record_suggestion(suggestion, inputs={"text": masked_text})   # durable before delivery
ledger.record_decision(HumanDecision(...), actor=actor)                          # 404 / 403 (recorded) / 409
ledger.verify().first_broken                                                     # None when intact
"""

from __future__ import annotations

from typing import Any

from copilot.ledger.engine import make_engine
from copilot.ledger.migrations import MIGRATIONS, migrate
from copilot.ledger.models import (
    BrokenEntry,
    Checkpoint,
    EntryKind,
    LedgerEntry,
    LedgerMetrics,
    Rates,
    VerifyReport,
)
from copilot.ledger.store import Ledger
from copilot.ledger.witness import FileWitness, RedisWitness, Witness, WitnessSettings, open_witness


def open_ledger(
    url: str,
    *,
    checkpoint_key: str = "",
    tracer_provider: Any = None,
    witness: Witness | None = None,
    tenant: str = "",
) -> Ledger:
    """Connects, applies any missing migrations, and returns the ledger. `tracer_provider` turns on GenAI spans;
    `witness` keeps signed heads outside the database (see copilot.ledger.witness); `tenant` binds it to one tenant
    (appends carry it, reads see only its entries; `copilot.service.Services` binds the service's tenant)."""
    engine = make_engine(url)
    migrate(engine)
    return Ledger(
        engine, checkpoint_key=checkpoint_key, tracer_provider=tracer_provider, witness=witness, tenant=tenant
    )


__all__ = [
    "MIGRATIONS",
    "BrokenEntry",
    "Checkpoint",
    "EntryKind",
    "FileWitness",
    "Ledger",
    "LedgerEntry",
    "LedgerMetrics",
    "Rates",
    "RedisWitness",
    "VerifyReport",
    "Witness",
    "WitnessSettings",
    "open_ledger",
    "open_witness",
]
