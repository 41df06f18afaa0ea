"""A price the computed answer worked out for what the message asked is the quote's content (session 18): a rate the
policy applies (unit %), computed because the message asked, for a quantity the message names, supports the action
that carries such a rate (its percentage parameters are all already-granted ones: a quote), fills its rate and
quantity and cites the fact — whatever intent the message was read as (batches D and H: «…40台E5，单价和总价…补贴该有的
都算上» and a forwarded thread asking «E5 5台 到手一台多少 总共多少» were read as a trade-in, and the trade-in's appraisal
and an offer held the top two). The pack is made up here (a software vendor), so nothing depends on a real tenant."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.actions.computed import carries_rate, links, priced_asks
from agents.actions.playbook import propose
from agents.tenant import TenantConfig
from contract.evidence import Evidence, EvidenceKind
from tests.agents.agent_helpers import action_names, decision, load_pack
from tests.agents.agent_ports import KeywordPolicy

INTENTS = """
intents:
  - {name: ask_price, label_zh: 询价, description: 询问价格和折扣}
  - {name: swap_old, label_zh: 以旧换新, description: 旧设备折价换新}
  - {name: out_of_scope, label_zh: 无关, description: 闲聊}
"""
ACTIONS = """
actions:
  - name: send_price_sheet
    label_zh: 发送报价单
    description: 按客户适用的档位折扣计算并发送报价单
    parameters:
      sku: {type: string, description: 产品型号}
      seats: {type: number, description: 数量}
      pct: {type: number, description: 已授权的折扣百分比}
    intents: [ask_price]
  - name: give_rebate
    label_zh: 给予返点
    description: 在本人权限内给客户返点
    parameters: {pct: {type: number, required: true, description: 返点百分比}}
    intents: [ask_price]
  - name: ask_for_signoff
    label_zh: 提交审批
    description: 超出本人权限的返点提交上级审批
    parameters:
      pct: {type: number, required: true, description: 申请的返点百分比}
      who: {type: string, required: true, description: 审批人岗位}
    intents: [ask_price]
  - name: appraise_old
    label_zh: 安排旧设备评估
    description: 评估客户的旧设备并计算折价
    intents: [swap_old]
  - name: send_terms
    label_zh: 发送条款
    description: 发送以旧换新条款
    intents: [swap_old]
"""
PLAYBOOKS = """
playbooks:
  - id: default
    rules:
      - id: price-sheet
        when: {intent: [ask_price]}
        then: {action: send_price_sheet, priority: 70}
      - id: appraise
        when: {intent: [swap_old]}
        then: {action: appraise_old, priority: 85}
      - id: terms
        when: {intent: [swap_old]}
        then: {action: send_terms, priority: 80}
