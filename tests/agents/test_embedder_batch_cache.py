"""IntentVectors caches a message's small batches (its clauses) per text, so understand's clause votes and decide's
other needs embed the same clause once; a taxonomy-sized batch is not cached."""

from __future__ import annotations

import numpy as np

from agents.understanding.embedder import CACHED_BATCH, IntentVectors


class Counting:
    """A model-free symmetric embedder that records every call."""

    name = "counting"
    dim = 8

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[str, ...]]] = []

    def _row(self, text: str) -> np.ndarray:
        rng = np.random.default_rng(abs(hash(text)) % (2**32))
        return rng.standard_normal(self.dim).astype(np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        self.calls.append(("query", (text,)))
        return self._row(text)

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        self.calls.append(("documents", tuple(texts)))
        return np.vstack([self._row(t) for t in texts])


def test_a_clause_batch_is_embedded_once_per_message() -> None:
    inner = Counting()
    qv = IntentVectors(inner)
    first = qv.encode(["上周的货到了没", "再来十套", "多少钱"])
    assert inner.calls == [("documents", ("上周的货到了没", "再来十套", "多少钱"))]
    again = qv.encode(["多少钱", "上周的货到了没"])  # decide's parts, met in understand's batch
    assert len(inner.calls) == 1
    assert np.array_equal(again, first[[2, 0]])
    assert np.array_equal(qv.encode(["再来十套"])[0], first[1])  # a single read of a clause hits too
    with qv.pinned(["再来十套", "多少钱"]):  # classify_many's pin: nothing left to embed
        qv.encode(["多少钱"])
    assert len(inner.calls) == 1


def test_only_the_new_texts_of_a_batch_are_embedded_on_the_batch_path() -> None:
    inner = Counting()
    qv = IntentVectors(inner)
    qv.encode(["甲方", "乙方"])
    rows = qv.encode(["乙方", "丙方"])
    assert inner.calls[-1] == ("documents", ("丙方",))  # the batch side even for one text
    assert rows.shape == (2, Counting.dim)
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-5)


def test_a_batch_with_nothing_met_is_the_call_made_before_and_duplicates_are_kept() -> None:
    inner = Counting()
    qv = IntentVectors(inner)
    rows = qv.encode(["好的", "好的", "收到"])
    assert inner.calls == [("documents", ("好的", "好的", "收到"))]
    assert np.array_equal(rows[0], rows[1])


def test_a_taxonomy_sized_batch_is_not_cached() -> None:
    inner = Counting()
    qv = IntentVectors(inner)
    texts = [f"例句{i}" for i in range(CACHED_BATCH + 1)]
    qv.encode(texts)
    qv.encode(texts)
    assert len(inner.calls) == 2
    assert len(qv._cache) == 0
