"""The steps every callback POST shares, transport-free so they are easy to test: freshness, replay, signature,
decrypt, parse. Each refusal is a CallbackRejected (4xx with a reason)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from channels.config import CallbackPolicy
from channels.dedupe import NonceCache
from channels.errors import forbidden, malformed
from channels.wecom.crypto import CallbackCrypto
from channels.wecom.xml import parse_xml


def require(params: dict[str, str], *names: str) -> list[str]:
    missing = [n for n in names if not params.get(n)]
    if missing:
        raise malformed("missing_param", f"missing query parameter(s): {', '.join(missing)}")
    return [params[n] for n in names]


def check_fresh(timestamp: str, policy: CallbackPolicy) -> None:
    try:
        ts = int(timestamp)
    except ValueError:
        raise malformed("bad_timestamp", "timestamp is not an integer") from None
    if policy.max_age_s and abs(policy.clock() - ts) > policy.max_age_s:
        raise forbidden("stale_timestamp", f"timestamp is outside the {policy.max_age_s}s window")


def check_replay(
    cache: NonceCache, scope: str, timestamp: str, nonce: str, fingerprint: str, ttl_s: int
) -> None:
    """The same (timestamp, nonce) may come back only with the same signed content: that is Tencent retrying and
    the inbox dedupes it. Different content under a used nonce is a replay with a swapped body (possible in OA
    plain mode, where the body is unsigned)."""
    held = cache.remember(f"{scope}:{timestamp}:{nonce}", fingerprint, ttl_s)
    if held is not None and held != fingerprint:
        raise forbidden("nonce_reused", "this timestamp/nonce was already used for a different request")


@dataclass(frozen=True)
class Opened:
    fields: dict[str, Any]
    fingerprint: str


def open_encrypted(crypto: CallbackCrypto, params: dict[str, str], body: bytes) -> Opened:
    """WeCom POST (and OA safe mode): only <Encrypt> is signed; ToUserName / AgentID are ignored."""
    msg_signature, timestamp, nonce = require(params, "msg_signature", "timestamp", "nonce")
    outer = parse_xml(body)
    encrypted = outer.get("Encrypt")
    if not isinstance(encrypted, str) or not encrypted.strip():
        raise malformed("no_encrypt", "body has no <Encrypt>")
    plaintext = crypto.decrypt_message(msg_signature, timestamp, nonce, encrypted.strip())
    return Opened(parse_xml(plaintext), msg_signature.lower())


def open_plain(crypto: CallbackCrypto, params: dict[str, str], body: bytes) -> Opened:
    """OA plain mode: the signature covers token/timestamp/nonce only, so the body is fingerprinted for replay."""
    signature_, timestamp, nonce = require(params, "signature", "timestamp", "nonce")
    crypto.check_signature(signature_, timestamp, nonce)
    fields = parse_xml(body)
    return Opened(fields, hashlib.sha256(body).hexdigest())
