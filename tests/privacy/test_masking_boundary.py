"""The masking boundary's parts: every text-bearing field of a message, the checkpoint serializer, the vault key."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

from agents.perception.masking import conversation_vault_key, mask_message
from contract.messages import (
    BusinessCardPart,
    EventPart,
    FilePart,
    ImagePart,
    InboundMessage,
    LinkPart,
    LocationPart,
    TextPart,
    VoicePart,
)
from copilot.privacy.checkpoint_mask import MaskingSerde
from copilot.privacy.setup import vault_secret
from guardrails.pii import MemoryVault, RuleMasker

MOBILE = "13917624580"


def _message() -> InboundMessage:
    return InboundMessage(
        tenant="demo",
        channel="wecom_kf",
        conversation_id="kf-1",
        message_id="m1",
        customer_ref="C1002",
        parts=[
            TextPart(text=f"我手机{MOBILE}"),
            VoicePart(transcript="手机号一三九一七六二四五八零", format="pcm16"),
            ImagePart(media_ref="file:x.png", ocr_text=f"联系人：王建国 电话 {MOBILE}"),
            FilePart(media_ref="file:y.txt", name=f"王建国{MOBILE}.txt"),
            LocationPart(latitude=30.2, longitude=120.1, label="杭州市西湖区文三路90号"),
            BusinessCardPart(userid="wm123", name="联系人：王建国"),
            LinkPart(url="https://example.com", title="报价", description=f"回电{MOBILE}"),
            EventPart(event="edit_external_contact", detail={"remark": f"手机{MOBILE}", "n": 3}),
        ],
    )


def test_every_text_bearing_field_is_masked_with_the_conversation_key() -> None:
    vault = MemoryVault()
    masked, spans = mask_message(RuleMasker(vault), _message())
    dumped = masked.model_dump_json()
    assert MOBILE not in dumped and "一三九一七六二四五八零" not in dumped and "王建国" not in dumped
    assert "文三路90号" not in dumped
    assert masked.parts[3].name.endswith(
        ".txt"
    )  # the extension survives, perception still knows the file type
    assert masked.parts[7].detail["n"] == 3
    key = conversation_vault_key(masked)
    assert key == "demo:kf-1" and MOBILE in vault.values(key).values()
    assert {s.entity for s in spans} >= {"CN_MOBILE", "PERSON", "ADDRESS"}


def test_checkpoint_serde_masks_any_message_and_a_decisions_free_text() -> None:
    serde = MaskingSerde(JsonPlusSerializer(), RuleMasker())
    raw = _message().model_dump(mode="json")
    state = {
        "__start__": {"message": raw},
        "decision": {
            "suggestion_id": "s1",
            "kind": "edit",
            "actor": "rep_zhang",
            "final_text": f"已记下 {MOBILE}",
        },
        "evidence": [{"id": "e1", "content": "返点政策 V3.2"}],
    }
    kind, data = serde.dumps_typed(state)
    assert MOBILE.encode() not in data and "王建国".encode() not in data
    back = serde.loads_typed((kind, data))
    assert back["evidence"] == state["evidence"] and back["__start__"]["message"]["message_id"] == "m1"


def test_vault_key_from_settings_or_a_private_key_file(tmp_path: Path) -> None:
    assert (
        vault_secret("configured-key-material-1234567", tmp_path, env="development")
        == b"configured-key-material-1234567"
    )
    first = vault_secret("", tmp_path, env="development")
    assert len(first) >= 32 and vault_secret("", tmp_path, env="development") == first
    mode = stat.S_IMODE(os.stat(tmp_path / "pii_vault.key").st_mode)
    assert mode == 0o600 and list(tmp_path.iterdir()) == [tmp_path / "pii_vault.key"]
    assert vault_secret("", tmp_path / "prod", env="production") == b""  # settings refuse Redis without a key


def test_im_accounts_precise_coordinates_and_card_ids_do_not_pass_the_boundary() -> None:
    """Found by the session-8 review in the ledger: a WeChat id and a QQ number after their labels, GPS to ~1 m, and a
    business card's account id in the perception evidence."""
    from agents.perception.parts import _describe

    msg = InboundMessage(
        tenant="demo",
        channel="wecom_kf",
        conversation_id="kf-2",
        message_id="m2",
        customer_ref="C1002",
        parts=[
            TextPart(text="加我微信号 zhang_san88，或者QQ：123456789；订单号 SO-2404-053 不变"),
            LocationPart(latitude=31.234567, longitude=121.456789, label=""),
            BusinessCardPart(userid="wmABCDEF_zhangsan", name=""),
        ],
    )
    masked, spans = mask_message(RuleMasker(MemoryVault()), msg)
    text = masked.parts[0].text
    assert "zhang_san88" not in text and "123456789" not in text and "SO-2404-053" in text
    assert sum(s.entity == "IM_ACCOUNT" for s in spans) == 2
    place = masked.parts[1]
    assert (place.latitude, place.longitude) == (31.23, 121.46)
    assert "31.2346" not in _describe(place) and "wmABCDEF" not in _describe(masked.parts[2])
