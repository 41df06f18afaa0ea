"""bench_agent's suggestion embeds a message as the product does the first time it meets it: through the product's disk
cache (knowledge.embeddings.CachedEmbedder), missing it once — a read, the model, a write — and hitting it on the
second use within the message. An earlier version skipped the cache's reads and writes (a dict in front of the model),
so the suggestion side of p95_over_floor_p95 was spared costs the product pays on every new message."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np

from bench.bench_agent import fresh_queries
from knowledge.embeddings.cache import CachedEmbedder


class CountingModel:
    """A real (tiny) embedder: character codes folded into 16 dims; counts what reached it."""

    name = "counting"
    dim = 16

    def __init__(self) -> None:
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


def rows(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute("SELECT COUNT(*) FROM vec").fetchone()[0])


def test_a_new_message_goes_through_the_products_disk_cache(tmp_path: Path) -> None:
    model, path = CountingModel(), tmp_path / "emb.sqlite"
    emb = fresh_queries(CachedEmbedder(model, path))
    assert isinstance(emb, CachedEmbedder)  # the product's class and code path, not a stand-in
    emb.embed_documents(["保修条款", "返点政策"])  # type: ignore[attr-defined]
    passages = rows(path)

    first = emb.embed_query("我的订单发货了吗")  # type: ignore[attr-defined]
    assert rows(path) == passages + 1  # the miss wrote the vector, as the product's cache does
    second = emb.embed_query("我的订单发货了吗")  # type: ignore[attr-defined]
    assert model.queries == ["我的订单发货了吗"] and np.array_equal(
        first, second
    )  # the second use: a disk hit

    emb.forget()  # type: ignore[attr-defined]
    assert rows(path) == passages  # the message's rows are gone; passages stay
    emb.embed_query("我的订单发货了吗")  # type: ignore[attr-defined]
    assert model.queries == ["我的订单发货了吗"] * 2  # the same text in the next message is new again
    emb.embed_documents(["保修条款"])  # type: ignore[attr-defined]
    assert model.documents == ["保修条款", "返点政策"]  # passages still come from the cache
