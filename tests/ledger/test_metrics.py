"""Metrics on a small ledger whose answers are worked out by hand."""

from __future__ import annotations

import pytest

from contract import AccessDenied, HumanDecision
from copilot.ledger import Ledger

from .conftest import INPUTS, REP_LI, REP_ZHANG, later, make_suggestion


@pytest.fixture
def known(ledger: Ledger) -> Ledger:
    """rep_zhang: 4 rebate suggestions with the spine push → accept (1 min), accept (3 min), edit (2 min),
    reject outdated_policy (4 min). rep_li: 2 renewal suggestions without the push → reject outdated_policy (6 min),
    one pending. One refused decision (rep_li on rep_zhang's)."""
    z = [make_suggestion() for _ in range(4)]
    li = [
        make_suggestion(customer="C1003", rep="rep_li", intent="contract_renewal", spine_push=False)
        for _ in range(2)
    ]
    ledger.append_many([(s, INPUTS) for s in z + li])
    plan = [
        (z[0], REP_ZHANG, {"kind": "accept"}, 1),
        (z[1], REP_ZHANG, {"kind": "accept"}, 3),
        (z[2], REP_ZHANG, {"kind": "edit", "final_text": "改后的话术"}, 2),
        (z[3], REP_ZHANG, {"kind": "reject", "reason_code": "outdated_policy"}, 4),
        (li[0], REP_LI, {"kind": "reject", "reason_code": "outdated_policy"}, 6),
    ]
    for s, actor, fields, minutes in plan:
        ledger.record_decision(
            HumanDecision(suggestion_id=s.id, actor=actor.id, decided_at=later(minutes), **fields),
            actor=actor,
        )
    with pytest.raises(AccessDenied):  # counted below
        ledger.record_decision(
            HumanDecision(suggestion_id=z[0].id, actor="rep_li", kind="accept"), actor=REP_LI
        )
    return ledger


def test_rates_per_group(known: Ledger) -> None:
    m = known.metrics()
    assert (m.overall.shown, m.overall.decided, m.overall.accepted, m.overall.edited, m.overall.rejected) == (
        6,
        5,
        2,
        1,
        2,
    )
    assert m.overall.acceptance_rate == 0.4 and m.overall.reject_rate == 0.4 and m.overall.edit_rate == 0.2
    assert m.by_intent["rebate_policy"].acceptance_rate == 0.5
    assert m.by_intent["contract_renewal"].reject_rate == 1.0 and m.by_intent["contract_renewal"].shown == 2
    assert m.by_rep["rep_zhang"].edit_rate == 0.25
    assert m.by_rule["rebate_spine_push"].decided == 4
    assert m.by_action["push_campaign"].accepted == 2
    assert m.by_action["send_policy_document"].decided == 5
    assert m.by_doc["spine-trial-incentive"].shown == 4 and m.by_doc["rebate-ortho"].shown == 6
    assert m.top_reject_reasons == [("outdated_policy", 2)]
    assert m.access_denied == 1


def test_time_to_decision(known: Ledger) -> None:
    ttd = known.metrics().time_to_decision_ms
    assert ttd["count"] == 5 and ttd["mean"] == 192_000.0  # (1+3+2+4+6)/5 minutes
    assert ttd["p50"] == 180_000.0 and ttd["max"] == 360_000.0


def test_feed_yields_pairs_for_the_evals(known: Ledger) -> None:
    pairs = list(known.feed())
    assert len(pairs) == 5
    kinds = sorted(d.kind.value for _, d in pairs if d is not None)
    assert kinds == ["accept", "accept", "edit", "reject", "reject"]
    assert all(s.id == d.suggestion_id for s, d in pairs if d is not None)
    assert len(list(known.feed(decided_only=False))) == 6


def test_empty_ledger_metrics_are_zero(ledger: Ledger) -> None:
    m = ledger.metrics()
    assert (
        m.overall.shown == 0 and m.overall.acceptance_rate == 0.0 and m.time_to_decision_ms == {"count": 0.0}
    )
