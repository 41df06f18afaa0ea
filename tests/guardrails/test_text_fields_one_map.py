"""The masking boundary (agents/perception/masking.mask_message) and the message guard (guardrails.run_message_guards)
each keep a list of the part fields that carry text (one list in contract.messages is proposed to the lead: agents and
guardrails may import only contract): given the same message and the same vault they must make the same masked
message, coordinates rounded alike (the guard kept a location to the metre before)."""

from __future__ import annotations

from pathlib import Path

from agents.perception.masking import mask_message
from contract.messages import (
    BusinessCardPart,
    EventPart,
    FilePart,
    ImagePart,
    InboundMessage,
    LinkPart,
    LocationPart,
    MenuPart,
    MiniProgramPart,
    TextPart,
    VoicePart,
)
from guardrails import build_guardrails
from guardrails.message import run_message_guards

MOBILE = "13917624580"
RAILS = Path(__file__).resolve().parents[2] / "copilot" / "tenants" / "demo" / "rails.yaml"


def _message() -> InboundMessage:
    return InboundMessage(
        tenant="demo", channel="wecom_kf", conversation_id="one-map", message_id="m-one-map", customer_ref="C1002",
        parts=[
            TextPart(text=f"手机{MOBILE}，韩芳的名片在下面"),
            VoicePart(media_ref="voice:1", transcript=f"电话{MOBILE}"),
            ImagePart(media_ref="img:1", ocr_text=f"联系人：王建国 {MOBILE}"),
            FilePart(media_ref="file:y.txt", name=f"王建国{MOBILE}.txt"),
            LinkPart(url="https://example.com", title=f"回电{MOBILE}", description=f"手机{MOBILE}"),
            MenuPart(menu_id="m1", text=f"手机{MOBILE}"),
            LocationPart(latitude=30.274084, longitude=120.155070, label=f"手机{MOBILE}"),
            MiniProgramPart(title=f"手机{MOBILE}"),
            EventPart(event="edit_external_contact", detail={"remark": f"手机{MOBILE}", "n": 3}),
            BusinessCardPart(userid="wm_card_2", name="韩芳"),
        ],
    )  # fmt: skip


def test_the_boundary_and_the_message_guard_mask_the_same_fields() -> None:
    guards = build_guardrails(RAILS)
    message = _message()
    guarded = run_message_guards(guards, message).message
    bounded, _ = mask_message(guards.pii, message)  # the same masker and vault: the same tokens
    assert guarded.model_dump() == bounded.model_dump()
    dumped = guarded.model_dump_json()
    assert MOBILE not in dumped and "韩芳" not in dumped and "王建国" not in dumped
    location = guarded.parts[6]
    assert isinstance(location, LocationPart) and (location.latitude, location.longitude) == (30.27, 120.16)
