"""The incremental BM25 index: after adds and removes its scores equal a fresh BM25Okapi over exactly the live
documents, the old index is untouched, and a store write advances the snapshot instead of rebuilding it."""

from __future__ import annotations

import numpy as np
from rank_bm25 import BM25Okapi

from knowledge.policy.lexical import Bm25Index, tokenize
from knowledge.policy.snapshot import Snapshot
from tests.knowledge.conftest import DEMO_POLICIES, StoreFactory

TEXTS = [
    "骨科耗材返点协议 脊柱耗材 PS-700 返点 6%",
    "设备保修 E-203 主轴过热 联系售后 400-800-1234",
    "价格折扣审批 销售代表 不超过3% 区域经理 8%",
    "返点 结算 季度 货款抵扣",
    "The dealer rebate is paid quarterly as a credit note",
    "返点 返点 季度 华南 代理商",
    "保修期内 主轴 免费更换 E-203",
]
QUERIES = ["代理商返点政策 PS-700", "主轴过热报警", "rebate paid quarterly", "季度返点", "完全无关的问题"]


def _fresh_scores(live: list[list[str]], query: list[str]) -> np.ndarray:
    return np.asarray(BM25Okapi(live).get_scores(query), dtype=np.float32)


def test_adds_and_removes_score_like_a_fresh_index_over_the_live_documents() -> None:
    corpus = [tokenize(t) for t in TEXTS]
    base = Bm25Index(corpus[:4])
    grown = base.with_changes(added=corpus[4:])
    shrunk = grown.with_changes(removed=[(1, corpus[1]), (5, corpus[5])])
    live_positions = [0, 2, 3, 4, 6]
    for q in QUERIES:
        qt = tokenize(q)
        assert np.allclose(grown.scores(qt), _fresh_scores(corpus, qt), atol=1e-4)
        got = shrunk.scores(qt)
        assert np.allclose(
            got[live_positions], _fresh_scores([corpus[i] for i in live_positions], qt), atol=1e-4
        )
        assert not got[[1, 5]].any()  # removed documents never score
        # the index a running query holds is not disturbed by later writes
        assert np.allclose(base.scores(qt), _fresh_scores(corpus[:4], qt), atol=1e-4)
    # a term first seen in an added document is found there, and not by the older index
    assert shrunk.top(tokenize("dealer credit note"), 3)[0][0] == 4
    assert base.top(tokenize("dealer credit note"), 3) == []


def test_a_store_write_advances_the_snapshot_without_a_rebuild(
    store_factory: StoreFactory, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    store = store_factory()
    store.add(DEMO_POLICIES)
    before = store.snapshot()
    docs = sorted(before.versions)
    built: list[str] = []
    original_init = Snapshot.__init__

    def counting_init(self: Snapshot, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        built.append("full")
        original_init(self, *args, **kwargs)

    monkeypatch.setattr(Snapshot, "__init__", counting_init)
    doc_id, version = docs[0].split("@", 1)
    removed_rows = len(before.doc_rows[docs[0]])
    assert store.remove(doc_id, version) >= 1
    store.add_text(
        "测试新增政策：华南区域 季度 返点 特别条款 XQ-42 型号 适用。",
        meta={"doc_id": "incremental-probe", "title": "增量测试政策", "version": "1.0"},
    )
    after = store.snapshot()
    assert built == []  # advanced, not rebuilt
    assert after.dead == before.dead + removed_rows
    assert docs[0] not in after.versions and "incremental-probe@1.0" in after.versions
    top = after.bm25.top(tokenize("XQ-42 特别条款"), 3)
    assert top and after.rows[top[0][0]]["doc_id"] == "incremental-probe"
    for i in before.doc_rows[docs[0]]:  # the removed version's rows are gone from both rankings
        assert after.index_of.get(before.rows[i]["chunk_id"]) == -1
    fresh_snap = object.__new__(Snapshot)  # a full build of the same generation, for comparison
    original_init(fresh_snap, store.catalog, after.generation)
    for q in QUERIES:
        qt = tokenize(q)
        ours = {after.rows[i]["chunk_id"]: round(s, 3) for i, s in after.bm25.top(qt, 10)}
        full = {fresh_snap.rows[i]["chunk_id"]: round(s, 3) for i, s in fresh_snap.bm25.top(qt, 10)}
        assert ours == full
