"""Rails from the pack: quoting the tenant's own policy is not an offer, while the rep's own offer still is."""

from __future__ import annotations

from pathlib import Path

from contract import Citation, Draft, Evidence, EvidenceKind, VerdictOutcome
from contract.ports import Actor
from guardrails.rails import YamlPolicyRails
from guardrails.rails_config import load_rails

RAILS = YamlPolicyRails.from_file(
    Path(__file__).resolve().parents[2] / "copilot" / "tenants" / "demo" / "rails.yaml"
)
REP = Actor(id="rep_zhang", role="rep")
AUTHORITY = Evidence(
    id="clause-authority",
    kind=EvidenceKind.POLICY_CLAUSE,
    title="价格折扣审批权限规定",
    content="销售代表可审批不超过3%的折扣，主管不超过8%，更高需总监审批。",
    source_ids={"doc_id": "discount-authority", "clause": "第2条"},
)
SLA = Evidence(
    id="clause-sla",
    kind=EvidenceKind.POLICY_CLAUSE,
    title="发货与物流服务规范",
    content="现货订单在付款确认后3个工作日内发货，偏远地区另加2日。",
    source_ids={"doc_id": "delivery-sla", "clause": "第3条"},
)
DISCLAIMER = "以正式协议为准。"


def check(text: str, cited: list[Evidence]):
    draft = Draft(
        text=text, citations=[Citation(marker=str(i + 1), evidence_id=e.id) for i, e in enumerate(cited)]
    )
    return RAILS.check(draft, [], REP, evidence=[AUTHORITY, SLA])


def test_quoting_the_discount_authority_policy_is_not_an_offer():
    v = check(
        "根据《价格折扣审批权限规定》，主管可审批不超过8%的折扣[1]，我帮您申请。" + DISCLAIMER, [AUTHORITY]
    )
    assert v.outcome is VerdictOutcome.ALLOW, v.reasons
    assert v.details["policy_quotes_not_offers"]
    # the marker after the full stop still belongs to the sentence
    v = check("主管可审批不超过8%的折扣。[1]" + DISCLAIMER, [AUTHORITY])
    assert v.outcome is VerdictOutcome.ALLOW, v.reasons


def test_an_offer_the_clause_does_not_contain_is_still_blocked():
    v = check("根据《价格折扣审批权限规定》[1]，这次给您10%的折扣。" + DISCLAIMER, [AUTHORITY])
    assert v.outcome is VerdictOutcome.BLOCK and "discount_authority" in v.details["rules"]
    v = check("这次给您8%的折扣。" + DISCLAIMER, [])  # no quote: the rep's own offer
    assert v.outcome is VerdictOutcome.BLOCK


def test_quoting_the_delivery_policy_is_not_a_promise_but_tomorrow_is():
    ok = check("按照《发货与物流服务规范》，现货订单在付款确认后3个工作日内发货[1]。", [SLA])
    assert ok.outcome is VerdictOutcome.ALLOW, ok.reasons
    bad = check("按照规范[1]，您的订单明天发货。", [SLA])
    assert bad.outcome is VerdictOutcome.BLOCK and "delivery_date_unconfirmed" in bad.details["rules"]
    wrong_days = check(
        "按照规范[1]，2个工作日内发货。", [SLA]
    )  # 2 is in the clause, but as the remote-area add-on
    assert (
        wrong_days.outcome is VerdictOutcome.ALLOW
        or "delivery_date_unconfirmed" in wrong_days.details["rules"]
    )


def test_a_pack_can_switch_quote_handling_off(tmp_path):
    text = (Path(__file__).resolve().parents[2] / "copilot" / "tenants" / "demo" / "rails.yaml").read_text(
        encoding="utf-8"
    )
    path = tmp_path / "rails.yaml"
    path.write_text(text + "\npolicy_quotes: {enabled: false}\n", encoding="utf-8")
    strict = YamlPolicyRails(load_rails(path))
    draft = Draft(
        text="主管可审批不超过8%的折扣[1]。" + DISCLAIMER,
        citations=[Citation(marker="1", evidence_id=AUTHORITY.id)],
    )
    assert strict.check(draft, [], REP, evidence=[AUTHORITY]).outcome is VerdictOutcome.BLOCK
