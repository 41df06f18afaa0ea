"""One 微信客服 `sync_msg` item → InboundMessage. For events, open_kfid / external_userid sit inside `event`
(AstrBot crashed reading them at the top level). origin: 3 customer, 4 system event, 5 servicer in the WeCom client."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from channels.outcome import Skipped, from_epoch
from contract.messages import (
    BusinessCardPart,
    Channel,
    EventPart,
    FilePart,
    ImagePart,
    InboundMessage,
    LinkPart,
    LocationPart,
    MenuPart,
    MiniProgramPart,
    Part,
    TextPart,
    VideoPart,
    VoicePart,
)

SENDER_BY_ORIGIN = {3: "customer", 4: "system", 5: "rep"}
KF_VOICE_FORMAT = "amr"  # we always call sync_msg with voice_format=0 (AMR); SILK has no FFmpeg decoder


def _menu_text(menu: dict[str, Any]) -> str:
    """A servicer's msgmenu as the text the customer saw: head, one line per option, tail."""
    lines = [menu.get("head_content", "")]
    for option in menu.get("list") or []:
        kind = option.get("type", "")
        body = option.get(kind) or {}
        label = body.get("content", "")
        lines.append(f"[{body.get('id')}] {label}" if kind == "click" else label)
    lines.append(menu.get("tail_content", ""))
    return "\n".join(line for line in lines if line)


def _parts(item: dict[str, Any], msgtype: str) -> list[Part] | None:
    body = item.get(msgtype) or {}
    if msgtype == "text":
        if body.get("menu_id"):  # the customer clicked a msgmenu option
            return [MenuPart(menu_id=str(body["menu_id"]), text=body.get("content", ""))]
        return [TextPart(text=body.get("content", ""))]
    if msgtype == "image":
        return [ImagePart(media_ref=body["media_id"])]
    if msgtype == "voice":
        return [VoicePart(media_ref=body["media_id"], format=KF_VOICE_FORMAT)]
    if msgtype == "video":
        return [VideoPart(media_ref=body["media_id"])]
    if msgtype == "file":
        return [FilePart(media_ref=body["media_id"])]
    if msgtype == "location":
        label = " ".join(x for x in (body.get("name", ""), body.get("address", "")) if x)
        return [
            LocationPart(latitude=float(body["latitude"]), longitude=float(body["longitude"]), label=label)
        ]
    if msgtype == "link":
        return [
            LinkPart(url=body.get("url", ""), title=body.get("title", ""), description=body.get("desc", ""))
        ]
    if msgtype == "business_card":
        return [BusinessCardPart(userid=body["userid"])]
    if msgtype == "miniprogram":
        return [
            MiniProgramPart(
                title=body.get("title", ""), appid=body.get("appid", ""), pagepath=body.get("pagepath", "")
            )
        ]
    if msgtype == "msgmenu":
        return [TextPart(text=_menu_text(body))]
    if msgtype == "event":
        detail = {k: v for k, v in body.items() if k != "event_type"}
        return [EventPart(event=body.get("event_type") or "unknown", detail=detail)]
    return None


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def normalise_kf(item: dict[str, Any], *, tenant: str) -> InboundMessage | Skipped:
    msgtype = str(item.get("msgtype", ""))
    event = item.get("event") if msgtype == "event" else None
    holder = event if isinstance(event, dict) else item
    msgid = str(item.get("msgid") or "")
    if not msgid:
        return Skipped("?", f"no_msgid:{msgtype}", item)
    if _has_nul(item):  # PostgreSQL text cannot hold U+0000: refuse here, not later as a poison message
        return Skipped(msgid.replace("\x00", ""), "invalid:nul_character", {})
    open_kfid = str(holder.get("open_kfid") or item.get("open_kfid") or "")
    customer = str(holder.get("external_userid") or item.get("external_userid") or "")
    servicer = str(holder.get("servicer_userid") or item.get("servicer_userid") or "")
    try:
        parts = _parts(item, msgtype)
        if parts is None:
            return Skipped(msgid, f"unsupported_type:{msgtype}", item)
        origin = int(item.get("origin") or (4 if msgtype == "event" else 3))
        return InboundMessage(
            tenant=tenant,
            channel=Channel.WECOM_KF,
            conversation_id=f"{open_kfid}:{customer or servicer or 'system'}",
            message_id=msgid,
            customer_ref=customer or servicer or open_kfid or "unknown",
            rep_ref=servicer,
            sender=SENDER_BY_ORIGIN.get(origin, "system"),  # type: ignore[arg-type]
            sent_at=from_epoch(item.get("send_time")),
            parts=parts,
        )
    except (ValidationError, ValueError, TypeError, KeyError, AttributeError) as exc:
        # AttributeError: a body that is not the object the msgtype promises (e.g. "location": true) — fuzzing found it
        first = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else repr(exc)
        return Skipped(msgid, f"invalid:{first}"[:200], item)
