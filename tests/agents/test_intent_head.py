"""The learned intent head (agents/understanding/intent_head.py): deterministic, cached by its training rows, learns
a separable toy set, keeps a row's level when blended, and trains inside the hybrid classifier from the pack's
examples and descriptions (with or without examples). Toy data and messages written for this test."""

from __future__ import annotations

import numpy as np

from agents.tenant import TenantConfig
from agents.understanding import intent_head
from agents.understanding.embedder import IntentVectors
from agents.understanding.intent import EmbeddingIntentClassifier
from agents.understanding.intent_head import blend, cached_head, head_share, train_softmax
from tests.agents.agent_ports import HashingEmbedder


def _toy(seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(4, 32))
    y = np.repeat(np.arange(4), 6)
    x = centres[y] + 0.3 * rng.normal(size=(len(y), 32))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32), y


def test_head_learns_a_separable_set_and_is_deterministic() -> None:
    x, y = _toy()
    a, b = train_softmax(x, y, 4), train_softmax(x, y, 4)
    assert np.array_equal(a.w, b.w)
    assert (a.log_probs(x).argmax(axis=1) == y).all()
    lp = a.log_probs(x[0])
    assert lp.shape == (1, 4) and np.isclose(np.exp(lp).sum(), 1.0, atol=1e-3) and a.spread > 0


def test_head_is_cached_by_its_training_rows() -> None:
    x, y = _toy(5)
    assert cached_head(x, y, 4) is cached_head(x.copy(), y.copy(), 4)
    assert cached_head(x, y, 4) is not cached_head(x[:-1], y[:-1], 4)


def test_blend_keeps_the_row_level_and_moves_towards_the_head() -> None:
    row = np.array([0.3, 0.2, 0.1], np.float32)
    lp = np.log(np.array([[0.05, 0.9, 0.05]], np.float32))
    out = blend(row, lp, 0.5, 1.0, 0.125)
    assert np.isclose(out.mean(), row.mean())
    assert out[1] - row[1] > 0 > out[0] - row[0]
    assert np.array_equal(blend(row, lp, 0.0, 1.0, 0.125), row)
    many = blend(np.vstack([row, row]), np.vstack([lp, lp]), 0.5, 1.0, 0.125)
    assert np.allclose(many[0], out) and np.allclose(many[1], out)


def test_share_grows_with_examples_per_intent() -> None:
    assert head_share(np.zeros(5)) == intent_head.HEAD_MIN
    assert head_share(np.full(5, 100)) == intent_head.HEAD_MAX
    assert intent_head.HEAD_MIN <= head_share(np.array([1, 2, 3])) <= intent_head.HEAD_MAX


def test_classifier_trains_a_head_per_model_with_and_without_examples(tenant: TenantConfig) -> None:
    vectors = IntentVectors(HashingEmbedder())
    clf = EmbeddingIntentClassifier(tenant, vectors)
    assert len(clf._heads) == 1 and clf._heads[0].n_classes == len(clf.classes) - 1  # noqa: SLF001
    bare = tenant.model_copy(
        update={"intents": [i.model_copy(update={"examples": []}) for i in tenant.intents]}
    )
    zero = EmbeddingIntentClassifier(bare, vectors)
    assert zero.head_share == intent_head.HEAD_MIN  # descriptions only: the description scores decide
    assert len(zero._heads) == (1 if intent_head.HEAD_MIN > 0 else 0)  # noqa: SLF001
    again = EmbeddingIntentClassifier(tenant, vectors)
    assert again._heads[0] is clf._heads[0]  # noqa: SLF001 - cached, not retrained
    for text in ("发票开错了", "明天天气怎么样"):
        assert clf.classify(text) == again.classify(text)
