"""PolicyQuery.expansion: words for the keyword half only (the intent's description). The dense half embeds the
message alone, so the expansion never changes the vector ranking and costs no embedding time."""

from __future__ import annotations

from datetime import date

import pytest

from contract.ports import PolicyQuery
from knowledge.policy import PolicyStore

AS_OF = date(2026, 11, 30)
SHORT = "这个怎么算？"  # a follow-up that names nothing: the intent has to say what it is about


@pytest.mark.parametrize(
    ("expansion", "doc_prefix"),
    [
        ("代理商季度返点比例 按采购额阶梯计算", "rebate"),
        ("退货 退款 手续费 到账时间", "returns"),
        ("设备保修期 故障报修 报警代码", "warranty"),
    ],
)
def test_expansion_steers_the_keyword_half(demo_store: PolicyStore, expansion: str, doc_prefix: str) -> None:
    q = PolicyQuery(text=SHORT, expansion=expansion, k=3, as_of=AS_OF)
    lexical = demo_store.search(q, mode="lexical")
    assert lexical and lexical[0].source_ids["doc_id"].startswith(doc_prefix)
    assert lexical[0].lineage["query"] == SHORT and lexical[0].lineage["query_expansion"] == expansion
    hybrid = demo_store.search(q)
    assert any(h.source_ids["doc_id"].startswith(doc_prefix) for h in hybrid)
    # the vector half sees the message only: the same dense ranking with or without the expansion
    dense = [h.id for h in demo_store.search(q, mode="dense")]
    plain = [h.id for h in demo_store.search(PolicyQuery(text=SHORT, k=3, as_of=AS_OF), mode="dense")]
    assert dense == plain


def test_no_expansion_is_the_plain_query(demo_store: PolicyStore) -> None:
    q = PolicyQuery(text="骨科耗材返点比例是多少", k=3, as_of=AS_OF)
    hits = demo_store.search(q)
    assert hits and "query_expansion" not in hits[0].lineage
    assert [h.id for h in hits] == [h.id for h in demo_store.search(q.model_copy(update={"expansion": ""}))]
