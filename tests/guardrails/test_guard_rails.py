"""Policy rails from the demo tenant's rails.yaml: discount authority, forbidden promises, banned words, competitors,
disclaimers; a broken rails file is a UserError."""

from __future__ import annotations

from pathlib import Path

import pytest

from contract import Action, Citation, Draft, Evidence, EvidenceKind, VerdictOutcome
from contract.errors import UserError
from contract.ports import Actor
from guardrails.rails import YamlPolicyRails, draft_discounts

RAILS_FILE = Path(__file__).resolve().parents[2] / "copilot" / "tenants" / "demo" / "rails.yaml"
RAILS = YamlPolicyRails.from_file(RAILS_FILE)
REP = Actor(id="rep_zhang", role="rep")
AGENT = Actor(id="agent_chen", role="agent")
OK_DISCLAIMER = "以正式协议为准。"


def verdict(text: str | None, actions: list | None = None, actor: Actor = REP, evidence: list | None = None):
    draft = (
        Draft(text=text, citations=[Citation(marker="1", evidence_id="fact-1")]) if text is not None else None
    )
    return RAILS.check(draft, actions or [], actor, evidence=evidence)


def test_discount_within_rep_authority_is_allowed() -> None:
    assert verdict("可以给您97折优惠，" + OK_DISCLAIMER).outcome is VerdictOutcome.ALLOW
    assert (
        verdict(None, [Action(name="offer_discount", parameters={"discount_pct": 3})]).outcome
        is VerdictOutcome.ALLOW
    )


def test_discount_over_authority_blocks_with_escalation_reason() -> None:
    v = verdict("这次给您9折，" + OK_DISCLAIMER)
    assert v.outcome is VerdictOutcome.BLOCK and "escalate_to_manager" in v.reasons[0]
    v = verdict(None, [{"name": "offer_discount", "parameters": {"discount_pct": "5%"}}])
    assert v.outcome is VerdictOutcome.BLOCK and "5% exceeds rep authority 3%" in v.reasons[0]
    assert (
        verdict(None, [Action(name="offer_discount", parameters={"discount_pct": 1})], actor=AGENT).outcome
        is VerdictOutcome.BLOCK
    )


def test_draft_discount_parsing() -> None:
    assert draft_discounts("优惠5%，再打95折") == [5.0, 5.0]
    assert draft_discounts("返点3%") == []  # a rebate rate is not a discount


def test_delivery_date_needs_order_system_confirmation() -> None:
    v = verdict("您的订单明天发货。")
    assert v.outcome is VerdictOutcome.BLOCK and "delivery_date_unconfirmed" in v.details["rules"]
    order_fact = Evidence(
        id="fact-1",
        kind=EvidenceKind.CUSTOMER_FACT,
        content="ship_date = 2026-12-02",
        source_ids={"table": "orders", "row_key": "SO1", "field": "ship_date"},
    )
    assert verdict("您的订单预计12月2日发货[1]。", evidence=[order_fact]).outcome is VerdictOutcome.ALLOW
    assert verdict("We will ship by Friday.").outcome is VerdictOutcome.BLOCK


def test_banned_words_block_and_competitors_warn() -> None:
    assert verdict("我们是全网最低价。").outcome is VerdictOutcome.BLOCK
    v = verdict("和恒康骨科相比我们服务更及时。")
    assert v.outcome is VerdictOutcome.WARN and "恒康骨科" in v.reasons[0]


def test_missing_disclaimer_warns() -> None:
    v = verdict("A类代理商返点为3%。")
    assert v.outcome is VerdictOutcome.WARN and v.details["rules"] == ["rebate_terms"]
    assert verdict("A类代理商返点为3%，" + OK_DISCLAIMER).outcome is VerdictOutcome.ALLOW


def test_action_needing_higher_authority_warns() -> None:
    v = verdict(None, [Action(name="renew_contract", requires_authority="manager")])
    assert v.outcome is VerdictOutcome.WARN and "manager" in v.reasons[0]


def test_broken_rails_file_is_a_user_error(tmp_path: Path) -> None:
    bad = tmp_path / "rails.yaml"
    bad.write_text(
        "discount_authority: {rep: 3}\nbanned_words: {severity: maybe, words: [x]}\n", encoding="utf-8"
    )
    with pytest.raises(UserError):
        YamlPolicyRails.from_file(bad)
    with pytest.raises(UserError):
        YamlPolicyRails.from_file(tmp_path / "missing.yaml")
    bad.write_text(
        "discount_authority: {rep: 3}\nforbidden_promises: [{id: x, patterns: ['(']}]\n", encoding="utf-8"
    )
    with pytest.raises(UserError):
        YamlPolicyRails.from_file(bad)
