"""Playbook engine (rules over intent, entities, signals, evidence), ranking, and the backtest sandbox + CLI."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from agents.actions.backtest import backtest, cases_from_ledger
from agents.actions.playbook import DecisionInput, propose
from contract.suggestions import Intent
from tests.agents.agent_ports import KeywordPolicy, _signal


def _input(intent: str, signals=(), text: str = "", **kw) -> DecisionInput:
    policy = KeywordPolicy()
    from contract.ports import PolicyQuery

    clauses = policy.search(PolicyQuery(text="返点协议", k=2))
    ev = [*clauses, *[_signal("C1001", s, s) for s in signals]]
    return DecisionInput(
        intent=Intent(name=intent, confidence=0.9, **kw), text=text, evidence=ev, business_unit="ortho"
    )


def test_headline_rule_ranks_below_sending_the_policy_and_retrieves_the_spine_clause(tenant):
    policy = KeywordPolicy()
    firings = propose(_input("rebate_policy", ["no_spine_purchase_180d"]), tenant, policy)
    assert [f.action.name for f in firings] == ["send_policy_document", "push_campaign"]
    push = firings[1]
    assert [e.source_ids["doc_id"] for e in push.extra_evidence] == ["spine-trial-incentive"]
    assert push.rule_evidence.id in push.action.evidence_ids
    assert any("脊柱" in q for q in policy.queries)  # retrieved explicitly for the rule


def test_rules_respect_signals_sentiment_keywords_and_required_parameters(tenant):
    policy = KeywordPolicy()
    names = lambda d: [f.action.name for f in propose(d, tenant, policy)]  # noqa: E731
    assert "push_campaign" not in names(_input("rebate_policy"))
    assert "escalate_to_manager" in names(_input("order_status", sentiment=-0.9))
    assert names(_input("greeting", text="转人工")) == ["handoff_to_human"]
    assert "offer_discount" not in names(_input("price_discount"))  # no rule proposes a discount by itself


def test_a_model_score_breaks_ties_but_never_beats_priority(tenant):
    policy = KeywordPolicy()
    favour_quote = lambda text, desc: 1.0 if "报价" in desc else 0.0  # noqa: E731
    firings = propose(_input("price_discount"), tenant, policy, model_score=favour_quote)
    assert [f.action.name for f in firings][:2] == ["escalate_to_manager", "send_quote"]


def _ledger_entries(tenant):
    sig = _signal("C1001", "no_spine_purchase_180d", "x").model_dump(mode="json")
    sug = {
        "id": "sug_1",
        "intent": Intent(name="rebate_policy", confidence=0.9).model_dump(mode="json"),
        "evidence": [sig],
        "actions": [{"name": "push_campaign", "rule_id": "rebate-spine-push"}],
    }
    return [
        {"kind": "suggestion", "payload": json.dumps({"suggestion": sug, "inputs": {}})},
        {
            "kind": "decision",
            "payload": {
                "decision": {"suggestion_id": "sug_1", "kind": "reject", "reason_code": "not_needed"}
            },
        },
        {"suggestion": {**sug, "id": "sug_2", "evidence": []}},
        {"suggestion_id": "sug_2", "kind": "accept"},
    ]


def test_backtest_reports_firing_rates_against_human_decisions(tenant):
    cases = cases_from_ledger(_ledger_entries(tenant))
    assert {c.case_id: c.decision for c in cases} == {"sug_1": "reject", "sug_2": "accept"}
    report = backtest(tenant, "channel-default", cases)
    push = next(r for r in report["rules"] if r["rule_id"] == "rebate-spine-push")
    assert push["fired"] == 1 and push["fire_rate"] == 0.5 and push["shown_to_humans"] == 1
    assert push["human_decisions_when_fired"]["reject"] == 1 and push["reject_reasons"] == {"not_needed": 1}
    assert push["human_acceptance_when_fired"] == 0.0


def test_backtest_cli_over_a_ledger_export_and_the_scripted_conversations(tenant, tmp_path):
    from copilot.cli.playbook import app

    path = tmp_path / "ledger.jsonl"
    path.write_text(
        "\n".join(json.dumps(e, ensure_ascii=False) for e in _ledger_entries(tenant)), encoding="utf-8"
    )
    runner = CliRunner()
    res = runner.invoke(
        app, ["backtest", "--ledger", str(path), "--signal", "C1001=no_spine_purchase_180d", "--json"]
    )
    assert res.exit_code == 0, res.output
    report = json.loads(res.output)
    assert report["cases"] >= 2 + 14
    push = next(r for r in report["rules"] if r["rule_id"] == "rebate-spine-push")
    assert push["fired"] == 2  # sug_1 from the ledger + the headline turn of conversations.yaml
    table = runner.invoke(app, ["backtest", "--no-conversations", "--ledger", str(path)])
    assert "rebate-spine-push" in table.output
    bad = runner.invoke(app, ["backtest", "--playbook", "nope"])
    assert bad.exit_code == 2 and "no playbook" in bad.output
