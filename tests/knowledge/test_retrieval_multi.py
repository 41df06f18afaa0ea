"""Multi-need retrieval: a long request is split into its needs, each need gets its own ranking, RRF fuses them."""

from __future__ import annotations

from datetime import date

from contract.ports import PolicyQuery
from knowledge.policy import PolicyStore
from knowledge.policy.retrieval_multi import multi_need_search, split_needs


def test_split_needs_keeps_each_sentence_and_joins_fragments() -> None:
    text = "你好。骨科耗材的返点现在怎么算？另外设备报警E-203该怎么处理；还有退货要几天到账。Thanks.\nI also need the SLA."
    needs = split_needs(text)
    assert (
        any("返点" in n for n in needs)
        and any("E-203" in n for n in needs)
        and any("退货" in n for n in needs)
    )
    assert all(len(n) >= 5 for n in needs)
    assert "你好。" not in needs  # a greeting alone is not a need: joined to the next sentence
    assert split_needs("只有一个问题：返点怎么算") == ["只有一个问题：返点怎么算"]
    assert (
        len(split_needs("。".join(f"第{i}个比较长的问题关于返点政策" for i in range(30)), max_needs=5)) == 5
    )


def test_each_need_reaches_its_own_document(demo_store: PolicyStore) -> None:
    q = PolicyQuery(
        text="骨科耗材代理商的返点比例现在是多少？另外我们医院的设备显示报警代码E-203，保修期内维修怎么申请？",
        k=6,
        as_of=date(2026, 11, 30),
    )
    hits = multi_need_search(demo_store, q, mode="hybrid")
    docs = {h.source_ids["doc_id"] for h in hits}
    assert len(hits) <= 6
    assert any(d.startswith("rebate") for d in docs) and any(d.startswith("warranty") for d in docs)
    assert all(h.lineage["multi_need"]["needs"] == 2 for h in hits)
    single = multi_need_search(demo_store, PolicyQuery(text="返点比例", k=3, as_of=date(2026, 11, 30)))
    assert single and "multi_need" not in single[0].lineage  # one need: one plain search
