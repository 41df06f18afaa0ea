"""`POST /v1/ask`: a rep (or an agent on a call) asks the copilot about a customer — 「帮我查下这个客户最近的订单」.

The ask becomes an InboundMessage with sender "rep_ask" and runs through `services.handle_message`: the answer is a
REP_ANSWER suggestion addressed to the rep (never sent to the customer; automation is not paused), or a REFUSAL with
the reason when the rep may not see that customer or asks for another customer's prices. Both are in the ledger."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from contract import InboundMessage, Suggestion
from contract.errors import BackendUnavailable, InputError
from contract.messages import Channel, TextPart
from contract.ports import Actor
from copilot.api.deps import ServicesDep
from copilot.auth import SettingsDep, require
from copilot.service import MessageRefusedError

router = APIRouter(prefix="/v1", tags=["suggestions"])

Asker = Annotated[Actor, Depends(require("rep", "agent", "admin"))]


class AskIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(
        min_length=1, max_length=2000, description="the question, e.g. 帮我查下这个客户最近的订单"
    )
    customer_ref: str = Field(min_length=1, max_length=200, description="the customer the question is about")
    conversation_id: str = Field(
        default="", max_length=200, description="the conversation open in the sidebar"
    )
    channel: Channel = Channel.REST
    message_id: str = Field(default="", max_length=200, description="idempotency key; generated when empty")


@router.post("/ask", response_model=Suggestion)
async def ask(body: AskIn, actor: Asker, services: ServicesDep, settings: SettingsDep) -> Suggestion:
    """Answer the rep's question (REP_ANSWER) or refuse it with the reason (REFUSAL); both are recorded."""
    if not body.text.strip():
        raise InputError("the question is empty", reason="empty_ask")
    msg = InboundMessage(
        tenant=settings.tenant,
        channel=body.channel,
        conversation_id=body.conversation_id or f"ask:{actor.id}:{body.customer_ref}"[:200],
        message_id=body.message_id or f"ask_{uuid.uuid4().hex[:20]}",
        customer_ref=body.customer_ref,
        rep_ref=actor.id,
        sender="rep_ask",
        parts=[TextPart(text=body.text)],
    )
    # an agent's scope (an active call with this customer) is decided by the service, as for /v1/messages
    try:
        suggestion: Suggestion | None = await run_in_threadpool(services.handle_message, msg, actor)
    except MessageRefusedError as refused:  # the REFUSAL suggestion, recorded; 200 as on /v1/messages
        return JSONResponse(  # type: ignore[return-value]
            refused.suggestion.model_dump(mode="json"), headers={"X-Copilot-Refused": refused.reason}
        )
    if suggestion is None:  # handle_message answers every ask; None would be a wiring fault
        raise BackendUnavailable("the ask was not answered", reason="ask_not_answered")
    return suggestion
