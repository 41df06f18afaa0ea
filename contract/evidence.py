"""`Evidence`: every fact a suggestion rests on — a policy clause, a CRM fact, a derived signal, a rule that fired, a
guardrail verdict, a perception result. Each node of the graph appends to one evidence list; drafts cite evidence ids."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


class EvidenceKind(StrEnum):
    POLICY_CLAUSE = "policy_clause"
    CUSTOMER_FACT = "customer_fact"
    SIGNAL = "signal"
    RULE = "rule"
    GUARDRAIL_VERDICT = "guardrail_verdict"
    PERCEPTION = "perception"  # transcript, OCR text, emoji meaning, file type
    # A fact computed by a deterministic reasoning tool (tier lookup, date arithmetic, eligibility, authority, money).
    # source_ids: tool (+ doc_id, version, clause, row when a policy row was read); lineage: {"inputs": [{"evidence_id"
    # | "field", "value"}...], "output": ..., "unit": ...}. Its inputs are other evidence ids in the same suggestion.
    COMPUTED_FACT = "computed_fact"


def content_hash(content: Any) -> str:
    """sha256 over canonical JSON (or the raw string), tagged with its algorithm so a later change is detectable."""
    raw = (
        content
        if isinstance(content, str)
        else json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
    )
    return "sha256:" + hashlib.sha256(raw.encode("utf-8")).hexdigest()


class Evidence(BaseModel):
    """One piece of evidence.

    `source_ids` identify where it came from:
      policy clause → doc_id, version, clause, chunk_id (+ page, char_start, char_end)
      customer fact → table, row_key, field (+ customer_id)
      signal        → signal_id, business_unit
      rule          → rule_id, playbook
      verdict       → guard
    `lineage` carries what reproduces it: the SQL query and parameters, the retrieval query and ranks, the rule inputs.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1)
    kind: EvidenceKind
    title: str = ""
    content: str  # the clause text, "field = value", the signal statement, the rule's reason
    source_ids: dict[str, str] = Field(default_factory=dict)
    version: str = ""
    score: float | None = None
    content_hash: str = ""
    lineage: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _hash(self) -> Evidence:
        if not self.content_hash:
            object.__setattr__(self, "content_hash", content_hash(self.content))
        return self

    @staticmethod
    def make_id(kind: EvidenceKind, *parts: str) -> str:
        """A stable id: the same source yields the same id in every run, so the ledger can join across runs."""
        digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:12]
        return f"{kind.value}:{digest}"


class EvidenceMemo:
    """Validated `Evidence` for the graph state's evidence dicts, within one turn.

    The graph keeps evidence as dicts (checkpointable state) and several nodes (reason, decide, draft, guard_output)
    each re-validated the whole list: ~60 items x 4 nodes per message, ~3 µs each. A node that validates through one
    memo per turn pays that once per item: a dict seen before, still the same object with the same top-level values,
    returns the Evidence built from it. Ids and content hashes are whatever validation gives (nothing is recomputed
    differently). State evidence dicts are write-once (nodes append `model_dump()`s and never edit one in place); a
    dict whose top-level values were replaced is validated again. The check compares the dict with a shallow copy taken
    when it was validated (dict ==, in C: the same keys, each value identical or equal), not a tuple of its items
    rebuilt on every look-up: a hit pass over 60 items 36.8 -> ~17 µs, ~5 passes a message."""

    def __init__(self) -> None:
        # id(dict) → (the dict itself, pinned so its id can't be reused; a shallow copy of it then; the Evidence)
        self._seen: dict[int, tuple[dict[str, Any], dict[str, Any], Evidence]] = {}

    def remember(self, items: Iterable[dict[str, Any]], evidence: Iterable[Evidence]) -> None:
        """Records `evidence[i]` as what validating `items[i]` gives: for dicts a caller validated once before and
        keeps with their Evidence (the customer 360's ~50 facts, reused while its CRM rows are unchanged)."""
        for item, ev in zip(items, evidence, strict=True):
            self._seen[id(item)] = (item, dict(item), ev)

    def validate(self, items: Iterable[Evidence | dict[str, Any]]) -> list[Evidence]:
        out: list[Evidence] = []
        seen = self._seen
        for item in items:
            if isinstance(item, Evidence):
                out.append(item)
                continue
            hit = seen.get(id(item))
            if hit is not None and hit[0] is item and hit[1] == item:
                out.append(hit[2])
                continue
            then = dict(item)
            evidence = Evidence.model_validate(item)
            seen[id(item)] = (item, then, evidence)
            out.append(evidence)
        return out
