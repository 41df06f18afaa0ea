"""Reversible tokenisation: token → original value, kept per vault key (a conversation, typically), and shown back
only to roles that may see it. In-process by default; Redis-backed (hashes with a TTL) when several processes share it.

Values in the vault are the raw PII: keep Redis private (the ledger and logs only ever see tokens)."""

from __future__ import annotations

import re
import threading
from typing import Protocol

from contract.errors import AccessDenied, BackendUnavailable, InputError
from contract.ports import Actor

UNMASK_ROLES = frozenset({"rep", "agent", "admin"})  # an evaluator reads masked transcripts only
TOKEN_RE = re.compile(r"<([A-Z][A-Z_]*?)_(\d+)>")


class Vault(Protocol):
    def token_for(self, vault_key: str, entity: str, value: str) -> str:
        """The token of `value` in this vault: the same value gets the same token every time."""
        ...

    def values(self, vault_key: str) -> dict[str, str]: ...


class MemoryVault:
    def __init__(self) -> None:
        self._tokens: dict[str, dict[str, str]] = {}  # vault_key → token → value
        self._reverse: dict[str, dict[tuple[str, str], str]] = {}
        self._counters: dict[str, dict[str, int]] = {}
        self._lock = threading.Lock()

    def token_for(self, vault_key: str, entity: str, value: str) -> str:
        with self._lock:
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

    def values(self, vault_key: str) -> dict[str, str]:
        with self._lock:
            return dict(self._tokens.get(vault_key, {}))


class RedisVault:
    """Three keys per vault: tokens (token → value), reverse (entity\\x1fvalue → token), counters (entity → n)."""

    _ASSIGN = """
    local existing = redis.call('HGET', KEYS[2], ARGV[1])
    if existing then return existing end
    local n = redis.call('HINCRBY', KEYS[3], ARGV[2], 1)
    local token = '<' .. ARGV[2] .. '_' .. n .. '>'
    redis.call('HSET', KEYS[2], ARGV[1], token)
    redis.call('HSET', KEYS[1], token, ARGV[3])
    for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ARGV[4]) end
    return token
    """

    def __init__(self, url: str, *, ttl_s: int = 30 * 24 * 3600, prefix: str = "copilot:pii") -> None:
        import redis  # the scale extra's client; imported here so the in-process default never needs it

        self._r = redis.Redis.from_url(url, decode_responses=True, socket_timeout=2.0)
        self._ttl = ttl_s
        self._prefix = prefix
        self._assign = self._r.register_script(self._ASSIGN)

    def _keys(self, vault_key: str) -> list[str]:
        return [f"{self._prefix}:{vault_key}:{part}" for part in ("tokens", "reverse", "counters")]

    def token_for(self, vault_key: str, entity: str, value: str) -> str:
        try:
            return str(
                self._assign(
                    keys=self._keys(vault_key), args=[f"{entity}\x1f{value}", entity, value, self._ttl]
                )
            )
        except Exception as exc:  # redis raises its own hierarchy; callers get the contract's error
            raise BackendUnavailable(f"PII vault unreachable: {exc}", reason="pii_vault") from exc

    def values(self, vault_key: str) -> dict[str, str]:
        try:
            return dict(self._r.hgetall(self._keys(vault_key)[0]))
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
