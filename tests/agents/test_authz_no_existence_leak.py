"""A refusal to a rep confirms nothing about the customer asked for (agents/ask.py, module docstring): an ask about
another rep's customer (named, described, by a handle) and an ask about a customer the CRM does not know read the same
line, with no name, id or owner, and offer the same hand-off request; the customer it resolved to, its owner and the
hand-off id are in the ledger's access-denied entry only. Both tenants' real CRMs, with the sharing rule off.

With the CRM's sharing rule on (`owner_visible_to_reps`, as the autodealer pack ships), the refusal names the owner and
still nothing of the customer."""

from __future__ import annotations

import pytest

from agents import Copilot
from contract.ports import Actor
from contract.suggestions import SuggestionKind
from tests.agents.agent_helpers import msg
from tests.agents.test_ask_authz import crm  # noqa: F401  (the autodealer CRM fixture)
from tests.agents.test_ask_rep import DenialLedger
from tests.agents.test_authz_round4 import HUANG, LIU
from tests.agents.test_authz_round6 import ZHANG, demo_crm  # noqa: F401  (the demo CRM fixture)

OWNERS_AND_IDS = [
    "刘洋",
    "高峰",
    "陈思远",
    "孙浩",
    "黄蕾",
    "王磊",
    "李娜",
    "张伟",
    "K0",
    "P0",
    "C10",
    "大客户部",
    "零售销售部",
]

# (tenant, actor, conversation's customer, an ask about another rep's customer, an ask about nobody the CRM knows)
PAIRS = [
    ("autodealer", LIU, "K001", "帮我查下京畿约车最近的订单", "帮我查下鸿运约车最近的订单"),
    ("autodealer", HUANG, "P007", "粤A·J0701 这台车的质保到哪天", "粤A·Z9999 这台车的质保到哪天"),
    ("autodealer", HUANG, "P001", "SO-2506-051 这单的尾款收了没", "SO-2506-999 这单的尾款收了没"),
    (
        "demo",
        ZHANG,
        "C1001",
        "CA-2023-0815 这台C形臂的报警处理到哪一步了",
        "CA-2023-9999 这台C形臂的报警处理到哪一步了",
    ),
    ("demo", ZHANG, "C1001", "帮我看看瑞金康复医院最近的订单", "帮我看看瑞安康复医院最近的订单"),
]


@pytest.fixture
def ask(make_deps, crm, demo_crm, monkeypatch):  # noqa: F811
    def go(pack: str, actor: Actor, customer: str, text: str, *, share_owners: bool = False):
        customers = demo_crm if pack == "demo" else crm
        # the CRM's sharing rule (mapping option owner_visible_to_reps; the autodealer pack turns it on): off here
        monkeypatch.setattr(customers, "owner_visible_to_reps", lambda: share_owners)
        deps = make_deps(customers=customers)
        deps.ledger = DenialLedger(deps.ledger)
        out = Copilot(deps).handle(
            msg(text, customer=customer, sender="rep_ask", rep=actor.id, tenant=pack), actor
        )
        return out, deps.ledger

    return go


@pytest.mark.parametrize(
    ("pack", "actor", "customer", "theirs", "nobody"), PAIRS, ids=[p[3][:12] for p in PAIRS]
)
def test_a_refusal_reads_the_same_whether_or_not_the_customer_exists(
    ask, pack, actor, customer, theirs, nobody
):
    out, ledger = ask(pack, actor, customer, theirs)
    assert out.kind is SuggestionKind.REFUSAL and out.summary["refusal_reason"] == "not_owner", out.summary
    card = out.answer.text.split("\n依据")[0]  # the line; the tenant's rule may be cited after it
    for word in OWNERS_AND_IDS:
        assert word not in card, word
    assert set(out.summary) == {"refusal_reason", "customer_ref"} and out.summary["customer_ref"] == customer
    assert [a.name for a in out.actions] == ["request_handoff"]
    assert out.actions[0].parameters["handoff_id"] not in {customer, ""}
    # the ledger keeps what the card does not: the customer it resolved to, its owner, the hand-off id
    denial = ledger.denials[-1]
    assert denial["reason"] == "not_owner" and denial["customer_ref"] != customer and denial["owner"]
    assert denial["handoff_id"] == out.actions[0].parameters["handoff_id"]
    assert denial["handoff_route"] == "audit_log_only"

    other, _ = ask(pack, actor, customer, nobody)  # nobody the CRM knows: same line, same offer, or answered
    if other.kind is SuggestionKind.REFUSAL:
        assert other.answer.text.split("\n依据")[0] == card
        assert [a.name for a in other.actions] == ["request_handoff"]


@pytest.mark.parametrize(
    ("pack", "actor", "customer", "theirs", "nobody"), PAIRS[:3], ids=[p[3][:12] for p in PAIRS[:3]]
)
def test_where_the_crm_shares_owners_the_refusal_names_the_owner_and_nothing_else(
    ask, pack, actor, customer, theirs, nobody
):
    out, ledger = ask(pack, actor, customer, theirs, share_owners=True)
    assert out.kind is SuggestionKind.REFUSAL and out.summary["refusal_reason"] == "not_owner"
    card = out.answer.text.split("\n依据")[0]
    owner = ledger.denials[-1]["owner"]
    assert owner and owner in card  # who serves the customer, so the rep can coordinate
    resolved = ledger.denials[-1]["customer_ref"]
    assert resolved != customer and resolved not in card  # nothing of the customer: not even its id
    assert [a.name for a in out.actions] == ["request_handoff"]
    other, _ = ask(pack, actor, customer, nobody, share_owners=True)
    if other.kind is SuggestionKind.REFUSAL:  # nobody the CRM knows: no owner to name
        assert owner not in other.answer.text
