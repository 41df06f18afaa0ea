"""Actions follow what the message needs, not only the intent it was read as (a made-up appliance-repair pack):

* the tools a message's words ask for (tools.yaml `needs`) and the tools that answered it vote for the intents that
  list them, a tool one intent owns counting more than one three intents share;
* a misread message (its words ask for nothing the read intent runs) gets the best action of the intent its words
  ask for in the second place; an abstained one gets it beside the hand-off;
* an action the catalog ties to the message's intent outranks a rule fired by the customer's background alone (and
  stays under every rule about the message);
* no action is suggested twice."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.actions.needs import answered_intents, asked_intents, tool_owners
from agents.actions.playbook import DecisionInput, propose
from agents.reasoning.config import ToolsConfig
from agents.tenant import OUT_OF_SCOPE, TenantConfig
from contract.evidence import Evidence, EvidenceKind
from contract.suggestions import Intent
from tests.agents.agent_ports import KeywordPolicy

INTENTS = """
intents:
  - {name: repair_request, label_zh: 报修, description: 设备坏了要修}
  - {name: warranty_question, label_zh: 保修期, description: 询问保修期}
  - {name: delivery_status, label_zh: 到货, description: 订单什么时候到}
  - {name: out_of_scope, label_zh: 无关, description: 闲聊}
"""
ACTIONS = """
actions:
  - name: open_repair
    label_zh: 创建维修单
    description: 为故障设备创建维修单
    intents: [repair_request]
  - name: send_terms
    label_zh: 发送保修条款
    description: 发送现行保修条款
    intents: [warranty_question]
  - name: track_order
    label_zh: 查询物流
    description: 查询订单物流
    intents: [delivery_status]
  - name: offer_upgrade
    label_zh: 推荐以旧换新
    description: 向老设备客户推荐以旧换新
    signals: [old_unit]
  - name: handoff_to_human
    label_zh: 转人工
    description: 转给人工
    intents: [out_of_scope]
"""
PLAYBOOKS = """
playbooks:
  - id: default
    rules:
      - {id: repair, when: {intent: [repair_request]}, then: {action: open_repair, priority: 90}}
      - {id: terms, when: {intent: [warranty_question]}, then: {action: send_terms, priority: 80}}
      - {id: track, when: {intent: [delivery_status]}, then: {action: track_order, priority: 90}}
      - {id: old-unit, when: {signals_all: [old_unit]}, then: {action: offer_upgrade, priority: 80}}
      - {id: unsure, when: {abstained: true}, then: {action: handoff_to_human, priority: 50}}
