"""What a normaliser returns: a message to enqueue, a 微信客服 trigger to sync, or a recorded skip."""

from __future__ import annotations

import hashlib
import math
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


MAX_EPOCH_S = 253402300799  # 9999-12-31T23:59:59Z, the last second a datetime can hold


def from_epoch(value: Any) -> datetime:
    """Epoch seconds (or the archive's milliseconds) → UTC datetime; missing/non-numeric → now. A value no clock
    could send (negative, NaN, past year 9999) is a ValueError, which the normalisers turn into a refusal: without
    the check, datetime raised OverflowError/OSError and the callback ended in a 500."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return datetime.now(UTC)
    if not math.isfinite(seconds):
        raise ValueError(f"timestamp {str(value)[:40]!r} is not a finite number")
    if seconds > 1e11:  # the archive sends milliseconds
        seconds /= 1000
    if not 0 <= seconds <= MAX_EPOCH_S:
        raise ValueError(f"timestamp {str(value)[:40]!r} is out of range")
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
