"""The reason step's post-processing: a tier rate the customer quotes is not an extra discount to approve, and a fact
the tenant keeps for the rep (say_when_words) is marked so the draft does not say it."""

from __future__ import annotations

from agents.nodes.reason import _tier_rate_is_not_an_ask, _told
from agents.reasoning.config import ToolSpec
from agents.reasoning.results import CannotCompute, Computed, Input
from contract.evidence import Evidence, EvidenceKind


def result(tool: str, output: str, unit: str, asked: str = "") -> Computed:
    inputs = (Input("message", "message.requested_discount", asked),) if asked else ()
    return Computed(tool, tool, output, unit, f"{tool} {output}", (), inputs)


def test_a_quoted_tier_rate_is_not_an_ask_for_approval() -> None:
    tier = result("volume_tier", "5", "%")
    same = result("authority", "销售经理", "text", asked="5%")
    more = result("authority", "销售经理", "text", asked="7%")
    out = _tier_rate_is_not_an_ask([tier, same])
    assert out[0] is tier and isinstance(out[1], CannotCompute) and "阶梯折扣" in out[1].reason
    assert _tier_rate_is_not_an_ask([tier, more]) == [
        tier,
        more,
    ]  # beyond the tier: still the authority check
    assert _tier_rate_is_not_an_ask([same]) == [same]  # no tier computed: the ask stands


def test_a_fact_for_the_rep_only_is_marked() -> None:
    ev = Evidence(
        id="computed_fact:x", kind=EvidenceKind.COMPUTED_FACT, title="t", content="c", lineage={"a": 1}
    )
    assert _told(ev, True) is ev
    assert _told(ev, False).lineage == {"a": 1, "to_customer": False}
    spec = ToolSpec.model_validate({"id": "w", "tool": "term_end", "say_when_words": ["质保"]})
    assert spec.say_when_words == ["质保"]
