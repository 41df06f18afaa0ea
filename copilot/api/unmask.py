"""`POST /v1/suggestions/{id}/unmask`: the real values behind the vault tokens (<CN_MOBILE_1>) of one suggestion's
draft, answer line and evidence, for the rep's own screen.

Only for whoever may see that customer right now: the rep the suggestion belongs to (and who still owns the customer
in the CRM), or an agent on an active call with the customer. Evaluators and admins read masked text only (role gate,
403 wrong_role); another rep or an agent without the call gets 403, recorded in the ledger as any refused look-up.
Every unmasking is recorded as a chained `pii_access` ledger entry (who, which tokens, when; never the values).
Values come only from the PII vault: after its TTL (or an erasure) the tokens stay as they are and `expired` is true.
Limited like every /v1 route per API key, and in addition per actor (COPILOT_RATE_UNMASK_*), since bulk unmasking is
what an exfiltration would look like."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from contract.errors import AccessDenied
from contract.ports import Actor
from copilot.api.deps import ServicesDep
from copilot.api.limits import RateLimiter
from copilot.auth import require
from copilot.privacy.reveal import record_access, reveal, tokens_in, vault_key_of, vault_values

router = APIRouter(prefix="/v1", tags=["suggestions"])

Viewer = Annotated[Actor, Depends(require("rep", "agent"))]


class UnmaskLimits(BaseSettings):
    """COPILOT_RATE_UNMASK_*: unmaskings per actor per second and the burst (per API process)."""

    model_config = SettingsConfigDict(env_prefix="COPILOT_RATE_UNMASK_", extra="ignore")

    rps: float = 1.0
    burst: int = 30


_limits = UnmaskLimits()
_per_actor = RateLimiter(_limits.rps, _limits.burst)


class EvidenceText(BaseModel):
    id: str
    content: str


class Unmasked(BaseModel):
    suggestion_id: str
    draft: str | None = Field(default=None, description="the draft with real values (None: no draft)")
    answer: str | None = Field(default=None, description="the answer line with real values (None: no answer)")
    evidence: list[EvidenceText] = Field(
        default_factory=list, description="evidence whose content held tokens, with real values"
    )
    tokens: int = Field(description="distinct tokens found")
    missing: list[str] = Field(
        default_factory=list,
        description="tokens the vault no longer holds (expired or erased): left as they are",
    )
    expired: bool = Field(description="true when some token could not be unmasked any more")
    access_entry: str = Field(
        default="", description="the ledger's pii_access entry ('' when nothing to unmask)"
    )


def _scoped_actor(services: Any, actor: Actor, suggestion_id: str) -> Actor:
    """The service's scope, before anything of the suggestion is read: an agent needs an active call the suggestion
    belongs to (its conversation, or a call with its customer); refused and recorded as not_on_call otherwise."""
    scoped: Actor = services.suggestion_scope(actor, suggestion_id)
    if scoped.role == "agent" and not scoped.call_customer_ref:
        reason = "not_on_call"
        services.record_denial(actor, reason, {"attempted": "unmask", "suggestion_id": suggestion_id})
        raise AccessDenied(
            f"agent {actor.id} has no active call this suggestion belongs to", reason=reason, actor=actor.id
        )
    return scoped


def unmask_suggestion(services: Any, suggestion_id: str, actor: Actor) -> Unmasked:
    scoped = _scoped_actor(services, actor, suggestion_id)
    suggestion = services.ledger.get_suggestion(
        suggestion_id, actor=scoped
    )  # the owner rule first (NotFound → 404, a refusal recorded); nothing is read before it
    # then the CRM, as for a customer's 360: a rep's customer reassigned since is refused (recorded by the service,
    # 503 when the CRM is down), an agent's call must be with this customer
    services.customer_360(suggestion.customer_ref, scoped)
    texts: list[tuple[str, str]] = []
    if suggestion.draft is not None:
        texts.append(("draft", suggestion.draft.text))
    if suggestion.answer is not None:
        texts.append(("answer", suggestion.answer.text))
    texts += [(f"evidence:{e.id}", e.content) for e in suggestion.evidence if tokens_in(e.content)]
    found = list(dict.fromkeys(t for _, text in texts for t in tokens_in(text)))
    if not found:
        return Unmasked(
            suggestion_id=suggestion.id,
            draft=suggestion.draft.text if suggestion.draft else None,
            answer=suggestion.answer.text if suggestion.answer else None,
            tokens=0,
            expired=False,
        )
    vault = getattr(getattr(services, "guardrails", None), "pii", None)
    values = vault_values(getattr(vault, "vault", None), vault_key_of(suggestion))
    revealed = {name: reveal(text, values) for name, text in texts}
    missing = [t for t in found if t not in values]
    entry = record_access(
        services.ledger,
        suggestion,
        scoped,
        fields=[name for name, text in texts if tokens_in(text)],
        tokens=found,
        missing=missing,
    )
    return Unmasked(
        suggestion_id=suggestion.id,
        draft=revealed["draft"].text if "draft" in revealed else None,
        answer=revealed["answer"].text if "answer" in revealed else None,
        evidence=[
            EvidenceText(id=name.partition(":")[2], content=r.text)
            for name, r in revealed.items()
            if name.startswith("evidence:")
        ],
        tokens=len(found),
        missing=missing,
        expired=bool(missing),
        access_entry=entry,
    )


@router.post("/suggestions/{suggestion_id}/unmask", response_model=Unmasked)
async def unmask(suggestion_id: str, actor: Viewer, services: ServicesDep) -> JSONResponse:
    """Real values for the rep's own screen (never stored, never cached: Cache-Control no-store)."""
    if not _per_actor.allow(f"{actor.role}:{actor.id}"):
        return JSONResponse(
            {
                "error": "rate_limited",
                "reason": "rate_limited_unmask",
                "message": "too many unmask requests for this user; retry after 1 s",
            },
            status_code=429,
            headers={"Retry-After": "1"},
        )
    result = await run_in_threadpool(unmask_suggestion, services, suggestion_id, actor)
    return JSONResponse(
        result.model_dump(mode="json"), headers={"Cache-Control": "no-store", "Pragma": "no-cache"}
    )