"""


@pytest.fixture
def tenant(tmp_path: Path) -> TenantConfig:
    return load_pack(tmp_path, INTENTS, ACTIONS, PLAYBOOKS)


def _tier(*, asked: bool = True, units: str | None = "40套", tool: str = "volume_tier") -> Evidence:
    inputs = [{"evidence_id": "policy_clause:x", "value": "档位：T4；折扣：9%", "kind": "policy"}]
    if units is not None:
        inputs.append({"field": "message.units", "value": units, "kind": "message"})
    content = "贵司上年度采购 65 套，属T4档，折扣 9%；40 套合计 1,200,000 元"
    return Evidence(
        id=Evidence.make_id(EvidenceKind.COMPUTED_FACT, tool, content, str(asked), str(units)),
        kind=EvidenceKind.COMPUTED_FACT,
        title=f"计算 · {tool}",
        content=content,
        source_ids={"tool": tool, "tool_id": "tier"},
        lineage={"output": "9", "unit": "%", "inputs": inputs, "asked": asked, "needs_approval": ""},
    )


def test_only_the_rate_carrying_action_is_the_quote(tenant):
    spec = {a.name: a for a in tenant.actions}
    assert carries_rate(spec["send_price_sheet"])
    assert not carries_rate(spec["give_rebate"])  # it grants a rate itself
    assert not carries_rate(spec["ask_for_signoff"])  # it asks someone's approval
    assert not carries_rate(spec["appraise_old"])


def test_a_rate_priced_for_the_asked_quantity_fills_the_quote(tenant):
    fact = _tier()
    assert priced_asks([fact]) == [fact]
    lk = links([fact], tenant)["send_price_sheet"]
    assert lk.supported and lk.answers_ask
    assert lk.params == {"pct": 9, "seats": 40}
    assert lk.support == [fact] and any("9%" in w for w in lk.why)


def test_a_misread_message_keeps_the_quote_in_the_top_two(tenant):
    text = "再上40套 补贴算上 单价总价各多少"
    without = propose(decision("swap_old", text, []), tenant, KeywordPolicy())
    assert "send_price_sheet" not in action_names(without)[:2]
    fired = propose(decision("swap_old", text, [_tier()]), tenant, KeywordPolicy())
    assert "send_price_sheet" in action_names(fired)[:2]
    quote = next(f for f in fired if f.action.name == "send_price_sheet")
    assert quote.action.parameters["pct"] == 9 and quote.action.parameters["seats"] == 40
    assert _tier().id in quote.action.evidence_ids  # it cites the fact it rests on
    assert "所问数量按 9% 算出价格" in quote.action.rationale


@pytest.mark.parametrize(
    "fact",
    [
        _tier(asked=False),  # computed for the background, not asked (another customer's price was asked)
        _tier(units=None),  # no quantity read off the message
        _tier(tool="authority"),  # the authority table's verdict is the approval's, not a quote's
    ],
    ids=["unasked", "no-quantity", "authority"],
)
def test_no_quote_support_from_a_rate_nobody_asked_a_price_for(tenant, fact):
    assert priced_asks([fact]) == []
    lk = links([fact], tenant).get("send_price_sheet")
    assert lk is None or not lk.answers_ask
    fired = propose(decision("swap_old", "再上40套 单价多少", [fact]), tenant, KeywordPolicy())
    assert "send_price_sheet" not in action_names(fired)[:2]


def test_a_refusal_of_another_customers_price_withholds_the_price_actions(tenant):
    """Batch H: «听说北京那家…E5拿了9个点 一台到手多少 …我们也照那个来» was refused (other customer's prices) and the card
    still led with the quote. The quote and the grant are withheld, with evidence saying so; other actions stay; a
    message that also asks a price for a quantity of its own (the computed answer priced it) keeps its quote."""
    from agents.nodes.decide import WITHHELD_RULE, price_actions_kept

    cards = [{"name": "send_price_sheet"}, {"name": "give_rebate"}, {"name": "appraise_old"}]
    kept, ev = price_actions_kept(cards, [_tier(asked=False, units=None)], tenant, "m1")
    assert [a["name"] for a in kept] == ["appraise_old"]
    assert ev is not None and ev.source_ids["rule_id"] == WITHHELD_RULE
    assert ev.lineage["withheld"] == ["send_price_sheet", "give_rebate"] and "发送报价单" in ev.title
    kept, ev = price_actions_kept(cards, [_tier()], tenant, "m1")  # its own quantity priced
    assert kept == cards and ev is None
    # tuning ad-t7-14 ("We're looking at 10 … and expect at least the same deal"): a quantity of its own priced, even
    # when the price words were not read as an ask, keeps its quote
    kept, ev = price_actions_kept(cards, [_tier(asked=False, units="10台")], tenant, "m1")
    assert kept == cards and ev is None
    kept, ev = price_actions_kept([{"name": "appraise_old"}], [], tenant, "m1")
    assert kept == [{"name": "appraise_old"}] and ev is None


def test_another_tool_answering_the_ask_keeps_the_read_intent_first(tenant):
    """Tuning ad-t4-tradein-file-k001: «…16台…每台补贴多少？一共能抵多少钱？» — the trade-in's own tool answered what was
    asked (the subsidy), and the tier price computed beside it is an offer, not the answer; unless reason found the read
    intent's own tools answering nothing (the flag intent_misfiled)."""
    subsidy = Evidence(
        id="computed_fact:subsidy",
        kind=EvidenceKind.COMPUTED_FACT,
        title="计算 · swap_subsidy",
        content="旧设备折价每套 600 元，40 套共 24,000 元",
        source_ids={"tool": "table_lookup", "tool_id": "swap_subsidy"},
        lineage={"output": "600元/套", "unit": "text", "asked": True, "needs_approval": ""},
    )
    text = "40套旧的全换新的 每套补贴多少 一共能抵多少钱"
    fired = propose(decision("swap_old", text, [_tier(), subsidy]), tenant, KeywordPolicy())
    assert action_names(fired)[0] == "appraise_old"
    misfiled = decision("swap_old", text, [_tier(), subsidy], flags=["intent_misfiled"])
    assert "send_price_sheet" in action_names(propose(misfiled, tenant, KeywordPolicy()))[:2]


def _below_tier(units: str) -> Evidence:
    """A customer below every tier: the tool prices the units it names at list price (unit text, no rate)."""
    content = f"贵司上年度采购 3 套，未达到最低档，不享受档位折扣；指导价 30,000 元，{units}合计 …"
    return Evidence(
        id=Evidence.make_id(EvidenceKind.COMPUTED_FACT, "volume_tier", content),
        kind=EvidenceKind.COMPUTED_FACT,
        title="计算 · volume_tier",
        content=content,
        source_ids={"tool": "volume_tier", "tool_id": "tier"},
        lineage={
            "output": "none",
            "unit": "text",
            "inputs": [{"field": "message.units", "value": units, "kind": "message"}],
            "asked": True,
            "needs_approval": "",
        },
    )


@pytest.mark.parametrize("one", ["1台", "1辆", "1套"])
def test_a_count_of_one_beside_a_price_is_no_order(tenant, one):
    """Session 19: «金陵出租的…拿了几个点？我们 1台多少钱» was refused and still kept the quote, the «1台» read as the
    customer's own order. A count of one is the unit a price is quoted per: the quote is withheld, and the evidence
    names the count it read and says it is no order (it no longer says no quantity was named)."""
    from agents.actions.computed import priced_for_order
    from agents.nodes.decide import price_actions_kept

    cards = [{"name": "send_price_sheet"}, {"name": "give_rebate"}, {"name": "appraise_old"}]
    fact = _tier(units=one)
    assert priced_for_order([fact]) == []
    kept, ev = price_actions_kept(cards, [fact], tenant, "m1")
    assert [a["name"] for a in kept] == ["appraise_old"]
    assert ev is not None and f"「{one}」是计价单位" in ev.content and "没有说" not in ev.content
    assert ev.lineage["inputs"] == [{"field": "message.units", "value": one, "kind": "message"}]
    # nothing counted at all: the evidence says the message named no quantity of its own
    kept, ev = price_actions_kept(cards, [_tier(units=None)], tenant, "m1")
    assert ev is not None and "没有说自己要订的数量" in ev.content and ev.lineage["inputs"] == []


def test_an_order_below_every_tier_keeps_its_quote(tenant):
    """The exemption once needed a rate (unit %): a customer below every tier who names its own order («我们准备订4台»)
    is priced at list price (unit text) and lost its quote, the evidence saying no quantity was named. Any computed
    price for more than one unit the message names is an order of its own; the authority table's verdict is not."""
    from agents.actions.computed import priced_for_order
    from agents.nodes.decide import price_actions_kept

    cards = [{"name": "send_price_sheet"}, {"name": "appraise_old"}]
    fact = _below_tier("4台")
    assert priced_for_order([fact]) == [fact]
    kept, ev = price_actions_kept(cards, [fact], tenant, "m1")
    assert kept == cards and ev is None
    kept, ev = price_actions_kept(cards, [_below_tier("1台")], tenant, "m1")
    assert [a["name"] for a in kept] == ["appraise_old"] and ev is not None
    assert priced_for_order([_tier(units="40套", tool="authority")]) == []
