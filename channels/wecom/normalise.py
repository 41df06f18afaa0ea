"""Decrypted callback XML (WeCom self-built app, its 微信客服 and external-contact events, the Official Account)
→ InboundMessage. Dedupe ids follow doc 90238: MsgId for messages, FromUserName+CreateTime for events (plus the
event's own keys, because external-contact events all come from FromUserName "sys")."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from channels.errors import malformed
from channels.outcome import KfTrigger, Skipped, bounded_id, from_epoch, voice_format
from contract.messages import (
    Channel,
    EventPart,
    FilePart,
    ImagePart,
    InboundMessage,
    LinkPart,
    LocationPart,
    Part,
    TextPart,
    VideoPart,
    VoicePart,
)

Outcome = InboundMessage | KfTrigger | Skipped

# A member's app message that starts with one of these is an ask to the copilot (sender "rep_ask"), not a reply to a
# customer: COPILOT_REP_ASK_PREFIXES in settings, passed through ChannelConfig.
REP_ASK_PREFIXES: tuple[str, ...] = ("@助手", "问：", "问:")

_ENVELOPE = {"ToUserName", "FromUserName", "CreateTime", "MsgType", "Event", "AgentID", "MsgId", "Encrypt"}
_CONTACT_EVENTS = {"change_external_contact", "change_external_chat", "change_external_tag"}


def _content_parts(f: dict[str, Any], msg_type: str) -> list[Part] | None:
    """Parts of an ordinary message, or None for a type we do not support."""
    if msg_type == "text":
        return [TextPart(text=f.get("Content", ""))]
    if msg_type == "image":
        return [ImagePart(media_ref=f.get("MediaId") or f.get("PicUrl", ""))]
    if msg_type == "voice":
        return [VoicePart(media_ref=f.get("MediaId", ""), format=voice_format(f.get("Format")))]
    if msg_type in ("video", "shortvideo"):
        return [VideoPart(media_ref=f.get("MediaId", ""), thumb_ref=f.get("ThumbMediaId", ""))]
    if msg_type == "file":  # not in the app's receive models, but cheap to accept if it ever comes
        return [FilePart(media_ref=f.get("MediaId", ""), name=f.get("FileName") or f.get("Title", ""))]
    if msg_type == "location":
        return [
            LocationPart(
                latitude=float(f["Location_X"]),
                longitude=float(f["Location_Y"]),
                label=f.get("Label", ""),
            )
        ]
    if msg_type == "link":
        return [
            LinkPart(url=f.get("Url", ""), title=f.get("Title", ""), description=f.get("Description", ""))
        ]
    return None


def _detail(f: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in f.items() if k not in _ENVELOPE}


def _contact_event(f: dict[str, Any], *, channel: Channel, tenant: str) -> InboundMessage:
    """change_external_contact / _chat / _tag, self-built form (Event) or suite form (InfoType)."""
    kind = f.get("Event") or f.get("InfoType", "")
    change = f.get("ChangeType", "")
    external = f.get("ExternalUserID", "") or f.get("ChatId", "") or f.get("Id", "") or "unknown"
    member = f.get("UserID", "")
    when = f.get("CreateTime") or f.get("TimeStamp", "")
    return InboundMessage(
        tenant=tenant,
        channel=channel,
        conversation_id=f"{member}:{external}" if member else external,
        message_id=bounded_id("evt:", f.get("FromUserName", "sys"), when, kind, change, member, external),
        customer_ref=external,
        rep_ref=member,
        sender="system",
        sent_at=from_epoch(when),
        parts=[EventPart(event=change or kind, detail={"type": kind, **_detail(f)})],
    )


def _check_create_time(f: dict[str, Any]) -> None:
    """A CreateTime no clock could send (huge, negative, NaN) is a malformed callback: a clear 400, not a 500."""
    try:
        from_epoch(f.get("CreateTime"))
    except ValueError as exc:
        raise malformed("bad_create_time", f"CreateTime: {exc}") from None


def _rep_ask(parts: list[Part], prefixes: tuple[str, ...]) -> list[Part] | None:
    """The parts without the ask prefix when the first text starts with one, else None."""
    first = parts[0] if parts else None
    if not isinstance(first, TextPart):
        return None
    text = first.text.lstrip()
    prefix = next((p for p in prefixes if p and text.startswith(p)), None)
    if prefix is None or not text[len(prefix) :].strip():
        return None
    return [TextPart(text=text[len(prefix) :].strip()), *parts[1:]]


def normalise_xml(
    f: dict[str, Any],
    *,
    channel: Channel,
    tenant: str,
    ask_prefixes: tuple[str, ...] = REP_ASK_PREFIXES,
) -> Outcome:
    """One decrypted callback → an InboundMessage, a KfTrigger or a Skipped. Raises only for an impossible
    CreateTime (a CallbackRejected, 400); other bad content is a Skipped with a reason."""
    msg_type = f.get("MsgType", "")
    event = f.get("Event", "")
    _check_create_time(f)
    try:
        if not msg_type and f.get("InfoType") in _CONTACT_EVENTS:
            return _contact_event(f, channel=channel, tenant=tenant)
        if not msg_type:
            return Skipped(
                bounded_id("info:", f.get("InfoType", "?"), f.get("TimeStamp", "")), "no_msgtype", f
            )
        if msg_type == "event" and event == "kf_msg_or_event":
            return KfTrigger(token=f.get("Token", ""), open_kfid=f.get("OpenKfId", ""))
        if msg_type == "event" and event in _CONTACT_EVENTS:
            return _contact_event(f, channel=channel, tenant=tenant)

        sender_id = f.get("FromUserName") or "unknown"
        from_member = channel is Channel.WECOM_APP  # app messages come from internal members (reps)
        common: dict[str, Any] = {
            "tenant": tenant,
            "channel": channel,
            "conversation_id": sender_id,
            "customer_ref": sender_id,
            "rep_ref": sender_id if from_member else "",
            "sent_at": from_epoch(f.get("CreateTime")),
        }
        if msg_type == "event":
            message_id = bounded_id("evt:", sender_id, f.get("CreateTime", ""), event, f.get("EventKey", ""))
            part = EventPart(event=event or "unknown", detail=_detail(f))
            return InboundMessage(message_id=message_id, sender="system", parts=[part], **common)

        msg_id = str(f.get("MsgId", "")).strip()
        message_id = (
            msg_id if msg_id and msg_id != "0" else bounded_id("t:", sender_id, f.get("CreateTime", ""))
        )
        parts = _content_parts(f, msg_type)
        if parts is None:
            return Skipped(message_id, f"unsupported_type:{msg_type}", f)
        sender = "rep" if from_member else "customer"
        asked = _rep_ask(parts, ask_prefixes) if from_member else None
        if asked is not None:  # 「@助手 帮我查下这个客户最近的订单」: the member asks the copilot
            return InboundMessage(message_id=message_id, sender="rep_ask", parts=asked, **common)
        return InboundMessage(message_id=message_id, sender=sender, parts=parts, **common)
    except (ValidationError, ValueError, TypeError, KeyError) as exc:
        first = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else str(exc)
        return Skipped(str(f.get("MsgId") or msg_type or "?"), f"invalid:{first}"[:200], f)
