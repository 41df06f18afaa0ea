"""Server-sent events for the pages, and the listings pages use to catch up after a reconnect."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from contract import AccessDenied
from contract.ports import Actor
from copilot.api.deps import ServicesDep
from copilot.auth import SettingsDep, mint_stream_token, require
from copilot.calls import CallRegistry

router = APIRouter(prefix="/v1", tags=["push"])
Anyone = Annotated[Actor, Depends(require("rep", "agent", "evaluator", "admin"))]
HumanSide = Annotated[Actor, Depends(require("rep", "agent", "admin"))]
KEEPALIVE_S = 15.0


def _in_scope(actor: Actor, topic: str, calls: CallRegistry) -> bool:
    """An agent gets a call's events only while it is one of their calls (on it, or just wrapped up)."""
    if not _needs_scope_check(actor, topic):
        return True
    return topic.removeprefix("call:") in {c.call_id for c in calls.for_agent(actor.id)}


def _needs_scope_check(actor: Actor, topic: str) -> bool:
    return actor.role == "agent" and topic.startswith("call:")


def _allowed_topic(actor: Actor, topic: str) -> str:
    """A rep listens to their own topic; agents to calls; admins to anything."""
    if not topic:
        return f"rep:{actor.id}" if actor.role == "rep" else f"agent:{actor.id}"
    if actor.role == "admin":
        return topic
    if actor.role == "rep" and topic == f"rep:{actor.id}":
        return topic
    if actor.role == "agent" and (topic.startswith("call:") or topic == f"agent:{actor.id}"):
        return topic  # a call topic may be opened before the call starts; events are filtered by _in_scope
    raise AccessDenied(f"{actor.role} {actor.id} may not listen to {topic!r}", reason="topic_not_allowed")


@router.post("/stream/token")
def stream_token(actor: Anyone, settings: SettingsDep) -> dict[str, object]:
    """A signed token for GET /v1/stream?token=… (EventSource cannot send headers, and an API key in a URL lands in
    access logs), also accepted by other GET routes a page opens by URL (an eval report). Valid `stream_token_ttl_s`
    seconds (60 by default) to open a stream; an open stream stays open. It carries the caller's own role only."""
    token, expires_at = mint_stream_token(actor, settings)
    return {"token": token, "expires_at": expires_at, "expires_in": settings.stream_token_ttl_s}


@router.get("/stream")
async def stream(
    request: Request, actor: HumanSide, services: ServicesDep, topic: str = ""
) -> StreamingResponse:
    """SSE: `event: suggestion|decision|final|partial|wrapup`, `data: <json>`. Reconnecting clients catch up with
    GET /v1/suggestions and drop what they already have (events carry the suggestion id). Authenticated by a header
    key or ?token= from POST /v1/stream/token."""
    try:
        topic = _allowed_topic(actor, topic)
    except AccessDenied as exc:  # refused with its reason in the log and the ledger, like any other refusal
        services.record_denial(actor, exc.reason, {"attempted": "stream", "topic": topic[:120]})
        raise

    async def events() -> AsyncIterator[str]:
        yield f"event: hello\ndata: {json.dumps({'topic': topic})}\n\n"
        subscription = services.hub.subscribe(topic).__aiter__()
        # One pending __anext__ survives keep-alives: asyncio.wait_for would cancel it, which closes the generator
        # (the subscription ends silently after the first quiet KEEPALIVE_S).
        pending: asyncio.Future[Any] = asyncio.ensure_future(subscription.__anext__())
        try:
            while True:
                done, _ = await asyncio.wait({pending}, timeout=KEEPALIVE_S)
                if not done:
                    if await request.is_disconnected():
                        break
                    yield ": keep-alive\n\n"
                    continue
                try:
                    event = pending.result()
                except StopAsyncIteration:
                    break
                pending = asyncio.ensure_future(subscription.__anext__())
                # only an agent on a call topic needs the call registry (a thread hop); a rep's phase-1 card and every
                # draft token go out without one
                if _needs_scope_check(actor, topic) and not await run_in_threadpool(
                    _in_scope, actor, topic, services.calls
                ):
                    continue  # another agent's call: not delivered
                data = json.dumps(event, ensure_ascii=False, default=str)
                yield f"event: {event.get('type', 'message')}\ndata: {data}\n\n"
        finally:
            pending.cancel()
            with contextlib.suppress(BaseException):
                await pending
            await subscription.aclose()

    return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


@router.get("/suggestions")
async def list_suggestions(
    actor: Anyone,
    services: ServicesDep,
    customer: str | None = None,
    conversation: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> list[dict[str, Any]]:
    """Latest suggestions with their decision state, in the caller's scope: a rep their own, an agent those of their
    active calls, evaluators and admins all (Services.list_suggestions)."""
    return await run_in_threadpool(
        services.list_suggestions, actor, customer=customer, conversation=conversation, limit=limit
    )
