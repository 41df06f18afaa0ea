"""English drafts through the rails and the grounding check: an English sentence ends at its full stop (so a quoted
tier rate in one sentence is not read with the next sentence's figures as one offer), and "5 units" is supported by
evidence that counts 5台 / 5件 (English names no measure word)."""

from __future__ import annotations

from pathlib import Path

from contract import Citation, Draft, Evidence, EvidenceKind, VerdictOutcome
from contract.ports import Actor
from guardrails.grounding.checker import ClaimGroundingChecker
from guardrails.rails import YamlPolicyRails, _sentences

RAILS = YamlPolicyRails.from_file(
    Path(__file__).resolve().parents[2] / "copilot" / "tenants" / "autodealer" / "rails.yaml"
)
REP = Actor(id="rep_gao", role="rep")
TIER = Evidence(
    id="computed-tier",
    kind=EvidenceKind.COMPUTED_FACT,
    title="计算 · volume_tier",
    content="贵司2025年整车采购 65 台，属F4阶梯（60台（含）以上），整车折扣 9%；E5 指导价 179,800 元，折后单价 163,618 元",
    source_ids={"tool": "volume_tier", "doc_id": "fleet-discount"},
)
OFFER = Evidence(
    id="computed-offer",
    kind=EvidenceKind.COMPUTED_FACT,
    title="计算 · scope_rows",
    content="新能源车队焕新补贴（PR-2604）：单笔订单采购5台（含）以上，每台补贴6000元，您符合条件",
    source_ids={"tool": "scope_rows", "doc_id": "promotions"},
)


def test_english_sentences_end_at_their_full_stop_not_inside_figures() -> None:
    got = _sentences(
        "Hello, the tier is 9% at CNY 163,618[1]. Subject to the signed contract. Version 3.1 applies."
    )
    assert [s.strip() for s in got] == [
        "Hello, the tier is 9% at CNY 163,618[1].",
        "Subject to the signed contract.",
        "Version 3.1 applies.",
    ]
    assert len(_sentences("折扣5%。[1]下一步")) == 2  # Chinese stops as before


def test_a_quoted_tier_rate_in_english_is_not_an_offer_over_authority() -> None:
    text = (
        "Hello Director Cao, you are in tier F4 with a 9% discount, so your net unit price is CNY 163,618[1]. "
        "PR-2604: an order of 5 units or more, a CNY 6,000 subsidy per unit, you qualify[2]. "
        "Subject to the signed contract."
    )
    draft = Draft(
        text=text,
        citations=[Citation(marker="1", evidence_id=TIER.id), Citation(marker="2", evidence_id=OFFER.id)],
    )
    verdict = RAILS.check(draft, [], REP, evidence=[TIER, OFFER])
    assert verdict.outcome is not VerdictOutcome.BLOCK, verdict.reasons
    # the rep's own offer in English is still one
    own = Draft(text="Hello, I can give you 9% off.", citations=[])
    assert RAILS.check(own, [], REP, evidence=[TIER]).outcome is VerdictOutcome.BLOCK


def test_an_english_count_is_supported_by_a_chinese_measure_word() -> None:
    draft = Draft(
        text="PR-2604: an order of 5 units or more, a CNY 6,000 subsidy per unit[1].",
        citations=[Citation(marker="1", evidence_id=OFFER.id)],
    )
    _, verdict = ClaimGroundingChecker().check(draft, [OFFER])
    assert verdict.outcome is VerdictOutcome.ALLOW, verdict.reasons
    wrong = Draft(
        text="PR-2604: an order of 7 units or more[1].",
        citations=[Citation(marker="1", evidence_id=OFFER.id)],
    )
    _, verdict = ClaimGroundingChecker().check(wrong, [OFFER])
    assert verdict.outcome is not VerdictOutcome.ALLOW
