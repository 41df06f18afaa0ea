"""Builds (once per AgentDeps) the intent classifier the settings ask for, and the action-description vectors."""

from __future__ import annotations

import numpy as np

from agents.deps import AgentDeps
from agents.understanding.intent import EmbeddingIntentClassifier, LlmIntentClassifier


def embedding_classifier(deps: AgentDeps) -> EmbeddingIntentClassifier:
    clf = deps.cache.get("intent_classifier")
    if clf is None:
        clf = EmbeddingIntentClassifier(deps.tenant, deps.get_embedder())
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
    query_cache: dict[str, np.ndarray] = {}

    def score(text: str, description: str) -> float:
        if text not in query_cache:
            query_cache[text] = deps.get_embedder().encode([text])[0]
        name = next((a.name for a in deps.tenant.actions if a.description == description), None)
        vec = vectors.get(name) if name else None
        return float(vec @ query_cache[text]) if vec is not None else 0.0

    return score
