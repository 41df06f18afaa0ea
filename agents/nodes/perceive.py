"""perceive: every part → text + signals + PERCEPTION evidence. Starts a new turn (resets the per-turn lists).
A message from the rep (sender='rep') is a human reply: it pauses automation for the conversation and ends the run."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agents.context import RunContext
from agents.perception.parts import PerceptionBackends, perceive_message
from agents.state import RESET, CopilotState
from agents.timing import timed
from contract.messages import InboundMessage

NEW_TURN: dict[str, Any] = {
    "evidence": [RESET],
    "verdicts": [RESET],
    "flags": [RESET],
    "signals": {RESET: 1},
    "timings_ms": {RESET: 1},
    "intent": {},
    "customer": {},
    "actions": [],
    "draft": None,
    "suggestion": None,
    "decision": None,
}


@timed("perceive")
def perceive(state: CopilotState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    msg = InboundMessage.model_validate(state["message"])
    if (
        msg.sender != "customer"
    ):  # nothing to suggest; a rep's own reply pauses automation for the conversation
        note = {"role": msg.sender, "message_id": msg.message_id, "text": msg.text()[:200]}
        if msg.sender == "system":
            return {**NEW_TURN, "history": [note]}
        return {**NEW_TURN, "flags": [RESET, "human_replied"], "automation_paused": True, "history": [note]}
    deps = runtime.context.deps
    p = perceive_message(msg, PerceptionBackends(deps.transcriber, deps.ocr, deps.media))
    return {
        **NEW_TURN,
        "text": p.text,
        "untrusted": [list(u) for u in p.untrusted],
        "signals": {RESET: 1, **p.signals},
        "evidence": [RESET, *[e.model_dump(mode="json") for e in p.evidence]],
        "flags": [RESET, *p.flags],
    }


def after_perceive(state: CopilotState) -> str:
    return "guard_input" if state.get("message", {}).get("sender", "customer") == "customer" else "__end__"
