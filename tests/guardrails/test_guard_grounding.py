"""Grounding: claims in a draft against the evidence it cites; planted wrong numbers, dates and promises are caught."""

from __future__ import annotations

from contract import Citation, Draft, Evidence, EvidenceKind, Intent, Suggestion, VerdictOutcome
from guardrails.grounding import FLAG, ClaimGroundingChecker, extract
from guardrails.grounding.claims import canon

REBATE = Evidence(
    id="ev-rebate",
    kind=EvidenceKind.POLICY_CLAUSE,
    content="《骨科耗材返点协议V3.2》第4条：季度采购额超过50万元的A类代理商，返点比例为3%，自2026年7月1日起执行。",
)
TRIAL = Evidence(
    id="ev-trial",
    kind=EvidenceKind.POLICY_CLAUSE,
    content="脊柱新品试销激励方案1.0：PS-700试销期90天，试销期内首单享受97折，单价¥1,280元/套。",
)
CITES = [Citation(marker="1", evidence_id="ev-rebate"), Citation(marker="2", evidence_id="ev-trial")]


def check(text: str, mode: str = "remove") -> tuple[Draft, dict]:
    draft, verdict = ClaimGroundingChecker(mode).check(Draft(text=text, citations=CITES), [REBATE, TRIAL])  # type: ignore[arg-type]
    return draft, verdict.model_dump()


def test_faithful_draft_in_other_words_is_allowed_with_evidence_ids() -> None:
    text = "季度采购额超过50万元可享受百分之三的返点，2026-07-01起执行[1]。PS-700试销期九十天，首单优惠3%，单价1280元[2]。"
    draft, v = check(text)
    assert v["outcome"] == VerdictOutcome.ALLOW
    assert draft.text == text
    by_text = {c["text"]: c["evidence_id"] for c in v["details"]["claims"]}
    assert (
        by_text["百分之三"] == "ev-rebate"
        and by_text["PS-700"] == "ev-trial"
        and by_text["1280元"] == "ev-trial"
    )


def test_planted_wrong_number_is_removed_and_named() -> None:
    draft, v = check("返点比例为5%[1]。PS-700试销期90天[2]。")
    assert v["outcome"] == VerdictOutcome.WARN
    assert draft.text == "PS-700试销期90天[2]。"
    assert [c.marker for c in draft.citations] == ["2"]
    unsupported = [c for c in v["details"]["claims"] if not c["supported"]]
    assert unsupported == [
        {"sentence": 0, "kind": "percent", "text": "5%", "supported": False, "evidence_id": ""}
    ]


def test_planted_wrong_date_model_and_price_are_caught() -> None:
    for wrong in ("2026年8月1日起执行[1]。", "PS-900试销期90天[2]。", "单价¥1,380元[2]。"):
        _, v = check(wrong)
        assert v["outcome"] != VerdictOutcome.ALLOW, wrong


def test_unsupported_promise_is_flagged_in_flag_mode() -> None:
    draft, v = check("返点比例为3%[1]。我们保证明天发货。", mode="flag")
    assert v["outcome"] == VerdictOutcome.WARN
    assert draft.text == "返点比例为3%[1]。我们保证明天发货。" + FLAG
    assert any(c["kind"] == "promise" and not c["supported"] for c in v["details"]["claims"])


def test_nothing_supported_left_blocks() -> None:
    draft, v = check("返点比例为8%[1]。")
    assert v["outcome"] == VerdictOutcome.BLOCK
    assert draft.text == "" and draft.citations == []


def test_normalisation_of_units_and_formats() -> None:
    values = {
        (c.kind, c.value)
        for c in extract(canon("百分之三点五，97折，¥1,200，1.2万元，两年，30 days，July 1, 2026"))
    }
    assert ("percent", 3.5) in values and ("percent", 3.0) in values
    assert ("money", 1200.0) in values and ("money", 12000.0) in values
    assert ("quantity", (2.0, "年")) in values and ("quantity", (30.0, "天")) in values
    assert ("date", (2026, 7, 1)) in values


def test_checked_draft_still_makes_a_valid_suggestion() -> None:
    draft, _ = check("返点比例为5%[1]。PS-700试销期90天[2]。")
    suggestion = Suggestion(
        tenant="demo",
        conversation_id="c",
        message_id="m",
        customer_ref="C1001",
        intent=Intent(name="rebate_policy", confidence=0.9),
        draft=draft,
        evidence=[REBATE, TRIAL],
    )
    assert suggestion.draft is not None and suggestion.draft.markers() == ["2"]


def test_citation_to_missing_evidence_is_reported() -> None:
    draft = Draft(text="返点比例为3%[1]。", citations=[Citation(marker="1", evidence_id="ev-gone")])
    _, verdict = ClaimGroundingChecker().check(draft, [REBATE])
    assert any("ev-gone" in r for r in verdict.reasons)


def test_value_stated_for_another_subject_is_not_support() -> None:
    authority = Evidence(
        id="ev-auth",
        kind=EvidenceKind.POLICY_CLAUSE,
        content="销售代表可审批不超过3%的折扣，区域经理可审批不超过8%，超过8%须总监审批。",
    )
    cite = [Citation(marker="1", evidence_id="ev-auth")]
    checker = ClaimGroundingChecker()
    _, wrong = checker.check(Draft(text="销售代表最多可审批8%的折扣[1]。", citations=cite), [authority])
    assert wrong.outcome is VerdictOutcome.BLOCK
    _, right = checker.check(
        Draft(text="销售代表最多3%，区域经理最多百分之八[1]。", citations=cite), [authority]
    )
    assert right.outcome is VerdictOutcome.ALLOW


def test_a_version_named_in_the_cited_title_is_supported() -> None:
    from contract import Citation, Draft, Evidence, EvidenceKind
    from guardrails.grounding.checker import ClaimGroundingChecker

    ev = Evidence(
        id="policy_clause:v32",
        kind=EvidenceKind.POLICY_CLAUSE,
        title="骨科耗材返点协议V3.2",
        version="3.2",
        content="第三条 返点按自然季度结算。",
    )
    draft = Draft(
        text="返点按《骨科耗材返点协议V3.2》执行，按自然季度结算[1]。",
        citations=[Citation(marker="1", evidence_id=ev.id)],
    )
    _, verdict = ClaimGroundingChecker().check(draft, [ev])
    assert verdict.outcome.value == "allow", verdict.reasons
    wrong = Draft(
        text="返点按《骨科耗材返点协议V3.1》执行[1]。", citations=[Citation(marker="1", evidence_id=ev.id)]
    )
    _, verdict = ClaimGroundingChecker().check(wrong, [ev])
    assert verdict.outcome.value != "allow"
