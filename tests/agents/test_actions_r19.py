"""Session 19, actions (batches A and G's top-2 misses read by kind; scratch tests/agents/data/actions_scratch_r19.yaml):
* a say-little reply to the rep's offer («[OK][抱拳]») read confidently as an intent nothing on the catalog serves (a
  thanks) left the card EMPTY: with the rep's offer it is a guess about that exchange, so the likely intents are
  marginalised as for a weak reading (agents.actions.playbook._the_likely_intents, marginal.enrich);
* the open ticket's follow-up, placed second, takes the place of the card the reading supports least: the read intent's
  own rule card (a complaint's escalation) keeps a top-two place over a card the catalog or a less likely intent
  brought in (_the_open_ticket). Made-up packs (appliance repair), nothing of a real tenant."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.actions.playbook import DecisionInput, _Ranking, _the_open_ticket, propose
from agents.tenant import TenantConfig
from contract.suggestions import Intent
from tests.agents.agent_ports import KeywordPolicy
from tests.agents.test_actions_direct import ACTIONS, PLAYBOOKS, similarity
from tests.agents.test_actions_state import _d, _tenant
from tests.agents.test_actions_state import similarity as state_similarity

INTENTS = """
intents:
  - {name: repair_request, label_zh: 报修, description: 设备坏了要修}
  - {name: delivery_status, label_zh: 到货, description: 订单什么时候到}
  - {name: thanks, label_zh: 致谢, description: 道谢、表情回复}
  - {name: out_of_scope, label_zh: 无关, description: 闲聊}
"""


@pytest.fixture
def pack(tmp_path: Path) -> TenantConfig:
    for name, text in (("intents.yaml", INTENTS), ("actions.yaml", ACTIONS), ("playbooks.yaml", PLAYBOOKS)):
        (tmp_path / name).write_text(text, encoding="utf-8")
    return TenantConfig.load(tmp_path)


def names(d: DecisionInput, t: TenantConfig) -> list[str]:
    return [f.action.name for f in propose(d, t, KeywordPolicy(), similarity)]


def test_a_reply_to_the_reps_offer_read_as_a_thanks_is_not_an_empty_card(pack: TenantConfig) -> None:
    probs = {"thanks": 0.6, "delivery_status": 0.4}
    d = DecisionInput(
        intent=Intent(name="thanks", confidence=0.8), text="[OK][抱拳]", evidence=[], intent_probs=probs
    )
    assert names(d, pack) == []  # no rep's offer answered: a thanks gets no business action
    # the same words answering the rep's offer (which reads close to no action): the exchange's likely intents
    d.replied_to = "这批货周四发出，单号发您，您看行吗？"
    assert names(d, pack)[:1] == ["track_order"]
    # a confident reading whose own card is not empty is left alone, reply or not
    d = DecisionInput(
        intent=Intent(name="repair_request", confidence=0.8), text="好的", evidence=[], intent_probs=probs
    )
    d.replied_to = "这批货周四发出，单号发您，您看行吗？"
    assert names(d, pack)[:2] == ["open_repair", "track_order"]


def test_the_follow_up_second_keeps_the_read_intents_own_card(tmp_path: Path) -> None:
    tenant = _tenant(tmp_path)

    def card(text: str, intent: str, name: str):  # noqa: ANN202
        fired = propose(_d(text, intent=intent), tenant, KeywordPolicy(), state_similarity)
        return next(f for f in fired if f.action.name == name)

    own = card("物流到哪了", "delivery_status", "track_order")  # the read intent's own rule
    other = card(
        "报价多少", "price_ask", "send_quote"
    )  # another intent's rule, brought in by the likely intents
    d = _d("之前报修的排水泵异响现在修到哪了", intent="delivery_status", confidence=0.3)
    r = _Ranking(d, tenant, state_similarity, {}, 4, KeywordPolicy())
    got = [f.action.name for f in _the_open_ticket(r, [other, own])]
    assert got == ["track_order", "chase_ticket", "send_quote"]
    # the own card first already: only the follow-up's place changes
    got = [f.action.name for f in _the_open_ticket(r, [own, other])]
    assert got == ["track_order", "chase_ticket", "send_quote"]
