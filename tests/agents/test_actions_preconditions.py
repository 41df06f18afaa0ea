"""Preconditions the catalog writes over the computed answer (`fact:…` entries, agents.actions.playbook
precondition_holds), on a made-up appliance pack: the computed fact decides, never the words.

* `fact:authority=within` + `!fact:needs_approval`: the rep grants only what the authority tool computed as within their
  own authority, and nothing while any computed fact needs someone's approval;
* `!fact:authority=within | fact:needs_approval`: no approval is asked for what the rep may grant alone, unless another
  fact (an order amount, say) needs approval anyway;
* `!fact:care_term=ended`: an extension is offered only while the computed term has not ended;
* a fact not computed keeps `fact:` false and `!fact:` true: an action is kept off only by what was computed;
* rules obey them as the catalog ranking does (a rule whose action fails its precondition does not fire)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agents.actions.playbook import DecisionInput, precondition_holds, propose
from agents.tenant import TenantConfig
from contract.evidence import Evidence, EvidenceKind
from contract.suggestions import Intent
from tests.agents.agent_ports import KeywordPolicy

INTENTS = """
intents:
  - {name: price_ask, label_zh: 问价, description: 问价格和折扣}
  - {name: care_ask, label_zh: 保修, description: 问保修期}
  - {name: out_of_scope, label_zh: 无关, description: 闲聊}
"""
ACTIONS = """
actions:
  - name: grant_cut
    label_zh: 给予折扣
    description: 在本人权限内给客户追加折扣
    parameters: {percent: {type: number, required: true, description: 追加折扣百分比}}
    preconditions: ["fact:authority=within", "!fact:needs_approval"]
    intents: [price_ask]
  - name: ask_approval
    label_zh: 提交折扣审批
    description: 折扣超出本人权限时提交审批
    parameters:
      percent: {type: number, required: true, description: 申请的折扣百分比}
      approver: {type: string, required: true, description: 审批人}
    preconditions: ["!fact:authority=within | fact:needs_approval"]
    intents: [price_ask]
  - name: send_price
    label_zh: 发送报价
    description: 发送报价单
    intents: [price_ask]
  - name: sell_extension
    label_zh: 推荐延保
    description: 保修到期前推荐延长保修
    preconditions: ["!fact:care_term=ended"]
    intents: [care_ask]
  - name: book_check
    label_zh: 预约检查
    description: 预约进店检查
    intents: [care_ask]
"""
PLAYBOOKS = """
playbooks:
  - id: default
    rules:
      - {id: cut-words, when: {intent: [price_ask], keywords_any: [折, 点]}, then: {action: ask_approval, priority: 90}}
      - {id: price, when: {intent: [price_ask]}, then: {action: send_price, priority: 80}}
      - {id: extension, when: {intent: [care_ask]}, then: {action: sell_extension, priority: 90}}
