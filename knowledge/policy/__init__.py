"""Versioned policy and contract store with clause-level citations: ingest, clause chunking, versions, hybrid search."""

from __future__ import annotations

from pathlib import Path

from knowledge.embeddings import DEFAULT_BACKEND, Embedder, build_embedder
from knowledge.policy.documents import DocumentMeta, SourceDocument
from knowledge.policy.ingest import IngestResult
from knowledge.policy.store import PolicyStore


def build_policy_store(
    chroma_url: str,
    chroma_dir: Path,
    sqlite_path: Path,
    embedding_backend: str = DEFAULT_BACKEND,
    *,
    embedding_model: str = "",
    embedding_base_url: str = "",
    embedding_api_key: str = "",
    embedding_cache: Path | None = None,
    embedder: Embedder | None = None,
) -> PolicyStore:
    """The store the composition root wires from Settings: Chroma server when `chroma_url` is set, else the persistent
    directory `chroma_dir`; catalog in `sqlite_path`; embedder by backend name, or the one the caller built already
    (copilot/wiring.py shares one instance with the intent classifier when both name the same model)."""
    if embedder is not None:
        return PolicyStore(chroma_url or chroma_dir, embedder, sqlite_path)
    embedder = build_embedder(
        embedding_backend,
        model=embedding_model,
        base_url=embedding_base_url,
        api_key=embedding_api_key,
        cache_path=embedding_cache,
    )
    return PolicyStore(chroma_url or chroma_dir, embedder, sqlite_path)


__all__ = ["DocumentMeta", "IngestResult", "PolicyStore", "SourceDocument", "build_policy_store"]
