"""Composition root: Settings → concrete backends → the copilot. Embedded by default (SQLite, Chroma directory,
in-process queue and hub); Redis / PostgreSQL / Chroma server / an OpenAI-compatible LLM by settings alone.

Only this module (and the entry points) know which implementation backs each protocol in contract/ports.py.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from contract import AccessDenied, HumanDecision, InboundMessage, Suggestion
from contract.ports import Actor
from copilot.settings import Settings

log = logging.getLogger("copilot.wiring")


@dataclass
class Services:
    settings: Settings
    policy_store: Any
    customers: Any
    guardrails: Any
    ledger: Any
    copilot: Any
    hub: Any
    inbox: Any = None
    extras: dict[str, Any] = field(default_factory=dict)

    # ---- the one-way flow ----------------------------------------------------------------------------------------
    def handle_message(self, msg: InboundMessage, actor: Actor) -> Suggestion:
        try:
            suggestion: Suggestion = self.copilot.handle(msg, actor)
        except AccessDenied as exc:
            self.record_denial(
                actor, exc.reason, {"message_id": msg.message_id, "customer_ref": msg.customer_ref}
            )
            raise
        self.publish(suggestion)
        return suggestion

    def publish(self, suggestion: Suggestion) -> None:
        event = {"type": "suggestion", "suggestion": suggestion.model_dump(mode="json")}
        if suggestion.rep_ref:
            self.hub.publish(f"rep:{suggestion.rep_ref}", event)
        self.hub.publish(f"conversation:{suggestion.tenant}:{suggestion.conversation_id}", event)

    def decide(self, decision: HumanDecision, actor: Actor) -> str:
        entry_id: str = self.copilot.decide(decision, actor)
        self.hub.publish(
            f"rep:{actor.id}",
            {"type": "decision", "suggestion_id": decision.suggestion_id, "kind": decision.kind.value},
        )
        return entry_id

    def record_denial(self, actor: Actor, reason: str, details: dict[str, Any]) -> None:
        log.warning("access denied for %s (%s): %s %s", actor.id, actor.role, reason, details)
        self.ledger.record_denial(actor=actor, reason=reason, details=details)

    def suggestion_view(self, suggestion_id: str, actor: Actor) -> dict[str, Any]:
        view: dict[str, Any] = self.ledger.get_suggestion_view(suggestion_id, actor=actor)
        return view

    def readiness(self) -> dict[str, str]:
        checks: dict[str, str] = {}
        for name, probe in (
            ("ledger", self.ledger),
            ("policy_store", self.policy_store),
            ("crm", self.customers),
        ):
            try:
                ping = getattr(probe, "ping", None)
                if ping is not None:
                    ping()
                checks[name] = "ok"
            except Exception as exc:  # readiness reports, never raises
                checks[name] = f"down: {exc.__class__.__name__}"
        return checks

    def close(self) -> None:
        for part in (self.hub, self.ledger, self.policy_store, self.customers, self.inbox):
            closer = getattr(part, "close", None)
            if closer is not None:
                try:
                    closer()
                except Exception:  # closing is best effort at shutdown
                    log.exception("closing %s failed", type(part).__name__)


def build_services(settings: Settings, *, use_llm: bool | None = None) -> Services:
    """Wire every backend from settings. Heavy models load lazily on first use."""
    raise NotImplementedError("wiring lands once the packages report their factories")
