"""Short-lived claims held across API processes: a claim on `key` by `owner` for `ttl_s` seconds.

The live-call routes need two: a gateway registration's signature is accepted once (claimed for twice the ±300 s
window), and a call id has one live socket (claimed while the socket lives, its TTL refreshed by a heartbeat and
released on close, so a crashed process frees the call within one TTL).

One protocol, `Claims`, and its two implementations side by side: `LocalClaims` in this process (the embedded default:
one API process) and `RedisClaims` in Redis (SET NX PX; refresh and release only by the owner that holds the claim),
whenever the deployment is scaled out. One contract test suite (tests/copilot/test_call_claims.py) runs against both.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, Protocol

from contract.errors import BackendUnavailable


class Claims(Protocol):
    """`claim` is true for the one caller that got it (a key held by anyone, this owner included, is refused until it
    is released or expires); `refresh` extends a claim its owner still holds (false when it lapsed or was taken);
    `release` drops it only for its owner. Blocking calls: async callers run them off the event loop."""

    def claim(self, key: str, owner: str, ttl_s: float) -> bool: ...

    def refresh(self, key: str, owner: str, ttl_s: float) -> bool: ...

    def release(self, key: str, owner: str) -> None: ...


class LocalClaims:
    """In this process only (the embedded deployment has one API process)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._held: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()
        self._clock = clock

    def _live(self, key: str, now: float) -> tuple[str, float] | None:
        held = self._held.get(key)
        if held is not None and held[1] <= now:
            del self._held[key]
            return None
        return held

    def claim(self, key: str, owner: str, ttl_s: float) -> bool:
        now = self._clock()
        with self._lock:
            if (
                len(self._held) > 4096
            ):  # expired claims go before the table grows (signatures live 10 minutes)
                for old in [k for k, (_, until) in self._held.items() if until <= now]:
                    del self._held[old]
            if self._live(key, now) is not None:
                return False
            self._held[key] = (owner, now + ttl_s)
            return True

    def refresh(self, key: str, owner: str, ttl_s: float) -> bool:
        now = self._clock()
        with self._lock:
            held = self._live(key, now)
            if held is None or held[0] != owner:
                return False
            self._held[key] = (owner, now + ttl_s)
            return True

    def release(self, key: str, owner: str) -> None:
        with self._lock:
            held = self._held.get(key)
            if held is not None and held[0] == owner:
                del self._held[key]


# compare-and-act on the claim's owner, atomically in Redis (a GET then a DEL could drop a claim another process took
# after this one's expired)
_REFRESH = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0"
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"


class RedisClaims:
    """Claims every API process sees: SET key owner NX PX ttl; refresh and release check the owner in a script. A Redis
    error is raised as BackendUnavailable (503 claims_unavailable), as the rest of the API answers a backend outage."""

    def __init__(self, client: Any, prefix: str = "copilot:claims:") -> None:
        self._r = client  # redis.Redis
        self.prefix = prefix
        self._refresh = client.register_script(_REFRESH)
        self._release = client.register_script(_RELEASE)

    def claim(self, key: str, owner: str, ttl_s: float) -> bool:
        with _redis_unavailable():
            return bool(self._r.set(self.prefix + key, owner, nx=True, px=max(1, int(ttl_s * 1000))))

    def refresh(self, key: str, owner: str, ttl_s: float) -> bool:
        with _redis_unavailable():
            return bool(self._refresh(keys=[self.prefix + key], args=[owner, max(1, int(ttl_s * 1000))]))

    def release(self, key: str, owner: str) -> None:
        with _redis_unavailable():
            self._release(keys=[self.prefix + key], args=[owner])


@contextlib.contextmanager
def _redis_unavailable() -> Iterator[None]:
    import redis  # only where Redis is configured: the contract needs no Redis client otherwise

    try:
        yield
    except redis.RedisError as exc:
        raise BackendUnavailable(
            f"the call claims cannot be reached right now ({type(exc).__name__}); retry",
            reason="claims_unavailable",
        ) from exc
