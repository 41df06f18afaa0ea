"""Actions over the likely intents and the rep's offer a say-little reply accepts (agents.actions.marginal, playbook
_the_likely_intents / _the_offer_accepted), on the made-up appliance-repair pack of test_actions_direct:

* p(intent | message) is the classifier's scores softmaxed at its own temperature, the likely few renormalised;
* score(action) = Σ p(intent) · reciprocal rank of the action on that intent's card;
* a guessed reading (abstained, or under WEAK_READING) with a distribution gets the likely intents' actions: an
  abstained one leads with the likely ask and keeps the hand-off on the card; a confident reading is not marginalised;
* an emoji or «好的» after the rep's offer gets the action the rep's turn reads closest to first; a negative reply
  accepts nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from agents.actions.marginal import MIN_SHARE, intent_distribution, marginal_order, reciprocal_rank
from agents.actions.playbook import ABSTAINED_WEIGHT, WEAK_READING, DecisionInput, propose
from agents.tenant import OUT_OF_SCOPE, TenantConfig
from agents.understanding.intent import TEMPERATURE
from contract.suggestions import Intent
from tests.agents.agent_ports import KeywordPolicy
from tests.agents.test_actions_direct import ACTIONS, INTENTS, PLAYBOOKS, similarity


@pytest.fixture
def pack(tmp_path: Path) -> TenantConfig:
    for name, text in (("intents.yaml", INTENTS), ("actions.yaml", ACTIONS), ("playbooks.yaml", PLAYBOOKS)):
        (tmp_path / name).write_text(text, encoding="utf-8")
    return TenantConfig.load(tmp_path)


class FakeClassifier:
    classes = ["repair_request", "delivery_status", OUT_OF_SCOPE]

    def __init__(self, scores: list[float]) -> None:
        self.scores = np.asarray(scores, dtype=np.float32)

    def read(self, text: str, ctx: Any = None) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
        return self.scores, self.scores, {}


def test_the_distribution_is_the_classifiers_softmax_of_the_likely_few() -> None:
    got = intent_distribution(FakeClassifier([0.50, 0.48, 0.20]), "坏了也没到")
    z = np.exp(np.array([0.0, -0.02]) / TEMPERATURE)
    assert got == pytest.approx(
        {"repair_request": z[0] / z.sum(), "delivery_status": z[1] / z.sum()}, abs=1e-3
    )
    assert abs(sum(got.values()) - 1.0) < 1e-3
    # a clear reading: one intent holds the mass; the far one is under MIN_SHARE and dropped
    assert list(intent_distribution(FakeClassifier([0.7, 0.4, 0.1]), "坏了")) == ["repair_request"]
    assert MIN_SHARE > 0
    # nothing to read: no distribution
    assert intent_distribution(FakeClassifier([0.5, 0.5, 0.5]), "  ") == {}
    assert intent_distribution(object(), "坏了") == {}


def test_the_marginal_sums_each_cards_reciprocal_rank_by_its_weight() -> None:
    assert reciprocal_rank(["a", "b", "a", "c"]) == {"a": 1.0, "b": 0.5, "c": 0.25}  # its first place counts
    order = marginal_order({"x": (0.55, ["a", "b"]), "y": (0.45, ["c", "b"])})
    # b is second on both cards: 0.55/2 + 0.45/2 = 0.5; a 0.55; c 0.45
    assert [n for n, _ in order] == ["a", "b", "c"]


def names(d: DecisionInput, t: TenantConfig) -> list[str]:
    return [f.action.name for f in propose(d, t, KeywordPolicy(), similarity)]


def test_an_abstained_message_leads_with_its_likely_intents_action_and_keeps_the_hand_off(
    pack: TenantConfig,
) -> None:
    d = DecisionInput(
        intent=Intent(name=OUT_OF_SCOPE, confidence=0.2, abstained=True), text="那个东西又不行了", evidence=[]
    )
    assert names(d, pack) == ["handoff_to_human"]  # nothing in its words stands out: the hand-off alone
    d.intent_probs = {"repair_request": 0.7, "delivery_status": 0.3}
    # (1 - ABSTAINED_WEIGHT) x 0.7 for the repair, the hand-off ABSTAINED_WEIGHT: the likely ask leads, the hand-off stays
    got = names(d, pack)
    assert got[0] == "open_repair" and "handoff_to_human" in got
    assert ABSTAINED_WEIGHT < 0.5


def test_a_weak_reading_ranks_by_the_likely_intents_and_a_confident_one_is_left_alone(
    pack: TenantConfig,
) -> None:
    text = "那个东西又不行了"
    weak = DecisionInput(
        intent=Intent(name="delivery_status", confidence=WEAK_READING - 0.2), text=text, evidence=[]
    )
    weak.intent_probs = {"delivery_status": 0.3, "repair_request": 0.7}
    # repair: 0.7 x 1 (first on its card); track_order: 0.3 x 1 + 0.7 x 1/2 (second on the repair card)
    assert names(weak, pack)[0] == "open_repair"
    sure = DecisionInput(intent=Intent(name="delivery_status", confidence=0.95), text=text, evidence=[])
    sure.intent_probs = {"delivery_status": 0.4, "repair_request": 0.6}
    assert names(sure, pack)[0] == "track_order"


def test_a_say_little_reply_accepts_the_action_the_rep_offered(pack: TenantConfig) -> None:
    read = Intent(name="delivery_status", confidence=0.9, sentiment=0.4)
    d = DecisionInput(intent=read, text="👌", evidence=[])
    assert names(d, pack)[0] == "track_order"
    d.replied_to = "周六上午给您预约师傅上门保养，可以吗？"
    assert names(d, pack)[0] == "book_visit"
    # a negative reply accepts nothing
    no = DecisionInput(intent=read.model_copy(update={"sentiment": -0.5}), text="👎", evidence=[])
    no.replied_to = d.replied_to
    assert names(no, pack)[0] == "track_order"
