"""The generalisation measures of evals/actions_generalise.py on a made-up pack: zero-rule drops every playbook,
leave-one-rule-out drops exactly the rule that put the expected action on the card, the misfiled reading is the
classifier's second in-scope class, and held-out files are refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from agents.actions.playbook import DecisionInput, propose
from agents.tenant import TenantConfig
from contract.suggestions import Intent
from evals.actions_generalise import (
    Captured,
    TurnExpect,
    in_top2,
    measure,
    offline_scores,
    second_reading,
    without_rules,
)
from tests.agents.agent_ports import KeywordPolicy

INTENTS = """
intents:
  - {name: ask_price, label_zh: 询价, description: 询问价格和折扣}
  - {name: ask_repair, label_zh: 报修, description: 设备故障报修}
  - {name: out_of_scope, label_zh: 无关, description: 闲聊}
"""
ACTIONS = """
actions:
  - name: send_quote
    label_zh: 发送报价
    description: 按价目表发送报价
    intents: [ask_price]
  - name: open_ticket
    label_zh: 创建工单
    description: 为故障创建服务工单
    intents: [ask_repair]
  - name: call_back
    label_zh: 回电
    description: 安排回电
"""
PLAYBOOKS = """
playbooks:
  - id: default
    rules:
      - id: quote
        when: {intent: [ask_price]}
        then: {action: send_quote, priority: 80}
      - id: callback-on-repair
        when: {intent: [ask_repair]}
        then: {action: call_back, priority: 90}
"""


@pytest.fixture
def tenant(tmp_path: Path) -> TenantConfig:
    for name, text in (("intents.yaml", INTENTS), ("actions.yaml", ACTIONS), ("playbooks.yaml", PLAYBOOKS)):
        (tmp_path / name).write_text(text, encoding="utf-8")
    return TenantConfig.load(tmp_path)


def _captured(tenant: TenantConfig, intent: str, text: str) -> Captured:
    d = DecisionInput(intent=Intent(name=intent, confidence=0.9), text=text, evidence=[])
    return Captured(d, tenant, KeywordPolicy(), lambda t, a: 0.0)


def test_without_rules_drops_all_or_the_named(tenant):
    assert without_rules(tenant).playbooks == []
    kept = without_rules(tenant, {"quote"})
    assert [r.id for pb in kept.playbooks for r in pb.rules] == ["callback-on-repair"]
    assert [r.id for pb in tenant.playbooks for r in pb.rules] == [
        "quote",
        "callback-on-repair",
    ]  # not mutated


def test_offline_scores_count_what_survives_without_the_rule(tenant):
    captured = {
        "c1#t0": _captured(tenant, "ask_price", "多少钱"),
        "c2#t0": _captured(tenant, "ask_repair", "坏了"),
    }
    expects = [
        TurnExpect("c1", 0, "ask_price", {"name": "send_quote", "parameters": {}}),
        TurnExpect("c2", 0, "ask_repair", {"name": "open_ticket", "parameters": {}}),
        TurnExpect("c3", 0, "ask_price", {"name": "send_quote", "parameters": {}}),  # refused: not counted
    ]
    out = offline_scores(captured, expects, propose)
    assert out["n"] == 2
    rows = {r["case_id"]: r for r in out["rows"]}
    assert rows["c1"]["loro_rule"] == "quote"  # the rule that put it on the card is the one left out
    assert rows["c2"]["loro_rule"] == ""  # the catalog put it there: nothing to leave out
    assert all(r["ok"]["as_is"] for r in out["rows"])
    # with no rule, both actions still come from the catalog's intents
    assert rows["c1"]["zero_rule"][0] == "send_quote" and rows["c2"]["zero_rule"][0] == "open_ticket"


def test_in_top2_matches_parameters_as_strings():
    acts = [{"name": "a", "parameters": {"x": 5}}, {"name": "b", "parameters": {}}, {"name": "c"}]
    assert in_top2({"name": "a", "parameters": {"x": "5"}}, acts)
    assert not in_top2({"name": "a", "parameters": {"x": 6}}, acts)
    assert not in_top2({"name": "c", "parameters": {}}, acts)


class _Clf:
    classes = ["out_of_scope", "ask_price", "ask_repair", "ask_other"]
    label_zh = {"ask_repair": "报修"}


def test_the_misfiled_reading_is_the_second_in_scope_class():
    first = Intent(name="out_of_scope", confidence=0.3, abstained=True)
    got = second_reading(_Clf(), np.array([0.9, 0.8, 0.7, 0.1]), first)
    assert got.name == "ask_repair" and not got.abstained and got.confidence == 0.5


def test_heldout_files_are_refused(tmp_path):
    with pytest.raises(SystemExit, match="held-out"):
        measure(tmp_path / "x-heldout.yaml", tmp_path / "c.yaml")
