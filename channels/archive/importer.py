"""Decrypted archive records (what the SDK's DecryptData returns, doc 91774) → InboundMessage.

A record: {"msgid", "action": send|recall|switch, "from", "tolist": [...], "roomid", "msgtime" (ms), "msgtype",
<msgtype>: {...}}. External people's ids start with "wo"/"wm"; everyone else is a member of the company (a rep).
Media parts carry the `sdkfileid`, which only the SDK's GetMediaData can turn into bytes.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from channels.inbox import Inbox, SkipRecorder
from channels.outcome import Skipped, bounded_id, from_epoch
from contract.messages import (
    BusinessCardPart,
    Channel,
    EmojiPart,
    EventPart,
    FilePart,
    ImagePart,
    InboundMessage,
    LinkPart,
    LocationPart,
    MiniProgramPart,
    Part,
    TextPart,
    VideoPart,
    VoicePart,
)

log = logging.getLogger("channels.archive")
EXTERNAL_PREFIXES = ("wo", "wm")


def is_external(user_id: str) -> bool:
    return user_id.startswith(EXTERNAL_PREFIXES)


def _parts(record: dict[str, Any], msgtype: str) -> list[Part] | None:
    body = record.get(msgtype) or {}
    if msgtype == "text":
        return [TextPart(text=body.get("content", ""))]
    if msgtype == "image":
        return [ImagePart(media_ref=body["sdkfileid"])]
    if msgtype == "voice":
        seconds = body.get("play_length")
        duration = int(float(seconds) * 1000) if seconds not in (None, "") else None
        return [VoicePart(media_ref=body["sdkfileid"], format="amr", duration_ms=duration)]
    if msgtype == "video":
        return [VideoPart(media_ref=body["sdkfileid"])]
    if msgtype == "file":
        size = body.get("filesize")
        return [
            FilePart(
                media_ref=body["sdkfileid"], name=body.get("filename", ""), size=int(size) if size else None
            )
        ]
    if msgtype == "location":
        label = " ".join(x for x in (body.get("title", ""), body.get("address", "")) if x)
        return [
            LocationPart(latitude=float(body["latitude"]), longitude=float(body["longitude"]), label=label)
        ]
    if msgtype == "link":
        return [
            LinkPart(
                url=body.get("link_url", ""),
                title=body.get("title", ""),
                description=body.get("description", ""),
            )
        ]
    if msgtype == "card":
        return [BusinessCardPart(userid=body["userid"], name=body.get("corpname", ""))]
    if msgtype == "weapp":
        return [
            MiniProgramPart(
                title=body.get("title") or body.get("displayname", ""), appid=body.get("username", "")
            )
        ]
    if msgtype == "emotion":
        return [EmojiPart(code="[表情]", media_ref=body.get("sdkfileid", ""))]
    if msgtype in ("agree", "disagree"):
        return [EventPart(event=f"msg_audit_{msgtype}", detail=dict(body))]
    return None


def normalise_archive(record: dict[str, Any], *, tenant: str) -> InboundMessage | Skipped:
    msgid = str(record.get("msgid") or "")
    action = record.get("action", "send")
    msgtype = str(record.get("msgtype", ""))
    if not msgid:
        return Skipped("?", "no_msgid", record)
    if action == "switch":  # a member switched enterprise: no content
        return Skipped(msgid, "switch", record)
    sender_id = str(record.get("from", ""))
    to = [str(t) for t in record.get("tolist") or []]
    people = [sender_id, *to]
    customer = next((p for p in people if is_external(p)), "")
    rep = next((p for p in people if p and not is_external(p)), "")
    room = str(record.get("roomid") or "")
    try:
        if action == "recall":
            parts: list[Part] | None = [
                EventPart(event="recall", detail={"pre_msgid": record.get("pre_msgid", "")})
            ]
        else:
            parts = _parts(record, msgtype)
        if parts is None:
            return Skipped(msgid, f"unsupported_type:{msgtype}", record)
        return InboundMessage(
            tenant=tenant,
            channel=Channel.ARCHIVE,
            conversation_id=room or bounded_id("", *sorted(p for p in people if p)),
            message_id=msgid,
            customer_ref=customer or room or sender_id or "unknown",
            rep_ref=rep,
            sender="customer" if is_external(sender_id) else "rep",
            sent_at=from_epoch(record.get("msgtime")),
            parts=parts,
        )
    except (ValidationError, ValueError, TypeError, KeyError) as exc:
        first = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else repr(exc)
        return Skipped(msgid, f"invalid:{first}"[:200], record)


def read_records(path: str | Path) -> Iterator[dict[str, Any]]:
    """Records from a JSON array, a {"chatdata"/"msg_list": [...]} object, or JSON lines."""
    text = Path(path).read_text(encoding="utf-8").lstrip("\ufeff").strip()
    if not text:
        return
    if text[0] in "[{":
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            data = None  # JSON lines whose first line is an object
        if isinstance(data, list):
            yield from (r for r in data if isinstance(r, dict))
            return
        if isinstance(data, dict):
            records = data.get("chatdata") or data.get("msg_list")
            yield from (r for r in (records if isinstance(records, list) else [data]) if isinstance(r, dict))
            return
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                yield json.loads(line)
            except json.JSONDecodeError as exc:
                log.warning("archive %s line %d is not JSON: %s", path, number, exc)


@dataclass
class ImportReport:
    accepted: int = 0
    duplicates: int = 0
    skipped: list[str] = field(default_factory=list)


def import_records(
    records: Iterable[dict[str, Any]],
    inbox: Inbox,
    *,
    tenant: str,
    skips: SkipRecorder | None = None,
) -> ImportReport:
    report = ImportReport()
    for record in records:
        outcome = normalise_archive(record, tenant=tenant)
        if isinstance(outcome, Skipped):
            report.skipped.append(outcome.reason)
            if skips is not None:
                skips.record_skipped(Channel.ARCHIVE.value, outcome.message_id, outcome.reason, outcome.raw)
        elif inbox.accept(outcome):
            report.accepted += 1
        else:
            report.duplicates += 1
    return report
