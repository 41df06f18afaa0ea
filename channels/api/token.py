"""Access-token caches. WeCom tokens live 7200 s; refresh early, and refresh ONCE when many requests find it stale at
the same moment (wechatpy's session storage has no lock, see WECHATPY.md)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

from contract.errors import BackendUnavailable, CopilotError

Fetch = Callable[[], tuple[str, int]]  # → (access_token, expires_in seconds)
EARLY_S = 300  # refresh this long before Tencent's expiry


@runtime_checkable
class TokenCache(Protocol):
    def get_or_refresh(self, key: str, fetch: Fetch, stale: str | None = None) -> str:
        """A valid token for `key`. `stale` is a token the API just rejected: never return it again; fetch once."""
        ...


class InMemoryTokenCache:
    def __init__(self) -> None:
        self._tokens: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def _current(self, key: str, stale: str | None) -> str | None:
        held = self._tokens.get(key)
        if held and held[1] > time.monotonic() and held[0] != stale:
            return held[0]
        return None

    def get_or_refresh(self, key: str, fetch: Fetch, stale: str | None = None) -> str:
        token = self._current(key, stale)
        if token:
            return token
        with self._lock:  # double-checked: the first thread fetches, the others find its token
            token = self._current(key, stale)
            if token:
                return token
            token, expires_in = fetch()
            self._tokens[key] = (token, time.monotonic() + max(expires_in - EARLY_S, 60))
            return token


class RedisTokenCache:
    """Shared by every worker. One refresher holds `lock:<key>` (SET NX PX); the others poll for its token."""

    def __init__(self, redis: Any, prefix: str = "copilot:wecom:token:", wait_s: float = 10.0) -> None:
        self._redis = redis
        self._prefix = prefix
        self._wait_s = wait_s

    def _get(self, key: str, stale: str | None) -> str | None:
        raw = self._redis.get(self._prefix + key)
        token = raw.decode() if isinstance(raw, bytes) else raw
        return token if token and token != stale else None

    def get_or_refresh(self, key: str, fetch: Fetch, stale: str | None = None) -> str:
        try:
            token = self._get(key, stale)
            if token:
                return token
            lock = self._prefix + "lock:" + key
            deadline = time.monotonic() + self._wait_s
            while time.monotonic() < deadline:
                if self._redis.set(lock, "1", nx=True, px=int(self._wait_s * 1000)):
                    try:
                        token = self._get(key, stale)  # someone may have refreshed before we got the lock
                        if token:
                            return token
                        token, expires_in = fetch()
                        self._redis.set(self._prefix + key, token, ex=max(expires_in - EARLY_S, 60))
                        return token
                    finally:
                        self._redis.delete(lock)
                time.sleep(0.05)
                token = self._get(key, stale)
                if token:
                    return token
        except CopilotError:  # from fetch(): a config error stays a config error
            raise
        except Exception as exc:  # redis errors
            raise BackendUnavailable(f"token cache failed: {exc}", reason="token_cache_unavailable") from exc
        raise BackendUnavailable(
            "timed out waiting for another worker's token refresh", reason="token_refresh_timeout"
        )


# ---- JS-SDK tickets (企业微信 JS-SDK: wx.config uses the corp's ticket, wx.agentConfig the app's) ------------------

TicketCall = Callable[[str, dict[str, str]], dict[str, Any]]  # (path, params) → Tencent's JSON (errcode 0)
CORP_TICKET_PATH = "/cgi-bin/get_jsapi_ticket"  # 企业 jsapi_ticket → wx.config
AGENT_TICKET_PATH = "/cgi-bin/ticket/get"  # 应用 jsapi_ticket (type=agent_config) → wx.agentConfig


class JsapiTickets:
    """Both jsapi_tickets, kept in the same TokenCache as the access token (Redis when scaled out, so every worker
    signs with the one ticket and Tencent's 400-per-hour limit is never near). A ticket lives 7200 s and is refreshed
    EARLY_S before; `call` is WeComApi.call (it adds the access token and retries once when that was stale)."""

    def __init__(self, call: TicketCall, cache: TokenCache, key: str) -> None:
        # In-process, tickets get a cache of their own: InMemoryTokenCache holds its lock while fetching, and a
        # ticket fetch needs the access token from that same lock. RedisTokenCache locks per key: shared as is.
        self._cache = InMemoryTokenCache() if isinstance(cache, InMemoryTokenCache) else cache
        self._call, self._key = call, key

    def _fetch(self, path: str, params: dict[str, str]) -> Fetch:
        def fetch() -> tuple[str, int]:
            data = self._call(path, params)
            ticket = str(data.get("ticket") or "")
            if not ticket:
                raise BackendUnavailable(f"WeCom {path} returned no ticket", reason="wecom_bad_response")
            return ticket, int(data.get("expires_in", 7200))

        return fetch

    def corp(self) -> str:
        return self._cache.get_or_refresh(f"jsapi:corp:{self._key}", self._fetch(CORP_TICKET_PATH, {}))

    def agent(self) -> str:
        fetch = self._fetch(AGENT_TICKET_PATH, {"type": "agent_config"})
        return self._cache.get_or_refresh(f"jsapi:agent:{self._key}", fetch)


def js_signature(ticket: str, noncestr: str, timestamp: int, url: str) -> str:
    """Tencent's JS-SDK signature: sha1 over `jsapi_ticket=…&noncestr=…&timestamp=…&url=…` in this order, values
    raw (no URL-encoding), the url without its #fragment."""
    import hashlib

    plain = f"jsapi_ticket={ticket}&noncestr={noncestr}&timestamp={timestamp}&url={url.split('#', 1)[0]}"
    return hashlib.sha1(plain.encode("utf-8")).hexdigest()  # noqa: S324 - the algorithm Tencent specifies
