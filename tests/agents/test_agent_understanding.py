"""Understanding: entities by rules, references to earlier turns, sentiment/urgency, intent with abstain."""

from __future__ import annotations

import pytest

from agents.tenant import TenantConfig
from agents.understanding.entities import extract_entities, resolve_references
from agents.understanding.intent import EmbeddingIntentClassifier, LlmIntentClassifier
from agents.understanding.sentiment import score_sentiment
from contract.errors import BackendUnavailable, UserError


def test_entities_models_serials_alarm_codes_amounts_dates():
    e = extract_entities(
        "设备CA-9 SN CA-2023-0815 报警代码E-203；LCP-3.5和PS-700各10套，¥3,500，打95折，3%，2026年12月1日前"
    )
    assert e["product_model"] == ["CA-9", "LCP-3.5", "PS-700"]
    assert e["serial_number"] == ["CA-2023-0815"] and e["alarm_code"] == ["E-203"]
    assert e["amount"] == ["¥3,500"] and e["discount"] == ["95折"] and e["percentage"] == ["3%"]
    assert e["date"] == ["2026年12月1日"]
    assert extract_entities("Order no. SO-20261103 please")["order_id"] == ["SO-20261103"]


def test_this_model_resolves_to_the_product_mentioned_earlier():
    ctx = {"product_model": ["HJ-200", "LCP-3.5"]}
    resolved = resolve_references("这个型号的返点呢", {}, ctx)
    assert resolved["product_model"] == ["LCP-3.5"] and resolved["resolved_from_context"] == ["product_model"]
    assert resolve_references("返点呢", {}, ctx) == {}  # no reference, no guess
    assert resolve_references("这个型号", {"product_model": ["PS-700"]}, ctx)["product_model"] == ["PS-700"]


def test_sentiment_and_urgency_from_keywords_emoji_and_hesitation():
    angry, urgent = score_sentiment(
        "你们怎么回事，还没发货！", {"emoji_sentiment": -0.9, "emoji_urgency": 0.5}
    )
    assert angry == -1.0 and urgent >= 0.5
    happy, calm = score_sentiment("谢谢，辛苦了", {"emoji_sentiment": 0.4})
    assert happy > 0.5 and calm == 0.0
    hesitant, _ = score_sentiment("嗯", {"hesitation": 0.8})
    assert hesitant < 0


def test_classifier_knows_the_taxonomy_and_abstains_on_chitchat(tenant, embedder):
    clf = EmbeddingIntentClassifier(tenant, embedder)
    assert 0.0 < clf.threshold < 1.0  # calibrated leave-one-out for this embedder
    assert clf.classify("返点政策是怎么规定的").name == "rebate_policy"
    off = clf.classify("今天天气怎么样")
    assert off.abstained and off.name == "out_of_scope"


class ScriptLlm:
    name = "scripted"

    def __init__(self, reply):
        self.reply = reply

    def complete(self, messages, **kw):
        from contract.ports import ChatResult

        if isinstance(self.reply, Exception):
            raise self.reply
        return ChatResult(text=self.reply, model="scripted")


@pytest.mark.parametrize(
    "reply, expected, fell_back",
    [
        ('{"intent": "invoice", "confidence": 0.9}', "invoice", False),
        ("我觉得是发票吧", "rebate_policy", True),  # garbage → the embedding classifier decides
        ('{"intent": "made_up", "confidence": 0.9}', "rebate_policy", True),
        (BackendUnavailable("slow", reason="llm_timeout"), "rebate_policy", True),
    ],
)
def test_llm_intent_classifier_falls_back_on_garbage_or_timeout(tenant, embedder, reply, expected, fell_back):
    clf = LlmIntentClassifier(tenant, ScriptLlm(reply), EmbeddingIntentClassifier(tenant, embedder))
    intent = clf.classify("返点政策是怎么规定的")
    assert intent.name == expected
    assert ("llm_fallback" in intent.signals) is fell_back


def test_a_broken_tenant_file_is_an_operator_error(tmp_path):
    with pytest.raises(UserError, match="tenant file missing"):
        TenantConfig.load(tmp_path)
    for name in ("intents.yaml", "actions.yaml"):
        (tmp_path / name).write_text("intents: []\nactions: []\n", encoding="utf-8")
    (tmp_path / "playbooks.yaml").write_text(
        "playbooks:\n  - id: p\n    rules:\n      - id: r\n        then: {action: nope}\n", encoding="utf-8"
    )
    with pytest.raises(UserError, match="unknown action"):
        TenantConfig.load(tmp_path)


def test_demo_taxonomy_has_15_chinese_and_some_english_examples_per_intent(tenant):
    import re

    for spec in tenant.intents:
        zh = [e for e in spec.examples if re.search(r"[\u4e00-\u9fff]", e)]
        en = [e for e in spec.examples if not re.search(r"[\u4e00-\u9fff]", e)]
        assert len(zh) >= 15 and len(en) >= 2, spec.name
