"""Which calls each contact-center agent is on: the scope of what an agent may read (a customer's 360, the call's
suggestions) and write. Filled by the telephony gateway (POST /v1/calls, signed with the gateway's key: the call's
agent and customer), never by the agent's socket, which only attaches to a call registered for that agent; the
hang-up ends it, and an ended call stays in scope for `grace_s` so the agent can finish the wrap-up.

In-process by default; Redis when configured, so an API process answering the desk sees calls another one holds.

The short-lived claims the live-call routes hold across API processes (a gateway registration's signature accepted
once, one live socket per call id) are contract.claims' (`Claims`: `LocalClaims` in this process, `RedisClaims` in
Redis); `claims_for` picks the one that matches the call registry.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from contract.claims import Claims, LocalClaims, RedisClaims
from contract.errors import UserError

CallClaims = Claims  # the name the live routes and tests have used
__all__ = [
    "ActiveCall",
    "CallClaims",
    "CallRegistry",
    "LocalCalls",
    "LocalClaims",
    "RedisCalls",
    "RedisClaims",
    "claims_for",
]


@dataclass(frozen=True)
class ActiveCall:
    call_id: str
    agent_id: str
    customer_ref: str
    tenant: str
    started_at: float = 0.0
    ended_at: float = 0.0  # 0 = still on the call


class CallRegistry(Protocol):
    def start(self, call: ActiveCall) -> None: ...

    def end(self, call_id: str) -> None: ...

    def for_agent(self, agent_id: str) -> list[ActiveCall]: ...

    def get(self, call_id: str) -> ActiveCall | None:
        """The call registered under this id (live or in its grace period), whoever's it is."""
        ...


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _in_scope(call: ActiveCall, now: float, grace_s: float) -> bool:
    return not call.ended_at or now - call.ended_at <= grace_s


def _bind(held: str, tenant: str, what: str) -> str:
    if not tenant:
        raise UserError(f"a {what} is bound to a named tenant", reason="calls_tenant_missing")
    if held and held != tenant:
        raise UserError(
            f"this {what} holds tenant {held!r}'s calls, not {tenant!r}: one per tenant",
            reason="calls_tenant_mismatch",
        )
    return tenant


class LocalCalls:
    def __init__(self, grace_s: float = 1800.0) -> None:
        self.grace_s = grace_s
        self.tenant = ""
        self._calls: dict[str, ActiveCall] = {}
        self._lock = threading.Lock()

    def bind_tenant(self, tenant: str) -> None:
        """One service's registry in this process: nothing is shared, the tenant is only remembered."""
        self.tenant = _bind(self.tenant, tenant, "call registry")

    def start(self, call: ActiveCall) -> None:
        with self._lock:
            held = self._calls.get(call.call_id)
            if held is None or held.ended_at:
                self._calls[call.call_id] = ActiveCall(
                    call.call_id,
                    call.agent_id,
                    call.customer_ref,
                    call.tenant,
                    call.started_at or time.time(),
                )
            elif (
                not held.customer_ref and call.customer_ref
            ):  # registered at connect, the customer named later
                self._calls[call.call_id] = ActiveCall(
                    held.call_id, held.agent_id, call.customer_ref, held.tenant, held.started_at
                )

    def end(self, call_id: str) -> None:
        with self._lock:
            held = self._calls.get(call_id)
            if held is not None:
                self._calls[call_id] = ActiveCall(
                    held.call_id, held.agent_id, held.customer_ref, held.tenant, held.started_at, time.time()
                )

    def for_agent(self, agent_id: str) -> list[ActiveCall]:
        now = time.time()
        with self._lock:
            for cid in [c for c, call in self._calls.items() if not _in_scope(call, now, self.grace_s)]:
                del self._calls[cid]
            found = [c for c in self._calls.values() if c.agent_id == agent_id]
        return sorted(found, key=lambda c: c.started_at, reverse=True)

    def get(self, call_id: str) -> ActiveCall | None:
        with self._lock:
            held = self._calls.get(call_id)
        return held if held is not None and _in_scope(held, time.time(), self.grace_s) else None


