"""When the intent is a guess, the message's own words rank actions (a made-up appliance-repair pack):

* abstained, or read under WEAK_READING, with no need pointing elsewhere: the action the message reads closest to
  (description similarity) takes the second place when it stands out from every other action; a confident reading,
  or a best action that does not stand out, leaves the card as the rules and the catalog made it;
* for a guessed intent, an empty second place (one rule fired, nothing the catalog ties to the case) is filled with
  the action the message reads closest to, above FILL_FLOOR; a confident reading's is not;
* one card per action, and the first card keeps its place."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.actions.playbook import (
    DIRECT_FLOOR,
    DIRECT_MARGIN,
    WEAK_READING,
    DecisionInput,
    RuleFiring,
    one_card_per_action,
    propose,
)
from agents.tenant import OUT_OF_SCOPE, Rule, TenantConfig
from contract.evidence import Evidence, EvidenceKind
from contract.suggestions import Action, Intent
from tests.agents.agent_ports import KeywordPolicy

INTENTS = """
intents:
  - {name: repair_request, label_zh: 报修, description: 设备坏了要修}
  - {name: delivery_status, label_zh: 到货, description: 订单什么时候到}
  - {name: out_of_scope, label_zh: 无关, description: 闲聊}
"""
ACTIONS = """
actions:
  - name: open_repair
    label_zh: 创建维修单
    description: 为故障设备创建维修单
    intents: [repair_request]
  - name: track_order
    label_zh: 查询物流
    description: 查询订单物流
    intents: [delivery_status]
  - name: book_visit
    label_zh: 预约上门
    description: 预约工程师上门保养
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
      - {id: track, when: {intent: [delivery_status]}, then: {action: track_order, priority: 90}}
      - {id: repair-parts, when: {intent: [repair_request]}, then: {action: track_order, priority: 80}}
      - {id: unsure, when: {abstained: true}, then: {action: handoff_to_human, priority: 50}}
"""
# what each action's description is about, as a similarity: a word of it in the message reads close
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


def _d(intent: str, text: str, confidence: float = 0.9) -> DecisionInput:
    read = (
        Intent(name=OUT_OF_SCOPE, confidence=0.2, abstained=True)
        if intent == OUT_OF_SCOPE
        else Intent(name=intent, confidence=confidence)
    )
    return DecisionInput(intent=read, text=text, evidence=[])


def names(d: DecisionInput, tenant: TenantConfig) -> list[str]:
    return [f.action.name for f in propose(d, tenant, KeywordPolicy(), similarity)]


def test_the_thresholds_are_sane():
    assert 0 < WEAK_READING < 1 and 0 < DIRECT_FLOOR < 0.6 and 0 < DIRECT_MARGIN < 0.4


def test_a_weakly_read_message_gets_the_action_its_words_read_as_second(tenant):
    text = "能不能周六预约师傅上门保养一下"
    # read as a delivery question, but barely: the visit its words ask for comes second
    assert names(_d("delivery_status", text, confidence=WEAK_READING - 0.2), tenant)[:2] == [
        "track_order",
        "book_visit",
    ]
    # abstained: beside the hand-off
    assert names(_d(OUT_OF_SCOPE, text), tenant)[:2] == ["handoff_to_human", "book_visit"]


def test_the_words_action_displaces_the_second_rule_of_a_guessed_intent_only(tenant):
    text = "想预约上门保养"
    # two rules of the guessed intent fill the card: the action the words read as takes the second place
    assert names(_d("repair_request", text, confidence=WEAK_READING - 0.1), tenant)[:2] == [
        "open_repair",
        "book_visit",
    ]
    # read with confidence: the intent's own rules stand (the words alone: no plan stated)
    assert names(_d("repair_request", "预约上门保养", confidence=0.95), tenant)[:2] == [
        "open_repair",
        "track_order",
    ]
    # session 22: «想预约上门保养» states the customer's plan to take the step its label names (上门 of 预约上门):
    # the named step takes the second place under a confident reading too (playbook._the_named_step, plans.planned)
    assert names(_d("repair_request", text, confidence=0.95), tenant)[:2] == ["open_repair", "book_visit"]


def test_a_confident_reading_is_left_as_the_rules_and_catalog_made_it(tenant):
    # confidently read: the message's words do not overrule the reading, and an action nothing ties to the intent
    # does not fill the empty second place (the playbook may keep it off on purpose)
    got = names(_d("delivery_status", "物流到哪了，顺便预约上门保养", confidence=0.95), tenant)
    assert got == ["track_order"]
    # a message whose words read close to nothing in particular gets no guess
    assert names(_d(OUT_OF_SCOPE, "嗯嗯"), tenant) == ["handoff_to_human"]


def test_an_action_that_does_not_stand_out_is_not_pushed(tenant):
    # two actions read equally close (no margin): the weak reading's card stays as it was
    got = names(_d("repair_request", "坏了，物流也没到", confidence=WEAK_READING - 0.2), tenant)
    assert got[0] == "open_repair"
    assert len(got) == len(set(got))


def _firing(name: str) -> RuleFiring:
    action = Action(name=name, label=name, parameters={}, rationale="", evidence_ids=[], score=0.5)
    ev = Evidence(
        id=Evidence.make_id(EvidenceKind.RULE, name), kind=EvidenceKind.RULE, title=name, content=name
    )
    return RuleFiring(Rule(id=f"r-{name}", then={"action": name, "priority": 50}), "p", action, ev, [])  # type: ignore[arg-type]


def test_one_card_per_action_keeps_the_first_in_its_place():
    ranked = [_firing("a"), _firing("b"), _firing("a"), _firing("c"), _firing("b")]
    kept = one_card_per_action(ranked)
    assert [f.action.name for f in kept] == ["a", "b", "c"]
    assert kept[0] is ranked[0] and kept[1] is ranked[1]


def test_no_action_is_suggested_twice_whatever_the_reading(tenant):
    for intent in ("repair_request", "delivery_status", OUT_OF_SCOPE):
        for conf in (0.2, 0.95):
            for text in ("坏了，物流也没到，预约上门保养", "嗯", "预约上门"):
                got = names(_d(intent, text, confidence=conf), tenant)
                assert len(got) == len(set(got)), (intent, conf, text, got)


def test_a_second_need_gets_its_action_second_and_the_first_card_stays(tenant):
    first = "物流到哪了？"
    second = "另外预约上门保养一下"
    d = _d("delivery_status", first + second, confidence=0.95)
    d.second_ask = second
    assert names(d, tenant)[:2] == ["track_order", "book_visit"]
    # the same words without a second need marked: a confident reading keeps its card as it was
    assert names(_d("delivery_status", first + second, confidence=0.95), tenant) == ["track_order"]
    # … unless the words state the customer's plan to take the step (session 22: «想预约上门保养», plans.planned)
    planned = _d("delivery_status", first + "另外想预约上门保养一下", confidence=0.95)
    assert names(planned, tenant)[:2] == ["track_order", "book_visit"]
    # a second need that reads close to nothing in particular moves nothing
    vague = _d("delivery_status", first + "另外嗯嗯", confidence=0.95)
    vague.second_ask = "另外嗯嗯"
    assert names(vague, tenant) == ["track_order"]
    # a second need naming what the first card already does: the card is unchanged
    same = _d("repair_request", "坏了。另外物流到哪了", confidence=0.95)
    same.second_ask = "另外物流到哪了"
    assert names(same, tenant)[:2] == ["open_repair", "track_order"]
