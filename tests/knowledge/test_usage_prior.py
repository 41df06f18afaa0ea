"""The evidence-usage prior (knowledge/policy/usage_prior.py): off with no history; with history, the documents
accepted for similar past requests join and rise in the ranking, through PolicyStore.search, with their lineage."""

from __future__ import annotations

from datetime import date

import pytest

from contract.ports import PolicyQuery
from knowledge.policy import PolicyStore
from knowledge.policy.usage_prior import UsagePrior

HISTORY = [
    (
        "my card was charged twice for one purchase, please refund the duplicate charge",
        ["lookup-accounts", "dispute"],
    ),
    ("a charge on my card I never made, I want to dispute it", ["lookup-accounts", "dispute", "card-block"]),
    ("I would like to open a new savings account for my daughter", ["lookup-accounts", "open-savings"]),
    ("what documents do I need to open a savings account", ["open-savings"]),
]


def test_no_history_is_off() -> None:
    prior = UsagePrior.from_pairs([])
    assert not prior.active
    assert prior.shares("anything at all") == {}
    assert prior.rerank("anything at all", ["a", "b", "c"]) == ["a", "b", "c"]


def test_similar_past_requests_vote_for_what_they_accepted() -> None:
    prior = UsagePrior.from_pairs(HISTORY, min_records=1)
    shares = prior.shares("there is a duplicate charge on my card, can I dispute it?")
    assert shares["dispute"] > shares.get("open-savings", 0.0)
    assert shares["lookup-accounts"] == pytest.approx(max(shares.values()))
    assert all(0 < v <= 1 for v in shares.values())
    # a document only the prior names joins the ranking; the retrieval's own first document stays near the top
    ranked = prior.rerank(
        "there is a duplicate charge on my card, can I dispute it?", ["card-fees", "dispute"]
    )
    assert "lookup-accounts" in ranked[:3] and ranked[0] in {"dispute", "lookup-accounts"}
    assert "card-fees" in ranked


def test_a_young_history_is_off_until_min_records() -> None:
    assert not UsagePrior.from_pairs(HISTORY).active  # 4 records, fewer than the default min_records
    assert UsagePrior.from_pairs(HISTORY).rerank("a duplicate charge on my card", ["x"]) == ["x"]
    assert UsagePrior.from_pairs(HISTORY * 3).active


def test_shrink_keeps_weak_neighbours_small() -> None:
    loose = UsagePrior.from_pairs(HISTORY, min_records=1, shrink=0.0)
    shrunk = UsagePrior.from_pairs(HISTORY, min_records=1, shrink=0.5)
    q = "there is a duplicate charge on my card, can I dispute it?"
    assert shrunk.shares(q)["dispute"] < loose.shares(q)["dispute"]


def test_a_request_unlike_any_past_one_is_unchanged() -> None:
    prior = UsagePrior.from_pairs(HISTORY, min_records=1)
    assert prior.shares("zebra giraffe xylophone") == {}
    assert prior.rerank("zebra giraffe xylophone", ["x", "y"]) == ["x", "y"]


@pytest.mark.models
def test_store_search_with_the_prior(demo_store: PolicyStore) -> None:
    q = PolicyQuery(text="代理商返点阶梯是多少", k=5, as_of=date(2026, 11, 30))
    plain = demo_store.search(q)
    # an empty history: exactly the plain search
    empty = demo_store.search(q, usage_prior=UsagePrior.from_pairs([]))
    assert [h.id for h in empty] == [h.id for h in plain]
    plain_docs = {h.source_ids["doc_id"] for h in plain}
    unseen = next(
        d
        for d in ("warranty-equipment", "privacy-notice", "delivery-sla", "returns-policy")
        if d not in plain_docs
    )
    prior = UsagePrior.from_pairs([("代理商返点阶梯 季度返点比例", ["rebate-ortho", unseen])], min_records=1)
    hits = demo_store.search(q, usage_prior=prior)
    docs = [h.source_ids["doc_id"] for h in hits]
    assert len(hits) <= q.k and unseen in docs
    joined = next(h for h in hits if h.source_ids["doc_id"] == unseen)
    assert joined.lineage["usage_prior"] > 0 and joined.lineage["status"] == "in_force"
    # the superseded rebate version never comes back through the prior
    assert all(h.version != "3.1" for h in hits if h.source_ids["doc_id"] == "rebate-ortho")
    # the store's own prior (fed from the ledger) is used when the call gives none; dense-only search ignores it
    demo_store.usage_prior = prior
    try:
        assert [h.id for h in demo_store.search(q)] == [h.id for h in hits]
        assert [h.id for h in demo_store.search(q, mode="dense")] == [
            h.id for h in demo_store.search(q, mode="dense", usage_prior=UsagePrior.from_pairs([]))
        ]
    finally:
        demo_store.usage_prior = None


def test_pairs_from_a_real_ledger(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Accepted and edited suggestions feed the prior with their masked request and cited policy documents; a rejected
    or undecided one does not."""
    from contract import HumanDecision
    from copilot.ledger import open_ledger
    from knowledge.policy.usage_prior import pairs_from_ledger
    from tests.ledger.conftest import REP_ZHANG, later, make_suggestion

    ledger = open_ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}", checkpoint_key="k-test-only")
    try:
        texts = {"accept": "返点怎么算", "edit": "返点比例多少", "reject": "保修多久", "none": "交期多久"}
        for i, (kind, text) in enumerate(texts.items()):
            s = make_suggestion(customer=f"C10{i}", created_at=later(i))
            ledger.record_suggestion(s, inputs={"masked_text": text})
            if kind != "none":
                decision = HumanDecision(
                    suggestion_id=s.id,
                    kind=kind,
                    actor=REP_ZHANG.id,
                    decided_at=later(i + 0.5),
                    final_text="改过的草稿" if kind == "edit" else None,
                    reason_code="wrong_evidence" if kind == "reject" else None,
                )
                ledger.record_decision(decision, actor=REP_ZHANG)
        pairs = pairs_from_ledger(ledger.find())
    finally:
        ledger.engine.dispose()
    assert sorted(pairs) == [("返点怎么算", ("rebate-ortho",)), ("返点比例多少", ("rebate-ortho",))]
    share = UsagePrior.from_pairs(pairs, min_records=1).shares("返点怎么算")["rebate-ortho"]
    assert 0.85 < share < 1  # both accepted requests cited it; the shrink keeps it below 1
