"""API-key authentication with roles (rep, agent, evaluator, admin).

Keys are stored hashed (sha256) in settings: COPILOT_API_KEYS='{"<sha256 hex>": "rep:rep_zhang:ortho-east-1"}'.
In development and test, well-known demo keys exist so `make demo` and the pages work out of the box; production refuses
them (see Settings). `copilot keys hash KEY` prints the hash to put in the environment.
"""

from __future__ import annotations

import hashlib
import hmac
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
    actor_id, _, team = rest.partition(":")
    if role not in ("rep", "agent", "evaluator", "admin") or not actor_id:
        raise CopilotError(
            f"malformed API key identity {spec!r}: expected role:actor_id[:team]", reason="bad_key_config"
        )
    return Actor(id=actor_id, role=role, team=team)  # type: ignore[arg-type]


def actor_for_key(key: str, settings: Settings) -> Actor:
    if not key:
        raise Unauthenticated("missing API key: send the X-API-Key header", reason="no_api_key")
    digest = hash_key(key)
    for stored, spec in settings.api_keys.items():
        if hmac.compare_digest(stored, digest):
            return _parse_identity(spec)
    if settings.dev_api_keys and settings.env != "production" and key in DEV_KEYS:
        return _parse_identity(DEV_KEYS[key])
    raise Unauthenticated("unknown API key", reason="bad_api_key")


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]


def current_actor(
    settings: SettingsDep,
    x_api_key: Annotated[str, Header()] = "",
    authorization: Annotated[str, Header()] = "",
    api_key: Annotated[str, Query(include_in_schema=False)] = "",
) -> Actor:
    """The key comes from X-API-Key, `Authorization: Bearer`, or ?api_key= (only for EventSource/WebSocket pages)."""
    key = x_api_key or (authorization[7:] if authorization.lower().startswith("bearer ") else "") or api_key
    return actor_for_key(key.strip(), settings)


ActorDep = Annotated[Actor, Depends(current_actor)]


def require(*roles: Role) -> Callable[[Actor], Actor]:
    def check(actor: ActorDep) -> Actor:
        if actor.role not in roles:
            raise AccessDenied(
                f"role {actor.role!r} may not use this route (allowed: {', '.join(roles)})",
                reason="wrong_role",
            )
        return actor

    return check
