"""Canary identities written the ways the session-9 review found masked badly (a name after a role noun, a mobile in
dotted or slashed groups, a name on a business card), through the masking boundary (mask_message) and scanned with
the product's canary scanner: none may be left. 40 generated people, seeded, so the names are not hand-picked."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest

from agents.perception.masking import mask_message
from contract.messages import BusinessCardPart, InboundMessage, TextPart
from copilot.privacy.canary import Canary, Scanner, StoreScan, grouped, make_canaries, spoken
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


# ---- session 10: the shapes the review found after role nouns, in later turns, dotted and spoken ---------------------

NUMERALS = "一二三四五六七八九"


def _review10_canaries(n: int) -> list[Canary]:
    """Per generated person: the card holder (their own name), 于 + their given name, their surname + a numeral given
    name (张三), and a dotted landline standing in the mobile field (the scanner looks for its digits)."""
    out: list[Canary] = []
    for i, c in enumerate(make_canaries(n, seed=1010)):
        landline = f"0{'12'[i % 2]}{i % 10}{c.mobile[3:11]}"  # 010…/021…-shaped: area code + 8 digits
        out += [
            c,
            Canary("于" + c.name[1:], c.mobile, c.resident_id, c.bank_card),
            Canary(c.name[0] + NUMERALS[i % 9], c.mobile, c.resident_id, c.bank_card),
            Canary(c.name, landline, c.resident_id, c.bank_card),
        ]
    return out


def _review10_turns(people: list[Canary]) -> list[str]:
    holder, yu, numeral, landline = people
    dotted = f"{landline.mobile[:3]}.{landline.mobile[3:7]}.{landline.mobile[7:]}"
    return [
        f"持卡人：{holder.name}，卡号{holder.bank_card}，定金请退到这张卡",
        f"{holder.name}的卡今天能到账吗？{holder.name}本人会来签字",
        f"客户{yu.name}说座机{dotted}，下午可以打",
        f"我叫{numeral.name}{spoken(numeral.mobile)}",
    ]


def test_no_review10_canary_survives_the_boundary() -> None:
    canaries = _review10_canaries(30)
    masker = RuleMasker(MemoryVault())
    scan = StoreScan("boundary")
    scanner = Scanner(canaries)
    for i in range(0, len(canaries), 4):
        for n, text in enumerate(_review10_turns(canaries[i : i + 4])):
            msg = InboundMessage(tenant="demo", channel="wecom_kf", conversation_id=f"r10-{i}",
                                 message_id=f"r10-{i}-{n}", customer_ref="C1002", parts=[TextPart(text=text)])  # fmt: skip
            masked, _ = mask_message(masker, msg)
            scanner.scan_text(masked.model_dump_json(), scan, msg.message_id)
    assert [(f.where, f.field) for f in scan.findings] == []


@pytest.mark.models
def test_no_review10_canary_reaches_the_ledger(tmp_path_factory: pytest.TempPathFactory) -> None:
    """End to end: the turns go through Services.handle_message (the real graph, the demo tenant) as rep_zhang's
    conversation with their customer; every ledger entry of the conversations is scanned."""
    from rich.console import Console

    from contract.ports import Actor
    from copilot.demo import prepare
    from copilot.service import MessageRefusedError
    from copilot.settings import REPO_ROOT, Settings

    settings = Settings(env="test", data_dir=tmp_path_factory.mktemp("r10-canary"),
                        model_cache_dir=REPO_ROOT / "var" / "models", llm={"backend": "none"})  # fmt: skip
    services: Any = prepare(settings, use_llm=False, fresh=True, console=Console(quiet=True))
    zhang = Actor(id="rep_zhang", role="rep", team="ortho-east-1")
    canaries = _review10_canaries(3)
    scan = StoreScan("ledger")
    scanner = Scanner(canaries)
    try:
        for i in range(0, len(canaries), 4):
            for n, text in enumerate(_review10_turns(canaries[i : i + 4])):
                msg = InboundMessage(tenant=settings.tenant, channel="rest", conversation_id=f"r10-e2e-{i}",
                                     message_id=f"r10-e2e-{i}-{n}", customer_ref="C1001", rep_ref="rep_zhang",
                                     parts=[TextPart(text=text)])  # fmt: skip
                with contextlib.suppress(MessageRefusedError):  # a refusal is recorded too, and scanned
                    services.handle_message(msg, zhang)
            entries = services.ledger.find(conversation=f"r10-e2e-{i}")
            assert len([e for e in entries if e.kind.value == "suggestion"]) == 4
            for entry in entries:
                scanner.scan_text(entry.model_dump_json(), scan, str(entry.seq))
    finally:
        services.close()
    assert scan.items_scanned >= 12
    assert [(f.where, f.canary, f.field) for f in scan.findings] == []
