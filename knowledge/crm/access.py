"""Who may see which customer. A rep sees customers they own (or their team's when team visibility is on); an agent
sees the customer on their current call; admins and evaluators see all. Denials are typed errors the caller records."""

from __future__ import annotations

import logging

from contract.errors import AccessDenied, not_in_scope_message
from contract.ports import Actor

log = logging.getLogger(__name__)


def check_agent_before_lookup(customer_ref: str, actor: Actor) -> None:
    """Agents are decided on the call alone, before the CRM is read, so a denial never reveals whether a customer exists."""
    if actor.role == "agent" and (not actor.call_customer_ref or actor.call_customer_ref != customer_ref):
        on_call = actor.call_customer_ref or "none"
        _deny(
            actor,
            customer_ref,
            f"agent {actor.id} may only see the customer on their call (on call: {on_call})",
            "not_on_call",
        )


def check_access(
    customer_id: str, owner_rep: str, owner_team: str, actor: Actor, *, team_visibility: bool, actor_team: str
) -> None:
    if actor.role in ("admin", "evaluator"):
        return
    if actor.role == "agent":
        check_agent_before_lookup(customer_id, actor)
        return
    if owner_rep and actor.id == owner_rep:
        return
    if team_visibility and actor_team and owner_team and actor_team == owner_team:
        return
    # names no owner and reads the same as for an id the CRM does not hold (copilot.service.customer_360)
    _deny(actor, customer_id, not_in_scope_message(actor.id, customer_id), "not_owner")


def _deny(actor: Actor, customer_ref: str, message: str, reason: str) -> None:
    log.info(
        "CRM access denied: actor=%s role=%s customer=%s reason=%s",
        actor.id,
        actor.role,
        customer_ref,
        reason,
    )
    raise AccessDenied(message, reason=reason, actor=actor.id, customer_ref=customer_ref)
