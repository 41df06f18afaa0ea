"""Action ranking principles that carry to any tenant (a made-up software vendor here, as in test_actions_computed):

* an approval computed from a percentage a message happens to carry ranks under the rules of what the message asks
  (a warranty question with «7%» in a note), while an eligible campaign still rises whatever was asked;
* a rule's action that still needs a required id from the rep yields the first place to an action the catalog declares
  for the intent and the copilot can fully prepare;
* an id parameter named after a CRM entity (`order_id`) is filled with the one row the computed answer rests on;
* a percentage parameter described as already granted («已授权的折扣百分比») does not make an action a grant (so a
  suspected injection does not remove a plain quote);
* the document an action sends is the one the intent's computed answer rests on, not whatever clause ranked first."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.actions.computed import grants, links
from agents.actions.playbook import answer_source, propose
from agents.tenant import TenantConfig
from contract.evidence import Evidence, EvidenceKind
from tests.agents.agent_helpers import action_names, decision, load_pack
from tests.agents.agent_ports import KeywordPolicy

INTENTS = """
intents:
  - {name: ask_price, label_zh: 询价, description: 询问价格和折扣}
  - {name: ask_offer, label_zh: 活动, description: 询问优惠活动}
  - {name: ask_warranty, label_zh: 保修, description: 询问保修期}
  - {name: cancel, label_zh: 退订, description: 退订退款}
"""
ACTIONS = """
actions:
  - name: ask_for_signoff
    label_zh: 提交审批
    description: 超出本人权限的折扣提交上级审批
    parameters:
      pct: {type: number, required: true, description: 申请的折扣百分比}
      who: {type: string, required: true, description: 审批人岗位}
    intents: [ask_price]
  - name: send_quote
    label_zh: 发送报价
    description: 按价目表和客户适用的折扣发送报价
    parameters: {pct: {type: number, description: 已授权的折扣百分比}}
    intents: [ask_price, ask_offer]
  - name: enrol_campaign
    label_zh: 登记活动
    description: 为符合条件的订单登记优惠活动
    parameters: {campaign: {type: string, required: true, description: 活动编号 CP-xxxx}}
    intents: [ask_offer]
  - name: send_terms
    label_zh: 发送条款
    description: 发送现行条款
    parameters: {doc_id: {type: string, required: true, description: 文件编号}}
    intents: [ask_warranty, cancel]
  - name: refund_order
    label_zh: 办理退款
    description: 计算可退金额并提交退款
    parameters: {order_id: {type: string, description: 订单号}}
    intents: [cancel]
"""
PLAYBOOKS = """
playbooks:
  - id: default
    rules:
      - id: warranty
        when: {intent: [ask_warranty]}
        then: {action: send_terms, priority: 80, parameters_from_policy: {doc_id: doc_id}}
      - id: campaign
        when: {intent: [ask_offer]}
        then: {action: enrol_campaign, priority: 80}
      - id: refund
        when: {intent: [cancel]}
        then: {action: refund_order, priority: 90}
