"""Reversible tokenisation: token → original value, kept per vault key (a conversation, typically), and shown back
only to roles that may see it. In-process by default; Redis-backed (hashes with a TTL) when several processes share it.

The vault is the only place raw values live, and only for its TTL. In Redis they are encrypted at rest: each value is
AES-256-GCM sealed (random nonce, the vault key and token as associated data, so a sealed value copied to another
token does not open) and the reverse index (value → token, for stable tokens) is keyed by an HMAC of the value, never
the value itself. A dump of Redis therefore holds no personal data without the key from settings."""

from __future__ import annotations

import base64
import contextlib
import contextvars
import hashlib
import hmac
import os
import re
import threading
import time
from collections.abc import Iterator
from typing import Protocol

from contract.errors import AccessDenied, BackendUnavailable, InputError
from contract.ports import Actor

DEFAULT_TTL_S = (
    72 * 3600
)  # long enough for a conversation that runs over a weekend, short enough to be a cache
UNMASK_ROLES = frozenset({"rep", "agent", "admin"})  # an evaluator reads masked transcripts only
TOKEN_RE = re.compile(r"<([A-Z][A-Z_]*?)_(\d+)>")


# One message's reads of the Redis vault, while a `reads_kept()` scope is open: (vault instance, vault key, entity) →
# the token → value map RedisVault.values returned. Shared by the threads a run copies its context into.
_READS: contextvars.ContextVar[dict[tuple[int, str, str | None], dict[str, str]] | None] = (
    contextvars.ContextVar("copilot_vault_reads", default=None)
)


@contextlib.contextmanager
def reads_kept() -> Iterator[None]:
    """Within: RedisVault.values answers a (vault key, entity) it has already answered in this scope from what it read
    then, until a token_for or forget on that vault key in this process (which drops what was kept for the key, so
    the next read goes to Redis). Opened around one message's run (the worker holds the conversation's lock; the
    graph's turn): masking reads the conversation's carried names 4-7 times per message (perceive's message, its
    parts, its evidence, guard_input, the checkpoint's masking), each a Redis round trip and a decryption. Outside a
    scope every read goes to Redis, as before; a scope already open is shared by the nested one."""
    if _READS.get() is not None:
        yield
        return
    token = _READS.set({})
    try:
        yield
    finally:
        _READS.reset(token)


def _drop_reads(vault_key: str) -> None:
    reads = _READS.get()
    if reads:
        for key in list(reads):  # list(): another thread of the run may add a read meanwhile
            if key[1] == vault_key:
                reads.pop(key, None)


class Vault(Protocol):
    def token_for(self, vault_key: str, entity: str, value: str) -> str:
        """The token of `value` in this vault: the same value gets the same token every time."""
        ...

    def values(self, vault_key: str, entity: str | None = None) -> dict[str, str]:
        """token → value; with `entity`, only that entity's tokens (the Redis vault then opens no others)."""
        ...


class MemoryVault:
    """In-process vault (one-box deployments). With `ttl_s`, a conversation's values are forgotten `ttl_s` after its
    last new or repeated value, as the Redis vault's keys expire: raw values never outlive the TTL in memory either."""

    def __init__(self, ttl_s: float | None = None) -> None:
        self._tokens: dict[str, dict[str, str]] = {}  # vault_key → token → value
        self._reverse: dict[str, dict[tuple[str, str], str]] = {}
        self._counters: dict[str, dict[str, int]] = {}
        self._touched: dict[str, float] = {}  # vault_key → monotonic time of its last token_for
        self._ttl = ttl_s
        self._calls = 0
        self._lock = threading.Lock()

    def _expire(self, vault_key: str, now: float) -> None:
        """Under the lock: drop `vault_key` when its TTL has passed."""
        touched = self._touched.get(vault_key)
        if self._ttl is not None and touched is not None and now - touched > self._ttl:
            for store in (self._tokens, self._reverse, self._counters, self._touched):
                store.pop(vault_key, None)

    def token_for(self, vault_key: str, entity: str, value: str) -> str:
        with self._lock:
            now = time.monotonic()
            self._calls += 1
            for key in list(self._touched) if self._calls % 1000 == 0 else [vault_key]:
                self._expire(key, now)  # every 1000th call sweeps all keys, so idle conversations go too
            self._touched[vault_key] = now
            reverse = self._reverse.setdefault(vault_key, {})
            if (entity, value) in reverse:
                return reverse[(entity, value)]
            tokens = self._tokens.setdefault(vault_key, {})
            counters = self._counters.setdefault(vault_key, {})
            n = counters[entity] = counters.get(entity, 0) + 1
            token = f"<{entity}_{n}>"
            reverse[(entity, value)] = token
            tokens[token] = value
            return token

    def values(self, vault_key: str, entity: str | None = None) -> dict[str, str]:
        with self._lock:
            self._expire(vault_key, time.monotonic())
            tokens = self._tokens.get(vault_key, {})
            if entity is None:
                return dict(tokens)
            return {t: v for t, v in tokens.items() if t.startswith(f"<{entity}_")}

    def forget(self, vault_key: str) -> int:
        with self._lock:
            found = vault_key in self._tokens
            for store in (self._tokens, self._reverse, self._counters, self._touched):
                store.pop(vault_key, None)
            return int(found)


