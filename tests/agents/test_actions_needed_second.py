"""A misread message keeps the action its own words need in the second place (agents.actions.playbook._free_place):
the card of an intent the message's needs back fully (tools.yaml needs words) is not pushed to third by a later
step's weaker evidence (a clause's reading, the closest action to a second ask). A made-up pack."""

from __future__ import annotations

from pathlib import Path

import pytest

import agents.actions.playbook as playbook
from agents.actions.playbook import DecisionInput, propose
from agents.tenant import TenantConfig
from contract.suggestions import Intent
from tests.agents.agent_ports import KeywordPolicy

INTENTS = """
intents:
  - {name: repair_request, label_zh: 报修, description: 设备坏了要修}
  - {name: delivery_status, label_zh: 到货, description: 订单什么时候到}
  - {name: out_of_scope, label_zh: 无关, description: 闲聊}
"""
ACTIONS = """
actions:
  - {name: open_repair, label_zh: 创建维修单, description: 为故障设备创建维修单, intents: [repair_request]}
  - {name: track_order, label_zh: 查询物流, description: 查询订单物流, intents: [delivery_status]}
  - {name: book_visit, label_zh: 预约上门, description: 预约工程师上门保养}
"""
PLAYBOOKS = """
playbooks:
  - id: default
    rules:
      - {id: repair, when: {intent: [repair_request]}, then: {action: open_repair, priority: 90}}
      - {id: track, when: {intent: [delivery_status]}, then: {action: track_order, priority: 90}}
"""
WORDS = {
    "open_repair": ("坏", "维修"),
    "track_order": ("物流", "到货"),
    "book_visit": ("预约", "上门", "保养"),
}


def similarity(text: str, action: str) -> float:
    return 0.6 if any(w in text for w in WORDS.get(action, ())) else 0.1


@pytest.fixture
def tenant(tmp_path: Path) -> TenantConfig:
    for name, text in (("intents.yaml", INTENTS), ("actions.yaml", ACTIONS), ("playbooks.yaml", PLAYBOOKS)):
        (tmp_path / name).write_text(text, encoding="utf-8")
    return TenantConfig.load(tmp_path)


def _names(tenant: TenantConfig) -> list[str]:
    # read as a delivery question; its words need a repair (fully backed); a second ask reads as a visit
    d = DecisionInput(
        intent=Intent(name="delivery_status", confidence=0.9),
        text="机器坏了，顺便预约上门保养",
        evidence=[],
        needs={"repair_request": 1.0},
        second_ask="顺便预约上门保养",
    )
    return [f.action.name for f in propose(d, tenant, KeywordPolicy(), similarity)]


def test_the_needed_action_keeps_the_second_place(tenant: TenantConfig) -> None:
    assert _names(tenant)[:3] == ["track_order", "open_repair", "book_visit"]


def test_without_it_the_second_ask_took_the_place(
    tenant: TenantConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(playbook, "KEEP_NEEDED", False)
    assert _names(tenant)[:3] == ["track_order", "book_visit", "open_repair"]
