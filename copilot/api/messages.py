"""REST ingest (message in → suggestion out) and human decisions."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from contract import (
    AccessDenied,
    ConflictError,
    DecisionKind,
    HumanDecision,
    InboundMessage,
    InputError,
    NotFound,
    Suggestion,
)
from contract.ports import Actor
from copilot.api.deps import ServicesDep
from copilot.auth import require

log = logging.getLogger("copilot.api")
router = APIRouter(prefix="/v1", tags=["suggestions"])

HumanSide = Annotated[Actor, Depends(require("rep", "agent", "admin"))]
Reader = Annotated[Actor, Depends(require("rep", "agent", "evaluator", "admin"))]


@router.post("/messages", response_model=Suggestion)
async def ingest_message(msg: InboundMessage, actor: HumanSide, services: ServicesDep) -> Suggestion:
    """Run one customer message through the copilot and return the suggestion (also pushed to subscribers)."""
    if actor.role == "rep":
        if msg.rep_ref and msg.rep_ref != actor.id:
            services.record_denial(actor, "message_for_other_rep", {"message_id": msg.message_id})
            raise AccessDenied("this conversation belongs to another rep", reason="not_your_conversation")
        msg = msg.model_copy(update={"rep_ref": actor.id})
    if actor.role == "agent":
        actor = actor.model_copy(update={"call_customer_ref": msg.customer_ref})
    return await run_in_threadpool(services.handle_message, msg, actor)


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