class VaultCipher:
    """AES-256-GCM for vault values and HMAC-SHA256 for the reverse index, both keyed from one secret (separate
    sub-keys derived with HMAC, so the index key never encrypts and the encryption key never indexes)."""

    def __init__(self, secret: str | bytes) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        raw = secret.encode() if isinstance(secret, str) else secret
        if len(raw) < 16:
            raise InputError("the PII vault key must hold at least 16 bytes", reason="pii_vault_key_short")
        self._aead = AESGCM(hmac.new(raw, b"copilot-pii-vault:aes", hashlib.sha256).digest())
        self._index_key = hmac.new(raw, b"copilot-pii-vault:index", hashlib.sha256).digest()

    def seal(self, value: str, context: str) -> str:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, value.encode(), context.encode())
        return "g1:" + base64.b64encode(nonce + sealed).decode()

    def open(self, sealed: str, context: str) -> str:
        from cryptography.exceptions import InvalidTag

        if not sealed.startswith("g1:"):
            raise InputError(
                "PII vault value is not sealed (written without encryption)", reason="pii_vault_plain"
            )
        blob = base64.b64decode(sealed[3:])
        try:
            return self._aead.decrypt(blob[:12], blob[12:], context.encode()).decode()
        except InvalidTag as exc:
            raise InputError(
                "PII vault value does not open with the configured key", reason="pii_vault_key_mismatch"
            ) from exc

    def index(self, entity: str, value: str) -> str:
        return hmac.new(self._index_key, f"{entity}\x1f{value}".encode(), hashlib.sha256).hexdigest()


class RedisVault:
    """Three keys per vault: tokens (token → sealed value), reverse (HMAC of entity+value → token), counters
    (entity → n). All three expire `ttl_s` after the vault's last new token."""

    _ASSIGN = """
    local existing = redis.call('HGET', KEYS[2], ARGV[1])
    if existing then
      for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ARGV[4]) end
      return existing
    end
    local n = redis.call('HINCRBY', KEYS[3], ARGV[2], 1)
    local token = '<' .. ARGV[2] .. '_' .. n .. '>'
    redis.call('HSET', KEYS[2], ARGV[1], token)
    redis.call('HSET', KEYS[1], token, ARGV[3])
    for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ARGV[4]) end
    return token
    """

    def __init__(
        self, url: str, *, secret: str | bytes, ttl_s: int = DEFAULT_TTL_S, prefix: str = "copilot:pii"
    ) -> None:
        import redis  # the scale extra's client; imported here so the in-process default never needs it

        self._r = redis.Redis.from_url(url, decode_responses=True, socket_timeout=2.0)
        self._cipher = VaultCipher(secret)
        self._ttl = ttl_s
        self._prefix = prefix
        self._assign = self._r.register_script(self._ASSIGN)

    def _keys(self, vault_key: str) -> list[str]:
        return [f"{self._prefix}:{vault_key}:{part}" for part in ("tokens", "reverse", "counters")]

    def token_for(self, vault_key: str, entity: str, value: str) -> str:
        # The sealed value is bound to the token it will be stored under; the script assigns the token, so the
        # value is sealed for the vault key here and re-checked on open (a token's context is vault_key + entity).
        sealed = self._cipher.seal(value, f"{vault_key}\x1f{entity}")
        try:
            return str(
                self._assign(
                    keys=self._keys(vault_key),
                    args=[self._cipher.index(entity, value), entity, sealed, self._ttl],
                )
            )
        except Exception as exc:  # redis raises its own hierarchy; callers get the contract's error
            raise BackendUnavailable(f"PII vault unreachable: {exc}", reason="pii_vault") from exc
        finally:  # the key may have a new token: its next read goes to Redis
            _drop_reads(vault_key)

    def values(self, vault_key: str, entity: str | None = None) -> dict[str, str]:
        reads = _READS.get()
        kept = reads.get((id(self), vault_key, entity)) if reads is not None else None
        if kept is not None:
            return dict(kept)
        out = self._read(vault_key, entity)
        if reads is not None:
            reads[(id(self), vault_key, entity)] = dict(out)
        return out

    def _read(self, vault_key: str, entity: str | None) -> dict[str, str]:
        try:
            sealed = dict(self._r.hgetall(self._keys(vault_key)[0]))
        except Exception as exc:
            raise BackendUnavailable(f"PII vault unreachable: {exc}", reason="pii_vault") from exc
        out: dict[str, str] = {}
        for token, blob in sealed.items():
            name = token.decode() if isinstance(token, bytes) else str(token)
            m = TOKEN_RE.fullmatch(name)
            if entity is not None and (m is None or m.group(1) != entity):
                continue  # filtered before decrypting: a turn's name lookup opens no phone or ID
            out[name] = self._cipher.open(str(blob), f"{vault_key}\x1f{m.group(1) if m else ''}")
        return out

    def forget(self, vault_key: str) -> int:
        """Drop a vault now (a subject's erasure request); returns how many keys went."""
        _drop_reads(vault_key)
        try:
            return int(self._r.delete(*self._keys(vault_key)))
        except Exception as exc:
            raise BackendUnavailable(f"PII vault unreachable: {exc}", reason="pii_vault") from exc


def check_unmask_allowed(actor: Actor) -> None:
    if actor.role not in UNMASK_ROLES:
        raise AccessDenied(
            f"role {actor.role!r} may not see unmasked personal data",
            reason="pii_unmask_denied",
            actor=actor.id,
        )


def unmask(vault: Vault, vault_key: str, text: str, actor: Actor) -> str:
    """Put the real values back into a masked text (the rep's page). Unknown tokens are left as they are."""
    check_unmask_allowed(actor)
    if not vault_key:
        raise InputError("unmask needs the vault_key of the masking", reason="pii_vault_key_missing")
    values = vault.values(vault_key)
    return TOKEN_RE.sub(lambda m: values.get(m.group(0), m.group(0)), text)
