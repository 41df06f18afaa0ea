"""Builds (once per AgentDeps) the intent classifier the settings ask for, and the action-description vectors."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from agents.deps import AgentDeps
from agents.understanding.embedder import IntentVectors, as_vectors
from agents.understanding.intent import EmbeddingIntentClassifier, LlmIntentClassifier

QueryVectors = IntentVectors  # old name


def query_vectors(deps: AgentDeps) -> IntentVectors:
    """The embedder behind a small cache, so understand and decide embed a message once, not twice."""
    qv = deps.cache.get("query_vectors")
    if qv is None:
        qv = deps.cache["query_vectors"] = as_vectors(deps.get_embedder())
    return qv


def action_space(deps: AgentDeps) -> IntentVectors:
    """The model actions are ranked in: the first of a joint intent embedder (its cache is the one understand filled
    for this message), the embedder itself otherwise. Action scores feed rules' tie-breaks calibrated on one model."""
    return query_vectors(deps).parts()[0]


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


def action_vectors(deps: AgentDeps) -> dict[str, np.ndarray]:
    """Per action: its description (passage side) and, when reps taught it, the mean of its examples."""
    vectors = deps.cache.get("action_vectors")
    if vectors is None:
        qv = action_space(deps)
        actions = deps.tenant.actions
        mat = qv.passages([f"{a.label_zh} {a.description}" for a in actions])
        vectors = {}
        for a, row in zip(actions, mat, strict=True):
            vectors[a.name] = row
            if a.examples:
                ex = qv.encode(list(a.examples))
                vectors[f"{a.name}#examples"] = ex
        deps.cache["action_vectors"] = vectors
    return vectors


def action_scorer(deps: AgentDeps) -> Callable[[str, str], float]:
    """score(text, action name or description): cosine between the message and the action's description, or its
    best example when reps taught it one. Breaks ties between rules and ranks actions when no rule fires."""
    vectors = action_vectors(deps)
    qv = action_space(deps)
    by_description = {a.description: a.name for a in deps.tenant.actions}

    def score(text: str, action: str) -> float:
        name = action if action in vectors else by_description.get(action, "")
        vec = vectors.get(name)
        if vec is None or not text.strip():
            return 0.0
        q = qv.encode([text])[0]
        s = float(vec @ q)
        examples = vectors.get(f"{name}#examples")
        if examples is not None and len(examples):
            s = max(s, float((examples @ q).max()))
        return s

    return score
