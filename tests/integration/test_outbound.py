"""Outbound delivery through the WeCom API, against a local HTTP server that plays Tencent's API: the rep gets a text
card with an accept link when a suggestion is made, and an accepted 微信客服 reply is sent with kf/send_msg."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from rich.console import Console

from contract import Channel, DecisionKind, HumanDecision, InboundMessage, TextPart
from contract.ports import Actor
from contract.suggestions import customer_text
from copilot.settings import REPO_ROOT, Settings
from tests.channels.wecom_fakes import FakeTencent

pytestmark = pytest.mark.models
ZHANG = Actor(id="rep_zhang", role="rep", team="ortho-east-1")


@pytest.fixture(scope="module")
def wired(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, FakeTencent]]:
    from copilot.demo import prepare

    with FakeTencent() as tencent:
        settings = Settings(
            env="test",
            data_dir=tmp_path_factory.mktemp("outbound"),
            model_cache_dir=REPO_ROOT / "var" / "models",
            llm={"backend": "none"},
            wecom_corp_id=tencent.corp_id,
            wecom_secret=tencent.secret,
            wecom_agent_id="1000002",
            wecom_api_base=tencent.base_url,
            public_base_url="https://copilot.example.com",
        )
        services = prepare(settings, use_llm=False, fresh=True, console=Console(quiet=True))
        yield services, tencent
        services.close()


def test_rep_gets_a_text_card_with_an_accept_link(wired: tuple[Any, FakeTencent]) -> None:
    services, tencent = wired
    msg = InboundMessage(
        tenant="demo",
        channel=Channel.WECOM_APP,
        conversation_id="rep_zhang:wmC1001",
        message_id="out-1",
        customer_ref="C1001",
        rep_ref="rep_zhang",
        parts=[TextPart(text="返点协议最新版本能发我一下吗？")],
    )
    sug = services.handle_message(msg, ZHANG)
    sent = tencent.calls("/cgi-bin/message/send")
    assert sent, "no app message reached the WeCom API"
    card = sent[-1]
    assert card["touser"] == "rep_zhang"
    assert card["textcard"]["url"] == f"https://copilot.example.com/ui/s/{sug.id}"


def test_accepted_kf_reply_is_sent_to_the_customer(wired: tuple[Any, FakeTencent]) -> None:
    services, tencent = wired
    open_kfid, external = "wkDemoKf01", "wmCustomer1001"
    services.extras["channels"].kf_state.customer_spoke(open_kfid, external, time.time())
    msg = InboundMessage(
        tenant="demo",
        channel=Channel.WECOM_KF,
        conversation_id=f"{open_kfid}:{external}",
        message_id="out-kf-1",
        customer_ref="C1001",
        rep_ref="rep_zhang",
        parts=[TextPart(text="退货要走什么流程？")],
    )
    sug = services.handle_message(msg, ZHANG)
    final = "您好，退货请先在系统提交退货申请，我来跟进审核进度。"
    services.decide(
        HumanDecision(suggestion_id=sug.id, kind=DecisionKind.EDIT, actor="rep_zhang", final_text=final),
        ZHANG,
    )
    sends = tencent.calls("/cgi-bin/kf/send_msg")
    assert sends and sends[-1]["touser"] == external and sends[-1]["open_kfid"] == open_kfid
    assert sends[-1]["text"]["content"] == final


def test_an_accepted_draft_reaches_the_customer_without_citation_markers(
    wired: tuple[Any, FakeTencent],
) -> None:
    services, tencent = wired
    open_kfid, external = "wkDemoKf01", "wmCustomer1002"
    services.extras["channels"].kf_state.customer_spoke(open_kfid, external, time.time())
    msg = InboundMessage(
        tenant="demo",
        channel=Channel.WECOM_KF,
        conversation_id=f"{open_kfid}:{external}",
        message_id="out-kf-markers",
        customer_ref="C1001",
        rep_ref="rep_zhang",
        parts=[TextPart(text="这个型号的代理商返点政策能再发一遍吗?")],
    )
    sug = services.handle_message(msg, ZHANG)
    assert sug.draft is not None and sug.draft.markers(), sug.draft  # the card's draft cites its evidence
    services.decide(HumanDecision(suggestion_id=sug.id, kind=DecisionKind.ACCEPT, actor="rep_zhang"), ZHANG)
    sent = tencent.calls("/cgi-bin/kf/send_msg")[-1]["text"]["content"]
    assert sent == customer_text(sug.draft.text) and sent and not re.search(r"\[\d+\]", sent)


def test_a_rejected_suggestion_sends_nothing(wired: tuple[Any, FakeTencent]) -> None:
    services, tencent = wired
    before = len(tencent.calls("/cgi-bin/kf/send_msg"))
    msg = InboundMessage(
        tenant="demo",
        channel=Channel.WECOM_KF,
        conversation_id="wkDemoKf01:wmCustomer1001",
        message_id="out-kf-2",
        customer_ref="C1001",
        rep_ref="rep_zhang",
        parts=[TextPart(text="发票什么时候开？")],
    )
    sug = services.handle_message(msg, ZHANG)
    services.decide(
        HumanDecision(
            suggestion_id=sug.id, kind=DecisionKind.REJECT, actor="rep_zhang", reason_code="not_needed"
        ),
        ZHANG,
    )
    assert len(tencent.calls("/cgi-bin/kf/send_msg")) == before


def test_an_edited_rep_answer_is_never_sent_to_the_customer(wired: tuple[Any, FakeTencent]) -> None:
    """A rep's ask on a 微信客服 conversation is answered to the rep; accepting or editing it must not reach the customer."""
    services, tencent = wired
    open_kfid, external = "wkDemoKf01", "wmCustomer1001"
    services.extras["channels"].kf_state.customer_spoke(open_kfid, external, time.time())
    before = len(tencent.calls("/cgi-bin/kf/send_msg"))
    ask = InboundMessage(
        tenant="demo",
        channel=Channel.WECOM_KF,
        conversation_id=f"{open_kfid}:{external}",
        message_id="out-kf-ask-1",
        customer_ref="C1001",
        rep_ref="rep_zhang",
        sender="rep_ask",
        parts=[TextPart(text="帮我查下这个客户最近的订单")],
    )
    sug = services.handle_message(ask, ZHANG)
    assert sug is not None and sug.kind.value == "rep_answer"
    services.decide(
        HumanDecision(
            suggestion_id=sug.id, kind=DecisionKind.EDIT, actor="rep_zhang", final_text="最近订单已看过"
        ),
        ZHANG,
    )
    assert len(tencent.calls("/cgi-bin/kf/send_msg")) == before