"""
TOOLS = ToolsConfig.model_validate(
    {
        "intents": {
            "repair_request": [
                {"id": "fault_level", "tool": "row_lookup"},
                {"id": "term", "tool": "term_end"},
            ],
            "warranty_question": [{"id": "term", "tool": "term_end"}],
            "delivery_status": [{"id": "eta", "tool": "crm_record"}, {"id": "term", "tool": "term_end"}],
        },
        "needs": [
            {"words": ["保修", "保到"], "tools": ["term"]},
            {"words": ["故障码", "坏了"], "tools": ["fault_level"]},
            {"words": ["到货", "物流"], "tools": ["eta"]},
        ],
    }
)


@pytest.fixture
def tenant(tmp_path: Path) -> TenantConfig:
    for name, text in (("intents.yaml", INTENTS), ("actions.yaml", ACTIONS), ("playbooks.yaml", PLAYBOOKS)):
        (tmp_path / name).write_text(text, encoding="utf-8")
    return TenantConfig.load(tmp_path)


def _fact(tool_id: str, *, told: bool = True) -> Evidence:
    return Evidence(
        id=Evidence.make_id(EvidenceKind.COMPUTED_FACT, tool_id),
        kind=EvidenceKind.COMPUTED_FACT,
        title=f"计算 · {tool_id}",
        content=f"{tool_id} 结果",
        source_ids={"tool": "row_lookup", "tool_id": tool_id},
        lineage={"output": "x", "unit": "text", **({} if told else {"to_customer": False})},
    )


def _signal(signal_id: str) -> Evidence:
    return Evidence(
        id=Evidence.make_id(EvidenceKind.SIGNAL, signal_id),
        kind=EvidenceKind.SIGNAL,
        title=signal_id,
        content=signal_id,
        source_ids={"signal_id": signal_id},
    )


def _d(intent: str, text: str, evidence: list[Evidence] | None = None) -> DecisionInput:
    ev = evidence or []
    read = (
        Intent(name=OUT_OF_SCOPE, confidence=0.2, abstained=True)
        if intent == OUT_OF_SCOPE
        else Intent(name=intent, confidence=0.9)
    )
    return DecisionInput(
        intent=read,
        text=text,
        evidence=ev,
        needs=asked_intents(TOOLS, text),
        answered=answered_intents(TOOLS, ev),
    )


def names(d: DecisionInput, tenant: TenantConfig) -> list[str]:
    return [f.action.name for f in propose(d, tenant, KeywordPolicy(), lambda t, a: 0.1)]


def test_tools_vote_for_the_intents_that_list_them():
    assert tool_owners(TOOLS)["term"] == ["repair_request", "warranty_question", "delivery_status"]
    # a tool one intent owns outweighs one three share
    assert asked_intents(TOOLS, "坏了，还在保修吗") == {
        "repair_request": 1.0,
        "warranty_question": 0.3333,
        "delivery_status": 0.3333,
    }
    assert asked_intents(TOOLS, "你好") == {}
    # a fact kept for the rep only (a misread intent's own tool) does not vote
    assert answered_intents(TOOLS, [_fact("eta", told=False), _fact("fault_level")]) == {
        "repair_request": 1.0
    }


def test_a_misread_message_gets_what_its_words_ask_for_second(tenant):
    d = _d("delivery_status", "设备坏了，报故障码E4")  # words ask for a repair, read as a delivery question
    assert d.needed_intents() == {"repair_request"}
    assert names(d, tenant)[:2] == ["track_order", "open_repair"]
    # read right: nothing moves
    assert names(_d("repair_request", "设备坏了，报故障码E4"), tenant)[0] == "open_repair"
    # the words also ask for something the read intent runs: the read intent stands
    assert _d("delivery_status", "坏了，物流到哪了").needed_intents() == set()
    # words whose tools several intents share: the best action among them, not the read intent's again
    tied = _d("delivery_status", "还保修吗")
    assert tied.needed_intents() == set()  # the read intent runs the shared tool too
    tied = _d("repair_request", "物流到哪了")
    assert tied.needed_intents() == {"delivery_status"}
    # the read intent backed only by a tool three intents share, the words asking for another's own: that one
    weak = _d("warranty_question", "还保修吗？坏了")
    assert weak.needed_intents() == {"repair_request"}
    assert names(weak, tenant)[:2] == ["send_terms", "open_repair"]


def test_an_abstained_message_gets_the_action_its_needs_fit_beside_the_hand_off(tenant):
    got = names(_d(OUT_OF_SCOPE, "设备坏了，报故障码E4"), tenant)
    assert set(got[:2]) == {"handoff_to_human", "open_repair"}
    assert names(_d(OUT_OF_SCOPE, "嗯嗯"), tenant) == [
        "handoff_to_human"
    ]  # nothing asked: the hand-off alone


def test_the_intents_catalog_action_outranks_a_background_rule(tenant, tmp_path):
    # no rule for the warranty question: its catalog action beats the background upgrade offer, not the other way
    bare = tenant.model_copy(
        update={
            "playbooks": [
                pb.model_copy(update={"rules": [r for r in pb.rules if r.id != "terms"]})
                for pb in tenant.playbooks
            ]
        }
    )
    d = _d("warranty_question", "还在保修吗", [_signal("old_unit")])
    assert names(d, bare)[:2] == ["send_terms", "offer_upgrade"]
    # the background rule's action is what the message's words ask for: it is about the message after all
    asks = _d("warranty_question", "还在保修吗？坏了", [_signal("old_unit")])
    upgrade = tenant.model_copy(
        update={"actions": [a.model_copy(update={"intents": ["repair_request"]}) if a.name == "offer_upgrade" else a
                            for a in tenant.actions]}
    )  # fmt: skip
    fired = {f.action.name: f for f in propose(asks, upgrade, KeywordPolicy(), lambda t, a: 0.1)}
    assert fired["offer_upgrade"].action.score >= 0.8  # its rule's priority, not cut as a background rule's
    # a rule about the message still ranks over the catalog
    assert names(_d("repair_request", "坏了", [_signal("old_unit")]), tenant)[0] == "open_repair"


def test_no_action_is_suggested_twice(tenant):
    for intent in ("repair_request", "warranty_question", "delivery_status", OUT_OF_SCOPE):
        for text in ("设备坏了，报故障码E4，还在保修吗，物流呢", "嗯"):
            got = names(_d(intent, text, [_signal("old_unit"), _fact("fault_level")]), tenant)
            assert len(got) == len(set(got)), got


def test_an_incomplete_action_off_the_intent_yields_to_the_intents_complete_rule_action(tmp_path):
    signoff = """
  - name: ask_signoff
    label_zh: 提交审批
    description: 提交审批
    parameters: {who: {type: string, required: true, description: 审批人}}
"""
    flag_rule = """
      - {id: flag, when: {flags_any: [odd]}, then: {action: ask_signoff, priority: 96}}
"""
    for name, text in (
        ("intents.yaml", INTENTS),
        ("actions.yaml", ACTIONS + signoff),
        ("playbooks.yaml", PLAYBOOKS + flag_rule),
    ):
        (tmp_path / name).write_text(text, encoding="utf-8")
    flagged = TenantConfig.load(tmp_path)
    d = _d("repair_request", "坏了")
    d.flags.append("odd")
    fired = propose(d, flagged, KeywordPolicy(), lambda t, a: 0.1)
    assert [f.action.name for f in fired][:2] == ["open_repair", "ask_signoff"]
    assert fired[1].missing == ["who"]  # still suggested, marked for the rep