class RedisCalls:
    """One hash per agent (call id → JSON), expiring a day after its last change. Bound to a tenant (`bind_tenant`,
    done by `copilot.service.Services` for its own, as it binds the ledger), every key is under `<prefix><tenant>:`:
    tenants may share the Redis, and their agent and call ids are their own (the same agent or call id in two
    tenants are two agents, two calls)."""

    def __init__(self, client: Any, grace_s: float = 1800.0, prefix: str = "copilot:calls:") -> None:
        self._r = client  # redis.Redis
        self.grace_s = grace_s
        self.base_prefix = prefix
        self.prefix = prefix  # + "<tenant>:" once bound
        self.tenant = ""

    def bind_tenant(self, tenant: str) -> None:
        self.tenant = _bind(self.tenant, tenant, "call registry")
        self.prefix = f"{self.base_prefix}{tenant}:"

    def start(self, call: ActiveCall) -> None:
        """Read-check-write in one WATCH/MULTI transaction (retried if a watched key changes). A free or ended id is
        (re-)registered under the new agent: removed from the previous owner's hash, written under `call.agent_id`,
        and `call:<id>` points at the new agent. A live id keeps its owner (only a missing customer is filled)."""
        stamped = ActiveCall(
            call.call_id, call.agent_id, call.customer_ref, call.tenant, call.started_at or time.time()
        )
        pointer = self.prefix + "call:" + call.call_id

        def write(pipe: Any) -> None:
            owner = pipe.get(pointer)
            previous = _text(owner) if owner is not None else ""
            raw = None
            if previous:
                pipe.watch(self.prefix + previous)
                raw = pipe.hget(self.prefix + previous, call.call_id)
            held = ActiveCall(**json.loads(raw)) if raw else None
            if held is None or held.ended_at:
                key = self.prefix + call.agent_id
                pipe.multi()
                if previous and previous != call.agent_id:
                    pipe.hdel(self.prefix + previous, call.call_id)
                pipe.hset(key, call.call_id, json.dumps(asdict(stamped)))
                pipe.set(pointer, call.agent_id, ex=86400)
                pipe.expire(key, 86400)
                return
            key = self.prefix + previous
            pipe.multi()
            if not held.customer_ref and call.customer_ref:  # registered at connect, the customer named later
                updated = ActiveCall(
                    held.call_id,
                    held.agent_id,
                    call.customer_ref,
                    call.tenant or held.tenant,
                    held.started_at,
                )
                pipe.hset(key, call.call_id, json.dumps(asdict(updated)))
            pipe.set(pointer, previous, ex=86400)
            pipe.expire(key, 86400)

        self._r.transaction(write, pointer)

    def end(self, call_id: str) -> None:
        agent = self._r.get(self.prefix + "call:" + call_id)
        if agent is None:
            return
        key = self.prefix + (agent.decode() if isinstance(agent, bytes) else str(agent))
        raw = self._r.hget(key, call_id)
        if raw is None:
            return
        data = json.loads(raw)
        data["ended_at"] = time.time()
        self._r.hset(key, call_id, json.dumps(data))

    def for_agent(self, agent_id: str) -> list[ActiveCall]:
        now = time.time()
        calls = [ActiveCall(**json.loads(v)) for v in self._r.hvals(self.prefix + agent_id)]
        return sorted(
            (c for c in calls if c.agent_id == agent_id and _in_scope(c, now, self.grace_s)),
            key=lambda c: c.started_at,
            reverse=True,
        )

    def get(self, call_id: str) -> ActiveCall | None:
        agent = self._r.get(self.prefix + "call:" + call_id)
        if agent is None:
            return None
        raw = self._r.hget(
            self.prefix + (agent.decode() if isinstance(agent, bytes) else str(agent)), call_id
        )
        call = ActiveCall(**json.loads(raw)) if raw else None
        return call if call is not None and _in_scope(call, time.time(), self.grace_s) else None


# ---- claims held across API processes (gateway replays, one socket per call): contract.claims -----------------------


def claims_for(registry: object) -> CallClaims:
    """The claims that match the call registry: Redis's when the registry is (scaled out; under the registry's tenant,
    as its keys are), this process's otherwise."""
    if isinstance(registry, RedisCalls):
        return RedisClaims(
            registry._r, prefix=f"copilot:claims:{registry.tenant}:" if registry.tenant else "copilot:claims:"
        )
    return LocalClaims()
