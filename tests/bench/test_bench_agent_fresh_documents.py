"""bench_agent's fresh embeddings cover a message's batches too: after the first message (the first `forget()`), a
text met for the first time in an `embed_documents` batch (understand's clauses, decide's parts) misses the disk cache
once per message, as a new message's clauses do in the product; texts batched before (passages, the taxonomy) keep
their cache keys. Before session 13 such batches were disk hits left by earlier runs."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np

from bench.bench_agent import fresh_queries
from knowledge.embeddings.cache import CachedEmbedder


class CountingModel:
    name = "counting"
    dim = 8

    def __init__(self) -> None:
        self.documents: list[str] = []

    def embed_query(self, text: str) -> np.ndarray:
        return np.ones(self.dim, dtype=np.float32)

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        self.documents.extend(texts)
        return np.ones((len(texts), self.dim), dtype=np.float32)


def _rows(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute("SELECT COUNT(*) FROM vec").fetchone()[0])


def test_a_messages_clauses_miss_once_per_message(tmp_path: Path) -> None:
    model, path = CountingModel(), tmp_path / "emb.sqlite"
    CachedEmbedder(model, path).embed_documents(
        ["上周下的单还没发货，", "你们怎么回事"]
    )  # an earlier run's rows
    model.documents.clear()
    emb = fresh_queries(CachedEmbedder(model, path))
    emb.embed_documents(["保修条款"])  # type: ignore[attr-defined]  # a passage, before any message
    emb.forget()  # type: ignore[attr-defined]  # the first message starts
    passages = _rows(path)

    emb.embed_documents(["上周下的单还没发货，", "你们怎么回事"])  # type: ignore[attr-defined]
    emb.embed_documents(["上周下的单还没发货，", "你们怎么回事"])  # type: ignore[attr-defined]  # decide: a hit
    assert model.documents[0] == "保修条款"  # (the cache embeds a batch's misses shortest first)
    assert sorted(model.documents[1:]) == sorted(["上周下的单还没发货，", "你们怎么回事"])
    emb.forget()  # type: ignore[attr-defined]  # the next message: the same text is new again
    assert _rows(path) == passages  # the message's rows are gone, the earlier rows and passages stay
    emb.embed_documents(["上周下的单还没发货，", "你们怎么回事", "保修条款"])  # type: ignore[attr-defined]
    assert sorted(model.documents[3:]) == sorted(["上周下的单还没发货，", "你们怎么回事"])  # not the passage
