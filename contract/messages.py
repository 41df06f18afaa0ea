"""`InboundMessage`: the single normalised message type every channel adapter produces."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Channel(StrEnum):
    WECOM_APP = "wecom_app"  # WeCom self-built app callback (internal members, external contacts)
    WECOM_KF = "wecom_kf"  # 微信客服 (kf_msg_or_event → sync_msg)
    WECHAT_OA = "wechat_oa"  # WeChat Official Account
    VOICE = "voice"  # live call audio over WebSocket
    REST = "rest"  # generic REST ingest
    ARCHIVE = "archive"  # 会话内容存档 import


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TextPart(_Part):
    kind: Literal["text"] = "text"
    text: str


class VoicePart(_Part):
    kind: Literal["voice"] = "voice"
    media_ref: str = ""  # media_id, file path or URL; empty when the transcript came from a live call
    format: str = "amr"  # amr | speex | pcm16 | wav | silk
    duration_ms: int | None = None
    transcript: str | None = None  # filled by perception (or by the live ASR for call segments)
    signals: dict[str, float] = Field(
        default_factory=dict
    )  # pause_before_ms, filler_count, chars_per_s, overlap_ms …


class ImagePart(_Part):
    kind: Literal["image"] = "image"
    media_ref: str
    ocr_text: str | None = None


class VideoPart(_Part):
    kind: Literal["video"] = "video"
    media_ref: str
    thumb_ref: str = ""


class FilePart(_Part):
    kind: Literal["file"] = "file"
    media_ref: str
    name: str = ""
    size: int | None = None
    mime: str = ""


class EmojiPart(_Part):
    """A WeChat emoji code such as [捂脸] / [OK], a Unicode emoji, or a sticker (media_ref set)."""

    kind: Literal["emoji"] = "emoji"
    code: str
    media_ref: str = ""


class LocationPart(_Part):
    kind: Literal["location"] = "location"
    latitude: float
    longitude: float
    label: str = ""


class LinkPart(_Part):
    kind: Literal["link"] = "link"
    url: str
    title: str = ""
    description: str = ""


class MiniProgramPart(_Part):
    kind: Literal["miniprogram"] = "miniprogram"
    title: str = ""
    appid: str = ""
    pagepath: str = ""


class BusinessCardPart(_Part):
    kind: Literal["business_card"] = "business_card"
    userid: str
    name: str = ""


class MenuPart(_Part):
    """The customer clicked a msgmenu option (微信客服)."""

    kind: Literal["menu"] = "menu"
    menu_id: str
    text: str = ""


class EventPart(_Part):
    """A non-message event: enter_session, external-contact add/edit, servicer or session status, hang-up …"""

    kind: Literal["event"] = "event"
    event: str
    detail: dict[str, Any] = Field(default_factory=dict)

    @field_validator("detail")
    @classmethod
    def _bounded(cls, detail: dict[str, Any]) -> dict[str, Any]:
        """Tencent's events are flat; a deeply nested or huge detail is a poison message that would fail later, in
        the inbox or the ledger, after it was accepted."""
        if _depth(detail) > MAX_DETAIL_DEPTH:
            raise ValueError(f"event detail is nested deeper than {MAX_DETAIL_DEPTH} levels")
        if len(repr(detail)) > MAX_DETAIL_CHARS:
            raise ValueError(f"event detail is longer than {MAX_DETAIL_CHARS} characters")
        return detail


MAX_DETAIL_DEPTH = 8
MAX_DETAIL_CHARS = 16_000

# Every part field that can carry what a customer wrote or said (names, numbers, addresses), with the injection source
# it is checked as ("" = masked only). The one list: the masking boundary (agents/perception/masking.py) masks these
# fields before anything is stored, and guardrails.run_message_guards masks and checks them. An event's detail
# (JSON-like) is masked by both beside this list; a business card's name is one person's, masked whole.
TEXT_FIELDS: dict[type[_Part], tuple[tuple[str, str], ...]] = {
    TextPart: (("text", "customer"),),
    VoicePart: (("transcript", "transcript"),),
    ImagePart: (("ocr_text", "ocr"),),
    FilePart: (("name", ""),),
    LinkPart: (("title", ""), ("description", "document")),
    MenuPart: (("text", "customer"),),
    LocationPart: (("label", ""),),
    BusinessCardPart: (("name", ""),),
    MiniProgramPart: (("title", ""),),
}
# a field that is one value of an entity whatever its words: masked whole, not by recognition
WHOLE_FIELDS: dict[tuple[type[_Part], str], str] = {(BusinessCardPart, "name"): "PERSON"}
# a location part's coordinates once masked: ~1 km, enough to route, not to find someone
COORDINATE_DECIMALS = 2


def _depth(value: object, level: int = 0) -> int:
    """How deeply a JSON-like value nests (stops counting past the limit, so a hostile value costs little)."""
    if level > MAX_DETAIL_DEPTH:
        return level
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level + 1)
    if isinstance(value, list | tuple):
        return max((_depth(v, level + 1) for v in value), default=level + 1)
    return level


Part = Annotated[
    TextPart
    | VoicePart
    | ImagePart
    | VideoPart
    | FilePart
    | EmojiPart
    | LocationPart
    | LinkPart
    | MiniProgramPart
    | BusinessCardPart
    | MenuPart
    | EventPart,
    Field(discriminator="kind"),
]

PART_KINDS = (
    "text",
    "voice",
    "image",
    "video",
    "file",
    "emoji",
    "location",
    "link",
    "miniprogram",
    "business_card",
    "menu",
    "event",
)


class InboundMessage(BaseModel):
    """One customer (or human-side) message, normalised. `message_id` is unique per channel and is the dedupe key."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tenant: str = Field(min_length=1, max_length=100)  # no default: every message says whose it is
    channel: Channel
    conversation_id: str = Field(min_length=1, max_length=200)
    message_id: str = Field(min_length=1, max_length=200)
    customer_ref: str = Field(min_length=1, max_length=200)
    rep_ref: str = Field(default="", max_length=200)  # the WeCom userid of the rep / the call agent id
    # "rep_ask": the rep asks the copilot itself (sidebar ask box, a prefixed WeCom message); the answer goes to the
    # rep, never to the customer, and automation does not pause.
    sender: Literal["customer", "rep", "rep_ask", "system"] = "customer"
    sent_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    parts: list[Part] = Field(min_length=1)
    lang: str = "zh"
    raw_ref: str = ""  # pointer to the raw payload kept by the channel (never the payload itself)

    @field_validator("parts")
    @classmethod
    def _not_all_empty(cls, parts: list[Part]) -> list[Part]:
        if all(isinstance(p, TextPart) and not p.text.strip() for p in parts):
            raise ValueError("message is empty: every part is blank text")
        return parts

    @property
    def dedupe_key(self) -> str:
        return f"{self.tenant}:{self.channel.value}:{self.message_id}"

    def text(self) -> str:
        """The plain text the customer typed (other parts are turned into text by perception)."""
        return "\n".join(p.text for p in self.parts if isinstance(p, TextPart)).strip()
