"""decide's PackQueries: a playbook rule's fixed retrieval is answered once per (query, day, store generation)."""

from __future__ import annotations

from collections import OrderedDict
from datetime import date
from typing import Any

from agents.nodes.decide import PACK_QUERIES, PackQueries
from contract.evidence import Evidence, EvidenceKind
from contract.ports import PolicyQuery


class _Catalog:
    def __init__(self) -> None:
        self.gen = "1"

    def generation(self) -> str:
        return self.gen


class _Store:
    def __init__(self, with_catalog: bool = True) -> None:
        self.calls: list[PolicyQuery] = []
        if with_catalog:
            self.catalog = _Catalog()

    def search(self, query: PolicyQuery) -> list[Evidence]:
        self.calls.append(query)
        n = len(self.calls)
        return [
            Evidence(
                id=f"ev_{n}",
                kind=EvidenceKind.POLICY_CLAUSE,
                title=query.text,
                content=f"clause {n}",
                source_ids={"doc_id": "d"},
            )
        ]


def test_the_same_query_is_asked_once_per_generation() -> None:
    store = _Store()
    memo: OrderedDict[Any, Any] = OrderedDict()
    q = PolicyQuery(text="返点协议", k=5)
    first = PackQueries(store, memo).search(q)
    again = PackQueries(store, memo).search(q)  # the next message: a new wrapper over the same memo
    assert first == again and len(store.calls) == 1
    assert PackQueries(store, memo).search(PolicyQuery(text="返点协议", k=6)) != first  # another query
    store.catalog.gen = "2"  # a write to the store
    assert PackQueries(store, memo).search(q)[0].content == "clause 3"
    assert len(store.calls) == 3


def test_a_dated_query_and_a_store_without_generation() -> None:
    store = _Store()
    memo: OrderedDict[Any, Any] = OrderedDict()
    dated = PolicyQuery(text="质保", k=5, as_of=date(2026, 1, 1))
    PackQueries(store, memo).search(dated)
    PackQueries(store, memo).search(dated)
    assert len(store.calls) == 1
    plain = _Store(with_catalog=False)  # nothing tells a write: asked every time, as before
    PackQueries(plain, memo).search(dated)
    PackQueries(plain, memo).search(dated)
    assert len(plain.calls) == 2


def test_the_memo_is_bounded() -> None:
    store = _Store()
    memo: OrderedDict[Any, Any] = OrderedDict()
    for i in range(PACK_QUERIES + 10):
        PackQueries(store, memo).search(PolicyQuery(text=f"q{i}", k=5))
    assert len(memo) == PACK_QUERIES
