"""What a normaliser returns: a message to enqueue, a 微信客服 trigger to sync, or a recorded skip."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True)
class KfTrigger:
    """`kf_msg_or_event`: no content, only a token (valid 10 min) to call sync_msg with."""

    token: str
    open_kfid: str


@dataclass(frozen=True)
class Skipped:
    """A message we received but do not turn into an InboundMessage (unsupported type, invalid fields)."""

    message_id: str
    reason: str
    raw: dict[str, Any] = field(default_factory=dict)


def from_epoch(value: Any) -> datetime:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return datetime.now(UTC)
    if seconds > 1e11:  # the archive sends milliseconds
        seconds /= 1000
    return datetime.fromtimestamp(seconds, UTC)


def bounded_id(prefix: str, *parts: object) -> str:
    """A message id ≤ 200 chars: readable when short, a hash when long."""
    raw = "|".join(str(p) for p in parts)
    if len(raw) + len(prefix) <= 190:
        return prefix + raw
    return prefix + hashlib.sha256(raw.encode("utf-8")).hexdigest()[:40]


VOICE_FORMATS = {"amr", "speex", "silk", "wav", "pcm16"}


def voice_format(value: Any) -> str:
    fmt = str(value or "amr").strip().lower()
    return fmt if fmt in VOICE_FORMATS else "amr"
