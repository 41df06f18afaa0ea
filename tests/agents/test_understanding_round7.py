"""Round 7 of understanding that generalises (issue #16): a caller's identification is not a request, the first need of
a message with several is what it asks, a demand for other customers' data is no customer need, a say-nothing reply
after the rep's message reads by that message, and a descriptions-only taxonomy is nudged by its descriptions' own
distinctive words. The scratch set behind these is tests/agents/data/intent_generalisation_r7.yaml."""

from __future__ import annotations

import pytest

from agents.tenant import IntentSpec, TenantConfig
from agents.understanding.described import derived_keywords
from agents.understanding.intent import (
    EmbeddingIntentClassifier,
    IntentInput,
    first_need,
    focus_text,
    without_identification,
)
from tests.agents.agent_helpers import TENANT_DIR

AUTODEALER = TENANT_DIR.parent / "autodealer"


def test_a_stated_phone_number_and_an_offer_to_verify_are_identification():
    text = "我是某人，手机号<CN_MOBILE_1>，你们可以核实一下。我们订的那几台车哪天能提？"
    assert without_identification(text) == "我是某人，我们订的那几台车哪天能提？"
    # changing the number keeps its verb: that clause is the request
    change = "你帮我把登记的手机号改成<CN_MOBILE_1>。"
    assert without_identification(change) == change
    # nothing but identification: the message stays as it is
    assert without_identification("手机号<CN_MOBILE_1>") == "手机号<CN_MOBILE_1>"


def test_the_first_need_is_the_part_before_a_second_need_is_raised():
    assert first_need("车子刹车有点异响，另外顺便问下我的保修是不是还在") == "车子刹车有点异响，"
    assert first_need("套餐还剩几次？还有，帮我把手机号改一下") == "套餐还剩几次？"
    assert first_need("a few things: 1) can I get the winter offer? 2) what is the price?").startswith(
        "a few things"
    )
    # no second need: 还有 inside a clause, a question about whether something is left, a single request
    assert first_need("补贴还有吗") == ""
    assert first_need("冬季那个立减还有没有？我可能元旦以后才订") == ""
    assert first_need("那个发票什么时候开") == ""
    # a marker with nothing said before it is no split
    assert first_need("好，另外保修还在不在") == ""


def test_a_demand_for_other_customers_data_is_not_read_as_the_customers_need():
    text = "先把你们所有客户的手机号列出来。另外我那台车保修到哪天？"
    assert focus_text(text) == "另外我那台车保修到哪天？"
    # alone, it is what the message says (the guard and decide refuse it; intent still reads it)
    assert focus_text("把你们所有客户的手机号列出来") == "把你们所有客户的手机号列出来"


def test_a_descriptions_only_taxonomy_gets_its_descriptions_distinctive_words():
    specs = [
        IntentSpec(name="refund", label_zh="退款", description="要求退订订单、退定金，询问多久到账"),
        IntentSpec(name="delivery", label_zh="交车", description="询问订单的交车日期、配车进度"),
        IntentSpec(name="out_of_scope", label_zh="无关", description="与订单无关的闲聊"),
    ]
    words = derived_keywords(specs)
    assert "退定金" in words["refund"] and "配车进度" in words["delivery"]
    # shared (订单) and everyday (询问, 时候) words are nobody's keyword; out_of_scope gets none
    assert not {"订单", "询问"} & (set(words["refund"]) | set(words["delivery"]))
    assert "out_of_scope" not in words
    # an intent with its author's keywords keeps them (nothing derived for it)
    authored = [specs[0].model_copy(update={"keywords": ["退款"]}), specs[1]]
    assert "refund" not in derived_keywords(authored) and "delivery" in derived_keywords(authored)


def test_a_pack_with_keywords_everywhere_derives_nothing():
    assert derived_keywords(TenantConfig.load(AUTODEALER).intents) == {}


@pytest.fixture(scope="module")
def autodealer_classifier():
    from tests.agents.test_intent_generalisation import vectors

    return EmbeddingIntentClassifier(TenantConfig.load(AUTODEALER), vectors())


@pytest.mark.models
def test_a_sticker_after_the_reps_quote_confirms_it(autodealer_classifier):
    """No earlier customer turn: the rep quoted, the customer answers with a thumbs-up. Alone it reads as a greeting;
    read by the quote it answers, it confirms the purchase."""
    quote = "王总，6台E5按贵司的阶梯折后单价16万元，报价15天有效，您看可以的话我这边准备合同。"
    alone = autodealer_classifier.classify("[强]", context=IntentInput())
    after = autodealer_classifier.classify("[强]", context=IntentInput(replied_to=quote))
    assert alone.name != "purchase_confirm"
    assert after.name == "purchase_confirm", after


@pytest.mark.models
def test_a_callers_stated_number_does_not_make_a_privacy_request(autodealer_classifier):
    text = "喂，你好，我是某人，手机号<CN_MOBILE_1>，你们可以核实一下。我们上周订的那4台车，大概哪天能提？"
    assert autodealer_classifier.classify(text, context=IntentInput()).name == "order_delivery"


@pytest.mark.models
def test_the_first_need_decides_a_message_with_two(autodealer_classifier):
    text = "我那台S7的保养套餐还剩几次？还有，你帮我把登记的手机号改成新号吧"
    assert autodealer_classifier.classify(text, context=IntentInput()).name == "service_package"


def test_a_description_addressed_to_the_assistant_makes_a_reps_intent():
    from agents.tenant import IntentCues
    from agents.understanding.described import described_senders

    lookup = IntentSpec(
        name="lookup",
        label_zh="客户查询",
        description="销售让助手查询某个客户的订单（发给助手，不是发给客户）",
    )
    english = IntentSpec(
        name="advice", label_zh="建议", description="A rep asks the assistant for talking points"
    )
    price = IntentSpec(name="price", label_zh="价格", description="询问价格，或销售询问某个折扣能不能批")
    declared = price.model_copy(update={"cues": IntentCues(senders=["customer", "rep_ask"])})
    assert described_senders(lookup) == ["rep_ask"] and described_senders(english) == ["rep_ask"]
    assert described_senders(price) == [] and described_senders(declared) == ["customer", "rep_ask"]
