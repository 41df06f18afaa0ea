"""REST ingest (message in → suggestion out) and human decisions."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, model_validator

from contract import (
    AccessDenied,
    Channel,
    ConflictError,
    DecisionKind,
    HumanDecision,
    InboundMessage,
    InputError,
    NotFound,
    Suggestion,
)
from contract.messages import Part
from contract.ports import Actor
from copilot.api.deps import ServicesDep
from copilot.auth import require
from copilot.service import MessageRefusedError

log = logging.getLogger("copilot.api")
router = APIRouter(prefix="/v1", tags=["suggestions"])


# A human-side client speaks for the REST channel only: WeCom, 微信客服 and call messages arrive through their signed
# callbacks and the call socket. Naming their channel here would let a rep reply into any 微信客服 chat, or take a
# real message's id (its dedupe key) before Tencent delivers it.
REST_ONLY = "messages posted to /v1/messages use channel 'rest'; WeCom, 微信客服 and calls arrive through their own channels"
MAX_PARTS = 20
MAX_TEXT_CHARS = 8000  # several times WeCom's 2048-byte text limit; a bigger post is a paste, not a message


class MessageIn(InboundMessage):
    """The REST body: an InboundMessage whose `tenant` may be left out (the service's own tenant is used), on the
    REST channel, with its size capped."""

    tenant: str = Field(default="", max_length=100)
    channel: Channel = Channel.REST

    @model_validator(mode="after")
    def _bounded(self) -> MessageIn:
        if len(self.parts) > MAX_PARTS:
            raise ValueError(f"a message has at most {MAX_PARTS} parts, not {len(self.parts)}")
        chars = sum(len(text) for text in _part_texts(self.parts))
        if chars > MAX_TEXT_CHARS:
            raise ValueError(f"a message's text is at most {MAX_TEXT_CHARS} characters, not {chars}")
        return self


def _part_texts(parts: list[Part]) -> list[str]:
    """Every free text a client can put in a message's parts (the ones perception and the ledger read)."""
    texts: list[str] = []
    for p in parts:
        for name in ("text", "transcript", "ocr_text", "name", "label", "title", "description"):
            value = getattr(p, name, None)
            if isinstance(value, str):
                texts.append(value)
    return texts


HumanSide = Annotated[Actor, Depends(require("rep", "agent", "admin"))]
Reader = Annotated[Actor, Depends(require("rep", "agent", "evaluator", "admin"))]


@router.post(
    "/messages",
    response_model=Suggestion,
    responses={
        200: {"description": "the suggestion; `kind: refusal` (header X-Copilot-Refused: <reason>) when the actor "
              "may not have what the message asks for — the refusal is recorded in the ledger"},
        403: {"description": "a rep posting for another rep's conversation, or naming a channel other than rest"},
        409: {"description": "the message id is already used by another conversation (no data returned)"},
    },
)  # fmt: skip
async def ingest_message(
    body: MessageIn, actor: HumanSide, services: ServicesDep
) -> Suggestion | JSONResponse:
    """Run one customer message through the copilot and return the suggestion (also pushed to subscribers).

    Scope first (a rep's own conversations and customers, an agent's active calls), then the ledger's message key
    (a redelivery gets the suggestion already recorded), then the graph. A refusal is a suggestion too: 200 with
    `kind: refusal` and the reason as a guardrail verdict."""
    if body.channel is not Channel.REST:
        services.record_denial(
            actor, "channel_not_allowed", {"message_id": body.message_id, "channel": body.channel.value}
        )
        raise AccessDenied(REST_ONLY, reason="channel_not_allowed")
    msg = InboundMessage.model_validate(
        {**body.model_dump(), "tenant": body.tenant or services.settings.tenant}
    )  # another tenant's id is refused in scope_message, with the reason logged
    try:
        suggestion = await run_in_threadpool(services.handle_message, msg, actor)
    except MessageRefusedError as refused:
        return JSONResponse(
            refused.suggestion.model_dump(mode="json"), headers={"X-Copilot-Refused": refused.reason}
        )
    if suggestion is None:  # a rep's own message: nothing to suggest
        return JSONResponse({"status": "no_suggestion", "message_id": msg.message_id})
    return suggestion


class DecisionIn(BaseModel):
    kind: DecisionKind
    final_text: str | None = None
    reason_code: str | None = None
    reason_text: str = ""


@router.post("/suggestions/{suggestion_id}/decision")
async def decide(
    suggestion_id: str, body: DecisionIn, actor: HumanSide, services: ServicesDep
) -> dict[str, str]:
    try:
        decision = HumanDecision(suggestion_id=suggestion_id, actor=actor.id, **body.model_dump())
    except ValueError as exc:  # pydantic's message says which field is wrong
        raise InputError(str(exc).splitlines()[-1].strip(), reason="invalid_decision") from exc
    try:
        entry_id = await run_in_threadpool(services.decide, decision, actor)
    except NotFound as exc:  # the issue asks for 409 (a decision that cannot apply), with the reason
        raise ConflictError(exc.message, reason="unknown_suggestion") from exc
    return {"status": "recorded", "entry_id": entry_id, "suggestion_id": suggestion_id}


@router.get("/suggestions/{suggestion_id}")
def get_suggestion(suggestion_id: str, actor: Reader, services: ServicesDep) -> dict[str, object]:
    return services.suggestion_view(suggestion_id, actor)
