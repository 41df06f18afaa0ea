"""Copilot remembers which thread a suggestion came from (an in-process hint for a decision that names no
conversation) for the most recent suggestions only: a worker runs for weeks and most suggestions are never decided in
the process that made them, so an unbounded map grew by one entry per message for the life of the process."""

from __future__ import annotations

import agents.copilot as copilot_module
from agents import Copilot
from contract.decisions import DecisionKind, HumanDecision
from tests.agents.agent_helpers import msg


def test_the_thread_hints_are_bounded_and_a_forgotten_one_still_records(make_deps, zhang, monkeypatch):
    monkeypatch.setattr(copilot_module, "HINTS_KEPT", 2)
    deps = make_deps()
    cp = Copilot(deps)
    made = [cp.handle(msg("我的订单发货了吗", conv=f"conv-{i}"), zhang) for i in range(4)]
    assert all(s is not None for s in made)
    assert len(cp._threads) == 2  # the two most recent suggestions only

    oldest, newest = made[0], made[-1]
    # the oldest's hint is gone: with no conversation named, the decision goes to the ledger directly
    cp.decide(
        HumanDecision(suggestion_id=oldest.id, kind=DecisionKind.ACCEPT, actor="rep_zhang"),
        zhang,
        tenant="demo",
    )
    assert deps.ledger.decisions[oldest.id].kind is DecisionKind.ACCEPT
    assert cp.history("conv-0", tenant="demo")[-1]["role"] != "decision"  # the thread was not resumed
    # the newest's hint is kept: the decision resumes its thread through the graph
    cp.decide(
        HumanDecision(
            suggestion_id=newest.id, kind=DecisionKind.REJECT, actor="rep_zhang", reason_code="not_needed"
        ),
        zhang,
        tenant="demo",
    )
    assert deps.ledger.decisions[newest.id].kind is DecisionKind.REJECT
    assert cp.history("conv-3", tenant="demo")[-1]["role"] == "decision"
    assert len(cp._threads) == 1
