"""The live routes whose handlers come from the built services: Tencent callbacks (/channels/…) and the live-call
WebSocket (/voice/calls/{id}). Mounted in the app's lifespan, once the services exist."""

from __future__ import annotations

import copy
import logging
import re
import threading
import time
from typing import Any

from fastapi import Request

from contract import AccessDenied, InboundMessage, NotFound
from contract.ports import Actor
from copilot.calls import claims_for
from copilot.service import MessageRefusedError, Services

CALL_ID = re.compile(r"^[A-Za-z0-9._:-]{1,200}$")
log = logging.getLogger("copilot.api.live")


class RefusalBudget:
    """A small token bucket per client for the ledger rows of refused sockets: each recorded refusal spends a token;
    while the bucket is dry the client's refusals are still refused (and its registered calls still admitted) but not
    written to the ledger, logged sampled. Bounded: past `max_clients` buckets, the full ones (which say nothing) are
    dropped, then the oldest."""

    def __init__(self, rate: float, burst: int, max_clients: int = 10_000) -> None:
        self.rate, self.burst, self.max_clients = rate, float(burst), max_clients
        self._buckets: dict[str, tuple[float, float, int]] = {}  # client -> (tokens, at, refused while dry)
        self._lock = threading.Lock()

    def _level(self, client: str, now: float) -> tuple[float, int]:
        tokens, at, dry = self._buckets.get(client, (self.burst, now, 0))
        return min(self.burst, tokens + (now - at) * self.rate), dry

    def exhausted(self, client: str) -> int:
        """0 when the client's refusal may be recorded; else how many refusals went unrecorded since it ran dry (this
        one included)."""
        now = time.monotonic()
        with self._lock:
            tokens, dry = self._level(client, now)
            if tokens >= 1.0:
                if dry:
                    self._buckets[client] = (tokens, now, 0)
                return 0
            self._buckets[client] = (tokens, now, dry + 1)
            return dry + 1

    def spend(self, client: str) -> None:
        now = time.monotonic()
        with self._lock:
            tokens, dry = self._level(client, now)
            self._buckets[client] = (max(0.0, tokens - 1.0), now, dry)
            if len(self._buckets) > self.max_clients:
                full = [
                    c for c, (t, at, _) in self._buckets.items() if t + (now - at) * self.rate >= self.burst
                ]
                for c in full or list(self._buckets)[: len(self._buckets) - self.max_clients]:
                    del self._buckets[c]


def mount_channel_routes(app: Any, services: Services) -> None:
    """Tencent callbacks under /channels (signature-authenticated, not API keys)."""
    runtime = services.channels
    if runtime is not None and not getattr(app.state, "channels_mounted", False):
        mount_callbacks_first(app, runtime.router, "/channels")  # type: ignore[attr-defined]
        app.state.channels_mounted = True


def mount_callbacks_first(app: Any, router: Any, prefix: str) -> None:
    """The callback routes, prefixed, as plain routes at the head of the app's route list.

    `app.include_router` (FastAPI 0.16x) keeps an included router as one lazily matched branch: each callback went
    through every route and branch mounted before it, then through the branch's own context matching, about a quarter
    of the callback's own CPU. Measured through the ASGI app in one process (no network, commits without fsync,
    alternating blocks): ~465 -> ~345 us of CPU per encrypted callback. The routes are the channel router's own
    APIRoute objects, copied with the prefixed path (same endpoint, request handling, response class, name); no other
    route of the app starts with /channels, so matching first changes no other route's answer."""
    from fastapi.routing import APIRoute
    from starlette.routing import compile_path

    flat = []
    for route in router.routes:
        if not isinstance(route, APIRoute):  # nothing else is expected here; keep FastAPI's way for it
            app.include_router(router, prefix=prefix)
            return
        copied = copy.copy(route)
        copied.path = prefix + route.path
        copied.path_regex, copied.path_format, copied.param_convertors = compile_path(copied.path)
        flat.append(copied)
    app.router.routes[0:0] = flat


