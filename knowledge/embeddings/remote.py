"""Embedders for production models: any sentence-transformers model by path or name, and any OpenAI-compatible
`/v1/embeddings` endpoint (vLLM, Ollama, Xinference, DashScope compatible mode …)."""

from __future__ import annotations

import re
from typing import Any

import httpx
import numpy as np

from contract.errors import BackendUnavailable, UserError
from knowledge.embeddings.base import batched, first_row, normalise


def _slug(text: str) -> str:
    return re.sub(r"[^a-zA-Z0-9]+", "-", text).strip("-").lower()[-40:] or "model"


class SentenceTransformerEmbedder:
    """Any Hugging Face sentence-transformers model by local path (offline) or hub name (online machines only)."""

    def __init__(
        self, model: str, *, query_prefix: str = "", passage_prefix: str = "", batch_size: int = 32
    ) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # optional: pulls torch, so it is not a default dependency
            raise UserError(
                "the sentence-transformers embedding backend needs `pip install sentence-transformers`",
                reason="missing_dependency",
            ) from exc
        self._model: Any = SentenceTransformer(model, device="cpu")
        self.dim = int(self._model.get_sentence_embedding_dimension())
        self.name = f"st-{_slug(model)}"
        self._qp, self._pp, self._batch = query_prefix, passage_prefix, batch_size

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        rows = self._model.encode(
            [self._pp + t for t in texts], batch_size=self._batch, normalize_embeddings=True
        )
        return normalise(rows)

    def embed_query(self, text: str) -> np.ndarray:
        return first_row(normalise(self._model.encode([self._qp + text], normalize_embeddings=True)))


class OpenAIEmbedder:
    """POST {base_url}/embeddings with the OpenAI request shape. `dim` is learned from the first response."""

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str = "",
        dim: int = 0,
        timeout_s: float = 30.0,
        batch_size: int = 64,
        client: httpx.Client | None = None,
    ) -> None:
        if not base_url or not model:
            raise UserError(
                "the openai embedding backend needs base_url and model", reason="embedding_config"
            )
        self.name = f"oa-{_slug(model)}"
        self.dim = dim
        self._url = base_url.rstrip("/") + "/embeddings"
        self._model = model
        self._batch = batch_size
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = client or httpx.Client(timeout=timeout_s, headers=headers)

    def _call(self, texts: list[str]) -> np.ndarray:
        try:
            resp = self._client.post(self._url, json={"model": self._model, "input": texts})
            resp.raise_for_status()
            data = sorted(resp.json()["data"], key=lambda d: d["index"])
        except (httpx.HTTPError, KeyError, ValueError) as exc:
            raise BackendUnavailable(
                f"embedding endpoint failed: {exc}", reason="embedding_unavailable"
            ) from exc
        rows = normalise(np.asarray([d["embedding"] for d in data], dtype=np.float32))
        if len(rows) != len(texts):
            raise BackendUnavailable(
                "embedding endpoint returned the wrong number of vectors", reason="embedding_bad"
            )
        self.dim = self.dim or rows.shape[1]
        return rows

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.vstack([self._call(b) for b in batched(texts, self._batch)])

    def embed_query(self, text: str) -> np.ndarray:
        return first_row(self._call([text]))
