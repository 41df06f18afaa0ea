"""A rep's ask inside a customer conversation («客户要再让1个点，每台少多少») refers back to that conversation: the
model and the count the customer named in the previous turn are read by the reasoning tools, as a customer's own
follow-up reads them (the history the graph keeps, masked). Without the customer's turn the same ask names no model,
and no per-unit figure is computed. Real CRM (the second tenant's CSVs in SQLite), real policy store, real tools."""

from __future__ import annotations

import pytest

from agents import Copilot, TenantConfig
from tests.agents.agent_helpers import msg
from tests.agents.test_ask_authz import CRM_DIR, LIU, crm  # noqa: F401  (the module-scoped CRM fixture)
from tests.agents.test_reason_followup_scope import store  # noqa: F401  (the module-scoped policy store)

TENANT = CRM_DIR.parent


@pytest.fixture
def copilot(make_deps, crm, store, use_embedder):  # noqa: F811
    deps = make_deps(
        customers=crm,
        tenant=TenantConfig.load(TENANT),
        policy=store,
        embedder=use_embedder,
        tenant_dir=TENANT,
    )
    return Copilot(deps)


def ask(cp: Copilot, customer: str, conv: str, text: str):
    return cp.handle(
        msg(text, customer=customer, rep=LIU.id, tenant="autodealer", conv=conv, sender="rep_ask"), LIU
    )


def said(out) -> str:
    return out.answer.text if out is not None and out.answer else ""


# (customer, the customer's turn, the rep's ask, a figure only the named model gives: 1% of its list price)
CASES = [
    ("K002", "那8台E5能不能再便宜一个点？能的话这周就付款", "客户想再让1个点，我能批吗？每台少多少", "1,798"),
    ("K010", "V9再加两台的话，价格上还能再让1个点吗", "他要再让1个点，在我权限里吗？每台少多少钱", "3,280"),
]


@pytest.mark.parametrize("customer,turn,question,figure", CASES, ids=[c[0] for c in CASES])
def test_rep_ask_reads_the_conversation(copilot, customer, turn, question, figure):
    conv = f"hist-{customer}"
    copilot.handle(msg(turn, customer=customer, rep=LIU.id, tenant="autodealer", conv=conv), LIU)
    out = ask(copilot, customer, conv, question)
    assert "rep_ask" in out.flags
    assert figure in said(out), said(out)


@pytest.mark.parametrize("customer,turn,question,figure", CASES, ids=[c[0] for c in CASES])
def test_without_the_turn_the_model_is_unknown(copilot, customer, turn, question, figure):
    out = ask(copilot, customer, f"empty-{customer}", question)
    assert figure not in said(out), said(out)


def test_the_ask_leaves_the_conversation_unchanged(copilot):
    conv = "hist-unchanged"
    copilot.handle(msg(CASES[0][1], customer="K002", rep=LIU.id, tenant="autodealer", conv=conv), LIU)
    before = copilot.history(conv, "autodealer")
    ask(copilot, "K002", conv, CASES[0][2])
    assert copilot.history(conv, "autodealer") == before
