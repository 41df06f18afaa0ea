"""understand: intent (+confidence, abstain), entities by rules with references resolved from earlier turns,
sentiment and urgency from keywords, emoji and voice signals."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agents.context import RunContext
from agents.state import CopilotState
from agents.tenant import OUT_OF_SCOPE
from agents.timing import timed
from agents.understanding.entities import extract_entities, resolve_references
from agents.understanding.intent import LlmIntentClassifier
from agents.understanding.sentiment import score_sentiment
from agents.understanding.service import intent_classifier
from contract.suggestions import Intent

COMPLAINT_BOOST = 0.06
CARRIED = ("product_model", "serial_number", "order_id", "sku", "alarm_code")


@timed("understand")
def understand(state: CopilotState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    deps = runtime.context.deps
    text = state.get("clean_text", "").strip()
    signals = dict(state.get("signals", {}))
    if text:
        clf = intent_classifier(deps)
        if isinstance(clf, LlmIntentClassifier):
            intent = clf.classify(text, timeout_s=deps.settings.llm_timeout_s)
        else:  # an angry or tearful emoji tips a borderline message towards complaint (emoji table, perception)
            angry = signals.get("emoji_sentiment", 0.0) <= -0.5
            intent = clf.classify(text, boosts={"complaint": COMPLAINT_BOOST} if angry else None)
    else:  # nothing trustworthy left to read (empty, or every sentence flagged as injection): abstain
        intent = Intent(name=OUT_OF_SCOPE, confidence=0.0, abstained=True)
    entities = resolve_references(text, extract_entities(text), state.get("context_entities", {}))
    sentiment, urgency = score_sentiment(text or state.get("masked_text", ""), signals)
    intent = intent.model_copy(
        update={
            "entities": entities,
            "sentiment": sentiment,
            "urgency": urgency,
            "signals": {**intent.signals, **{k: v for k, v in signals.items() if isinstance(v, int | float)}},
        }
    )
    carried = {k: v for k, v in entities.items() if k in CARRIED}
    return {"intent": intent.model_dump(mode="json"), "context_entities": carried}
