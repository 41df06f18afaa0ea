"""Seen-before stores shared by the callbacks: the nonce replay cache (used by every callback) and a dedupe set.

One dedupe in the product: the inbox's own key (`tenant:channel:message id`; SQLite UNIQUE, or SET NX inside the Redis
accept script) decides whether a message is new, and the ledger's message key (copilot/ledger, `ledger_message_keys`)
decides whether it already has a suggestion. `Deduper` / `DedupedInbox` below are kept for queues that cannot dedupe
by themselves; nothing in the product wires them.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any, Protocol, runtime_checkable

from channels.inbox import Inbox
from contract.errors import BackendUnavailable
from contract.messages import InboundMessage


@runtime_checkable
class Deduper(Protocol):
    def first_seen(self, key: str, ttl_s: int) -> bool:
        """Atomically mark `key`; True only for the first caller within `ttl_s`."""
        ...

    def forget(self, key: str) -> None:
        """Undo a mark (the enqueue after it failed, so the retry must go through)."""
        ...


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


class InMemoryDeduper:
    def __init__(self, max_items: int = 200_000) -> None:
        self._set = _TtlSet(max_items)

    def first_seen(self, key: str, ttl_s: int) -> bool:
        return self._set.set_if_absent(key, "1", ttl_s) is None

    def forget(self, key: str) -> None:
        self._set.delete(key)


class RedisDeduper:
    """SET key 1 NX EX ttl: atomic across workers."""

    def __init__(self, redis: Any, prefix: str = "copilot:dedupe:") -> None:
        self._redis = redis
        self._prefix = prefix

    def first_seen(self, key: str, ttl_s: int) -> bool:
        try:
            return bool(self._redis.set(self._prefix + key, "1", nx=True, ex=max(int(ttl_s), 1)))
        except Exception as exc:  # redis-py raises ConnectionError/TimeoutError subclasses of RedisError
            raise BackendUnavailable(f"redis dedupe failed: {exc}", reason="dedupe_unavailable") from exc

    def forget(self, key: str) -> None:
        try:
            self._redis.delete(self._prefix + key)
        except Exception as exc:
            raise BackendUnavailable(f"redis dedupe failed: {exc}", reason="dedupe_unavailable") from exc


class DedupedInbox:
    """An Inbox that consults a shared Deduper before a queue that cannot dedupe by itself (e.g. Redis Streams).
    The mark is undone when the enqueue fails, so Tencent's retry is not swallowed."""

    def __init__(self, inner: Inbox, deduper: Deduper, ttl_s: int = 3 * 24 * 3600) -> None:
        self.inner = inner
        self.deduper = deduper
        self.ttl_s = ttl_s

    def accept(self, msg: InboundMessage) -> bool:
        if not self.deduper.first_seen(msg.dedupe_key, self.ttl_s):
            return False
        try:
            return self.inner.accept(msg)
        except BaseException:
            self.deduper.forget(msg.dedupe_key)
            raise


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