def mount_voice_routes(app: Any, services: Services) -> None:
    """Live call audio over WebSocket: each final customer segment runs through the same graph as chat; the
    suggestion streams back on the socket. Partials, finals, suggestions and the wrap-up are mirrored to the agent
    desktop through the hub (topic call:<call_id>).

    Who opens a call: the telephony gateway, never the agent. `POST /v1/calls` {call_id, agent_ref, customer_ref},
    signed with the gateway's own key (copilot.auth.verify_gateway: X-Gateway-Timestamp, X-Gateway-Signature
    sha256=HMAC(key, "<timestamp>." + body); API keys are not accepted there), registers the call: that is what puts
    the customer in the agent's scope. The socket needs an agent or admin (the X-API-Key header, or ?token= from
    POST /v1/stream/token) and attaches only to a registered, live call: an agent to a call registered for them
    (another agent's call and an unregistered id get the same `not_your_call`), an admin (an operator's tool) to any
    registered call, streaming as the call's agent. The start frame cannot change the call: a `customer_ref` or
    `agent_ref` other than the registration's is refused (`customer_mismatch` / `agent_mismatch`); left out, they
    are the registration's. A second socket on a call id with a live socket is refused (`call_id_in_use`); a
    reconnect after the hang-up needs the gateway to register the call again. Every refusal is logged; the access
    refusals are recorded in the ledger (access_denied)."""
    from fastapi import Depends, WebSocket
    from fastapi.concurrency import run_in_threadpool
    from pydantic import BaseModel, ConfigDict, Field, ValidationError

    from channels.voice import build_voice_router
    from channels.voice.asr_service import AsrService
    from channels.voice.router import StartFrame
    from contract import InputError
    from copilot.auth import (
        GATEWAY_SIGNATURE_HEADER,
        GATEWAY_WINDOW_S,
        GatewayRefused,
        actor_for_socket,
        require,
        verify_gateway,
    )

    asr = services.asr  # typed as what the service closes; the socket needs the ASR service itself
    if not isinstance(asr, AsrService) or getattr(app.state, "voice_mounted", False):
        return

    class CallRegistration(BaseModel):
        model_config = ConfigDict(extra="forbid")

        call_id: str = Field(min_length=1, max_length=200, pattern=CALL_ID.pattern)
        agent_ref: str = Field(min_length=1, max_length=200)
        customer_ref: str = Field(min_length=1, max_length=200)

    # signatures accepted, until their timestamp leaves the window: a signed registration replayed after the hang-up
    # would otherwise re-open the call. Held where the call registry is (copilot.calls.claims_for): in Redis when
    # scaled out, so a replay to another API process is caught too; in this process when embedded. A repeat while the
    # call is live and unchanged stays the idempotent no-op a gateway's retry needs. The same claims hold each call
    # id's one live socket (channels.voice.router).
    claims = claims_for(services.calls)

    def replayed(signature: str, call_id: str, agent_ref: str, customer_ref: str) -> bool:
        if claims.claim("gateway-signature:" + signature, "accepted", 2 * GATEWAY_WINDOW_S):
            return False
        call = services.calls.get(call_id)
        same = call is not None and (call.agent_id, call.customer_ref) == (agent_ref, customer_ref)
        return not (same and call is not None and not call.ended_at)

    async def register_call(request: Request) -> dict[str, str]:
        """The telephony gateway registers a live call (signed body; see mount_voice_routes)."""
        body = await request.body()
        peer = request.client.host if request.client else "unknown"
        try:
            verify_gateway(dict(request.headers), body, services.settings)
        except GatewayRefused as exc:  # the answer stays the uniform 401; the reason is for the operator
            log.warning("call registration refused from %s: %s", peer, exc.why)
            raise
        try:
            reg = CallRegistration.model_validate_json(body)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "body"
            raise InputError(
                f"bad call registration: {where}: {first['msg']}", reason="invalid_request"
            ) from exc
        signature = request.headers.get(GATEWAY_SIGNATURE_HEADER, "").strip()
        if await run_in_threadpool(replayed, signature, reg.call_id, reg.agent_ref, reg.customer_ref):
            log.warning("call registration refused from %s: replayed (call %s)", peer, reg.call_id)
            raise GatewayRefused("a signed call registration is accepted once", "replayed")
        call = await run_in_threadpool(services.register_call, reg.call_id, reg.agent_ref, reg.customer_ref)
        log.info("call %s registered by the gateway for agent %s", call.call_id, call.agent_id)
        return {"call_id": call.call_id, "agent_ref": call.agent_id, "customer_ref": call.customer_ref}

    app.add_api_route("/v1/calls", register_call, methods=["POST"], status_code=201, tags=["calls"])

    # COPILOT_RATE_SOCKET_REFUSAL_RPS / _BURST: how many refused sockets per client are written to the ledger
    refusals = RefusalBudget(
        services.settings.rate_socket_refusal_rps, services.settings.rate_socket_refusal_burst
    )

    def refuse(actor: Actor, call_id: str, reason: str, message: str, **details: str) -> AccessDenied:
        """Records the refusal (blocking: call it off the event loop) while the client's bucket holds a token; a client
        refused in a loop is still refused, but only a sampled log line says so (no ledger flood)."""
        client = f"{actor.role}:{actor.id}"
        dry = refusals.exhausted(client)
        if dry:
            if dry == 1 or dry % 100 == 0:
                log.warning("call sockets of %s: refusals rate-limited, not recorded (%d unrecorded so far)",
                            client, dry)  # fmt: skip
        else:
            refusals.spend(client)
            services.record_denial(actor, reason, {"attempted": "call_socket", "call_id": call_id, **details})
        return AccessDenied(message, reason=reason)

    def check_call(actor: Actor, call_id: str) -> None:
        """The registry read and any refusal's ledger row: blocking work, run in the threadpool."""
        if not CALL_ID.fullmatch(
            call_id
        ):  # the registration's own shape: nothing else reaches a log line or the ledger
            raise refuse(
                actor, "(not a call id)", "not_your_call", "not a registered call id", why="malformed"
            )
        call = services.calls.get(call_id)
        live = call is not None and not call.ended_at
        if not live or (actor.role == "agent" and call is not None and call.agent_id != actor.id):
            # one answer for an unregistered id and another agent's call: the socket never tells which ids exist
            why = "not registered" if call is None else "ended" if call.ended_at else "another agent's"
            raise refuse(
                actor, call_id, "not_your_call", f"call {call_id!r} is not registered for you", why=why
            )

    async def authorize(websocket: WebSocket) -> None:
        # a gateway sends X-API-Key; a browser ?token= from POST /v1/stream/token; never ?api_key= (access logs)
        actor = actor_for_socket(dict(websocket.headers), dict(websocket.query_params), services.settings)
        if actor.role not in ("agent", "admin"):
            raise AccessDenied(f"role {actor.role!r} may not stream call audio", reason="wrong_role")
        await run_in_threadpool(check_call, actor, str(websocket.path_params.get("call_id", "")))
        websocket.state.copilot_actor = actor

    def admit(websocket: WebSocket, start: StartFrame) -> StartFrame:
        """Blocking (a registry read, a refusal's ledger row): the router runs it off the event loop."""
        actor: Actor = websocket.state.copilot_actor
        call_id = str(websocket.path_params.get("call_id", ""))
        call = services.calls.get(call_id)
        if call is None or call.ended_at:  # ended between the upgrade and the start frame
            raise refuse(actor, call_id, "not_your_call", f"call {call_id!r} is not registered for you")
        if start.customer_ref not in ("unknown", call.customer_ref):
            raise refuse(actor, call_id, "customer_mismatch",
                         "the start frame names another customer than the call's registration",
                         named=start.customer_ref)  # fmt: skip
        if start.agent_ref not in ("", call.agent_id):
            raise refuse(actor, call_id, "agent_mismatch",
                         "the start frame names another agent than the call's registration",
                         named=start.agent_ref)  # fmt: skip
        return start.model_copy(update={"customer_ref": call.customer_ref, "agent_ref": call.agent_id})

    def on_frame(call_id: str, frame: dict[str, Any]) -> None:
        if frame.get("type") in ("partial", "final", "state"):  # state: silence, no_speech, low_confidence …
            try:
                pii = getattr(services.guardrails, "pii", None)
                if pii is None:  # fail closed: no masker, no transcript leaves the call
                    log.warning("call %s: no PII masker configured, the desk mirror is off", call_id)
                    return
                from agents.perception.masking import mask_text
                from channels.voice.router import masked_frame

                key = f"{services.settings.tenant}:{call_id}"  # the call's vault key, as perceive uses it
                frame = masked_frame(frame, lambda text: mask_text(pii, text, key).text)
                services.hub.publish(f"call:{call_id}", frame)
            except Exception:  # the desk mirror is best effort (Redis blip); the socket still gets the frame
                log.warning(
                    "could not mirror a %s frame of call %s", frame.get("type"), call_id, exc_info=True
                )

    async def on_final(msg: InboundMessage) -> dict[str, Any] | None:
        """The call desk gets the suggestion through the service's events (topic call:<id>); the socket too. The
        message's agent and customer are the registration's (admit put them in the call's config)."""
        actor = Actor(id=msg.rep_ref, role="agent", call_customer_ref=msg.customer_ref)
        try:
            suggestion = await run_in_threadpool(services.handle_message, msg, actor)
        except MessageRefusedError as refused:
            suggestion = refused.suggestion
        return suggestion.model_dump(mode="json") if suggestion is not None else None

    async def on_hangup(summary: dict[str, Any]) -> dict[str, Any] | None:
        actor = Actor(id=str(summary["agent_ref"]), role="agent", call_customer_ref=summary["customer_ref"])
        try:
            wrap = await run_in_threadpool(
                services.wrap_up, summary["call_id"], actor, tenant=services.settings.tenant
            )
        except NotFound:  # a call with no customer turn has nothing to wrap up (wrap_up ended the call)
            return None
        return wrap.model_dump(mode="json")

    status_guard = [Depends(require("admin"))]  # live call ids and ASR load are operator information
    app.include_router(
        build_voice_router(
            asr,
            on_final,
            on_hangup,
            tenant=services.settings.tenant,
            authorize=authorize,
            admit=admit,
            on_frame=on_frame,
            status_dependencies=status_guard,
            claims=claims,
        )
    )
    app.state.voice_mounted = True
