"""Canonical bytes and the hash chain.

An entry's payload (the whole suggestion, decision or denial) is hashed on its own; the chain then covers the entry's
header, which holds that payload hash, plus the previous entry's hash. Redaction can therefore drop a payload and keep
its hash: the chain still verifies, and the dropped bytes can never be swapped for others. Every digest is tagged with
its algorithm ("sha256:…") so a later change of digest is detectable rather than silently mixed in.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

ALGORITHM = "sha256"
GENESIS_HASH = ALGORITHM + ":" + "0" * 64  # the "previous hash" of the first entry
HEADER_VERSION = 1

# The columns the chain covers, in addition to prev_hash. Changing this list is a new HEADER_VERSION.
HEADER_FIELDS = (
    "seq",
    "id",
    "kind",
    "suggestion_id",
    "tenant",
    "conversation_id",
    "customer_ref",
    "rep_ref",
    "intent",
    "suggestion_kind",
    "actor",
    "decision",
    "reason_code",
    "created_at",
    "recorded_at",
    "time_to_decision_ms",
    "payload_hash",
)


def canonical_json(value: Any) -> str:
    """Sorted keys, real UTF-8 (no \\u escapes for Chinese), no whitespace, JSON types only (no silent str())."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def digest(data: str) -> str:
    return ALGORITHM + ":" + hashlib.sha256(data.encode("utf-8")).hexdigest()


def payload_digest(payload_json: str) -> str:
    """The payload is stored as its canonical JSON text, so its hash is over exactly the stored bytes."""
    return digest(payload_json)


def header_json(row: dict[str, Any]) -> str:
    header = {name: row.get(name) for name in HEADER_FIELDS}
    header["v"] = HEADER_VERSION
    return canonical_json(header)


def chain_digest(prev_hash: str, row: dict[str, Any]) -> str:
    return digest(prev_hash + "\n" + header_json(row))


def checkpoint_signature(key: str, seq: int, entry_hash: str) -> str:
    mac = hmac.new(key.encode("utf-8"), f"{seq}:{entry_hash}".encode(), hashlib.sha256).hexdigest()
    return "hmac-sha256:" + mac


def signature_matches(key: str, seq: int, entry_hash: str, signature: str) -> bool:
    return hmac.compare_digest(checkpoint_signature(key, seq, entry_hash), signature)


def iso_utc(moment: datetime) -> str:
    """One fixed-width UTC form, so text comparison orders time on SQLite and PostgreSQL alike."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def now_iso() -> str:
    return iso_utc(datetime.now(UTC))
