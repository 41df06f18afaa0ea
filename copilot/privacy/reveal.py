"""Putting real values back in place of vault tokens (<CN_MOBILE_1>), for the two places that need them: the rep's own
screen (POST /v1/suggestions/{id}/unmask) and the 微信客服 reply actually sent to the customer.

Values come only from the PII vault, which forgets them after COPILOT_PII_VAULT_TTL_S: a token whose value is gone is
reported as missing, never guessed. Nothing here stores or logs an unmasked text; the ledger's access entry names who
unmasked which tokens of which suggestion, never the values."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from contract.errors import BackendUnavailable, InputError
from contract.ports import Actor
from contract.suggestions import Suggestion

# The masker's placeholders (guardrails.pii.vault.TOKEN_RE; repeated so this module needs only the vault's shape).
TOKEN_RE = re.compile(r"<([A-Z][A-Z_]*?)_(\d+)>")
ACCESS_REASON = "pii_unmask"
log = logging.getLogger("copilot.privacy")


class VaultReader(Protocol):
    def values(self, vault_key: str) -> dict[str, str]: ...


@dataclass
class Revealed:
    """One text with its tokens replaced. `missing`: tokens the vault no longer holds (expired or erased)."""

    text: str
    tokens: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def vault_key_of(suggestion: Suggestion) -> str:
    """The key the conversation was masked with: the pii verdict says so; else the default tenant:conversation
    (agents.perception.masking.conversation_vault_key)."""
    for verdict in suggestion.verdicts:
        key = verdict.details.get("vault_key") if verdict.guard == "pii" else None
        if isinstance(key, str) and key:
            return key
    return f"{suggestion.tenant}:{suggestion.conversation_id}"


def tokens_in(text: str) -> list[str]:
    return list(dict.fromkeys(m.group(0) for m in TOKEN_RE.finditer(text or "")))


def reveal(text: str, values: Mapping[str, str]) -> Revealed:
    found = tokens_in(text)
    missing = [t for t in found if t not in values]
    out = TOKEN_RE.sub(lambda m: values.get(m.group(0), m.group(0)), text)
    return Revealed(text=out, tokens=found, missing=missing)


def vault_values(vault: VaultReader | None, vault_key: str) -> dict[str, str]:
    """The vault's values for a conversation; {} when there is no vault or its values do not open with the current
    key. BackendUnavailable (Redis down) passes through: the page answers 503, the kf reply is not sent."""
    if vault is None:
        return {}
    try:
        return vault.values(vault_key)
    except InputError as exc:
        # values sealed with a previous COPILOT_PII_VAULT_KEY (rotation) or written unsealed cannot be opened: they
        # count as gone (tokens stay tokens), exactly like values past their TTL
        log.warning("PII vault %s not readable (%s): its tokens count as expired", vault_key, exc.reason)
        return {}


def record_access(
    ledger: object,
    suggestion: Suggestion,
    actor: Actor,
    *,
    fields: Sequence[str],
    tokens: Sequence[str],
    missing: Sequence[str],
) -> str:
    """A chained PII_ACCESS entry: who unmasked which tokens of which suggestion, and when (the entry's time).
    Token names and entity counts only; the values never reach the ledger. Returns the entry id."""
    from copilot.ledger import entries as build
    from copilot.ledger.canonical import now_iso
    from copilot.ledger.models import EntryKind

    entities: dict[str, int] = {}
    for token in tokens:
        m = TOKEN_RE.fullmatch(token)
        if m:
            entities[m.group(1)] = entities.get(m.group(1), 0) + 1
    payload = {
        "attempted": "unmask",
        "actor": actor.model_dump(mode="json"),
        "fields": list(fields),
        "tokens": list(tokens),
        "entities": dict(sorted(entities.items())),
        "missing": list(missing),
    }
    context = {
        k: getattr(suggestion, k) or "" for k in ("tenant", "conversation_id", "customer_ref", "rep_ref")
    }
    row = build._row(
        EntryKind.PII_ACCESS,
        payload,
        now_iso(),
        **context,
        suggestion_id=suggestion.id,
        intent=suggestion.intent.name,
        suggestion_kind=suggestion.kind.value,
        actor=actor.id,
        reason_code=ACCESS_REASON,
    )
    engine_write = getattr(ledger, "engine_write", None)
    append = getattr(ledger, "_append", None)
    if engine_write is None or append is None:
        raise BackendUnavailable("this ledger cannot record access entries", reason="ledger_no_access_log")
    with (
        engine_write() as conn
    ):  # same serialised append as every other entry (copilot.privacy.subject does too)
        return str(append(conn, [row])[0])
