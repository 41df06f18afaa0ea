"""Every refusal reason the product can log is documented for suite authors in docs/tenant-pack.md, and nothing
else is: a suite's `expect.refusal_reason` must be guessable from the docs (session 12: only two of eight were)."""

from __future__ import annotations

import re
from pathlib import Path

from agents.authz import REASONS

DOC = Path(__file__).resolve().parents[1] / "docs" / "tenant-pack.md"


def test_the_reason_table_lists_exactly_the_products_reasons() -> None:
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("**Refusal reasons.**") : text.index("## crm/signals.yaml")]
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", section, flags=re.M))
    assert documented == set(REASONS)
