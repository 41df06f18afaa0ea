"""Suites from real history: ledger export entries + human decisions become cases and expectations."""

from __future__ import annotations

from typing import Any

from evals.history import suite_from_ledger, suite_to_yaml
from evals.runner import RunResult, run_suite
from evals.suite import load_yaml_suite
from tests.evals.evals_helpers import ScriptedTarget


def ledger_entries(run: RunResult) -> list[dict[str, Any]]:
    """Entries in the ledger's JSON export shape (copilot/ledger/entries.py) for the run's suggestions, with decisions:
    the headline accepted, the C1002 rebate edited, the device alarm rejected as outdated_policy, the rest pending."""
    entries: list[dict[str, Any]] = []
    decided = {
        "headline-rebate-c1001": "accept",
        "rebate-c1002-no-spine-push": "edit",
        "device-alarm-c1004": "reject",
    }
    for case in run.cases:
        for t in case.turns:
            s = t.suggestion
            if s is None:
                continue
            entries.append(
                {
                    "kind": "suggestion",
                    "id": f"e-{s['id']}",
                    "suggestion_id": s["id"],
                    "conversation_id": s["conversation_id"],
                    "customer_ref": s["customer_ref"],
                    "intent": s["intent"]["name"],
                    "created_at": s["created_at"],
                    "payload": {"suggestion": s, "inputs": {"masked_text": t.text, "actor": "rep_zhang"}},
                }
            )
            kind = decided.get(case.case_id)
            if kind and t.index == len(case.turns) - 1:
                decision: dict[str, Any] = {"kind": kind, "suggestion_id": s["id"], "actor": "rep_zhang"}
                if kind == "edit":
                    decision["final_text"] = "按V3.2，季度采购100万元以上返点3.5%[1]，PS-700 首单九折。"
                if kind == "reject":
                    decision["reason_code"] = "outdated_policy"
                entries.append(
                    {
                        "kind": "decision",
                        "suggestion_id": s["id"],
                        "decision": kind,
                        "reason_code": decision.get("reason_code", ""),
                        "created_at": s["created_at"],
                        "payload": {"decision": decision},
                    }
                )
    return entries


def test_decisions_become_expectations(good_run: RunResult) -> None:
    suite = suite_from_ledger(ledger_entries(good_run), name="历史回放")
    assert len(suite.cases) == 3  # only decided suggestions
    by_tag = {next(t for t in c.tags if t.startswith("human:")): c for c in suite.cases}
    accepted = by_tag["human:accept"]
    assert [t.text for t in accepted.turns] == [
        "张经理，LCP-3.5 锁定加压接骨板最近货期怎么样？",
        "这个型号的代理商返点政策能再发一遍吗?",
    ]
    assert accepted.expect.intent == "rebate_policy"
    assert ("rebate-ortho", "3.2") in {(d.doc_id, d.version) for d in accepted.expect.documents}
    assert accepted.expect.actions[0].name == "push_campaign"
    assert accepted.expect.actions[0].parameters == {"doc_id": "spine-trial-incentive"}
    edited = by_tag["human:edit"]
    assert {"3.5%", "PS-700"} <= set(edited.expect.must_mention)  # what the human added
    assert {"2.5%", "LCP-3.5"} <= set(edited.expect.must_not_claim)  # what the human took out
    assert "100" not in edited.expect.must_mention  # kept from the draft: not an edit
    assert edited.expect.reference_draft and "3.5%" in edited.expect.reference_draft
    rejected = by_tag["human:reject"]
    assert "reject:outdated_policy" in rejected.tags
    assert [(d.doc_id, d.version) for d in rejected.expect.forbidden_documents] == [
        ("warranty-equipment", "1.3")
    ]


def test_history_suite_round_trips_through_yaml_and_runs(good_run: RunResult) -> None:
    suite = suite_from_ledger(ledger_entries(good_run))
    again = load_yaml_suite(suite_to_yaml(suite), "history.yaml")
    assert [c.id for c in again.cases] == [c.id for c in suite.cases]
    run = run_suite(again, ScriptedTarget())
    statuses = {c.case_id: c.status for c in run.cases}
    assert len(statuses) == 3
    rejected = next(c for c in run.cases if "human:reject" in c.tags)
    assert rejected.status == "fail"  # the scripted target still cites what the human rejected
