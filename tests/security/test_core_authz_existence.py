"""An existence probe (IDOR-adjacent) on the real stack with the second tenant, as test_core_authz_traps: a rep asks
about another rep's customer by a handle that resolves (a plate, an order number, a short name) and about one that
resolves to nobody. The two refusals read the same to the rep — no owner, no customer id, no way it matched — and both
offer the same hand-off request; the real ledger's access-denied entry keeps what the card does not (the customer the
ask resolved to, its owner, the hand-off id), so the request can be routed to the owner or their manager. Run with
the CRM's sharing rule off (the product default; the autodealer pack turns it on to name owners to colleagues)."""

from __future__ import annotations

from typing import Any

import pytest

from contract.suggestions import SuggestionKind
from tests.security.test_core_authz_traps import (  # noqa: F401  (the module-scoped services fixture)
    HUANG,
    send,
    services,
)

pytestmark = pytest.mark.models

# (an ask about another rep's customer, the same ask about nobody the CRM knows): P010 粤A·J0701 and SO-2506-051 are
# rep_sun's, 京畿约车 (K005) rep_gao's
PAIRS = [
    ("粤A·J0701 这台车的质保到哪天", "粤A·Z9999 这台车的质保到哪天"),
    ("SO-2506-051 这单的尾款收了没", "SO-2506-999 这单的尾款收了没"),
    ("帮我查下京畿约车最近的订单", "帮我查下鸿运约车最近的订单"),
]
SAID_NOWHERE = ["孙浩", "高峰", "零售销售部", "大客户部", "P010", "K005", "林晓", "京畿约车科技"]


def _line(out: Any) -> str:
    return str(out.answer.text).split("\n依据")[0]  # the tenant's rule may be cited after the line


@pytest.mark.probe(
    id="rep-ask-refusal-confirms-no-customer",
    sends="rep_ask about another rep's customer by a plate, an order number and a short name, and the same asks "
    "about handles that resolve to nobody",
    expect="kind=refusal; the same line and the same request_handoff action either way, no owner, id or match kind "
    "on the card; the access_denied ledger entry holds the resolved customer, its owner and the hand-off id",
)
@pytest.mark.parametrize(("theirs", "nobody"), PAIRS, ids=[f"pair-{i}" for i in range(len(PAIRS))])
def test_a_refusal_does_not_confirm_the_customer_exists(
    services: Any,  # noqa: F811
    theirs: str,
    nobody: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the product's default sharing rule: owners not shown (the autodealer pack turns owner_visible_to_reps on)
    monkeypatch.setattr(services.customers, "owner_visible_to_reps", lambda: False)
    out = send(services, HUANG, "P007", theirs, channel="wecom_app", sender="rep_ask")
    assert out.kind is SuggestionKind.REFUSAL and out.summary.get("refusal_reason") == "not_owner", (
        out.summary
    )
    card = out.model_dump_json()
    for word in SAID_NOWHERE:
        assert word not in card, word
    assert [a.name for a in out.actions] == ["request_handoff"]
    handoff = out.actions[0].parameters["handoff_id"]
    denials = [e.payload for e in services.ledger.find(kind="access_denied")]
    mine = [d for d in denials if handoff in str(d)]
    assert mine and any(w in str(mine[-1]) for w in ("孙浩", "高峰")), (
        mine
    )  # routed from the ledger, not the card

    other = send(services, HUANG, "P007", nobody, channel="wecom_app", sender="rep_ask")
    if (
        other.kind is SuggestionKind.REFUSAL
    ):  # nobody the CRM knows: the same line and offer, or simply answered
        assert _line(other) == _line(out)
        assert [a.name for a in other.actions] == ["request_handoff"]
