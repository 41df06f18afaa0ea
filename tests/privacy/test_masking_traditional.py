"""A customer who writes traditional characters (繁體) is masked like one who writes simplified: the masker's name rules
read simplified text, so agents/perception/masking.mask_text finds the values there and replaces them at the same
positions of the customer's own characters. Before, 「我是張明先生」 kept its name in the message and the ledger."""

from __future__ import annotations

from agents.perception.masking import mask_message, mask_text
from contract.messages import InboundMessage
from guardrails.pii.masker import RuleMasker


def test_a_traditional_script_name_and_phone_are_masked_in_the_customers_own_characters() -> None:
    result = mask_text(RuleMasker(), "我是張明先生，電話13912345678，想問質保", "conv-1")
    assert "張明" not in result.text and "13912345678" not in result.text
    assert (
        result.text.startswith("我是<PERSON_")
        and "電話<CN_MOBILE_" in result.text
        and result.text.endswith("想問質保")
    )
    assert {s.entity for s in result.spans} == {"PERSON", "CN_MOBILE"}


def test_simplified_text_is_masked_as_before() -> None:
    masker = RuleMasker()
    text = "我是张明先生，电话13912345678"
    assert mask_text(masker, text, "conv-2").text == masker.mask(text, vault_key="conv-2").text


def test_a_whole_message_in_traditional_script_leaves_no_raw_name() -> None:
    message = InboundMessage.model_validate(
        {
            "message_id": "m-trad-1",
            "channel": "wecom_kf",
            "tenant": "t",
            "conversation_id": "c-1",
            "customer_ref": "C1",
            "sender": "customer",
            "sent_at": "2026-11-20T10:00:00Z",
            "parts": [{"kind": "text", "text": "聯係人：陳思遠 手機13761820953"}],
        }
    )
    masked, spans = mask_message(RuleMasker(), message)
    text = masked.parts[0].text  # type: ignore[union-attr]
    assert "陳思遠" not in text and "13761820953" not in text and spans
