"""Read-only views: the ledger (audit), customer 360 and knowledge search."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.concurrency import run_in_threadpool

from contract.ports import Actor, PolicyQuery
from copilot.api.deps import ServicesDep
from copilot.auth import require

router = APIRouter(prefix="/v1", tags=["queries"])

Auditor = Annotated[Actor, Depends(require("evaluator", "admin"))]
HumanSide = Annotated[Actor, Depends(require("rep", "agent", "admin"))]
Anyone = Annotated[Actor, Depends(require("rep", "agent", "evaluator", "admin"))]


@router.get("/ledger/entries")
def ledger_entries(
    actor: Auditor,
    services: ServicesDep,
    conversation: str | None = None,
    customer: str | None = None,
    rep: str | None = None,
    intent: str | None = None,
    action: str | None = None,
    doc: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = services.ledger.query(
        tenant=services.settings.tenant,  # this service's tenant's entries only (tenants may share the database)
        conversation=conversation,
        customer=customer,
        rep=rep,
        intent=intent,
        action=action,
        doc=doc,
        since=since,
        until=until,
        limit=limit,
    )
    return entries


@router.get("/ledger/verify")
def ledger_verify(actor: Auditor, services: ServicesDep) -> dict[str, Any]:
    result: dict[str, Any] = services.ledger.verify().as_dict()
    return result


@router.get("/ledger/metrics")
def ledger_metrics(actor: Auditor, services: ServicesDep) -> dict[str, Any]:
    # LedgerMetrics is a pydantic model: returned as is, FastAPI's dict response check fails with a 500
    metrics: dict[str, Any] = services.ledger.metrics().model_dump(mode="json")
    return metrics


@router.get("/customers/{customer_id}/360")
async def customer_360(customer_id: str, actor: HumanSide, services: ServicesDep) -> dict[str, Any]:
    """A rep: their own customers (403 otherwise, recorded); an agent: only the customer of an active call."""
    view = await run_in_threadpool(services.customer_360, customer_id, actor)
    return view.model_dump(mode="json")


@router.get("/kb/search")
async def kb_search(
    actor: Anyone,
    services: ServicesDep,
    q: Annotated[str, Query(min_length=1, max_length=2000)],
    k: Annotated[int, Query(ge=1, le=50)] = 5,
    as_of: date | None = None,
    business_unit: str | None = None,
) -> list[dict[str, Any]]:
    query = PolicyQuery(text=q, k=k, as_of=as_of, business_unit=business_unit)
    results = await run_in_threadpool(services.policy_store.search, query)
    return [e.model_dump(mode="json") for e in results]


@router.get("/me")
def me(actor: Anyone) -> dict[str, str]:
    return {"id": actor.id, "role": actor.role, "team": actor.team}