"""


@pytest.fixture
def tenant(tmp_path: Path) -> TenantConfig:
    return load_pack(tmp_path, INTENTS, ACTIONS, PLAYBOOKS)


def _computed(tool: str, content: str, *, doc: str = "", needs: str = "", inputs=()) -> Evidence:
    return Evidence(
        id=Evidence.make_id(EvidenceKind.COMPUTED_FACT, tool, content),
        kind=EvidenceKind.COMPUTED_FACT,
        title=f"计算 · {tool}",
        content=content,
        source_ids={"tool": tool, "tool_id": tool, **({"doc_id": doc, "version": "2.0"} if doc else {})},
        lineage={"output": content, "unit": "text", "needs_approval": needs, "inputs": list(inputs)},
    )


def _clause(doc: str) -> Evidence:
    return Evidence(
        id=Evidence.make_id(EvidenceKind.POLICY_CLAUSE, doc),
        kind=EvidenceKind.POLICY_CLAUSE,
        title=doc,
        content=f"{doc} 第一条",
        source_ids={"doc_id": doc, "version": "2.0", "clause": "第一条"},
    )


def _row(entity: str, key: str) -> Evidence:
    return Evidence(
        id=Evidence.make_id(EvidenceKind.CUSTOMER_FACT, entity, key),
        kind=EvidenceKind.CUSTOMER_FACT,
        title=f"{entity} {key}",
        content=f"{entity} {key} 状态 = pending",
        source_ids={"table": f"{entity}s", "row_key": key, "entity": entity, "customer_id": "C1"},
    )


_d = decision


names = action_names


def test_an_approval_computed_off_the_intent_ranks_under_the_intents_rule(tenant):
    approval = _computed("authority", "您提到的7%须总监审批", needs="总监")
    warranty = _computed("term_end", "保修至2029-03-24", doc="warranty")
    fired = propose(
        _d("ask_warranty", "保修到哪天？（备注：给7%）", [_clause("warranty"), warranty, approval]),
        tenant,
        KeywordPolicy(),
    )
    assert names(fired)[0] == "send_terms"
    assert "ask_for_signoff" in names(fired)  # still there for the rep, under the answer to the question
    # the same approval in a price negotiation is the next step
    fired = propose(_d("ask_price", "能给7%吗", [approval]), tenant, KeywordPolicy())
    assert names(fired)[0] == "ask_for_signoff" and fired[0].action.parameters["who"] == "总监"


def test_an_incomplete_rule_action_yields_to_one_the_copilot_can_prepare(tenant):
    quote = _computed("tier", "贵司属T2档，折扣3%，折后单价 97,000 元", doc="prices")
    fired = propose(
        _d("ask_offer", "冬季活动能参加吗？不能的话按我们的折扣多少", [quote]), tenant, KeywordPolicy()
    )
    assert names(fired)[:2] == ["send_quote", "enrol_campaign"]
    assert fired[1].missing == ["campaign"]
    eligible = _computed("scope", "CP-2605 适用")
    eligible = eligible.model_copy(update={"lineage": {**eligible.lineage, "output": "true", "unit": "bool",
                                                       "slots": ["CP-2605"]}})  # fmt: skip
    fired = propose(_d("ask_offer", "有什么活动", [eligible]), tenant, KeywordPolicy())
    assert names(fired)[0] == "enrol_campaign"  # complete: it keeps its place


def test_an_entity_id_parameter_takes_the_one_row_the_answer_rests_on(tenant):
    order = _row("order", "SO-0042")
    fact = _computed(
        "crm_record",
        "您的订单 SO-0042 可退定金50%",
        doc="refunds",
        inputs=[{"evidence_id": order.id, "value": "SO-0042"}],
    )
    fired = propose(
        _d("cancel", "那单不要了，能退多少", [_clause("refunds"), order, fact]), tenant, KeywordPolicy()
    )
    assert fired[0].action.name == "refund_order" and fired[0].action.parameters["order_id"] == "SO-0042"
    assert fact.id in fired[0].action.evidence_ids
    # two orders behind the answer: no guess
    other = _row("order", "SO-0043")
    fact2 = _computed(
        "crm_record", "订单 SO-0043 可退", inputs=[{"evidence_id": other.id, "value": "SO-0043"}]
    )
    link = links([order, other, fact, fact2], tenant).get("refund_order")
    assert link is None or "order_id" not in link.params


def test_an_already_granted_percentage_is_not_a_grant(tenant):
    spec = {a.name: a for a in tenant.actions}
    assert not grants(spec["send_quote"])
    bare = tenant.model_copy(update={"playbooks": []})
    fired = propose(
        _d("ask_price", "E5多少钱", [], flags=["injection_suspected"]),
        bare,
        KeywordPolicy(),
        lambda t, a: 0.2,
    )
    assert "send_quote" in names(fired)


def test_the_document_sent_is_the_one_the_intents_answer_rests_on():
    fleet, warranty = _clause("fleet-prices"), _clause("warranty")
    fact = _computed("term_end", "保修至2029-03-24", doc="warranty")
    assert answer_source([fleet, warranty, fact])["doc_id"] == "warranty"
    assert answer_source([fleet, warranty])["doc_id"] == "fleet-prices"  # nothing computed: the top clause
    assert (
        answer_source([fleet, fact])["doc_id"] == "fleet-prices"
    )  # its clause was not retrieved: keep what was
