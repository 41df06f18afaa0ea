"""Canary identities written the ways the session-9 review found masked badly (a name after a role noun, a mobile in
dotted or slashed groups, a name on a business card), through the masking boundary (mask_message) and scanned with
the product's canary scanner: none may be left. 40 generated people, seeded, so the names are not hand-picked."""

from __future__ import annotations

from agents.perception.masking import mask_message
from contract.messages import BusinessCardPart, InboundMessage, TextPart
from copilot.privacy.canary import Canary, Scanner, StoreScan, grouped, make_canaries
from guardrails.pii import MemoryVault, RuleMasker


def _messages(c: Canary, i: int) -> list[InboundMessage]:
    dotted, slashed = grouped(c.mobile, (3, 4, 4), "."), grouped(c.mobile, (3, 4, 4), "/")
    texts = [
        f"客户{c.name}说明天来提车，手机{dotted}",
        f"顾客{c.name}想试驾，电话 {slashed}，型号HJ-200，订单SO-2404-053",
        f"同事{c.name}，mob.{grouped(c.mobile, (3, 4, 4), '-')}",
    ]
    out = [
        InboundMessage(
            tenant="demo",
            channel="wecom_kf",
            conversation_id=f"canary-shapes-{i}",
            message_id=f"cs-{i}-{n}",
            customer_ref="C1002",
            parts=[TextPart(text=t)],
        )
        for n, t in enumerate(texts)
    ]
    out.append(
        InboundMessage(
            tenant="demo",
            channel="wecom_kf",
            conversation_id=f"canary-shapes-{i}",
            message_id=f"cs-{i}-card",
            customer_ref="C1002",
            parts=[BusinessCardPart(userid=f"wm_{i}", name=c.name), TextPart(text=f"这是{c.name}的名片")],
        )
    )
    return out


def test_no_canary_survives_the_boundary_in_the_new_shapes() -> None:
    canaries = make_canaries(40)
    masker = RuleMasker(MemoryVault())
    scan = StoreScan("boundary")
    scanner = Scanner(canaries)
    kept = 0
    for i, c in enumerate(canaries):
        for msg in _messages(c, i):
            masked, _ = mask_message(masker, msg)
            dumped = masked.model_dump_json()
            scanner.scan_text(dumped, scan, msg.message_id)
            kept += "HJ-200" in dumped and "SO-2404-053" in dumped
    assert [(f.where, f.field) for f in scan.findings] == []
    assert kept == 40  # the model code and the order id beside them survive
