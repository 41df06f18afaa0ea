"""An incrementally advanced snapshot equals a full rebuild of the same catalog state, after every step of a random
sequence of adds, updates (new content, new dates, new supersedes) and removals: same live chunks, same BM25 score for
every chunk and query, same eligible chunks and statuses for every filter. Also the copy-on-write containers behave
like a dict / list under random changes."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from knowledge.embeddings import CachedEmbedder
from knowledge.policy import PolicyStore
from knowledge.policy.layered import AppendOnlyRows, LayeredMap
from knowledge.policy.lexical import tokenize
from knowledge.policy.snapshot import ChunkPositions, Snapshot
from tests.knowledge.conftest import DEMO_POLICIES

WORDS = [
    "返点", "季度", "华南", "华东", "保修", "主轴", "更换", "折扣", "审批", "区域经理", "结算", "货款", "退货",
    "运费", "质量问题", "PS-700", "E-203", "rebate", "warranty", "credit", "note", "quarterly", "dealer",
]  # fmt: skip
QUERIES = [
    "季度返点 华南",
    "主轴 保修 E-203",
    "dealer rebate quarterly",
    "退货 运费 质量问题",
    "PS-700 折扣审批",
]
FILTERS = [
    (date(2026, 11, 30), None, None, None, False),
    (date(2026, 11, 30), None, None, None, True),
    (date(2025, 1, 1), None, None, None, False),
    (date(2027, 6, 30), None, "华南", None, False),
]


def _text(rng: random.Random) -> str:
    clauses = [
        f"第{i + 1}条 " + " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 14))) + "。"
        for i in range(rng.randint(1, 4))
    ]
    return "\n\n".join(clauses)


def _meta(rng: random.Random, doc_id: str, version: str, known: list[str]) -> dict[str, object]:
    meta: dict[str, object] = {"doc_id": doc_id, "title": f"测试政策 {doc_id}", "version": version}
    if rng.random() < 0.5:
        meta["effective_date"] = f"202{rng.randint(4, 7)}-0{rng.randint(1, 9)}-01"
    if rng.random() < 0.2:
        meta["expiry_date"] = f"2027-0{rng.randint(1, 9)}-15"
    if rng.random() < 0.3:
        meta["region"] = rng.choice(["华南", "华东"])
    if known and rng.random() < 0.3:  # names another version, or every version of another document
        target = rng.choice(known)
        meta["supersedes"] = [target if rng.random() < 0.5 else target.split("@")[0]]
    return meta


def _scores_by_chunk(snap: Snapshot, query: str) -> dict[str, float]:
    scores = snap.bm25.scores(tokenize(query))
    return {
        r["chunk_id"]: float(scores[i])
        for i, r in enumerate(snap.rows)
        if snap.index_of.get(r["chunk_id"]) == i
    }


def _eligible_by_chunk(snap: Snapshot, key: tuple) -> tuple[set[str], dict[str, str], bool]:  # type: ignore[type-arg]
    e = snap.eligible(*key)
    ids = {snap.rows[i]["chunk_id"] for i in np.flatnonzero(e.mask)}
    keys = set(e.doc_keys)
    assert keys == {cid.split("#")[0] for cid in ids}  # the lazy doc_keys agree with the mask
    return ids, dict(e.status), e.everything


def _assert_equal(inc: Snapshot, full: Snapshot) -> None:
    live_inc = {r["chunk_id"] for i, r in enumerate(inc.rows) if inc.index_of.get(r["chunk_id"]) == i}
    live_full = {r["chunk_id"] for r in full.rows}
    assert live_inc == live_full
    assert dict(inc.versions) == dict(full.versions)
    assert {k: list(v) for k, v in inc.doc_rows.items()}.keys() == dict(full.doc_rows).keys()
    for q in QUERIES:
        a, b = _scores_by_chunk(inc, q), _scores_by_chunk(full, q)
        assert a.keys() == b.keys()
        assert all(abs(a[k] - b[k]) < 1e-5 for k in a), q
        top_inc = [(inc.rows[i]["chunk_id"], round(s, 4)) for i, s in inc.bm25.top(tokenize(q), 50)]
        top_full = [(full.rows[i]["chunk_id"], round(s, 4)) for i, s in full.bm25.top(tokenize(q), 50)]
        assert sorted(s for _, s in top_inc) == sorted(
            s for _, s in top_full
        )  # same scores (ties may swap ids)
    for key in FILTERS:
        assert _eligible_by_chunk(inc, key) == _eligible_by_chunk(full, key), key


def test_random_writes_and_removals_keep_the_incremental_snapshot_equal_to_a_rebuild(
    tmp_path: Path, usem3: CachedEmbedder
) -> None:
    rng = random.Random(20261205)
    store = PolicyStore(tmp_path / "chroma", usem3, tmp_path / "catalog.sqlite")
    store.add(DEMO_POLICIES)
    built: list[int] = []
    original_init = Snapshot.__init__

    def counting_init(self: Snapshot, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        built.append(1)
        original_init(self, *args, **kwargs)

    snap = store.snapshot()
    for (
        key
    ) in FILTERS:  # filters in use before the writes: their masks are carried and updated, not recomputed
        snap.eligible(*key)
    Snapshot.__init__ = counting_init  # type: ignore[method-assign]
    try:
        versions: dict[str, list[str]] = {}
        for step in range(24):
            op = rng.random()
            known = [f"{d}@{v}" for d, vs in versions.items() for v in vs]
            if op < 0.5 or not versions:
                doc_id = f"probe-{step}"
                store.add_text(_text(rng), _meta(rng, doc_id, "1.0", known))
                versions[doc_id] = ["1.0"]
            elif op < 0.7:  # a new version of an existing document
                doc_id = rng.choice(sorted(versions))
                version = f"{len(versions[doc_id]) + 1}.0"
                store.add_text(_text(rng), _meta(rng, doc_id, version, known))
                versions[doc_id].append(version)
            elif op < 0.85:  # the same version replaced (new content and metadata)
                doc_id = rng.choice(sorted(versions))
                version = rng.choice(versions[doc_id])
                store.add_text(_text(rng), _meta(rng, doc_id, version, known), replace=True)
            else:
                doc_id = rng.choice(sorted(versions))
                store.remove(doc_id)
                del versions[doc_id]
            if rng.random() < 0.7:  # sometimes two writes land between two queries
                snap = store.snapshot()
                full = object.__new__(Snapshot)
                original_init(full, store.catalog, snap.generation)
                _assert_equal(snap, full)
        assert built == []  # every step advanced the snapshot, none rebuilt it
    finally:
        Snapshot.__init__ = original_init  # type: ignore[method-assign]


def test_layered_map_and_rows_behave_like_a_dict_and_a_list() -> None:
    rng = random.Random(7)
    reference = {f"k{i}": i for i in range(300)}
    layered: LayeredMap[str, int] = LayeredMap(dict(reference))
    rows_ref: list[int] = list(range(50))
    rows = AppendOnlyRows(list(rows_ref))
    for step in range(400):
        keys = list(reference)
        delete = rng.sample(keys, k=min(len(keys), rng.randint(0, 3)))
        set_ = {f"k{rng.randint(0, 500)}": step for _ in range(rng.randint(0, 3))}
        older, older_items = layered, list(layered.items())
        layered = layered.changed(set_, delete)
        for k in delete:
            reference.pop(k, None)
        for k in set_:  # a re-set key moves to the end, as in a dict where it was deleted first
            reference.pop(k, None)
        reference.update(set_)
        assert list(layered.items()) == list(reference.items())
        assert len(layered) == len(reference)
        assert list(older.items()) == older_items  # copy-on-write: the older map is unchanged
        more = list(range(len(rows_ref), len(rows_ref) + rng.randint(0, 40)))
        rows, rows_ref = rows + more, rows_ref + more
        assert len(rows) == len(rows_ref) and list(rows) == rows_ref
        assert rows[len(rows_ref) - 1] == rows_ref[-1] and rows[0] == 0
    with pytest.raises(KeyError):
        layered["never-set"]


def test_chunk_positions_overlay_and_fold_behave_like_a_dict() -> None:
    rng = random.Random(11)
    reference = {f"c{i}": i for i in range(100)}
    positions = ChunkPositions(dict(reference))
    n = 100
    for _ in range(120):  # ~6000 overlaid entries: folds past 4096
        removed = set(rng.sample(sorted(reference), k=min(len(reference), rng.randint(0, 5))))
        added = {f"c{n + j}": n + j for j in range(rng.randint(0, 90))}
        n += len(added)
        older, older_ref = positions, dict(reference)
        positions = positions.changed(added, removed)
        for k in removed:
            del reference[k]
        reference.update(added)
        probe = rng.sample(range(n + 5), k=50)
        assert all(positions.get(f"c{i}") == reference.get(f"c{i}", -1) for i in probe)
        assert all(
            older.get(f"c{i}") == older_ref.get(f"c{i}", -1) for i in probe
        )  # the older one is unchanged
