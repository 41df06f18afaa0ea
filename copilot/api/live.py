"""The live routes whose handlers come from the built services: Tencent callbacks (/channels/…) and the live-call
WebSocket (/voice/calls/{id}). Mounted in the app's lifespan, once the services exist."""

from __future__ import annotations

import copy
import logging
from typing import Any

from contract import AccessDenied, InboundMessage, NotFound
from contract.ports import Actor
from copilot.service import MessageRefusedError, Services

log = logging.getLogger("copilot.api.live")


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
    desktop through the hub (topic call:<call_id>). The socket needs an agent or admin: the X-API-Key header, or
    ?token= from POST /v1/stream/token."""
    from fastapi import Depends, WebSocket
    from fastapi.concurrency import run_in_threadpool

    from channels.voice import build_voice_router
    from channels.voice.asr_service import AsrService
    from copilot.auth import actor_for_socket, require

    asr = services.asr  # typed as what the service closes; the socket needs the ASR service itself
    if not isinstance(asr, AsrService) or getattr(app.state, "voice_mounted", False):
        return

    # call id -> who authenticated the socket. An agent streams as themselves: the start frame's agent_ref cannot
    # name another agent (whose scope and ledger identity they would borrow). A gateway (admin key) speaks for the
    # telephony system and names the call's agent itself.
    streamers: dict[str, Actor] = {}

    def streamed_by(call_id: str, named_agent: str) -> str:
        streamer = streamers.get(call_id)
        return streamer.id if streamer is not None and streamer.role == "agent" else (named_agent or "agent")

    async def authorize(websocket: WebSocket) -> None:
        # a gateway sends X-API-Key; a browser ?token= from POST /v1/stream/token; never ?api_key= (access logs)
        actor = actor_for_socket(dict(websocket.headers), dict(websocket.query_params), services.settings)
        if actor.role not in ("agent", "admin"):
            raise AccessDenied(f"role {actor.role!r} may not stream call audio", reason="wrong_role")
        call_id = str(websocket.path_params.get("call_id", ""))
        if call_id:
            streamers[call_id] = actor
        if (
            actor.role == "agent" and call_id
        ):  # the call is this agent's from the first frame (desk events, scope)
            services.call_started(call_id, actor.id, "", services.settings.tenant)

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
        """The call desk gets the suggestion through the service's events (topic call:<id>); the socket too."""
        agent_id = streamed_by(msg.conversation_id, msg.rep_ref)
        if agent_id != msg.rep_ref:
            msg = msg.model_copy(update={"rep_ref": agent_id})
        services.call_started(msg.conversation_id, agent_id, msg.customer_ref, msg.tenant)
        actor = Actor(id=agent_id, role="agent", call_customer_ref=msg.customer_ref)
        try:
            suggestion = await run_in_threadpool(services.handle_message, msg, actor)
        except MessageRefusedError as refused:
            suggestion = refused.suggestion
        return suggestion.model_dump(mode="json") if suggestion is not None else None

    async def on_hangup(summary: dict[str, Any]) -> dict[str, Any] | None:
        agent_id = streamed_by(str(summary["call_id"]), str(summary.get("agent_ref") or ""))
        streamers.pop(str(summary["call_id"]), None)
        actor = Actor(id=agent_id, role="agent", call_customer_ref=summary["customer_ref"])
        try:
            wrap = await run_in_threadpool(
                services.wrap_up, summary["call_id"], actor, tenant=services.settings.tenant
            )
        except NotFound:  # a call with no customer turn has nothing to wrap up
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
            on_frame=on_frame,
            status_dependencies=status_guard,
        )
    )
    app.state.voice_mounted = True
