"""A message refused because the asker is not the account holder (a garage, an insurer, a relative asking for them)
leaves no computed fact about the holder in the card's answer: the agent on the call reads the answer, and could read
out the holder's warranty end. The facts the tools computed stay in the evidence, for audit."""

from __future__ import annotations

import pytest

from agents import Copilot, TenantConfig
from contract.suggestions import SuggestionKind
from tests.agents.agent_helpers import msg
from tests.agents.test_ask_authz import CRM_DIR, crm  # noqa: F401  (the module-scoped CRM fixture)
from tests.agents.test_authz_round7 import TRAPS as TRAPS7
from tests.agents.test_authz_round8 import TRAPS as TRAPS8
from tests.agents.test_reason_followup_scope import store  # noqa: F401  (the module-scoped policy store)

TENANT = CRM_DIR.parent
PROXY = "not_account_holder"
# third parties asking for the holder's warranty or package: the tools compute the holder's figures for them
CASES = [
    r
    for r in (*TRAPS7, *TRAPS8)
    if r[0]
    in {
        "c7-proxy-spouse",
        "c7b-garage-behalf",
        "c8-insurer-voice",
        "c8-shop-salutation",
        "c8-shop-unnamed",
        "c8-insurer-en",
    }
]


@pytest.fixture
def run(make_deps, crm, store, use_embedder):  # noqa: F811
    """The pack's real CRM, policies and tools: the holder's warranty and package figures are computed."""
    deps = make_deps(
        customers=crm,
        tenant=TenantConfig.load(TENANT),
        policy=store,
        embedder=use_embedder,
        tenant_dir=TENANT,
    )
    cp = Copilot(deps)

    def go(channel, sender, actor, customer, text):
        rep = actor.id if actor.role == "rep" else "rep_sun"
        m = msg(text, customer=customer, sender=sender, rep=rep, conv=f"proxy-{customer}-{len(text)}",
                channel=channel, tenant="autodealer")  # fmt: skip
        return cp.handle(m, actor)

    return go


def test_the_cases_are_there():
    assert len(CASES) == 6 and all(r[-1] == PROXY for r in CASES)


@pytest.mark.parametrize("row", CASES, ids=[r[0] for r in CASES])
def test_proxy_refusal_shows_no_computed_answer(run, row):  # noqa: F811
    _, channel, sender, actor, customer, text, _ = row
    out = run(channel, sender, actor, customer, text)
    assert out.kind is SuggestionKind.REFUSAL
    assert f"refused:{PROXY}" in out.flags
    assert out.answer is None, out.answer
    # without the fix each of these cards showed the holder's computed figures (warranty end, services left) as
    # its answer; whatever the tools computed for the holder stays in the evidence only, never in the draft
    computed = [e for e in out.evidence if e.kind.value == "computed_fact"]
    for e in computed:
        said = str((e.lineage or {}).get("output", ""))
        if len(said) >= 8:
            assert said not in (out.draft.text if out.draft else "")
