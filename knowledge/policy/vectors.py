"""Chroma as the dense index: a persistent directory (embedded default) or a Chroma server by URL. We always pass our
own vectors and create collections with `embedding_function=None`, so chromadb never fetches its ONNX default."""

from __future__ import annotations

import contextlib
import logging
import os
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from contract.errors import BackendUnavailable, UserError

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
log = logging.getLogger(__name__)


def connect(chroma_url: str = "", chroma_dir: Path | None = None) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False)
    try:
        if chroma_url:
            u = urlparse(chroma_url)
            if u.scheme not in ("http", "https") or not u.hostname:
                raise UserError(
                    f"chroma_url {chroma_url!r} must look like http://host:port", reason="chroma_config"
                )
            return chromadb.HttpClient(
                host=u.hostname,
                port=u.port or (443 if u.scheme == "https" else 8000),
                ssl=u.scheme == "https",
                settings=settings,
            )
        if chroma_dir is None:
            raise UserError("need chroma_url or chroma_dir", reason="chroma_config")
        chroma_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(chroma_dir), settings=settings)
    except UserError:
        raise
    except Exception as exc:  # connection refused, bad path …
        raise BackendUnavailable(
            f"cannot open Chroma ({chroma_url or chroma_dir}): {exc}", reason="chroma_down"
        ) from exc


class VectorIndex:
    """One collection per embedding model (vectors of different models never mix)."""

    def __init__(
        self, client: Any, name: str, *, remote: bool = False, visible_within_s: float = 5.0
    ) -> None:
        """`remote`: a Chroma server, whose acknowledged write may not be in the answer of the next query yet (CI
        once saw an updated clause missing from a query right after its upsert, on a loaded 2-core runner); the
        writer then waits, at most `visible_within_s`, until the server answers with a sample of the new vectors."""
        self.client = client
        self.name = name
        self.remote, self.visible_within_s = remote, visible_within_s
        self.col = self._open()

    def _open(self) -> Any:
        try:
            return self.client.get_or_create_collection(
                self.name, embedding_function=None, metadata={"hnsw:space": "cosine"}
            )
        except Exception as exc:
            raise BackendUnavailable(f"Chroma collection {self.name}: {exc}", reason="chroma_down") from exc

    def reset(self) -> None:
        with contextlib.suppress(Exception):  # absent already is fine
            self.client.delete_collection(self.name)
        self.col = self._open()

    def count(self) -> int:
        return int(self.col.count())

    def ids(self) -> set[str]:
        out: set[str] = set()
        offset = 0
        while True:
            got = self.col.get(include=[], limit=5000, offset=offset)["ids"]
            out.update(got)
            if len(got) < 5000:
                return out
            offset += len(got)

    def upsert(
        self, ids: list[str], vectors: np.ndarray, metadatas: list[dict[str, Any]], batch: int = 2000
    ) -> None:
        for i in range(0, len(ids), batch):
            self.col.upsert(
                ids=ids[i : i + batch],
                embeddings=vectors[i : i + batch].tolist(),
                metadatas=metadatas[i : i + batch],
            )
        if self.remote and ids:
            self._await_searchable(ids, vectors)

    def _await_searchable(self, ids: list[str], vectors: np.ndarray, sample: int = 4) -> None:
        """Read-your-writes for every process: an update returns once its clauses are searchable. Policy writes are
        rare, so a few queries per write cost nothing that matters; past the deadline it logs and goes on (the
        write is durable; only its dense half may answer late)."""
        picks = sorted({0, len(ids) - 1, *range(0, len(ids), max(1, len(ids) // sample))})[: sample + 1]
        deadline = time.monotonic() + self.visible_within_s
        pending = picks
        while True:
            try:
                got = self.col.query(
                    query_embeddings=np.asarray(vectors[pending], dtype=np.float32),
                    n_results=min(10, max(1, self.count())),
                    include=[],
                )["ids"]
            except Exception as exc:  # the write itself succeeded: a failed check must not roll it back
                log.warning("chroma %s: could not check the new vectors are searchable: %s", self.name, exc)
                return
            pending = [i for i, found in zip(pending, got, strict=True) if ids[i] not in found]
            if not pending:
                return
            if time.monotonic() > deadline:
                log.warning(
                    "chroma %s: %d new vectors not searchable after %.1f s",
                    self.name,
                    len(pending),
                    self.visible_within_s,
                )
                return
            time.sleep(0.05)

    def delete(self, ids: list[str], batch: int = 2000) -> None:
        for i in range(0, len(ids), batch):
            self.col.delete(ids=ids[i : i + batch])

    def query(self, vector: np.ndarray, n: int, doc_keys: list[str] | None = None) -> list[tuple[str, float]]:
        """(chunk_id, cosine similarity) best first; `doc_keys` restricts to those document versions."""
        ids, distances = self.query_ids(vector, n, doc_keys)
        return [(i, 1.0 - float(d)) for i, d in zip(ids, distances, strict=True)]

    def query_ids(
        self, vector: np.ndarray, n: int, doc_keys: list[str] | None = None
    ) -> tuple[list[str], list[float]]:
        """Chroma's answer as it comes: chunk ids and cosine distances, best first (`query` pairs them). The vector
        goes in as a float32 array, the type chromadb turns a list of floats into anyway (the same values: our
        embedders return float32), so neither side builds a 512-float Python list."""
        where = {"doc_key": {"$in": doc_keys}} if doc_keys else None
        if n <= 0:
            return [], []
        try:
            res = self.col.query(
                query_embeddings=[np.asarray(vector, dtype=np.float32)],
                n_results=n,
                where=where,
                include=["distances"],
            )
        except Exception as exc:
            raise BackendUnavailable(f"Chroma query failed: {exc}", reason="chroma_down") from exc
        return res["ids"][0], res["distances"][0]
