"""perceive: every part → text + signals + PERCEPTION evidence. Starts a new turn (resets the per-turn lists).
A message from the rep (sender='rep') is a human reply: it pauses automation for the conversation and ends the run.

This node is the masking boundary: everything it writes to the state (the message itself, the perceived text, the
injection-check texts, the evidence: transcripts, OCR text, file text) is PII-masked with the conversation's vault key,
so checkpoints, the ledger, the LLM prompt, pushes and pages only ever see tokens. Raw values stay in the vault.

It also reads traditional characters (繁體) as their simplified forms in the texts the later nodes read (the perceived
text, the injection-check texts), so intent, retrieval, the tools' word lists and authorization reach the pack's
words whichever script the customer writes; the message itself (what pages and the thread display) keeps the
customer's own characters, and the vault keeps the raw values."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agents.authz import screen_customer_text
from agents.context import RunContext
from agents.perception.masking import conversation_vault_key, mask_message, mask_text
from agents.perception.parts import PerceptionBackends, perceive_message
from agents.state import RESET, CopilotState
from agents.timing import timed
from agents.traditional import to_simplified
from contract.evidence import Evidence
from contract.messages import InboundMessage
from contract.ports import PiiMasker

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


def _masked_evidence(masker: PiiMasker, evidence: Evidence, key: str) -> dict[str, Any]:
    masked = mask_text(masker, evidence.content, key).text
    return evidence.model_copy(update={"content": masked}).model_dump(mode="json")


@timed("perceive")
def perceive(state: CopilotState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    raw = InboundMessage.model_validate(state["message"])
    deps = runtime.context.deps
    key = conversation_vault_key(raw)
    masked_msg, _ = mask_message(deps.pii, raw, key)
    message = masked_msg.model_dump(
        mode="json"
    )  # replaces the raw message in the state (and so in checkpoints)
    if (
        raw.sender != "customer"
    ):  # nothing to suggest; a rep's own reply pauses automation for the conversation
        note = {"role": raw.sender, "message_id": raw.message_id, "text": masked_msg.text()[:200]}
        if raw.sender == "system":
            return {**NEW_TURN, "message": message, "history": [note]}
        return {
            **NEW_TURN,
            "message": message,
            "flags": [RESET, "human_replied"],
            "automation_paused": True,
            "history": [note],
        }
    p = perceive_message(raw, PerceptionBackends(deps.transcriber, deps.ocr, deps.media))
    # authorization sees the raw text once, here, and keeps only its verdict (agents/authz.py, decide refuses)
    earlier = [h for h in state.get("history", []) if h.get("role") == "customer" and h.get("text")]
    # the previous customer turn too: as kept (masked) for «他那台车多少钱拿的» after «我朋友也在你们这买的车», and what
    # it left in the state (its verdict, the kinds of handle it named someone by) for a turn that takes up its
    # object without saying it («按那个报价给我来两台», «那他们呢», «一样的给我查下»)
    screen, carry = screen_customer_text(
        deps.customers,
        to_simplified(p.text),
        raw.customer_ref,
        str(earlier[-1]["text"]) if earlier else "",
        org_words=deps.tenant.organisation_words,  # the tenant's industry words (vocabulary.yaml)
        carried=state.get("authz_carry") or None,
        channel=raw.channel.value,  # a caller claiming to be another customer is off the call (not_on_call)
    )
    # simplified before masking: the masker's name rules read simplified characters (張明 is found as 张明), so a name
    # written in traditional script is masked too; the vault keeps the raw values as found in the simplified text
    text = mask_text(deps.pii, to_simplified(p.text), key)
    untrusted = [(src, mask_text(deps.pii, to_simplified(t), key)) for src, t in p.untrusted]
    masked_any = bool(text.spans) or any(m.spans for _, m in untrusted)
    said = text.text
    return {
        **NEW_TURN,
        "message": message,
        "text": said,
        "masked_text": said,
        "untrusted": [[src, m.text] for src, m in untrusted],
        "signals": {RESET: 1, **p.signals},
        "evidence": [RESET, *[_masked_evidence(deps.pii, e, key) for e in p.evidence]],
        "flags": [RESET, *p.flags, *(["pii_masked"] if masked_any else []), *([screen] if screen else [])],
        "authz_carry": carry,
    }


def after_perceive(state: CopilotState) -> str:
    return "guard_input" if state.get("message", {}).get("sender", "customer") == "customer" else "__end__"
