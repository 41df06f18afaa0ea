"""Request size limit (before the body is read into memory) and token-bucket rate limits per API key and per channel."""

from __future__ import annotations

import hashlib
import threading
import time

from pydantic_settings import BaseSettings, SettingsConfigDict
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodySizeLimit:
    """Refuses bodies over `max_bytes` with 413, whether or not Content-Length is honest."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _too_large(send, self.max_bytes)
            return
        seen = 0
        refused = False

        async def limited_receive() -> Message:
            nonlocal seen, refused
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    refused = True
                    raise _BodyTooLarge
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _BodyTooLarge:
            if refused:
                await _too_large(send, self.max_bytes)


class _BodyTooLarge(Exception):
    pass


async def _too_large(send: Send, limit: int) -> None:
    body = f'{{"error":"input","reason":"body_too_large","message":"request body exceeds {limit} bytes"}}'.encode()
    await send(
        {"type": "http.response.start", "status": 413, "headers": [(b"content-type", b"application/json")]}
    )
    await send({"type": "http.response.body", "body": body})


class RateLimiter:
    """A token bucket per key: `rate` requests per second with bursts up to `burst`. In-process; each API process
    enforces its own share (documented in the deployment guide)."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                return False
            self._buckets[key] = (tokens - 1.0, now)
            return True


class RateLimitSettings(BaseSettings):
    """COPILOT_RATE_*: per API key (or per client address when no key is sent) and per channel callback URL.
    Limits are per API process: with N processes behind a balancer the cluster allows N times these."""

    model_config = SettingsConfigDict(env_prefix="COPILOT_RATE_", extra="ignore")

    per_key_rps: float = 50.0
    per_key_burst: int = 100
    per_channel_rps: float = (
        2000.0  # Tencent's own callback rate is bounded; this stops a flood of forged posts
    )
    per_channel_burst: int = 4000
    enabled: bool = True


class RateLimit:
    """ASGI middleware: 429 + Retry-After when a key (on /v1) or a channel (on /channels/<name>) is over its budget.
    Runs before auth, so an unknown key is limited too (by its hash); health checks and pages are not limited."""

    def __init__(self, app: ASGIApp, settings: RateLimitSettings | None = None) -> None:
        self.app = app
        self.settings = settings or RateLimitSettings()
        s = self.settings
        self.per_key = RateLimiter(s.per_key_rps, s.per_key_burst)
        self.per_channel = RateLimiter(s.per_channel_rps, s.per_channel_burst)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        bucket = self._bucket(scope) if scope["type"] == "http" and self.settings.enabled else None
        if bucket is not None:
            limiter, key = bucket
            if not limiter.allow(key):
                await _rate_limited(send, key.partition(":")[0])
                return
        await self.app(scope, receive, send)

    def _bucket(self, scope: Scope) -> tuple[RateLimiter, str] | None:
        path: str = scope.get("path", "")
        if path.startswith("/channels/"):
            return self.per_channel, "channel:" + path.split("/")[2]
        if not path.startswith("/v1/"):
            return None
        headers = dict(scope.get("headers", []))
        key = headers.get(b"x-api-key", b"")
        auth = headers.get(b"authorization", b"")
        if not key and auth[:7].lower() == b"bearer ":
            key = auth[7:]
        # keys come from headers only (auth refuses `?api_key=`): a key in the URL is not a bucket of its own
        if key:
            return self.per_key, "key:" + hashlib.sha256(key.strip()).hexdigest()[:24]
        client = scope.get("client") or ("?", 0)
        return self.per_key, f"client:{client[0]}"


async def _rate_limited(send: Send, scope_name: str) -> None:
    body = (
        f'{{"error":"rate_limited","reason":"rate_limited_{scope_name}",'
        f'"message":"too many requests for this {scope_name}; retry after 1 s"}}'
    ).encode()
    headers = [(b"content-type", b"application/json"), (b"retry-after", b"1")]
    await send({"type": "http.response.start", "status": 429, "headers": headers})
    await send({"type": "http.response.body", "body": body})
