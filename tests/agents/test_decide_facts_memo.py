"""decide's customer facts are parsed once per Evidence object (agents.nodes.decide._FactPairs): the same facts, in
the same order, as parsing every fact on every message; a new object (a changed CRM row gives a new 360) is parsed
afresh."""

from __future__ import annotations

from agents.nodes.decide import _FACT_PAIRS, customer_facts, fact_pairs
from contract.evidence import Evidence, EvidenceKind


def _fact(field: str, label: str, value: str, values: dict[str, str] | None = None) -> Evidence:
    return Evidence(
        id=Evidence.make_id(EvidenceKind.CUSTOMER_FACT, "K1", field, value),
        kind=EvidenceKind.CUSTOMER_FACT,
        title=label,
        content=f"{label} = {value}（来自CRM）",
        source_ids={"table": "customers", "row_key": "K1", "field": field, "customer_id": "K1"},
        lineage={"values": values} if values is not None else {},
    )


def _uncached(customer: dict[str, str], evidence: list[Evidence]) -> dict[str, object]:
    facts: dict[str, object] = {k: v for k, v in customer.items() if v not in (None, "")}
    for e in evidence:
        if e.kind is EvidenceKind.CUSTOMER_FACT:
            for key, value in fact_pairs(e):
                facts.setdefault(key, value)
    return facts


def test_the_same_facts_in_the_same_order_on_every_message() -> None:
    policy = Evidence(
        id="p1",
        kind=EvidenceKind.POLICY_CLAUSE,
        title="区域 = 华北",
        content="区域 = 华北",
        source_ids={"doc_id": "d"},
    )
    ev = [
        _fact("region", "区域", "华东"),
        policy,  # not a customer fact: never read, whatever its text says
        _fact(
            "contract_tier",
            "合同等级",
            "gold",
            values={"contract_tier": "gold", "warranty_end": "2027-01-01"},
        ),
        _fact("region", "区域", "华北"),  # a later offer of a key never overrides the first
    ]
    first = customer_facts({"name": "车队甲", "tier": "A"}, ev)
    again = customer_facts({"name": "车队甲", "tier": "A"}, ev)
    assert first == again == _uncached({"name": "车队甲", "tier": "A"}, ev)
    assert list(first) == list(again)
    assert first["region"] == first["区域"] == "华东" and first["warranty_end"] == "2027-01-01"
    assert first["tier"] == "A" and "华北" not in first.values()


def test_a_new_object_is_parsed_afresh() -> None:
    before = _fact("region", "区域", "华东")
    assert customer_facts({}, [before])["region"] == "华东"
    after = _fact("region", "区域", "西南")  # the row changed: the CRM service builds a new 360, new objects
    assert customer_facts({}, [after])["region"] == "西南"
    assert _FACT_PAIRS.pairs(before) == fact_pairs(
        before
    )  # pinned: its entry still answers for that object only
