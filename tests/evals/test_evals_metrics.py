"""Metrics on hand-computed answers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from contract import InboundMessage, TextPart
from evals.metrics import (
    citation_support,
    compute_metrics,
    human_rates,
    intent_scores,
    key_terms,
    macro_f1,
    mention_hits,
    percentile,
    pii_leaks,
    recall_at_k,
    reciprocal_rank,
    retrieval_scores,
    score_turn,
    violations,
)
from evals.runner import RunResult
from evals.suite import Expectations
from tests.evals.evals_helpers import build


def test_intent_accuracy_macro_f1_and_abstain_quality() -> None:
    gold = ["rebate_policy", "rebate_policy", "invoice", "out_of_scope", "out_of_scope"]
    pred = ["rebate_policy", "invoice", "invoice", "out_of_scope", "greeting"]
    s = intent_scores(gold, pred)
    assert s["accuracy"] == pytest.approx(3 / 5)
    # F1: rebate 2/3, invoice 2/3, out_of_scope 2/3, greeting 0 → mean 0.5
    assert s["macro_f1"] == pytest.approx(0.5)
    assert s["abstain_precision"] == 1.0 and s["abstain_recall"] == 0.5
    assert macro_f1([], []) is None


def test_retrieval_recall_and_mrr() -> None:
    ranked = ["a", "x", "b", "a", "y", "c"]
    assert recall_at_k(ranked, {"a", "b", "c"}, 2) == pytest.approx(1 / 3)
    assert recall_at_k(ranked, {"a", "b", "c"}, 3) == pytest.approx(2 / 3)  # duplicates do not take a rank
    assert reciprocal_rank(ranked, {"b"}) == pytest.approx(1 / 3)
    assert reciprocal_rank(ranked, {"z"}) == 0.0
    s = retrieval_scores([(ranked, {"a"}), (["q", "b"], {"b", "c"}), (["q"], set())], ks=(1,))
    assert s["recall@1"] == pytest.approx(0.5) and s["mrr"] == pytest.approx(0.75) and s["n"] == 2


def test_text_checks_mentions_violations_and_pii() -> None:
    draft = "按《骨科耗材返点协议V3.2》，季度采购额达到１００万元返点３．５％。"
    assert mention_hits(draft, ["V3.2", ["3.5%", "三点五"], "PS-700"]) == [True, True, False]
    assert violations(draft, ["V3.1", "返点3.5%"]) == ["返点3.5%"]
    places = {
        "draft": "电话 138-1234-5678",
        "evidence": "",
        "ledger_inputs": '{"masked_text": "<CN_MOBILE_1>"}',
    }
    assert pii_leaks(places, ["13812345678", "330203198001011231"]) == ["13812345678@draft"]


def test_citation_precision_checks_key_terms_against_the_cited_evidence() -> None:
    assert key_terms("LCP-3.5 返点2.5%[1]") == ["3.5", "2.5%", "LCP-3.5"]
    draft = "LCP-3.5 季度返点2.5%[1]。PS-700 首单九折[2]。保修期内免费上门[1]。"
    cites = {"1": "e1", "2": "e2"}
    evidence = {"e1": "创伤耗材 LCP-3.5 返点2.5%", "e2": "PS-700 首单货款九折"}
    assert citation_support(draft, cites, evidence) == [True, True, False]


def _msg(text: str, customer: str = "C1001") -> InboundMessage:
    return InboundMessage(
        tenant="demo",
        channel="wecom_app",
        conversation_id="c",
        message_id="m",
        customer_ref=customer,
        parts=[TextPart(text=text)],
    )


def test_score_turn_on_the_headline_expectations() -> None:
    s = build(
        _msg("返点"),
        "rebate_policy",
        docs=[("rebate-ortho", "3.2"), ("spine-trial-incentive", "1.0")],
        actions=[
            ("send_policy_document", {"doc_id": "rebate-ortho"}, 0),
            ("push_campaign", {"doc_id": "spine-trial-incentive"}, 1),
        ],
        signals=["no_spine_purchase_180d"],
        draft="按V3.2返点2.5%[1]。",
    ).model_dump(mode="json")
    exp = Expectations.model_validate(
        {
            "intent": "rebate_policy",
            "documents": [{"doc_id": "rebate-ortho", "version": "3.2"}],
            "forbidden_documents": [{"doc_id": "rebate-ortho", "version": "3.1"}],
            "actions": [{"name": "push_campaign", "parameters": {"doc_id": "spine-trial-incentive"}}],
            "signals": ["no_spine_purchase_180d"],
            "must_mention": ["3.2"],
        }
    )
    checks, facts = score_turn(s, exp)
    assert all(c["passed"] for c in checks), checks
    assert facts["action_top1"] == 0.0 and facts["action_top3"] == 1.0  # push_campaign ranked second
    assert facts["retrieval_rr"] == 1.0 and facts["citations"] == (1, 1)
    old = build(
        _msg("返点"), "rebate_policy", docs=[("rebate-ortho", "3.1")], draft="按V3.1返点2%[1]。"
    ).model_dump(mode="json")
    checks, facts = score_turn(old, exp)
    failed = {c["name"] for c in checks if not c["passed"]}
    assert {"cites rebate-ortho@3.2", "never cites rebate-ortho@3.1", "must mention"} <= failed
    assert facts["forbidden_doc_violations"] == 1


def test_latency_percentiles_and_sla_gate(good_run: RunResult) -> None:
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 50) == 3.0
    assert percentile([10.0, 20.0], 95) == pytest.approx(19.5)
    assert good_run.metrics["latency.ground_policy.p95_ms"] == 30.0
    gate = next(g for g in good_run.gates if g.metric == "latency.ground_policy.p95_ms")
    assert gate.passed and gate.max == 2000


def test_human_rates_over_a_period() -> None:
    def sug(i: int, day: int, intent: str) -> dict[str, object]:
        return {
            "kind": "suggestion",
            "suggestion_id": f"s{i}",
            "intent": intent,
            "created_at": f"2026-11-{day:02d}T09:00:00Z",
        }

    entries = [
        sug(1, 1, "rebate_policy"),
        sug(2, 2, "rebate_policy"),
        sug(3, 3, "invoice"),
        sug(4, 4, "invoice"),
        sug(5, 20, "invoice"),
        {"kind": "decision", "suggestion_id": "s1", "decision": "accept"},
        {"kind": "decision", "suggestion_id": "s2", "payload": {"decision": {"kind": "edit"}}},
        {"kind": "decision", "suggestion_id": "s3", "decision": "reject"},
        {"kind": "decision", "suggestion_id": "s5", "decision": "accept"},
    ]
    rates = human_rates(
        entries,
        since=datetime(2026, 11, 1, tzinfo=UTC),
        until=datetime(2026, 11, 10, tzinfo=UTC),
        by="intent",
    )
    overall = rates["all"]
    assert overall["shown"] == 4 and overall["decided"] == 3  # s4 pending, s5 outside the period
    assert overall["acceptance_rate"] == pytest.approx(1 / 3) and overall["edit_rate"] == pytest.approx(1 / 3)
    assert rates["intent=invoice"]["reject_rate"] == 1.0


def test_traps_refused_with_another_reason_count_in_the_diagnostic_not_the_metric() -> None:
    """authz.refusals_correct needs the expected reason; authz.traps_refused_any_reason tells a trap refused for a
    different reason (counted there) from a trap answered (counted in neither)."""
    turns = [
        {"facts": {"refusal": (True, True), "trap_refused": True}},  # refused, expected reason
        {"facts": {"refusal": (True, False), "trap_refused": True}},  # refused, another reason
        {"facts": {"refusal": (True, False), "trap_refused": False}},  # answered
        {"facts": {"refusal": (False, True)}},  # a control, not refused
    ]
    m = compute_metrics([{"turns": turns}])
    assert m["authz.refusals_correct"] == 1 / 3
    assert m["authz.traps_refused_any_reason"] == 2 / 3
    assert m["authz.false_refusals"] == 0.0
