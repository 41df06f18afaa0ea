"""The nonce replay cache every callback uses (in-process, or Redis shared by the API processes).

Message dedupe is not here: the inbox's own key (`tenant:channel:message id`; SQLite UNIQUE, or SET NX inside the Redis
accept script) decides whether a message is new, and the ledger's message key (copilot/ledger, `ledger_message_keys`)
decides whether it already has a suggestion.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any, Protocol, runtime_checkable

from contract.errors import BackendUnavailable


class _TtlSet:
    """A bounded in-process dict key → (value, expires_at), oldest evicted first."""

    def __init__(self, max_items: int = 200_000) -> None:
        self._items: OrderedDict[str, tuple[str, float]] = OrderedDict()
        self._lock = threading.Lock()
        self._max = max_items

    def set_if_absent(self, key: str, value: str, ttl_s: float) -> str | None:
        """Store and return None if absent or expired; otherwise return the stored value."""
        now = time.monotonic()
        with self._lock:
            held = self._items.get(key)
            if held is not None and held[1] > now:
                return held[0]
            self._items[key] = (value, now + ttl_s)
            self._items.move_to_end(key)
            while len(self._items) > self._max:
                self._items.popitem(last=False)
            return None

    def delete(self, key: str) -> None:
        with self._lock:
            self._items.pop(key, None)


# ---- nonce replay cache ----------------------------------------------------------------------------------------------


@runtime_checkable
class NonceCache(Protocol):
    def remember(self, key: str, fingerprint: str, ttl_s: int) -> str | None:
        """Store `fingerprint` under `key` if absent and return None; otherwise return what was stored."""
        ...

    def forget(self, key: str) -> None: ...


class InMemoryNonceCache:
    def __init__(self, max_items: int = 200_000) -> None:
        self._set = _TtlSet(max_items)

    def remember(self, key: str, fingerprint: str, ttl_s: int) -> str | None:
        return self._set.set_if_absent(key, fingerprint, ttl_s)

    def forget(self, key: str) -> None:
        self._set.delete(key)


class RedisNonceCache:
    def __init__(self, redis: Any, prefix: str = "copilot:nonce:") -> None:
        self._redis = redis
        self._prefix = prefix

    def remember(self, key: str, fingerprint: str, ttl_s: int) -> str | None:
        try:
            if self._redis.set(self._prefix + key, fingerprint, nx=True, ex=max(int(ttl_s), 1)):
                return None
            held = self._redis.get(self._prefix + key)
        except Exception as exc:
            raise BackendUnavailable(
                f"redis nonce cache failed: {exc}", reason="nonce_cache_unavailable"
            ) from exc
        if held is None:  # expired between SET and GET: treat as fresh
            return None
        return held.decode() if isinstance(held, bytes) else str(held)

    def forget(self, key: str) -> None:
        try:
            self._redis.delete(self._prefix + key)
        except Exception as exc:
            raise BackendUnavailable(
                f"redis nonce cache failed: {exc}", reason="nonce_cache_unavailable"
            ) from exc
