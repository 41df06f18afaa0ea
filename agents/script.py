"""Scripted demo conversations (tenant conversations.yaml): load them, turn turns into InboundMessages, apply the
scripted human decisions. `copilot demo`, the tests and the backtest replay the same files."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from contract.decisions import DecisionKind, HumanDecision
from contract.errors import UserError
from contract.messages import Channel, InboundMessage, Part
from contract.ports import Actor
from contract.suggestions import Suggestion

_PARTS = TypeAdapter(list[Part])


class ScriptedDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: DecisionKind
    final_text: str | None = None
    reason_code: str | None = None
    reason_text: str = ""


class ScriptedTurn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message_id: str
    sender: str = "customer"
    parts: list[dict[str, Any]]
    expected_intent: str = ""
    expected_actions: list[str] = Field(default_factory=list)
    expected_transcript: str = ""
    decision: ScriptedDecision | None = None


class ScriptedConversation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    title: str = ""
    channel: Channel
    customer_ref: str
    rep_ref: str
    lang: str = "zh"
    turns: list[ScriptedTurn]
    wrap_up: bool = False


def load_conversations(tenant_dir: str | Path) -> list[ScriptedConversation]:
    path = Path(tenant_dir) / "conversations.yaml"
    if not path.is_file():
        raise UserError(f"tenant file missing: {path}", reason="tenant_file_missing")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return [ScriptedConversation.model_validate(c) for c in raw.get("conversations", [])]
    except (yaml.YAMLError, ValidationError) as exc:
        raise UserError(f"{path}: {exc}", reason="tenant_config_invalid") from exc


def to_message(conv: ScriptedConversation, turn: ScriptedTurn, *, tenant: str) -> InboundMessage:
    return InboundMessage(
        tenant=tenant,
        channel=conv.channel,
        conversation_id=conv.id,
        message_id=turn.message_id,
        customer_ref=conv.customer_ref,
        rep_ref=conv.rep_ref,
        sender=turn.sender,  # type: ignore[arg-type]
        parts=_PARTS.validate_python(turn.parts),
        lang=conv.lang,
    )


def to_decision(turn: ScriptedTurn, suggestion: Suggestion, actor: Actor) -> HumanDecision | None:
    d = turn.decision
    if d is None:
        return None
    final = d.final_text
    if d.kind is DecisionKind.ACCEPT and suggestion.draft is not None:
        final = suggestion.draft.text
    return HumanDecision(
        suggestion_id=suggestion.id,
        kind=d.kind,
        actor=actor.id,
        final_text=final,
        reason_code=d.reason_code,
        reason_text=d.reason_text,
    )


@dataclass
class TurnResult:
    conversation: str
    turn: ScriptedTurn
    suggestion: Suggestion | None
    decision: HumanDecision | None = None


@dataclass
class ReplayResult:
    turns: list[TurnResult] = field(default_factory=list)
    wrap_ups: list[Suggestion] = field(default_factory=list)

    def intent_accuracy(self) -> float:
        scored = [t for t in self.turns if t.suggestion is not None and t.turn.expected_intent]
        ok = sum(1 for t in scored if t.suggestion and t.suggestion.intent.name == t.turn.expected_intent)
        return ok / len(scored) if scored else 0.0


def replay(
    copilot: Any, conversations: list[ScriptedConversation], actors: dict[str, Actor], *, tenant: str
) -> ReplayResult:
    """Runs every turn through `copilot.handle`, applies the scripted decision via `copilot.decide`, wraps up."""
    out = ReplayResult()
    for conv in conversations:
        actor = actors[conv.rep_ref]
        for turn in conv.turns:
            suggestion = copilot.handle(to_message(conv, turn, tenant=tenant), actor)
            decision = to_decision(turn, suggestion, actor) if suggestion is not None else None
            if decision is not None:
                copilot.decide(decision, actor, tenant=tenant, conversation_id=conv.id)
            out.turns.append(TurnResult(conv.id, turn, suggestion, decision))
        if conv.wrap_up:
            out.wrap_ups.append(copilot.wrap_up(conv.id, actor, tenant=tenant))
    return out
