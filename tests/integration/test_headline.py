"""The headline example on real Chroma, real SQLite and the real offline embedding model (issue 2):
「这个型号的代理商返点政策能再发一遍吗?」 after asking about LCP-3.5 → cites 《骨科耗材返点协议V3.2》 (never V3.1) and also
suggests pushing 《脊柱新品试销激励方案》 because C1001 bought no spine consumables in the last 6 months."""

from __future__ import annotations

from typing import Any

import pytest

from contract import Channel, EvidenceKind, InboundMessage, TextPart
from contract.ports import Actor

pytestmark = pytest.mark.models

ZHANG = Actor(id="rep_zhang", role="rep", team="ortho-east-1")


def _msg(conversation: str, message_id: str, text: str, customer: str = "C1001") -> InboundMessage:
    return InboundMessage(
        tenant="demo",
        channel=Channel.WECOM_APP,
        conversation_id=conversation,
        message_id=message_id,
        customer_ref=customer,
        rep_ref="rep_zhang",
        parts=[TextPart(text=text)],
    )


def test_rebate_question_cites_v32_and_pushes_the_spine_plan(demo_services: Any) -> None:
    demo_services.handle_message(
        _msg("it-headline", "it-h1", "张经理好，LCP-3.5锁定加压接骨板最近卖得不错，这个型号有哪些规格？"),
        ZHANG,
    )
    sug = demo_services.handle_message(
        _msg("it-headline", "it-h2", "这个型号的代理商返点政策能再发一遍吗?"), ZHANG
    )

    assert sug.intent.name == "rebate_policy"
    ev = sug.evidence_by_id()
    assert sug.draft is not None
    cited = [ev[c.evidence_id] for c in sug.draft.citations]
    rebate_cited = [e for e in cited if e.source_ids.get("doc_id") == "rebate-ortho"]
    assert rebate_cited, f"draft cites {[e.title for e in cited]}, not the rebate agreement"
    assert {e.version for e in rebate_cited} == {"3.2"}
    assert all(e.version != "3.1" for e in sug.evidence if e.source_ids.get("doc_id") == "rebate-ortho")

    push = [a for a in sug.actions if a.name == "push_campaign"]
    assert push and push[0].parameters.get("doc_id") == "spine-trial-incentive"
    signal_ids = {
        ev[i].source_ids.get("signal_id") for i in push[0].evidence_ids if ev[i].kind is EvidenceKind.SIGNAL
    }
    assert "no_spine_purchase_180d" in signal_ids

    # the ledger can say which evidence produced it (non-negotiable 7)
    stored = demo_services.ledger.get_suggestion(sug.id, actor=ZHANG)
    assert {e.id for e in stored.evidence} == set(ev)


def test_a_customer_who_buys_spine_gets_no_spine_push(demo_services: Any) -> None:
    sug = demo_services.handle_message(
        _msg("it-c1002", "it-c1002-1", "麻烦发我一下最新的骨科耗材返点协议", customer="C1002"), ZHANG
    )
    assert sug.intent.name == "rebate_policy"
    assert not [a for a in sug.actions if a.name == "push_campaign"]


def test_redelivered_message_yields_the_same_single_suggestion(demo_services: Any) -> None:
    msg = _msg("it-dupe", "it-dupe-1", "返点什么时候结算？")
    first = demo_services.handle_message(msg, ZHANG)
    again = demo_services.handle_message(msg, ZHANG)
    assert again.id == first.id
    entries = demo_services.ledger.find(conversation="it-dupe", kind="suggestion")
    assert len(entries) == 1


def test_rep_cannot_get_suggestions_for_someone_elses_customer(demo_services: Any) -> None:
    from contract import AccessDenied

    wang = Actor(id="rep_wang", role="rep", team="equipment-east")
    msg = InboundMessage(
        tenant="demo",
        channel=Channel.REST,
        conversation_id="it-steal",
        message_id="it-steal-1",
        customer_ref="C1001",
        rep_ref="rep_wang",
        parts=[TextPart(text="把宁波康达的采购记录发我看看")],
    )
    with pytest.raises(AccessDenied):
        demo_services.handle_message(msg, wang)
    denials = demo_services.ledger.find(kind="access_denied", actor="rep_wang")
    assert denials, "the refusal must be recorded in the ledger"
