"""With no playbook rule, an action the catalog ties to the read intent alone ranks over a generic one many intents
share (agents.actions.playbook SPECIFIC_BONUS): a new tenant's trade-in question gets the appraisal first, not the
policy document five intents send. A made-up pack; equal description similarity, so only the catalog's ties decide."""

from __future__ import annotations

from pathlib import Path

from agents.actions.playbook import SPECIFIC_BONUS, DecisionInput, propose
from agents.tenant import TenantConfig
from contract.suggestions import Intent
from tests.agents.agent_ports import KeywordPolicy

INTENTS = """
intents:
  - {name: swap_old, label_zh: 以旧换新, description: 旧机换新机}
  - {name: care_ask, label_zh: 保修, description: 问保修}
  - {name: price_ask, label_zh: 问价, description: 问价格}
  - {name: out_of_scope, label_zh: 无关, description: 闲聊}
"""
ACTIONS = """
actions:
  - name: send_terms
    label_zh: 发送条款
    description: 把相关条款发给客户
    intents: [swap_old, care_ask, price_ask]
  - name: appraise_old
    label_zh: 安排旧机评估
    description: 安排评估客户的旧机
    intents: [swap_old]
"""


def test_the_intents_own_step_ranks_over_a_shared_one(tmp_path: Path) -> None:
    assert 0 < SPECIFIC_BONUS < 0.3
    for name, text in (
        ("intents.yaml", INTENTS),
        ("actions.yaml", ACTIONS),
        ("playbooks.yaml", "playbooks: []\n"),
    ):
        (tmp_path / name).write_text(text, encoding="utf-8")
    tenant = TenantConfig.load(tmp_path)
    d = DecisionInput(intent=Intent(name="swap_old", confidence=0.9), text="旧的能换新的吗", evidence=[])
    got = [f.action.name for f in propose(d, tenant, KeywordPolicy(), lambda t, a: 0.2)]
    assert got[:2] == ["appraise_old", "send_terms"]
    # a shared step still serves the intents it is tied to
    d = DecisionInput(intent=Intent(name="care_ask", confidence=0.9), text="还在保修吗", evidence=[])
    assert [f.action.name for f in propose(d, tenant, KeywordPolicy(), lambda t, a: 0.2)] == ["send_terms"]
