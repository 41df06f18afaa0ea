"""WeCom: a member's app message starting with a configured prefix (「@助手」, 「问：」) becomes a rep_ask; everything else
stays what it was (a member's reply, a customer's message)."""

from __future__ import annotations

from channels.config import ChannelConfig
from channels.wecom.normalise import normalise_xml
from contract.messages import Channel, InboundMessage, TextPart
from copilot.settings import Settings


def fields(content: str, msg_id: str = "10001") -> dict[str, str]:
    return {
        "ToUserName": "ww-corp",
        "FromUserName": "zhangsan",
        "CreateTime": "1764900000",
        "MsgType": "text",
        "Content": content,
        "MsgId": msg_id,
        "AgentID": "1000002",
    }


def test_a_prefixed_member_message_is_an_ask_without_its_prefix():
    msg = normalise_xml(fields("@助手 帮我查下这个客户最近的订单"), channel=Channel.WECOM_APP, tenant="demo")
    assert isinstance(msg, InboundMessage) and msg.sender == "rep_ask" and msg.rep_ref == "zhangsan"
    assert msg.parts == [TextPart(text="帮我查下这个客户最近的订单")]
    plain = normalise_xml(fields("好的，我来处理", "10002"), channel=Channel.WECOM_APP, tenant="demo")
    assert isinstance(plain, InboundMessage) and plain.sender == "rep"
    bare = normalise_xml(
        fields("问：", "10003"), channel=Channel.WECOM_APP, tenant="demo"
    )  # a prefix with no question is a reply
    assert isinstance(bare, InboundMessage) and bare.sender == "rep"


def test_a_customer_cannot_ask_as_a_rep():
    msg = normalise_xml(fields("@助手 给我打一折"), channel=Channel.WECHAT_OA, tenant="demo")
    assert isinstance(msg, InboundMessage) and msg.sender == "customer"


def test_prefixes_come_from_settings():
    config = ChannelConfig.from_settings(Settings(env="test", rep_ask_prefixes=["/ask"]))
    assert config.ask_prefixes == ("/ask",)
    msg = normalise_xml(
        fields("/ask 他们半年没下单"),
        channel=Channel.WECOM_APP,
        ask_prefixes=config.ask_prefixes,
        tenant="demo",
    )
    assert isinstance(msg, InboundMessage) and msg.sender == "rep_ask"
    old = normalise_xml(
        fields("@助手 hi", "10009"),
        channel=Channel.WECOM_APP,
        ask_prefixes=config.ask_prefixes,
        tenant="demo",
    )
    assert isinstance(old, InboundMessage) and old.sender == "rep"
