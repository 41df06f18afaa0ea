"""A discount the customer asked for, named together with the approval it needs, is not an offer
("您提到的9折优惠需要销售总监审批" was blocked as "offers a 10% discount"); the rep's own offer, or a request that is
also granted, still is. Both tenants' rails.yaml, the rep role (limit 2–3 %)."""

from __future__ import annotations

from pathlib import Path

import pytest

from contract import Draft, VerdictOutcome
from contract.ports import Actor
from guardrails.rails import YamlPolicyRails, requested_with_approval

TENANTS = Path(__file__).resolve().parents[2] / "copilot" / "tenants"
REP = Actor(id="rep_x", role="rep")


@pytest.mark.parametrize("tenant", ["demo", "autodealer"])
@pytest.mark.parametrize(
    ("text", "blocked"),
    [
        # the customer's figure with the approval it needs: not an offer
        ("王经理您好，您提到的9折优惠需要销售总监审批，我马上为您申请。以正式合同为准。", False),
        ("您提到的95折超出我的权限，需要销售经理审批，有结果第一时间告诉您。以正式合同为准。", False),
        ("您要的8折需要由总经理审批。以正式合同为准。", False),
        (
            "The 10% discount you asked for needs approval by the sales director. Subject to the signed contract.",
            False,
        ),
        # near misses: still offers, still blocked
        ("您提到的9折我可以直接给您。以正式合同为准。", True),  # granted
        ("您提到的9折没问题，以正式合同为准。", True),  # granted
        ("您提到的9折优惠已经审批通过了。以正式合同为准。", True),  # an approval claimed
        ("您提到的9折优惠需要审批，不过我先按9折给您算。以正式合同为准。", True),  # applied anyway
        ("9折优惠需要销售总监审批。以正式合同为准。", True),  # the rep's own figure, no request frame
        ("我给您打9折，您提到的事需要审批。以正式合同为准。", True),  # the figure is the rep's offer
        ("您提到的9折需要审批，另外8折优惠也可以申请。以正式合同为准。", True),  # a second, own figure
        ("The 10% discount you asked for needs approval, but I can give you a 10% discount now.", True),
    ],
)
def test_a_requested_figure_with_its_approval_is_not_an_offer(tenant, text, blocked):
    rails = YamlPolicyRails.from_file(TENANTS / tenant / "rails.yaml")
    verdict = rails.check(Draft(text=text), [], REP, evidence=[])
    discount_blocks = [r for r in verdict.reasons if "discount" in r and "offers" in r]
    assert bool(discount_blocks) is blocked, verdict.reasons
    if not blocked:
        assert verdict.outcome is not VerdictOutcome.BLOCK or not discount_blocks
        assert verdict.details.get("policy_quotes_not_offers")  # kept visible in the verdict


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("您提到的优惠9折需要审批", True),
        ("客户要求的5%折扣需要销售经理审批", True),
        ("您提到的9折", False),  # no approval named
        ("需要销售总监审批", False),  # no figure
    ],
)
def test_requested_with_approval(sentence, expected):
    assert requested_with_approval(sentence) is expected
