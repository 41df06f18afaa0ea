"""The embedding-backend protocol. Every backend returns L2-normalised float32 rows so cosine = dot product.

We always hand Chroma our own vectors: chromadb's default embedding function downloads an ONNX model at run time, which
fails offline, so it is never used."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class Embedder(Protocol):
    # Read-only properties, so a wrapper (the disk cache) may forward them
    @property
    def name(self) -> str:
        """Stable slug, part of the Chroma collection name (vectors of different models never mix)."""
        ...

    @property
    def dim(self) -> int: ...

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        """Passages → (n, dim) normalised float32."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """One query → (dim,) normalised float32 (asymmetric models add their query prefix here)."""
        ...


def normalise(rows: np.ndarray) -> np.ndarray:
    rows = np.asarray(rows, dtype=np.float32)
    if rows.ndim == 1:
        rows = rows[None, :]
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    normalised: np.ndarray = rows / norms
    return normalised


def first_row(rows: np.ndarray) -> np.ndarray:
    """The one vector of a one-text batch (typed: ndarray indexing is Any to mypy)."""
    row: np.ndarray = rows[0]
    return row


def batched(texts: list[str], size: int) -> list[list[str]]:
    return [texts[i : i + size] for i in range(0, len(texts), size)]


MAX_EMBED_CHARS = 1000  # longer passages are cut for the dense index only (BM25 still sees the whole clause)


def encode_sorted(encode: Callable[[list[str]], np.ndarray], texts: list[str], size: int) -> np.ndarray:
    """Encode in batches of similar length (a batch is padded to its longest text, and attention cost grows with
    length), then restore the caller's order."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    cut = [texts[i][:MAX_EMBED_CHARS] for i in order]
    rows = np.vstack([np.asarray(encode(b), dtype=np.float32) for b in batched(cut, size)])
    out = np.empty_like(rows)
    out[np.asarray(order)] = rows
    return normalise(out)
