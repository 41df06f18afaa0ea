"""The graph's typed state. Values are plain JSON (model_dump(mode="json")) so every checkpointer (SQLite, Redis,
PostgreSQL, memory) stores them without custom serialisers. Per-turn lists are reset by `perceive` with RESET; the
thread keeps `history`, `context_entities` and `automation_paused` across turns."""

from __future__ import annotations

from typing import Annotated, Any, TypedDict

RESET = "__reset__"
HISTORY_LIMIT = 30


def ids_of(items: list[Any]) -> set[Any]:
    """The 'id's of the dict items that have one: what turn_list deduplicates by."""
    return {item.get("id") for item in items if isinstance(item, dict) and item.get("id")}


def extend_unique(left: list[Any], seen: set[Any], right: list[Any]) -> None:
    """Appends `right` to `left` in place, leaving out a dict whose 'id' is in `seen` (and adding the new ids to it).
    The one dedup rule of turn_list, shared with the graph's turn step (agents/graph.py _Turn._append)."""
    for item in right:
        key = item.get("id") if isinstance(item, dict) else None
        if key and key in seen:
            continue
        if key:
            seen.add(key)
        left.append(item)


def turn_list(left: list[Any] | None, right: list[Any] | None) -> list[Any]:
    """Appends (deduplicating dicts by 'id'); an update starting with RESET starts the list again."""
    left = list(left or [])
    right = list(right or [])
    if right and right[0] == RESET:
        left, right = [], right[1:]
    extend_unique(left, ids_of(left), right)
    return left


def turn_dict(left: dict[str, Any] | None, right: dict[str, Any] | None) -> dict[str, Any]:
    right = dict(right or {})
    if right.pop(RESET, None) is not None:
        return right
    return {**(left or {}), **right}


def keep_last(left: list[Any] | None, right: list[Any] | None) -> list[Any]:
    return (list(left or []) + list(right or []))[-HISTORY_LIMIT:]


class CopilotState(TypedDict, total=False):
    # per turn
    message: dict[str, Any]  # InboundMessage
    text: str  # perceived text (all parts)
    untrusted: list[
        list[str]
    ]  # [source, text] pairs the injection detector checks (customer, ocr, transcript …)
    masked_text: str  # after PII masking: what is logged and sent to models
    clean_text: str  # masked text without sentences the injection detector flagged: what understanding reads
    signals: Annotated[dict[str, float], turn_dict]
    evidence: Annotated[list[dict[str, Any]], turn_list]  # Evidence
    verdicts: Annotated[list[dict[str, Any]], turn_list]  # GuardVerdict
    flags: Annotated[list[str], turn_list]
    timings_ms: Annotated[dict[str, float], turn_dict]
    intent: dict[str, Any]  # Intent
    # the message as the embedding intent classifier read it (agents.nodes.ground.intent_reading), computed once by
    # understand for the policy search's dense half and decide's action scorer; "" when nothing is left or it could
    # not be read (both then fall back, as on an exception)
    intent_reading: str
    # p(intent | message) of a guessed reading, from understand's own read (agents.actions.marginal), for decide's
    # marginal ranking; None when understand has none (a confident reading, another classifier): decide reads it then
    intent_probs: dict[str, float] | None
    customer: dict[str, Any]  # id, name, business_unit, owner_rep, signal_ids
    crm: dict[str, Any]  # the customer 360 without its evidence lists: what the reasoning tools read
    answer: dict[str, Any] | None  # Answer: the computed one-line answer (reason node)
    actions: list[dict[str, Any]]  # Action
    # action name → what the message says of it when it declines it or says it is done already (agents.actions.stance:
    # stance, cue, word, quote, span, evidence_id); the action is off the card and the draft offers it no more. Written
    # by decide on every turn ({} for most), so a stance never carries into the next turn
    action_stances: dict[str, dict[str, Any]]
    draft: dict[str, Any] | None  # Draft
    suggestion: dict[str, Any] | None  # Suggestion, as delivered
    decision: dict[str, Any] | None  # HumanDecision
    decision_entry_id: str  # the ledger entry of the recorded decision
    # across turns (the thread)
    history: Annotated[list[dict[str, Any]], keep_last]
    context_entities: Annotated[dict[str, list[str]], turn_dict]
    automation_paused: bool
    # what the last customer turn left for the next to take up (agents/authz.py screen_customer_text): its authorization
    # verdict, the kinds of handle it named someone else by, what it asked — never who, nor any number
    authz_carry: dict[str, Any]
