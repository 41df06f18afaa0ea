"""Every sample in tests/fixtures/wecom/messages and kf/ (Tencent's published samples, vendored) normalised into
InboundMessage parts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import wechatpy
import wechatpy.enterprise

from channels.kf.normalise import normalise_kf
from channels.outcome import KfTrigger, Skipped
from channels.wecom.normalise import normalise_xml
from channels.wecom.xml import parse_xml
from contract.messages import Channel, InboundMessage
from tests.channels.wecom_fakes import PROTOCOL

MESSAGES = PROTOCOL / "messages"

# file → (part kind, event name or None, sender)
APP_EXPECTED = {
    "text.xml": ("text", None, "rep"),
    "image.xml": ("image", None, "rep"),
    "voice.xml": ("voice", None, "rep"),
    "video.xml": ("video", None, "rep"),
    "location.xml": ("location", None, "rep"),
    "link.xml": ("link", None, "rep"),
    "event_subscribe.xml": ("event", "subscribe", "system"),
    "event_enter_agent.xml": ("event", "enter_agent", "system"),
    "event_click.xml": ("event", "click", "system"),
}
OA_EXPECTED = {
    "text.xml": ("text", None),
    "image.xml": ("image", None),
    "voice.xml": ("voice", None),
    "voice_with_recognition.xml": ("voice", None),
    "voice_current_doc_fields.xml": ("voice", None),
    "video.xml": ("video", None),
    "shortvideo.xml": ("video", None),
    "location.xml": ("location", None),
    "link.xml": ("link", None),
    "event_subscribe.xml": ("event", "subscribe"),
    "event_unsubscribe.xml": ("event", "unsubscribe"),
    "event_scan.xml": ("event", "SCAN"),
}


def load(path: Path) -> dict:
    return parse_xml(path.read_bytes())


def test_every_sample_file_is_covered() -> None:
    app = {p.name for p in (MESSAGES / "wecom_app").glob("*.xml") if not p.name.startswith("_")}
    oa = {p.name for p in (MESSAGES / "oa").glob("*.xml")}
    assert app == set(APP_EXPECTED) and oa == set(OA_EXPECTED)


@pytest.mark.parametrize("name", sorted(APP_EXPECTED))
def test_wecom_app_samples(name: str) -> None:
    path = MESSAGES / "wecom_app" / name
    msg = normalise_xml(load(path), channel=Channel.WECOM_APP, tenant="demo")
    kind, event, sender = APP_EXPECTED[name]
    assert isinstance(msg, InboundMessage)
    assert (msg.parts[0].kind, msg.sender) == (kind, sender)
    if event:
        assert msg.parts[0].event == event
        assert msg.message_id.startswith("evt:")
    # wechatpy (the reference parser) agrees on id and sender
    reference = wechatpy.enterprise.parse_message(path.read_text(encoding="utf-8"))
    assert msg.customer_ref == reference.source
    if not event:
        assert msg.message_id == str(reference.id)


@pytest.mark.parametrize("name", sorted(OA_EXPECTED))
def test_oa_samples(name: str) -> None:
    path = MESSAGES / "oa" / name
    msg = normalise_xml(load(path), channel=Channel.WECHAT_OA, tenant="demo")
    kind, event = OA_EXPECTED[name]
    assert isinstance(msg, InboundMessage)
    assert msg.parts[0].kind == kind
    assert msg.sender == ("system" if event else "customer")
    if event:
        assert msg.parts[0].event == event
    reference = wechatpy.parse_message(path.read_text(encoding="utf-8"))
    assert msg.customer_ref == reference.source
    if kind in ("image", "voice", "video"):
        assert msg.parts[0].media_ref == reference.media_id
    if kind == "location":
        assert (msg.parts[0].latitude, msg.parts[0].longitude, msg.parts[0].label) == (
            23.134521,
            113.358803,
            "位置信息",
        )
    if kind == "link":
        assert (msg.parts[0].title, msg.parts[0].url) == ("公众平台官网链接", "url")


def test_voice_format_and_media_id() -> None:
    msg = normalise_xml(load(MESSAGES / "wecom_app" / "voice.xml"), channel=Channel.WECOM_APP, tenant="demo")
    assert isinstance(msg, InboundMessage)
    voice = msg.parts[0]
    assert (voice.media_ref, voice.format) == ("media_id", "amr")  # the sample's Format is a placeholder
    speex = load(MESSAGES / "oa" / "voice.xml") | {"Format": "Speex"}
    out = normalise_xml(speex, channel=Channel.WECHAT_OA, tenant="demo")
    assert isinstance(out, InboundMessage) and out.parts[0].format == "speex"


@pytest.mark.parametrize(
    ("name", "event", "customer"),
    [
        ("selfbuilt_add_external_contact.xml", "add_external_contact", "woAJ2GCAAAXtWyujaWJHDDGi0mAAAA"),
        ("selfbuilt_msg_audit_approved.xml", "msg_audit_approved", "woAJ2GCAAABiuyujaWJHDDGi0mACHAAA"),
        (
            "thirdparty_suite_add_external_contact.xml",
            "add_external_contact",
            "woAJ2GCAAAXtWyujaWJHDDGi0mACH71w",
        ),
        (
            "thirdparty_suite_edit_external_contact.xml",
            "edit_external_contact",
            "woAJ2GCAAAXtWyujaWJHDDGi0mACH71w",
        ),
        ("thirdparty_suite_del_follow_user.xml", "del_follow_user", "woAJ2GCAAAXtWyujaWJHDDGi0mACH71w"),
        ("thirdparty_suite_change_external_chat_update.xml", "update", "CHAT_ID"),
    ],
)
def test_external_contact_events(name: str, event: str, customer: str) -> None:
    """Self-built (Event=change_external_contact) and suite (InfoType, no MsgType: wechatpy raises KeyError) forms."""
    fields = load(MESSAGES / "wecom_external_contact" / name)
    msg = normalise_xml(fields, channel=Channel.WECOM_APP, tenant="demo")
    assert isinstance(msg, InboundMessage)
    assert (msg.parts[0].event, msg.customer_ref, msg.sender) == (event, customer, "system")
    if "UserID" in fields:
        assert msg.rep_ref == "zhangsan"
    if name.endswith("chat_update.xml"):
        assert msg.parts[0].detail["MemChangeList"] == ["Jack", "Rose"]


def test_external_contact_events_from_sys_in_the_same_second_stay_distinct() -> None:
    base = load(MESSAGES / "wecom_external_contact" / "selfbuilt_add_external_contact.xml")
    first = normalise_xml(base, channel=Channel.WECOM_APP, tenant="demo")
    again = normalise_xml(dict(base), channel=Channel.WECOM_APP, tenant="demo")
    other = normalise_xml(base | {"ExternalUserID": "wmOTHER"}, channel=Channel.WECOM_APP, tenant="demo")
    assert (
        isinstance(first, InboundMessage)
        and isinstance(again, InboundMessage)
        and isinstance(other, InboundMessage)
    )
    assert first.message_id == again.message_id != other.message_id


def test_kf_callback_is_a_sync_trigger() -> None:
    out = normalise_xml(
        load(MESSAGES / "wecom_kf" / "event_kf_msg_or_event.xml"), channel=Channel.WECOM_APP, tenant="demo"
    )
    assert out == KfTrigger(token="ENCApHxnGDNAVNY4AaSJKj4Tb5mwsEMzxhFmHVGcra996NR", open_kfid="wkxxxxxxx")
    auth = normalise_xml(
        load(MESSAGES / "wecom_kf" / "event_kf_account_auth_change.xml"),
        channel=Channel.WECOM_APP,
        tenant="demo",
    )
    assert isinstance(auth, InboundMessage) and auth.parts[0].event == "kf_account_auth_change"


def test_suite_envelope_without_msgtype_is_skipped_not_crashed() -> None:
    out = normalise_xml(
        load(MESSAGES / "wecom_archive" / "thirdparty_conversation_new_message.xml"),
        channel=Channel.WECOM_APP,
        tenant="demo",
    )
    assert isinstance(out, Skipped) and out.reason == "no_msgtype"


def test_invalid_fields_are_skipped_with_a_reason() -> None:
    fields = load(MESSAGES / "wecom_app" / "location.xml") | {"Location_X": "north"}
    out = normalise_xml(fields, channel=Channel.WECOM_APP, tenant="demo")
    assert isinstance(out, Skipped) and out.reason.startswith("invalid:")
    empty = load(MESSAGES / "wecom_app" / "text.xml") | {"Content": "   "}
    out = normalise_xml(empty, channel=Channel.WECOM_APP, tenant="demo")
    assert isinstance(out, Skipped) and "empty" in out.reason


# ---- 微信客服 sync_msg items -----------------------------------------------------------------------------------

KF_EXPECTED = {
    "text": ("menu", "customer"),  # the sample text carries menu_id: a click on a msgmenu option
    "image": ("image", "customer"),
    "voice": ("voice", "customer"),
    "video": ("video", "customer"),
    "file": ("file", "customer"),
    "location": ("location", "customer"),
    "link": ("link", "customer"),
    "business_card": ("business_card", "customer"),
    "miniprogram": ("miniprogram", "customer"),
    "msgmenu": ("text", "rep"),
    "event": ("event", "system"),
}


def test_kf_every_type() -> None:
    page = json.loads(
        (PROTOCOL / "kf" / "sync_msg_response_all_types_constructed.json").read_text(encoding="utf-8")
    )
    seen_events = []
    for item in page["msg_list"]:
        msg = normalise_kf(item, tenant="demo")
        assert isinstance(msg, InboundMessage), item
        kind, sender = KF_EXPECTED[item["msgtype"]]
        assert (msg.parts[0].kind, msg.sender, msg.message_id) == (kind, sender, item["msgid"])
        assert msg.channel is Channel.WECOM_KF
        assert msg.conversation_id.startswith("wkAJ2GCAAASSm4_FhToWMFea0xAFfd3Q:")
        if item["msgtype"] == "event":
            seen_events.append(msg.parts[0].event)
            if "external_userid" in item["event"]:  # taken from inside `event`
                assert msg.customer_ref == "wmAJ2GCAAAme1XQRC-NI-q0_ZM9ukoAw"
        if item["msgtype"] == "voice":
            assert msg.parts[0].format == "amr"
        if item["msgtype"] == "msgmenu":
            assert "[101] 满意" in msg.text() and msg.rep_ref == "zhangsan"
        if item["msgtype"] == "text":
            assert (msg.parts[0].menu_id, msg.parts[0].text) == ("101", "hello world")
    assert seen_events == [
        "enter_session",
        "msg_send_fail",
        "servicer_status_change",
        "session_status_change",
    ]


def test_kf_skit_sample_unsupported_types_are_skipped() -> None:
    page = json.loads((PROTOCOL / "kf" / "sync_msg_response_skit.json").read_text(encoding="utf-8"))
    outcomes = [normalise_kf(item, tenant="demo") for item in page["msg_list"]]
    assert all(isinstance(o, Skipped) for o in outcomes)
    reasons = [o.reason for o in outcomes if isinstance(o, Skipped)]
    assert reasons[0] == "unsupported_type:MSG_TYPE"
    assert "no_msgid:event" in reasons
    recall = {
        "msgid": "m-recall",
        "msgtype": "event",
        "origin": 4,
        **{k: v for k, v in page["msg_list"][1].items() if k != "msgtype"},
    }
    out = normalise_kf(recall, tenant="demo")
    assert isinstance(out, InboundMessage) and out.parts[0].event == "user_recall_msg"
    channels_shop = {"msgid": "m-shop", **page["msg_list"][3]}
    assert normalise_kf(channels_shop, tenant="demo") == Skipped(
        "m-shop", "unsupported_type:channels_shop_product", channels_shop
    )
