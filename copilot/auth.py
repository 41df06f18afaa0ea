"""API-key authentication with roles (rep, agent, evaluator, admin).

Keys are stored hashed (sha256) in settings: COPILOT_API_KEYS='{"<sha256 hex>": "rep:rep_zhang:ortho-east-1:acme"}'
(role:actor_id[:team[:tenant]]). A key that names a tenant works only on a service of that tenant (403 wrong_tenant
elsewhere), so one key list can be shared by the services of several tenants.
In development and test, well-known demo keys exist so `make demo` and the pages work out of the box; production refuses
them (see Settings). `copilot keys hash KEY` prints the hash to put in the environment.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import time
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Header, Query, Request

from contract import AccessDenied, CopilotError, ErrorCode
from contract.ports import Actor, Role
from copilot.settings import Settings

# Demo identities from docs/demo-tenant.md. Only honoured when settings.dev_api_keys is true (never in production).
DEV_KEYS: dict[str, str] = {
    "dev-rep-zhang": "rep:rep_zhang:ortho-east-1",
    "dev-rep-li": "rep:rep_li:ortho-east-1",
    "dev-rep-wang": "rep:rep_wang:equipment-east",
    "dev-agent-chen": "agent:agent_chen:contact-center",
    "dev-evaluator": "evaluator:eval_sun:quality",
    "dev-admin": "admin:admin_zhou:hq",
}


class Unauthenticated(CopilotError):
    code = ErrorCode.ACCESS
    http_status = 401


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _parse_identity(spec: str) -> Actor:
    role, _, rest = spec.partition(":")
    actor_id, _, rest = rest.partition(":")
    team, _, tenant = rest.partition(":")
    if role not in ("rep", "agent", "evaluator", "admin") or not actor_id:
        raise CopilotError(
            f"malformed API key identity {spec!r}: expected role:actor_id[:team[:tenant]]",
            reason="bad_key_config",
        )
    return Actor(id=actor_id, role=role, team=team, tenant=tenant)  # type: ignore[arg-type]


def in_tenant(actor: Actor, settings: Settings) -> Actor:
    """A key issued for another tenant is refused before anything is read (keys are scoped to a tenant)."""
    if actor.tenant and actor.tenant != settings.tenant:
        raise AccessDenied(
            f"this key belongs to tenant {actor.tenant!r}; this service serves {settings.tenant!r}",
            reason="wrong_tenant",
        )
    return actor


def actor_for_key(key: str, settings: Settings) -> Actor:
    if not key:
        raise Unauthenticated("missing API key: send the X-API-Key header", reason="no_api_key")
    digest = hash_key(key)
    for stored, spec in settings.api_keys.items():
        if hmac.compare_digest(stored, digest):
            return in_tenant(_parse_identity(spec), settings)
    if settings.dev_api_keys and settings.env != "production" and key in DEV_KEYS:
        return _parse_identity(DEV_KEYS[key])
    raise Unauthenticated("unknown API key", reason="bad_api_key")


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]


# Only what a browser must open by URL takes a token: elsewhere it would be a minute-long credential in a URL (the
# 360, the ledger), ending up in logs and Referer headers. The call socket reads its token in actor_for_socket.
TOKEN_PATHS = ("/v1/stream", "/v1/evals/reports/")


def current_actor(
    request: Request,
    settings: SettingsDep,
    x_api_key: Annotated[str, Header()] = "",
    authorization: Annotated[str, Header()] = "",
    token: Annotated[str, Query(include_in_schema=False)] = "",
) -> Actor:
    """The key comes from X-API-Key or `Authorization: Bearer` only, never from the query string: a URL ends up in
    access logs, browser history and Referer headers. What a browser must open by URL (EventSource, a report link)
    carries ?token=, a signed token from POST /v1/stream/token that names the actor and expires in about a minute;
    it is honoured on GET only."""
    key = x_api_key or (authorization[7:] if authorization.lower().startswith("bearer ") else "")
    if not key and token and request.method in ("GET", "HEAD") and request.url.path.startswith(TOKEN_PATHS):
        return actor_for_stream_token(token.strip(), settings)
    return actor_for_key(key.strip(), settings)


ActorDep = Annotated[Actor, Depends(current_actor)]

# ---- short-lived stream tokens (EventSource cannot send headers) ----------------------------------------------

_RANDOM_TOKEN_KEY = secrets.token_bytes(32)


def _token_key(settings: Settings) -> bytes:
    explicit = settings.stream_token_key.get_secret_value()
    if explicit:
        return explicit.encode("utf-8")
    checkpoint = settings.ledger_checkpoint_key.get_secret_value()
    if checkpoint:  # a secret every API process shares: derive a separate key from it
        return hmac.new(checkpoint.encode("utf-8"), b"copilot-stream-token", hashlib.sha256).digest()
    return _RANDOM_TOKEN_KEY


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def mint_stream_token(actor: Actor, settings: Settings, now: float | None = None) -> tuple[str, int]:
    """A signed token naming the actor, valid `stream_token_ttl_s` seconds: (token, expires_at epoch seconds)."""
    expires = int((time.time() if now is None else now) + settings.stream_token_ttl_s)
    claims = {"sub": actor.id, "role": actor.role, "team": actor.team, "tenant": actor.tenant, "exp": expires}
    body = _b64(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode("utf-8"))
    mac = _b64(hmac.new(_token_key(settings), body.encode("ascii"), hashlib.sha256).digest())
    return f"{body}.{mac}", expires


def actor_for_stream_token(token: str, settings: Settings, now: float | None = None) -> Actor:
    body, _, mac = token.partition(".")
    expected = _b64(hmac.new(_token_key(settings), body.encode("ascii", "replace"), hashlib.sha256).digest())
    if not body or not hmac.compare_digest(expected.encode(), mac.encode("utf-8", "replace")):
        raise Unauthenticated("stream token is not valid", reason="bad_stream_token")
    try:
        claims = json.loads(_unb64(body))
        expires, role, actor_id = int(claims["exp"]), str(claims["role"]), str(claims["sub"])
    except (ValueError, KeyError, TypeError):
        raise Unauthenticated("stream token is not valid", reason="bad_stream_token") from None
    if (time.time() if now is None else now) > expires:
        raise Unauthenticated(
            "stream token expired: ask POST /v1/stream/token again", reason="stream_token_expired"
        )
    return in_tenant(
        _parse_identity(f"{role}:{actor_id}:{claims.get('team', '')}:{claims.get('tenant', '')}"), settings
    )


def require(*roles: Role) -> Callable[[Actor], Actor]:
    def check(actor: ActorDep) -> Actor:
        if actor.role not in roles:
            raise AccessDenied(
                f"role {actor.role!r} may not use this route (allowed: {', '.join(roles)})",
                reason="wrong_role",
            )
        return actor

    return check


def actor_for_socket(headers: dict[str, str], query: dict[str, str], settings: Settings) -> Actor:
    """For WebSockets (live call audio): a gateway sends X-API-Key or Authorization; a browser, which cannot set
    headers on a WebSocket, sends ?token= from POST /v1/stream/token. A raw ?api_key= is not read."""
    auth = headers.get("authorization", "")
    key = headers.get("x-api-key", "") or (auth[7:] if auth.lower().startswith("bearer ") else "")
    if not key and query.get("token"):
        return actor_for_stream_token(query["token"].strip(), settings)
    return actor_for_key(key.strip(), settings)


# ---- the telephony gateway (registers live calls) -------------------------------------------------------------------
# Calls are opened by the telephony system, never by the agent's own socket: the gateway signs each registration with
# a key of its own (HMAC-SHA256), not an API key, so no agent, rep or admin key can register a call. The key comes from
# settings.call_gateway_key when Settings has it, else COPILOT_CALL_GATEWAY_KEY; in development and test (demo keys on)
# GATEWAY_DEV_KEY. Without a key in production every registration is refused.

GATEWAY_DEV_KEY = "dev-gateway-key"
GATEWAY_WINDOW_S = (
    300  # a signed request is accepted this long either side of its timestamp (replays go stale)
)
GATEWAY_TIMESTAMP_HEADER = "X-Gateway-Timestamp"
GATEWAY_SIGNATURE_HEADER = "X-Gateway-Signature"


def gateway_key(settings: Settings) -> bytes:
    value = settings.call_gateway_key.get_secret_value()
    if not value and settings.dev_api_keys and settings.env != "production":
        value = GATEWAY_DEV_KEY
    return value.encode("utf-8")


def _gateway_mac(key: bytes, timestamp: str, body: bytes) -> str:
    return hmac.new(key, timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()


def sign_gateway_body(body: bytes, key: str | bytes, now: float | None = None) -> dict[str, str]:
    """The headers a gateway sends with `body`: the timestamp and sha256=HMAC(key, "<timestamp>." + body)."""
    timestamp = str(int(time.time() if now is None else now))
    raw = key.encode("utf-8") if isinstance(key, str) else key
    return {
        GATEWAY_TIMESTAMP_HEADER: timestamp,
        GATEWAY_SIGNATURE_HEADER: "sha256=" + _gateway_mac(raw, timestamp, body),
    }


class GatewayRefused(Unauthenticated):
    """The uniform 401 for a refused gateway registration. `why` is the internal reason, for the server log only
    (never in the answer): no_key, missing, malformed, stale, bad_signature."""

    def __init__(self, message: str, why: str) -> None:
        super().__init__(message, reason="bad_gateway_signature")
        self.why = why


_GATEWAY_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_GATEWAY_SIGNATURE = re.compile(r"[0-9a-f]{64}")


def verify_gateway(
    headers: dict[str, str], body: bytes, settings: Settings, now: float | None = None
) -> None:
    """Unauthenticated (401 bad_gateway_signature, a GatewayRefused) unless the body is signed with the gateway's
    key and its timestamp is within GATEWAY_WINDOW_S; one answer for every failure (missing, malformed, stale,
    wrong). The timestamp must be 1-12 ASCII digits and the signature 64 lowercase hex digits, so no header value
    reaches int() or the ASCII encoding unchecked (a non-ASCII digit or a 5000-digit timestamp was a 500)."""
    key = gateway_key(settings)
    lowered = {k.lower(): v for k, v in headers.items()}
    timestamp = lowered.get(GATEWAY_TIMESTAMP_HEADER.lower(), "").strip()
    signature = lowered.get(GATEWAY_SIGNATURE_HEADER.lower(), "").strip().removeprefix("sha256=")
    message = (
        f"a call is registered by the telephony gateway only: sign the body with the gateway key "
        f"({GATEWAY_SIGNATURE_HEADER}: sha256=HMAC(key, timestamp + '.' + body), {GATEWAY_TIMESTAMP_HEADER})"
    )
    if not key:
        raise GatewayRefused(message, "no_key")
    if not timestamp or not signature:
        raise GatewayRefused(message, "missing")
    if not _GATEWAY_TIMESTAMP.fullmatch(timestamp) or not _GATEWAY_SIGNATURE.fullmatch(signature):
        raise GatewayRefused(message, "malformed")
    if abs((time.time() if now is None else now) - int(timestamp)) > GATEWAY_WINDOW_S:
        raise GatewayRefused(message, "stale")
    if not hmac.compare_digest(_gateway_mac(key, timestamp, body), signature):
        raise GatewayRefused(message, "bad_signature")
