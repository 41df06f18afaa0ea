"""What the service tells the rest of the system. Each use case ends in exactly one event; listeners subscribe.

`handle_message` ends in SuggestionMade (a new or re-delivered suggestion), MessageRefused (a refusal recorded as a
REFUSAL suggestion) or MessageSkipped (a rep's own message: nothing to suggest). `decide` ends in DecisionRecorded.
While the graph runs, SuggestionProgress carries the two-phase push (phase 1: intent, evidence, answer, actions;
then draft tokens) on the same topics as the final suggestion.

Listeners (copilot/listeners.py wires them): hub push, WeCom card, kf reply, call desk, metrics. A listener that
fails is logged and never undoes what the ledger already holds.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from contract.decisions import HumanDecision
from contract.messages import InboundMessage
from contract.ports import Actor
from contract.suggestions import Suggestion

log = logging.getLogger("copilot.events")


@dataclass(frozen=True)
class SuggestionMade:
    """A suggestion is in the ledger. `redelivered`: the same message came again and gets the recorded one."""

    message: InboundMessage
    actor: Actor
    suggestion: Suggestion
    elapsed_ms: float
    redelivered: bool = False


@dataclass(frozen=True)
class MessageRefused:
    """The actor may not have what the message asks for: a REFUSAL suggestion (with the reason as a guardrail
    verdict) is in the ledger, with the access_denied entry."""

    message: InboundMessage
    actor: Actor
    refusal: Suggestion
    reason: str
    elapsed_ms: float


@dataclass(frozen=True)
class MessageSkipped:
    """Nothing to suggest (a rep's own message: automation pauses)."""

    message: InboundMessage
    actor: Actor
    elapsed_ms: float


@dataclass(frozen=True)
class DecisionRecorded:
    suggestion: Suggestion
    decision: HumanDecision
    actor: Actor
    entry_id: str


@dataclass(frozen=True)
class SuggestionProgress:
    """Two-phase push while the graph still runs: phase "partial" (intent, evidence, answer, actions) and
    "draft_token" (a piece of the draft). Never recorded: the ledger gets the final suggestion only."""

    message: InboundMessage
    phase: str  # partial | draft_token
    data: dict[str, Any] = field(default_factory=dict)
    elapsed_ms: float = 0.0  # since the service started on the message


Event = SuggestionMade | MessageRefused | MessageSkipped | DecisionRecorded | SuggestionProgress
E = TypeVar("E", SuggestionMade, MessageRefused, MessageSkipped, DecisionRecorded, SuggestionProgress)


class EventBus:
    """Synchronous fan-out by event type. Listeners run in the publisher's thread, in subscription order; one that
    raises is logged and the others still run (a push failure must not turn a durable suggestion into a 500)."""

    def __init__(self, on_failure: Callable[[str], None] | None = None) -> None:
        self._listeners: dict[type[Any], list[Callable[[Any], None]]] = {}
        self._lock = threading.Lock()
        self._on_failure = on_failure
        self.failures = 0

    def subscribe(self, kind: type[E], listener: Callable[[E], None]) -> None:
        with self._lock:
            self._listeners.setdefault(kind, []).append(listener)

    def publish(self, event: Event) -> None:
        with self._lock:
            listeners = list(self._listeners.get(type(event), ()))
        for listener in listeners:
            try:
                listener(event)
            except Exception:  # one listener (Redis push, WeCom API) down never fails the use case
                self.failures += 1
                if self._on_failure is not None:
                    self._on_failure(getattr(listener, "__qualname__", type(listener).__name__))
                log.warning(
                    "listener %s failed on %s", getattr(listener, "__qualname__", listener), type(event).__name__,
                    exc_info=True,
                )  # fmt: skip
