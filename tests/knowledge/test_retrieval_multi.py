"""Multi-need retrieval: a long request is split into its needs, each need gets its own ranking, RRF fuses them."""

from __future__ import annotations

from datetime import date

import pytest

from contract.evidence import Evidence, EvidenceKind
from contract.ports import PolicyQuery
from knowledge.policy import PolicyStore
from knowledge.policy.retrieval_multi import multi_need_search, need_slots, split_needs


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


@pytest.mark.parametrize(
    ("text", "needs"),
    [
        # a short Chinese question says as much as a long English one: each is its own need
        ("能优惠多少钱？还有什么活动能叠加？", ["能优惠多少钱？", "还有什么活动能叠加？"]),
        ("你好。返点怎么算？", ["你好。 返点怎么算？"]),  # a greeting alone is joined to the next sentence
        ("好的", ["好的"]),
        ("返点比例怎么计算\n退货要几天到账", ["返点比例怎么计算", "退货要几天到账"]),  # a line ends a need
        ("返点怎么算\n退货要几天到账", ["返点怎么算 退货要几天到账"]),  # under 6 characters: joined
    ],
)
def test_split_needs_weighs_chinese_characters(text: str, needs: list[str]) -> None:
    assert split_needs(text) == needs


def _clause(doc: str, clause: str, score: float) -> Evidence:
    return Evidence(
        id=f"ev_{doc}_{clause}",
        kind=EvidenceKind.POLICY_CLAUSE,
        title=doc,
        content=f"{doc} {clause}",
        source_ids={"doc_id": doc, "clause": clause},
        version="1",
        score=score,
    )


WHOLE = [  # the whole request's ranking, 2k deep for k = 4
    _clause("fleet", "c3", 0.9),
    _clause("authority", "c2", 0.8),
    _clause("fleet", "c4", 0.7),
    _clause("fleet", "c6", 0.6),
    _clause("promo", "c2", 0.5),
    _clause("service", "c9", 0.4),
    _clause("promo", "c4", 0.3),
    _clause("fleet", "c5", 0.2),
]


@pytest.mark.parametrize(
    ("need_best", "docs", "slotted"),
    [
        # a need whose document the top 4 already holds: the top 4 as it is
        (["ev_fleet_c3", "ev_authority_c2"], ["fleet", "authority", "fleet", "fleet"], []),
        # a need's clause from a missing document, ranked by the whole request too: in, instead of fleet's third clause
        (["ev_fleet_c3", "ev_promo_c2"], ["fleet", "authority", "fleet", "promo"], ["ev_promo_c2"]),
        # a need's clause the whole request does not rank in its top 8: a noisy short need, kept out
        (["ev_trade_c1", None], ["fleet", "authority", "fleet", "fleet"], []),
        # at most k // 2 = 2 slots; never a document the whole request found dropped while a duplicate can give
        (
            ["ev_promo_c2", "ev_service_c9", "ev_promo_c4"],
            ["fleet", "authority", "promo", "service"],
            ["ev_promo_c2", "ev_service_c9"],
        ),
    ],
)
def test_need_slots(need_best: list[str | None], docs: list[str], slotted: list[str]) -> None:
    out = need_slots(WHOLE, need_best, 4)
    assert [e.source_ids["doc_id"] for e in out] == docs
    assert [e.id for e in out if "need_slot" in e.lineage] == slotted
    scores = [e.score or 0.0 for e in out]
    assert scores == sorted(scores, reverse=True)  # a slotted clause ranks after the ones it joined


def test_store_gives_each_need_a_slot(demo_store: PolicyStore) -> None:
    """Through the real store (Chroma + BM25): the returns question gets a place beside the rebate clauses."""
    q = PolicyQuery(
        text="我们采购的骨科耗材返点比例是多少？返点多久到账？另外退货怎么办？", k=2, as_of=date(2026, 11, 30)
    )
    hits = demo_store.search(q)
    docs = [h.source_ids["doc_id"] for h in hits]
    assert len(hits) == 2 and docs[0].startswith("rebate") and docs[1].startswith("returns")
    assert hits[1].lineage["need_slot"] == {"need": 2, "needs": 3}
    assert hits[1].lineage["lexical_rank"] >= 1  # the whole request's own evidence: both ranks kept
    plain = demo_store.search(q, per_need=False)
    assert all("need_slot" not in h.lineage for h in plain)
    one = demo_store.search(PolicyQuery(text="返点比例现在是多少？", k=2, as_of=date(2026, 11, 30)))
    assert all("need_slot" not in h.lineage for h in one)  # one need: one plain search
