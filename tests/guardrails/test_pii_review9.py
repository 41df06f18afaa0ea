"""Misses found by the session-9 review at the masking boundary: a name right after a role noun (客户张三), a mobile
written with dots or other separators or glued to a code or label, and a business card's bare name. Each with
look-alikes that must survive: product and model codes, order ids, prices, dates, versions."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.perception.masking import mask_message
from contract.messages import BusinessCardPart, InboundMessage, TextPart
from guardrails.pii import MemoryVault, RuleMasker, detect


def found(text: str) -> list[tuple[str, str]]:
    return [(c.entity, text[c.start : c.end]) for c in detect(text)]


# ---- a name after a role noun, no punctuation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("客户张三说明天来提车", "张三"),
        ("客户张三", "张三"),
        ("顾客李四说想试驾", "李四"),
        ("联系人李四说下周到", "李四"),
        ("客户王建国，下午到店", "王建国"),
        ("车主欧阳明月问保养的事", "欧阳明月"),
        ("用户赵敏反馈屏幕不亮", "赵敏"),
        ("同事刘洋说价格可以再谈", "刘洋"),
        ("Customer John Smith called about the quote", "John Smith"),
        ("our client Mary Jones said yes", "Mary Jones"),
    ],
)
def test_a_name_right_after_a_role_noun_is_masked(text: str, name: str) -> None:
    assert ("PERSON", name) in found(text)


@pytest.mark.parametrize(
    "text",
    [
        "客户明天来提车",
        "客户周末来看车",
        "客户方面没有问题",
        "客户高兴就好",
        "客户张家港医院要报价",
        "客户说想要HJ-200",
        "客户何时发货？",
        "用户手册在哪里下载",
        "Customer Service will call back",
        "our client Acme Corp wants a quote",
        "customer ID C1004 asked about the price",
        "与汽车销售和售后无关的闲聊",  # 和 after a role noun is the conjunction
        "抱歉，客户 P010 不在您负责的客户范围内",  # 范围 is a word, so 范围内 is no name
        "客户车辆很多",
    ],
)
def test_role_noun_look_alikes_are_not_names(text: str) -> None:
    assert [e for e, _ in found(text) if e == "PERSON"] == []


# ---- mobiles with other separators ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("手机138.1762.4590", "138.1762.4590"),
        ("我的电话 138.1762.4590，谢谢", "138.1762.4590"),
        ("138.1762.4590", "138.1762.4590"),
        ("电话138-1762-4590", "138-1762-4590"),
        ("电话138 1762 4590", "138 1762 4590"),
        ("手机138/1762/4590", "138/1762/4590"),
        ("手机138_1762_4590", "138_1762_4590"),
        ("手机138·1762·4590", "138·1762·4590"),
        ("my phone is 138.1762.4590", "138.1762.4590"),
        ("TEL138 1762 4590", "138 1762 4590"),
        ("mob.138-1762-4590", "138-1762-4590"),
        (
            "型号HJ-200 138 1762 4590 找我",
            "138 1762 4590",
        ),  # a code's digits do not swallow the phone after it
        ("客户张三13817624590", "13817624590"),  # 三 next to the digits is a name's, not a spoken digit
        ("李四138.1762.4590", "138.1762.4590"),
    ],
)
def test_a_mobile_with_any_separator_is_masked(text: str, value: str) -> None:
    assert ("CN_MOBILE", value) in found(text)


@pytest.mark.parametrize(
    "text",
    [
        "订单号138.1762.4590已发货",  # an order number after its cue stays
        "版本V3.2.1升级后报警",
        "交货日期2026.12.05",
        "单价138.17元，合计1,381.76元",
        "设备IP 192.168.100.10连不上",
        "型号LCP-3.5和HJ-200各50套",
        "订单SO-2404-053不变",
        "工单号TK-2026-1205-0042",
        "SO13817624590",
        "Order #SO202405061234 has not arrived",
    ],
)
def test_separator_look_alikes_are_not_phones(text: str) -> None:
    assert found(text) == []


def test_a_sentence_keeps_its_codes_prices_and_dates() -> None:
    text = "客户张三订了HJ-200两套，订单SO-2404-053，单价¥1,380.00，2026-12-05交货，手机138.1762.4590"
    result = RuleMasker().mask(text)
    for kept in ("HJ-200", "SO-2404-053", "¥1,380.00", "2026-12-05"):
        assert kept in result.text
    assert "张三" not in result.text and "1762" not in result.text


# ---- a business card's name ----------------------------------------------------------------------------------------


def _card_message(name: str, text: str = "") -> InboundMessage:
    parts: list[object] = [BusinessCardPart(userid="wm_card_1", name=name)]
    if text:
        parts.append(TextPart(text=text))
    return InboundMessage(
        tenant="demo",
        channel="wecom_kf",
        conversation_id="kf-card",
        message_id="m-card",
        customer_ref="C1002",
        parts=parts,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("name", ["韩芳", "张三", "禤嘉琰", "Mary Chen", "欧阳明月"])
def test_a_business_cards_name_is_masked_from_its_field(name: str) -> None:
    masked, spans = mask_message(RuleMasker(MemoryVault()), _card_message(name))
    assert name not in masked.model_dump_json()
    assert masked.parts[0].name.startswith("<PERSON_")  # type: ignore[union-attr]
    assert [s.entity for s in spans] == ["PERSON"]


def test_a_business_cards_name_is_masked_in_the_same_messages_text_with_the_same_token() -> None:
    masked, _ = mask_message(RuleMasker(MemoryVault()), _card_message("韩芳", "这是韩芳的名片，她下周来"))
    card, text = masked.parts[0], masked.parts[1]
    assert "韩芳" not in masked.model_dump_json()
    assert card.name in text.text  # type: ignore[union-attr]


def test_a_business_card_without_a_name_stays_empty() -> None:
    masked, spans = mask_message(RuleMasker(MemoryVault()), _card_message(""))
    assert masked.parts[0].name == "" and spans == []  # type: ignore[union-attr]


def test_the_message_guard_masks_every_text_bearing_field_like_the_boundary() -> None:
    """guardrails.run_message_guards said «every text field masked» but masked five kinds of part only: a file's name,
    a link's title, a place's label, a mini program's title, an event's detail and a business card's name passed."""
    from contract.messages import EventPart, FilePart, LinkPart, LocationPart, MiniProgramPart
    from guardrails import build_guardrails
    from guardrails.message import run_message_guards

    rails = Path(__file__).resolve().parents[2] / "copilot" / "tenants" / "demo" / "rails.yaml"

    mobile = "13917624580"
    message = InboundMessage(
        tenant="demo",
        channel="wecom_kf",
        conversation_id="kf-guard",
        message_id="m-guard",
        customer_ref="C1002",
        parts=[
            FilePart(media_ref="file:y.txt", name=f"王建国{mobile}.txt"),
            LinkPart(url="https://example.com", title=f"回电{mobile}", description=""),
            LocationPart(latitude=30.2, longitude=120.1, label=f"手机{mobile}"),
            MiniProgramPart(title=f"手机{mobile}"),
            EventPart(event="edit_external_contact", detail={"remark": f"手机{mobile}", "n": 3}),
            BusinessCardPart(userid="wm_card_2", name="韩芳"),
        ],
    )
    result = run_message_guards(build_guardrails(rails), message)
    dumped = result.message.model_dump_json()
    assert mobile not in dumped and "韩芳" not in dumped and "王建国" not in dumped
    assert result.message.parts[4].detail["n"] == 3  # type: ignore[union-attr]


def test_masking_a_masked_card_again_keeps_its_token() -> None:
    """The checkpoint serializer masks messages the graph already masked: a card's token is not a new name."""
    masker = RuleMasker(MemoryVault())
    once, _ = mask_message(masker, _card_message("韩芳", "这是韩芳的名片"))
    twice, spans = mask_message(masker, once)
    assert twice.parts == once.parts and spans == []
    from contract.ports import Actor

    rep = Actor(id="rep_zhang", role="rep")
    assert masker.unmask(twice.parts[0].name, "demo:kf-card", rep) == "韩芳"  # type: ignore[union-attr]
