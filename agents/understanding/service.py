"""Builds (once per AgentDeps) the intent classifier the settings ask for, and the action-description vectors."""

from __future__ import annotations

import numpy as np

from agents.deps import AgentDeps
from agents.understanding.intent import EmbeddingIntentClassifier, LlmIntentClassifier


class QueryVectors:
    """Wraps the embedder with a small cache so understand and decide embed a message once, not twice."""

    def __init__(self, embedder, size: int = 4) -> None:  # only the message in flight is reused
        self.embedder, self.name, self.size = embedder, embedder.name, size
        self._cache: dict[str, np.ndarray] = {}

    def encode(self, texts: list[str]) -> np.ndarray:
        if len(texts) != 1:  # batches (the taxonomy, the catalog) are encoded once at start: no cache
            return self.embedder.encode(texts)
        vec = self._cache.get(texts[0])
        if vec is None:
            vec = self.embedder.encode(texts)[0]
            if len(self._cache) >= self.size:
                self._cache.pop(next(iter(self._cache)))
            self._cache[texts[0]] = vec
        return vec[None, :]


def query_vectors(deps: AgentDeps) -> QueryVectors:
    qv = deps.cache.get("query_vectors")
    if qv is None:
        qv = deps.cache["query_vectors"] = QueryVectors(deps.get_embedder())
    return qv


def embedding_classifier(deps: AgentDeps) -> EmbeddingIntentClassifier:
    clf = deps.cache.get("intent_classifier")
    if clf is None:
        clf = EmbeddingIntentClassifier(deps.tenant, query_vectors(deps))
        deps.cache["intent_classifier"] = clf
    return clf


def intent_classifier(deps: AgentDeps) -> EmbeddingIntentClassifier | LlmIntentClassifier:
    if deps.settings.intent_backend == "llm" and deps.llm is not None and deps.settings.use_llm:
        return LlmIntentClassifier(deps.tenant, deps.llm, embedding_classifier(deps))
    return embedding_classifier(deps)


def action_scorer(deps: AgentDeps):
    """Cosine between the message and each action's description: the model score that breaks ties between rules."""
    vectors = deps.cache.get("action_vectors")
    if vectors is None:
        names = [a.name for a in deps.tenant.actions]
        mat = deps.get_embedder().encode([f"{a.label_zh} {a.description}" for a in deps.tenant.actions])
        vectors = dict(zip(names, mat, strict=True))
        deps.cache["action_vectors"] = vectors
    qv = query_vectors(deps)
    by_description = {a.description: a.name for a in deps.tenant.actions}

    def score(text: str, description: str) -> float:
        vec = vectors.get(by_description.get(description, ""))
        return float(vec @ qv.encode([text])[0]) if vec is not None else 0.0

    return score
