"""The service's search learns from its own tenant's accepted evidence: copilot.wiring.usage_prior_from_ledger reads a
real SQLite ledger (accepted and edited suggestions of the last USAGE_HISTORY_DAYS, this tenant only) and stays off
below the prior's minimum of records."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from contract import HumanDecision
from contract.clock import as_of
from copilot.ledger import open_ledger
from copilot.wiring import USAGE_HISTORY_DAYS, usage_prior_from_ledger
from knowledge.policy.usage_prior import MIN_RECORDS
from tests.ledger.conftest import REP_ZHANG, T0, later, make_suggestion


def _record(url: str, tenant: str, n: int, *, start: int = 0, kind: str = "accept") -> None:
    ledger = open_ledger(url, checkpoint_key="k-test-only", tenant=tenant)
    try:
        for i in range(start, start + n):
            s = make_suggestion(customer=f"C{i:04d}", created_at=later(i)).model_copy(
                update={"tenant": tenant}
            )
            ledger.record_suggestion(s, inputs={"masked_text": f"第{i}季度的返点怎么算"})
            decision = HumanDecision(
                suggestion_id=s.id,
                kind=kind,
                actor=REP_ZHANG.id,
                decided_at=later(i + 0.5),
                reason_code="wrong_evidence" if kind == "reject" else None,
            )
            ledger.record_decision(decision, actor=REP_ZHANG)
    finally:
        ledger.engine.dispose()


def test_off_until_the_tenant_has_enough_accepted_records(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    _record(url, "a", MIN_RECORDS - 1)
    _record(url, "a", 5, start=100, kind="reject")  # rejected evidence teaches nothing
    _record(url, "b", 20, start=200)  # another tenant's history is never read
    ledger = open_ledger(url, checkpoint_key="k-test-only")
    with as_of(T0 + timedelta(days=1)):
        assert usage_prior_from_ledger(ledger, "a") is None
        prior_b = usage_prior_from_ledger(ledger, "b")
    assert prior_b is not None and len(prior_b.records) == 20
    _record(url, "a", 1, start=300)
    with as_of(T0 + timedelta(days=1)):
        prior_a = usage_prior_from_ledger(ledger, "a")
    assert prior_a is not None and len(prior_a.records) == MIN_RECORDS
    assert set(prior_a.shares("这个季度返点怎么算")) == {"rebate-ortho"}  # the document they accepted
    with as_of(T0 + timedelta(days=USAGE_HISTORY_DAYS + 1)):  # older than the history window
        assert usage_prior_from_ledger(ledger, "a") is None
    ledger.engine.dispose()


def test_only_the_newest_accepted_are_read(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Start-up reads at most USAGE_HISTORY_MAX accepted suggestions (the newest), not every suggestion of the window."""
    import copilot.wiring

    url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    _record(url, "a", 20)
    _record(url, "a", 30, start=100, kind="reject")
    monkeypatch.setattr(copilot.wiring, "USAGE_HISTORY_MAX", 12)
    ledger = open_ledger(url, checkpoint_key="k-test-only")
    with as_of(T0 + timedelta(days=1)):
        prior = usage_prior_from_ledger(ledger, "a")
    ledger.engine.dispose()
    assert prior is not None and len(prior.records) == 12
    assert {r.request for r in prior.records} == {f"第{i}季度的返点怎么算" for i in range(8, 20)}
