"""Two general rules of the action ranker (issue #16, round 12), on a made-up pack (a software vendor), so nothing
depends on a real tenant's names:

* the campaign a message asks about is the row naming what the message names (its model code, the figure it quotes):
  when that row rules the customer out, another campaign the same tool found eligible is not what was asked, and the
  registration action does not go on the card (agents.actions.computed._asked_rows);
* a catalog preference (a precondition written `~…`, here over a computed number: `~!fact:renewal_days>60`) keeps an
  action eligible but ranks it lower when it fails: no renewal first while the contract runs for months, still one on
  the card (agents.actions.playbook.disfavoured)."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.actions.computed import links, named_in
from agents.actions.playbook import propose
from agents.tenant import TenantConfig
from contract.evidence import Evidence, EvidenceKind
from tests.agents.agent_helpers import action_names, decision, load_pack
from tests.agents.agent_ports import KeywordPolicy

INTENTS = """
intents:
  - {name: ask_offer, label_zh: 活动, description: 询问优惠活动}
  - {name: ask_plan, label_zh: 订阅, description: 询问订阅与服务}
  - {name: outage, label_zh: 故障, description: 服务中断}
  - {name: out_of_scope, label_zh: 无关, description: 闲聊}
"""
ACTIONS = """
actions:
  - name: send_terms
    label_zh: 发送条款
    description: 发送相关条款
    intents: [ask_offer, ask_plan]
  - name: enrol_campaign
    label_zh: 登记活动
    description: 为符合条件的订单登记优惠活动
    parameters: {campaign: {type: string, required: true, description: 活动编号 CP-xxxx}}
    intents: [ask_offer]
  - name: book_session
    label_zh: 预约上门
    description: 预约工程师上门
    intents: [ask_plan, outage]
  - name: plan_renewal
    label_zh: 续约
    description: 订阅即将到期时发起续约
    intents: [ask_plan]
    preconditions: ["~!fact:renewal_days>60"]
"""
PLAYBOOKS = """
playbooks:
  - id: default
    rules:
      - id: campaign
        when: {intent: [ask_offer]}
        then: {action: enrol_campaign, priority: 80}
"""


@pytest.fixture
def tenant(tmp_path: Path) -> TenantConfig:
    return load_pack(tmp_path, INTENTS, ACTIONS, PLAYBOOKS)


def _row(campaign: str, row: str, output: str) -> Evidence:
    return Evidence(
        id=Evidence.make_id(EvidenceKind.COMPUTED_FACT, "offers", campaign),
        kind=EvidenceKind.COMPUTED_FACT,
        title="计算 · offers",
        content=f"{campaign}：{'您符合条件' if output == 'true' else '您不适用'}",
        source_ids={"tool": "scope_rows", "tool_id": "offers"},
        lineage={
            "output": output,
            "unit": "bool",
            "slots": [campaign],
            "inputs": [{"evidence_id": "policy_clause:x", "value": row, "kind": "policy"}],
        },
    )


# the campaign the message quotes (the XR-20 with 1500 off) rules the customer out; a support campaign for every
# product in the customer's region is eligible
ASKED_NO = _row(
    "CP-2605", "活动编号：CP-2605；适用产品：XR-20、XR-30；适用区域：华东；优惠：每套立减1500元", "false"
)
OTHER_YES = _row(
    "CP-2606", "活动编号：CP-2606；适用产品：全部产品；适用区域：华北；优惠：维保工时8折", "true"
)


_d = decision


names = action_names


def test_what_a_message_names():
    assert named_in("XR-20 立减1500 我在北京能参加吗", {"product_model": ["XR-20"]}) >= {"XR-20", "1500"}
    assert named_in("能参加吗", {}) == set()


def test_the_campaign_asked_about_rules_the_customer_out(tenant):
    d = _d(
        "ask_offer", "看到XR-20立减1500，我在北京也能参加吗", [ASKED_NO, OTHER_YES], product_model=["XR-20"]
    )
    link = links(d.evidence, tenant, named_in(d.text, d.intent.entities))["enrol_campaign"]
    assert link.vetoed and not link.supported
    assert "enrol_campaign" not in names(propose(d, tenant, KeywordPolicy()))


def test_a_message_naming_no_campaign_keeps_the_eligible_one(tenant):
    d = _d("ask_offer", "最近有什么活动吗", [ASKED_NO, OTHER_YES])
    fired = propose(d, tenant, KeywordPolicy())
    assert fired[0].action.name == "enrol_campaign"
    assert fired[0].action.parameters == {"campaign": "CP-2606"}


def test_the_campaign_asked_about_is_the_one_registered(tenant):
    asked_yes = _row("CP-2607", "活动编号：CP-2607；适用产品：XR-20；优惠：每套立减1500元", "true")
    other_no = _row("CP-2608", "活动编号：CP-2608；适用产品：全部产品；适用区域：华南", "false")
    d = _d("ask_offer", "XR-20立减1500还有吗", [other_no, asked_yes], product_model=["XR-20"])
    fired = propose(d, tenant, KeywordPolicy())
    assert fired[0].action.parameters == {"campaign": "CP-2607"}


def _days(n: int) -> Evidence:
    return Evidence(
        id=Evidence.make_id(EvidenceKind.COMPUTED_FACT, "renewal_days", str(n)),
        kind=EvidenceKind.COMPUTED_FACT,
        title="计算 · renewal_days",
        content=f"您的订阅还有 {n} 天到期",
        source_ids={"tool": "renewal_window", "tool_id": "renewal_days"},
        lineage={"output": str(n), "unit": "days"},
    )


def test_a_renewal_ranks_lower_while_the_contract_runs_for_months(tenant):
    bare = tenant.model_copy(update={"playbooks": []})
    flat = lambda text, action: 0.3  # noqa: E731  (equal similarity: only the catalog's structure decides)
    months = names(propose(_d("ask_plan", "订阅还能用多久", [_days(219)]), bare, KeywordPolicy(), flat))
    assert months.index("book_session") < months.index("plan_renewal")  # kept, lower
    near = names(propose(_d("ask_plan", "订阅还能用多久", [_days(20)]), bare, KeywordPolicy(), flat))
    assert near[0] == "plan_renewal"  # the one step only this intent has, near the end
