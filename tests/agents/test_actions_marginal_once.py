"""A guessed reading is read once per message (speed, issue 20): understand classifies through
agents.nodes.understand.classify_once, which keeps the scores of the classifier's read (before any boost), and stores
their distribution (`intent_probs`) for decide's marginal ranking (agents.actions.marginal.likely_intents), which read
the message a second time before. The intents and the distributions are the same as the two reads made."""

from __future__ import annotations

from typing import Any

import pytest

from agents.actions.marginal import distribution, guessed, intent_distribution, likely_intents
from agents.nodes.understand import classify_once
from agents.tenant import OUT_OF_SCOPE
from agents.understanding.intent import EmbeddingIntentClassifier, IntentInput
from contract.suggestions import Intent

TEXTS = [
    "返点政策是怎么规定的",
    "今天天气怎么样",
    "嗯",
    "你们怎么回事，还没发货！",
    "这个型号多少钱，能便宜点吗",
]


class Counting(EmbeddingIntentClassifier):
    reads = 0

    def read(self, text: str, ctx: IntentInput | None = None) -> Any:
        Counting.reads += 1
        return super().read(text, ctx)


@pytest.mark.parametrize("boosts", [None, {"complaint": 0.06}])
def test_one_read_the_same_intent_and_distribution(tenant: Any, embedder: Any, boosts: Any) -> None:
    clf = Counting(tenant, embedder)
    ctx = IntentInput(previous=["我们上个月的订单"])
    for text in TEXTS:
        expected = clf.classify(text, boosts=boosts, context=ctx)
        Counting.reads = 0
        got, scores = classify_once(clf, text, boosts, ctx)
        assert Counting.reads == 1  # classify's own read is answered from the first
        assert got == expected
        assert scores is not None
        assert distribution(list(clf.classes), scores) == intent_distribution(clf, text, ctx)  # unboosted
    assert "read" not in vars(clf)  # the shared classifier itself is untouched


def test_decide_takes_understands_distribution_without_reading() -> None:
    weak = Intent(name=OUT_OF_SCOPE, confidence=0.4, abstained=True)
    assert guessed(weak)
    kept = {"order_status": 0.7, "complaint": 0.3}
    # deps None: reading the message would fail (and give {}); the kept distribution is taken as it is
    assert likely_intents(None, {"clean_text": "嗯", "intent_probs": kept}, weak) == kept  # type: ignore[arg-type]
    assert likely_intents(None, {"clean_text": "嗯", "intent_probs": None}, weak) == {}  # type: ignore[arg-type]
    sure = Intent(name="order_status", confidence=0.95)
    assert likely_intents(None, {"clean_text": "嗯", "intent_probs": kept}, sure) == {}  # type: ignore[arg-type]


def test_a_classifier_without_read_is_classified_as_before() -> None:
    class Plain:
        def classify(self, text: str, *, boosts: Any = None, context: Any = None) -> Intent:
            return Intent(name="order_status", confidence=0.9)

    got, scores = classify_once(Plain(), "订单呢", None, IntentInput())  # type: ignore[arg-type]
    assert got.name == "order_status" and scores is None
