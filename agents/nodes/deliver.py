"""deliver: assemble the Suggestion, choose its kind (suggest / autopilot / blocked / abstain), record it in the ledger
durably BEFORE it is delivered; human_decision waits (interrupt) for accept / edit / reject; record writes the decision."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime
from langgraph.types import interrupt

from agents.authz import refusal_draft
from agents.context import RunContext, state_evidence
from agents.nodes.draft import refusal_reason
from agents.perception.voice import LOW_CONFIDENCE_FLAG, confirmation_texts, transcript_uncertain
from agents.state import CopilotState
from agents.timing import timed
from contract.decisions import HumanDecision
from contract.suggestions import Answer, AnswerStatus, Draft, DraftSource, Suggestion, SuggestionKind

# What the thread keeps of a delivered suggestion (agents.copilot.Copilot.decide and human_decision read the id); the
# whole suggestion goes to the ledger and back to the caller as the recorded object (RunContext.delivered["model"]).
SUGGESTION_REF = (
    "id",
    "kind",
    "tenant",
    "channel",
    "conversation_id",
    "message_id",
    "customer_ref",
    "rep_ref",
)


def choose_kind(state: CopilotState, runtime: Runtime[RunContext]) -> SuggestionKind:
    deps = runtime.context.deps
    intent, flags = state["intent"], set(state.get("flags", []))
    # refused with a reason (e.g. another customer's prices, flagged by decide): the card says so, never autopilot;
    # an access decision outranks an unsure intent («其他车队拿的什么价» may abstain and is still refused)
    if any(f.startswith("refused:") for f in flags):
        return SuggestionKind.REFUSAL
    if intent.get("abstained"):
        return SuggestionKind.ABSTAIN
    if "rails_blocked" in flags:
        return SuggestionKind.BLOCKED
    draft = state.get("draft") or {}
    autopilot_ok = (
        deps.settings.mode == "autopilot"
        and intent["name"] in deps.tenant.autopilot_intents
        and intent["confidence"] >= deps.settings.autopilot_min_confidence
        and not state.get("automation_paused")
        and not flags & {"injection_suspected", "grounding_blocked", "crm_unavailable", "human_replied"}
        and all(v["outcome"] == "allow" for v in state.get("verdicts", []) if v["guard"] != "pii")
        and bool(draft.get("text"))
    )
    return SuggestionKind.AUTOPILOT if autopilot_ok else SuggestionKind.SUGGESTION


@timed("deliver")
def deliver(state: CopilotState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    ctx = runtime.context
    msg = state["message"]
    kind = choose_kind(state, runtime)
    # voice: an unsure transcript turns the card into a confirmation question (never autopilot on a guess)
    # (an abstention too: unheard words are a reason to ask, not to give up); blocked cards stay blocked
    confirm = _confirmation(state) if kind in (SuggestionKind.SUGGESTION, SuggestionKind.AUTOPILOT,
                                               SuggestionKind.ABSTAIN) else None  # fmt: skip
    if confirm is not None:
        kind = SuggestionKind.SUGGESTION
    fields: dict[str, Any] = dict(
        kind=kind,
        tenant=ctx.tenant,
        channel=msg["channel"],
        conversation_id=msg["conversation_id"],
        message_id=msg["message_id"],
        customer_ref=msg["customer_ref"],
        rep_ref=msg.get("rep_ref", ""),
        intent=state["intent"],
        actions=state.get("actions", []),
        answer=state.get("answer"),
        draft=refusal_draft(
            state.get("draft"),
            state.get("flags", []),
            state["message"].get("lang", "zh"),
            state.get("evidence", []),
        )
        if kind is SuggestionKind.REFUSAL
        else state.get("draft"),
        # the Evidence the turn's memo already built from these same dicts (reason, decide, draft, guard_output read
        # them): the same objects Suggestion's own validation of the dicts would give, without validating ~60 again
        evidence=state_evidence(ctx, state.get("evidence", [])),
        verdicts=state.get("verdicts", []),
        timings_ms=dict(state.get("timings_ms", {})),
        flags=sorted(set(state.get("flags", []))),
        model=(state.get("draft") or {}).get("model", ""),
    )
    if kind is SuggestionKind.REFUSAL:
        # the reason code in the card's summary too, as a rep ask's refusal has it (agents/ask.py): the ledger and the
        # evaluation read it there; no name of whoever was asked about, only the asking customer's own reference
        fields["summary"] = {
            "refusal_reason": refusal_reason(state.get("flags", [])),
            "customer_ref": msg["customer_ref"],
        }
    suggestion = Suggestion(**{**fields, **(confirm or {})})
    inputs = {
        "masked_text": state.get("masked_text", ""),
        "part_kinds": [p["kind"] for p in msg["parts"]],
        "signals": state.get("signals", {}),
        "actor": ctx.actor.id,
    }
    ctx.deps.ledger.record_suggestion(suggestion, inputs=inputs)  # durable before anyone sees it
    ctx.delivered["model"] = (
        suggestion  # the caller's copy, as recorded (agents.copilot: no re-validation of its dump)
    )
    turn = {
        "role": "customer",
        "message_id": msg["message_id"],
        "suggestion_id": suggestion.id,
        "kind": kind.value,
        "text": state.get("masked_text", "")[:200],
        "intent": suggestion.intent.name,
        "entities": suggestion.intent.entities,
        "actions": [a.name for a in suggestion.actions],
        "evidence_ids": [e.id for e in suggestion.evidence][:20],
        "uncertain": confirm is not None,  # the card asked to confirm the transcript: its intent is a guess
    }
    # the state gets the reference only (agents.graph: the checkpoint keeps no more): dumping the whole suggestion to
    # JSON here, for the graph to cut it down to these fields, was one more full serialisation per message
    return {"suggestion": suggestion.model_dump(mode="json", include=set(SUGGESTION_REF)), "history": [turn]}


def _confirmation(state: CopilotState) -> dict[str, Any] | None:
    """A low-confidence voice transcript (channels/voice/confidence.py): the card asks the agent to confirm what the
    customer said instead of acting on a guess — no actions, the answer is the question, the draft a line to say.
    Additive hook owned by the voice engineer; everything else in the suggestion is as the graph built it."""
    if not transcript_uncertain(state.get("signals", {})):
        return None
    intent = state["intent"]
    question, line = confirmation_texts(state.get("masked_text", ""), dict(intent.get("entities") or {}))
    return {
        "actions": [],
        "answer": Answer(text=question, status=AnswerStatus.NONE),
        "draft": Draft(text=line, source=DraftSource.TEMPLATE, lang=state["message"].get("lang", "zh")),
        "intent": {**intent, "confidence": min(float(intent.get("confidence", 0.0)), 0.5)},
        "flags": sorted({*state.get("flags", []), LOW_CONFIDENCE_FLAG}),
    }


def human_decision(state: CopilotState) -> dict[str, Any]:
    sug = state["suggestion"] or {}
    value = interrupt({"suggestion_id": sug.get("id"), "conversation_id": sug.get("conversation_id")})
    return {"decision": value}


@timed("record")
def record(state: CopilotState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    decision = HumanDecision.model_validate(state["decision"])
    entry_id = runtime.context.deps.ledger.record_decision(decision, actor=runtime.context.actor)
    note = {
        "role": "decision",
        "suggestion_id": decision.suggestion_id,
        "kind": decision.kind.value,
        "reason_code": decision.reason_code or "",
        "actor": decision.actor,
    }
    return {"history": [note], "decision_entry_id": entry_id}