"""


@pytest.fixture
def tenant(tmp_path: Path) -> TenantConfig:
    for name, text in (("intents.yaml", INTENTS), ("actions.yaml", ACTIONS), ("playbooks.yaml", PLAYBOOKS)):
        (tmp_path / name).write_text(text, encoding="utf-8")
    return TenantConfig.load(tmp_path)


def fact(tool: str, tool_id: str, output: str, unit: str = "text", **lineage: Any) -> Evidence:
    return Evidence(
        id=Evidence.make_id(EvidenceKind.COMPUTED_FACT, tool, tool_id, output),
        kind=EvidenceKind.COMPUTED_FACT,
        title=f"计算 · {tool_id}",
        content=f"{tool_id} {output}",
        source_ids={"tool": tool, "tool_id": tool_id},
        lineage={"output": output, "unit": unit, "needs_approval": "", **lineage},
    )


WITHIN = fact("authority", "cut_authority", "within", "bool")
ABOVE = fact("authority", "cut_authority", "经理", needs_approval="经理")
ORDER_NEEDS_GM = fact("volume_tier", "order_tier", "5", "%", needs_approval="总经理")
ENDED = fact("term_end", "care_term", "ended")
COVERED = fact("term_end", "care_term", "covered")


def d(intent: str, text: str, *facts: Evidence) -> DecisionInput:
    return DecisionInput(intent=Intent(name=intent, confidence=0.9), text=text, evidence=list(facts))


def names(x: DecisionInput, tenant: TenantConfig) -> list[str]:
    return [f.action.name for f in propose(x, tenant, KeywordPolicy(), lambda t, a: 0.2)]


def test_fact_terms_read_tool_kind_tool_id_output_and_lineage_fields() -> None:
    assert precondition_holds("fact:authority=within", d("price_ask", "", WITHIN))
    assert precondition_holds("fact:cut_authority=within", d("price_ask", "", WITHIN))
    assert precondition_holds("fact:authority=above,WITHIN", d("price_ask", "", WITHIN))
    assert not precondition_holds("fact:authority=within", d("price_ask", "", ABOVE))
    assert precondition_holds("fact:needs_approval", d("price_ask", "", ABOVE))
    assert precondition_holds("fact:authority", d("price_ask", "", ABOVE))
    # nothing computed: a fact test is false, its negation true
    assert not precondition_holds("fact:authority=within", d("price_ask", ""))
    assert precondition_holds("!fact:authority=within", d("price_ask", ""))
    # alternatives: any holds; named preconditions mix in
    assert precondition_holds(
        "!fact:authority=within | fact:needs_approval", d("price_ask", "", WITHIN, ORDER_NEEDS_GM)
    )
    assert not precondition_holds("!fact:authority=within | fact:needs_approval", d("price_ask", "", WITHIN))
    assert precondition_holds("customer_known", d("price_ask", ""))


def test_within_authority_grants_and_asks_no_approval_whatever_the_words(tenant: TenantConfig) -> None:
    # the keyword rule would ask for approval on «点»: the computed fact says the rep may grant it
    got = names(d("price_ask", "再让1个点行吗", WITHIN), tenant)
    assert "ask_approval" not in got
    assert got[0] == "grant_cut"


def test_above_authority_asks_approval_and_never_grants(tenant: TenantConfig) -> None:
    got = names(d("price_ask", "再让8个点行吗", ABOVE), tenant)
    assert got[0] == "ask_approval"
    assert "grant_cut" not in got


def test_within_the_percentage_but_the_order_needs_approval(tenant: TenantConfig) -> None:
    got = names(d("price_ask", "再让1个点，订15台", WITHIN, ORDER_NEEDS_GM), tenant)
    assert got[0] == "ask_approval"
    assert "grant_cut" not in got


def test_nothing_computed_grants_nothing_and_keeps_the_rules(tenant: TenantConfig) -> None:
    got = names(d("price_ask", "能便宜几个点"), tenant)
    assert got[:2] == ["ask_approval", "send_price"]
    assert "grant_cut" not in got


def test_an_ended_term_is_not_extended_a_running_one_may_be(tenant: TenantConfig) -> None:
    assert "sell_extension" not in names(d("care_ask", "过保了吗，修要自己掏钱吗", ENDED), tenant)
    assert names(d("care_ask", "还在保修吗", COVERED), tenant)[0] == "sell_extension"
    assert names(d("care_ask", "保修到哪天"), tenant)[0] == "sell_extension"


def read_on(day: str) -> Evidence:
    """A customer record read on `day` (the reason node counts dates from the day the CRM was read)."""
    return Evidence(
        id=Evidence.make_id(EvidenceKind.CUSTOMER_FACT, "device", day),
        kind=EvidenceKind.CUSTOMER_FACT,
        title="质保到期日",
        content="设备 X1 质保到期日",
        version=day,
    )


def test_a_terms_end_computed_as_a_date_says_ended_or_covered_by_the_read_day(tenant: TenantConfig) -> None:
    # asked when the term ends, not who pays: the term tool computed its end date only
    ended_on = fact("term_end", "care_term", "2026-09-09", "date")
    assert precondition_holds("fact:care_term=ended", d("care_ask", "", ended_on, read_on("2026-11-20")))
    assert "sell_extension" not in names(
        d("care_ask", "保修到哪天？想买个延保", ended_on, read_on("2026-11-20")), tenant
    )
    # the same date read before it: covered, the extension may be offered
    assert precondition_holds("fact:care_term=covered", d("care_ask", "", ended_on, read_on("2026-08-01")))
    assert names(d("care_ask", "保修到哪天？想买个延保", ended_on, read_on("2026-08-01")), tenant)[0] == (
        "sell_extension"
    )
    # no read day known, or one term ended and another still running (a fleet): nothing is said
    assert precondition_holds("!fact:care_term=ended", d("care_ask", "", ended_on))
    running = fact("term_end", "care_term", "2027-03-17", "date")
    assert precondition_holds(
        "!fact:care_term=ended", d("care_ask", "", ended_on, running, read_on("2026-11-20"))
    )


def test_a_computed_date_compares_as_the_days_left_until_it(tenant: TenantConfig) -> None:
    # session 13: `fact:KEY>N` on a term's end date counts the days from the read day to it, so the catalog can say
    # «more than a year of the term still to run: extending it is not the next step» (a preference, `~`)
    far = fact("term_end", "care_term", "2029-07-14", "date")
    near = fact("term_end", "care_term", "2027-01-09", "date")
    day = read_on("2026-11-21")
    assert precondition_holds("fact:care_term>365", d("care_ask", "", far, day))
    assert not precondition_holds("fact:care_term>365", d("care_ask", "", near, day))
    assert precondition_holds("fact:care_term<=60", d("care_ask", "", near, day))
    # no read day: a date is not a number, nothing compares
    assert not precondition_holds("fact:care_term>365", d("care_ask", "", far))
    # the catalog's preference: disfavoured only when every computed end is more than a year away (a fleet with one
    # term near its end keeps the extension)
    prefer = "!fact:care_term>365 | fact:care_term<=365"
    assert not precondition_holds(prefer, d("care_ask", "", far, day))
    assert precondition_holds(prefer, d("care_ask", "", far, near, day))
    assert precondition_holds(prefer, d("care_ask", "", day))  # nothing computed: nothing argues against it


# session 18: the authority table's ceiling («本人可自行决定的追加折扣上限为 3%», asked «你最多能给到多少») asks nobody's
# approval: granting up to it is within the rep's authority, as agents.actions.computed.links already read it (it
# supported the grant while the gate kept the grant off the card: batch D d-price-k004-below-tier, tuning ad-t7-08)
CEILING = fact("authority", "cut_authority", "3%")


def test_the_authority_ceiling_reads_as_within(tenant: TenantConfig) -> None:
    assert precondition_holds("fact:authority=within", d("price_ask", "", CEILING))
    assert not precondition_holds("!fact:authority=within | fact:needs_approval", d("price_ask", "", CEILING))
    # a ceiling with an approval computed beside it (the order's total) still asks that approval
    assert precondition_holds(
        "!fact:authority=within | fact:needs_approval", d("price_ask", "", CEILING, ORDER_NEEDS_GM)
    )
    # another tool's percentage is no ceiling of the rep's; an approval computed is never within
    assert not precondition_holds("fact:authority=within", d("price_ask", "", ORDER_NEEDS_GM))
    assert not precondition_holds("fact:authority=within", d("price_ask", "", ABOVE))
    got = names(d("price_ask", "你最多能给到几个点", CEILING), tenant)
    assert got[0] == "grant_cut" and "ask_approval" not in got
