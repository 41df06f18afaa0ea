"""understand: intent (+confidence, abstain) from the message, the customer's recent turns and perception's cues
(image kind, file name, entities); entities by the tenant's patterns with references resolved from earlier turns;
sentiment and urgency from keywords, emoji and voice signals."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
from langgraph.runtime import Runtime

from agents.actions.marginal import distribution, guessed
from agents.context import RunContext
from agents.perception.reading import reading
from agents.state import CopilotState
from agents.tenant import OUT_OF_SCOPE
from agents.timing import timed
from agents.understanding.entities import extract_entities, resolve_references
from agents.understanding.intent import (
    EmbeddingIntentClassifier,
    IntentInput,
    LlmIntentClassifier,
    content_ratio,
    focus_text,
    message_clauses,
)
from agents.understanding.offer_records import asked_offer, pack_offer_rows
from agents.understanding.questions import asks
from agents.understanding.records import RecordPack, record_lifts, record_pack
from agents.understanding.sentiment import score_sentiment
from agents.understanding.service import embedding_classifier, intent_classifier
from contract import clock
from contract.suggestions import Intent

if TYPE_CHECKING:
    from agents.deps import AgentDeps

COMPLAINT_BOOST = 0.06
# an offer of the pack's own table named by what it gives: a record the message is about, as the records re-read's
# (agents/understanding/records.py RECORD_BONUS); measured on tests/agents/data/intent_scratch_r21.yaml (promo_named)
OFFER_RECORD_BONUS = 0.2
FLAGGED_TEXT_CONFIDENCE = 0.5
CARRIED = ("product_model", "serial_number", "order_id", "sku", "alarm_code")
RECENT_TURNS = 3


def intent_input(state: CopilotState, entities: dict[str, list[str]]) -> IntentInput:
    """Earlier customer turns from the thread's history, image kinds from perception's signals, files from its
    evidence."""
    turns = [h for h in state.get("history", []) if h.get("role") == "customer" and h.get("text")]
    recent = turns[-RECENT_TURNS:]
    signals = state.get("signals", {})
    image_kinds = [k.removeprefix("image_") for k, v in signals.items() if k.startswith("image_") and v]
    file_kinds, file_names = [], []
    attached: list[
        str
    ] = []  # what perception read off the message's photos (its OCR text is in the message too)
    for e in state.get("evidence", []):
        lineage = e.get("lineage") or {}
        if e.get("kind") == "perception" and lineage.get("file_kind"):
            file_kinds.append(str(lineage["file_kind"]))
        if e.get("kind") == "perception" and lineage.get("image_kind") and e.get("content"):
            attached.append(str(e["content"]))
    for part in (state.get("message") or {}).get("parts", []):
        if part.get("kind") == "file" and part.get("name"):
            file_names.append(str(part["name"]))
    # the rep's message a reply answers, when the rep spoke after the customer's last turn (a quote, then 「[强]」)
    said = [h for h in state.get("history", []) if h.get("role") in ("customer", "rep") and h.get("text")]
    replied_to = str(said[-1]["text"]) if said and said[-1].get("role") == "rep" else ""
    return IntentInput(
        previous=[str(h["text"]) for h in recent],
        replied_to=replied_to,
        previous_intent=str(recent[-1].get("intent", "")) if recent else "",
        entities=entities,
        image_kinds=image_kinds,
        file_kinds=file_kinds,
        file_names=file_names,
        sender=str((state.get("message") or {}).get("sender", "customer")),
        attached=attached,
    )


@timed("understand")
def understand(state: CopilotState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    deps = runtime.context.deps
    text = state.get("clean_text", "").strip()
    if says_little_of(text, state):
        text = ""  # read as a message whose every sentence was flagged (below)
    signals = dict(state.get("signals", {}))
    entities = resolve_references(
        text, extract_entities(text, deps.tenant.entity_rules), state.get("context_entities", {})
    )
    ctx = intent_input(state, entities)
    scores: np.ndarray | None = None  # the shared embedding classifier's read of `text`, before any boost
    if text or ctx.file_names:
        clf = intent_classifier(deps)
        if isinstance(clf, LlmIntentClassifier):
            intent = clf.classify(text, timeout_s=deps.settings.llm_timeout_s, context=ctx)
        else:  # an angry or tearful emoji tips a borderline message towards complaint (emoji table, perception)
            angry = signals.get("emoji_sentiment", 0.0) <= -0.5
            boosts = {"complaint": COMPLAINT_BOOST} if angry else {}
            # an offer of the pack's own table named by what it gives (agents/understanding/offer_records.py)
            offer, why = offer_lift(deps, clf, text, state)
            if offer:
                boosts[offer] = boosts.get(offer, 0.0) + OFFER_RECORD_BONUS
            intent, scores = classify_once(clf, text, boosts or None, ctx)
            if offer:
                intent = intent.model_copy(
                    update={"signals": {**intent.signals, f"offer_record:{offer}:{why}": OFFER_RECORD_BONUS}}
                )
            if clf is not deps.cache.get(
                "intent_classifier"
            ):  # not the one decide's marginal ranking reads with
                scores = None
    elif state.get("masked_text", "").strip() and "injection_suspected" in state.get("flags", []):
        # every sentence was flagged: still say what the message is about (a human decides; autopilot is off and
        # authority never comes from text), at a confidence no autopilot or confident rule accepts
        # read with the amounts, codes and ids the flagged text names (perception's entities of what is read): the
        # cues and a demanded concession (intent.demanded_kinds) count as they would in an unflagged message
        flagged = intent_input(state, extract_entities(state["masked_text"], deps.tenant.entity_rules))
        read = embedding_classifier(deps).classify(state["masked_text"], context=flagged)
        intent = read.model_copy(
            update={
                "confidence": min(read.confidence, FLAGGED_TEXT_CONFIDENCE),
                "signals": {**read.signals, "read_flagged_text": 1.0},
            }
        )
    else:  # nothing left to read: abstain
        intent = Intent(name=OUT_OF_SCOPE, confidence=0.0, abstained=True)
    sentiment, urgency = score_sentiment(text or state.get("masked_text", ""), signals)
    intent = intent.model_copy(
        update={
            "entities": entities,
            "sentiment": sentiment,
            "urgency": urgency,
            "signals": {**intent.signals, **{k: v for k, v in signals.items() if isinstance(v, int | float)}},
        }
    )
    kinds = set(CARRIED) | {
        p.kind for p in deps.tenant.entities.patterns
    }  # the pack's ids carry over turns too
    carried = {k: v for k, v in entities.items() if k in kinds}
    probs = None
    # the distribution decide's marginal ranking reads (agents.actions.marginal.likely_intents) of the text it reads
    if scores is not None and text and text == state.get("clean_text", "") and guessed(intent):
        probs = distribution(list(deps.cache["intent_classifier"].classes), scores)
    return {
        "intent": intent.model_dump(mode="json"),
        "context_entities": carried,
        "intent_reading": turn_reading(state, runtime, intent, ctx),
        "intent_probs": probs,
    }


def offer_lift(
    deps: AgentDeps, clf: EmbeddingIntentClassifier, text: str, state: CopilotState
) -> tuple[str, str]:
    """(the pack's offer intent, «row id:amount») when a sentence of the message that asks (in its primary need) names
    one of the offers of the table that intent's scope tool reads by an amount it gives and a word of that benefit
    (agents/understanding/offer_records.py); ("", "") otherwise, or when the pack has no such table."""
    offer = clf.offer_intent
    if not offer or not text:
        return "", ""
    # the offers governing on the message's day and the clock's (an eval or a replay pins the clock), read once per
    # pair of days: a cache filled by the first message alone would name another day's offers for every later one
    sent = str((state.get("message") or {}).get("sent_at") or "")[:10]
    days = tuple(d for d in (_day(sent), clock.today()) if d is not None)
    key = f"intent_offer_rows:{','.join(d.isoformat() for d in days)}"
    rows = deps.cache.get(key)
    if rows is None:
        from agents.nodes.reason import fact_source, tools_config

        try:
            rows = pack_offer_rows(fact_source(deps), tools_config(deps), offer, days)
        except Exception:  # the pack's tools or facts cannot be read: no offer is named
            rows = []
        deps.cache[key] = rows
    named = asked_offer(rows, text)
    return (offer, f"{named[0]}:{named[1]}") if named else ("", "")


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def says_little_of(clean: str, state: CopilotState) -> bool:
    """Whether the text left after the guard dropped flagged sentences says nothing on its own (an opening, a thanks:
    「Hello! thx」) while the message did, or asks nothing while the message's question was among what was dropped (a
    statement of what they want, then the question inside the flagged sentence): the need was in what was dropped (a
    flag lowers autonomy, it does not say the message asked nothing), so intent reads the message as it reads one whose
    every sentence was flagged (at a confidence no autopilot or confident rule accepts)."""
    masked = state.get("masked_text", "").strip()
    if not clean or clean == masked or "injection_suspected" not in state.get("flags", []):
        return False
    if content_ratio(focus_text(clean)) < 1.0 <= content_ratio(focus_text(masked)):
        return True
    return not any(asks(c) for c in message_clauses(clean)) and any(asks(c) for c in message_clauses(masked))


def classify_once(
    clf: EmbeddingIntentClassifier, text: str, boosts: dict[str, float] | None, ctx: IntentInput
) -> tuple[Intent, np.ndarray | None]:
    """clf.classify(text, boosts=boosts, context=ctx), and the scores of the read it made (before the boosts): decide's
    marginal ranking of a guessed reading needs them. The classifier reads the message once (`read`) and decides from
    that read (`decide` adds the boosts to copies), as `classify` does. (None scores: a classifier without `read`.)"""
    read = getattr(clf, "read", None)
    if read is None:
        return clf.classify(text, boosts=boosts, context=ctx), None
    scores, support, info = read(text, ctx)
    return clf.decide(scores, support, info, boosts=boosts), np.array(scores, copy=True)


def turn_reading(state: CopilotState, runtime: Runtime[RunContext], intent: Intent, ctx: IntentInput) -> str:
    """The message as the embedding classifier read it (agents.nodes.ground.intent_reading), once per turn: ground_policy's
    dense half and decide's action scorer both read it (each computed it again before: spelling, focus, the intent
    input). "" when it could not be made: both readers treat that as they treated a failure (their fallback)."""
    from agents.nodes.ground import intent_reading

    try:
        return intent_reading(state, runtime, intent, ctx)
    except Exception:  # the classifier could not be built (no embedder): the readers fall back, as before
        return ""


def reread(state: CopilotState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """After ground: the intent read again with the customer's CRM records (agents.understanding.records): an open ticket
    whose handling the message says has not come lifts the complaint intent; a service contract the customer holds or
    held, named in a message read as an intent whose tools read no contract, lifts the intent its id cues. The read is
    decided again with those lifts (a strong other reading survives); {} when nothing changes. The embedding
    classifier only (an LLM's reading is its own), and only when a record applies, so most turns pay nothing."""
    crm = state.get("crm") or {}
    intent = Intent.model_validate(state["intent"]) if state.get("intent") else None
    text = state.get("clean_text", "").strip()
    if (
        intent is None
        or intent.abstained
        or not text
        or not (crm.get("open_tickets") or crm.get("contracts"))
    ):
        return {}
    if says_little_of(text, state):
        return {}
    deps = runtime.context.deps
    clf = intent_classifier(deps)
    if not isinstance(clf, EmbeddingIntentClassifier):
        return {}
    pack = _record_pack(deps, clf)
    own = extract_entities(text, deps.tenant.entity_rules)
    ctx = intent_input(state, state.get("intent", {}).get("entities") or own)
    lifts, why = record_lifts(pack, intent.name, reading(text), ctx.previous, crm, own)
    if not lifts:
        return {}
    angry = state.get("signals", {}).get("emoji_sentiment", 0.0) <= -0.5
    boosts = dict(lifts)
    if angry:  # as understand read it: an angry or tearful emoji tips a borderline message towards complaint
        boosts["complaint"] = boosts.get("complaint", 0.0) + COMPLAINT_BOOST
    again, scores = classify_once(clf, text, boosts, ctx)
    if again.name == intent.name or again.abstained:
        return {}
    signals = {
        **intent.signals,
        **again.signals,
        # which record lifted which intent, and by how much (the record's id is in the key: the reading's input)
        **{f"records:{name}:{why[name]}": float(bonus) for name, bonus in lifts.items()},
        "records_reread": 1.0,
    }
    changed = intent.model_copy(
        update={
            "name": again.name,
            "confidence": again.confidence,
            "label_zh": again.label_zh,
            "signals": signals,
        }
    )
    probs = None
    if scores is not None and clf is deps.cache.get("intent_classifier") and guessed(changed):
        probs = distribution(list(clf.classes), scores)
    return {"intent": changed.model_dump(mode="json"), "intent_probs": probs}


def _record_pack(deps: AgentDeps, clf: EmbeddingIntentClassifier) -> RecordPack:
    """The pack's part the re-read reads (complaint intent, cues, record-reading tools), once per deps."""
    cached: RecordPack | None = deps.cache.get("intent_record_pack")
    if cached is None:
        from agents.nodes.reason import tools_config

        cached = record_pack(deps.tenant, tools_config(deps), clf.complaint_intent, clf.offer_intent)
        deps.cache["intent_record_pack"] = cached
    return cached
