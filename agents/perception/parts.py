"""Turns each part of an InboundMessage into text + signals + PERCEPTION evidence.

Failures of a backend (no OCR configured, media missing) degrade to a placeholder and a flag, never a crash."""

from __future__ import annotations

from dataclasses import dataclass, field

from agents.perception.emoji import emoji_signals, find_emoji, lookup
from agents.perception.files import document_text, file_type
from agents.perception.voice import voice_signals
from contract.errors import BackendUnavailable, CopilotError
from contract.evidence import Evidence, EvidenceKind
from contract.messages import (
    BusinessCardPart,
    EmojiPart,
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
from contract.ports import MediaStore, OcrEngine, Transcriber, Transcript


@dataclass
class Perception:
    text: str = ""
    signals: dict[str, float] = field(default_factory=dict)
    evidence: list[Evidence] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    untrusted: list[tuple[str, str]] = field(default_factory=list)  # (source, text) for the injection check


@dataclass
class PerceptionBackends:
    transcriber: Transcriber | None = None
    ocr: OcrEngine | None = None
    media: MediaStore | None = None


def _evidence(msg: InboundMessage, idx: int, title: str, content: str, **lineage: object) -> Evidence:
    return Evidence(
        id=Evidence.make_id(EvidenceKind.PERCEPTION, msg.tenant, msg.message_id, str(idx), title),
        kind=EvidenceKind.PERCEPTION,
        title=title,
        content=content,
        source_ids={"message_id": msg.message_id, "part": str(idx)},
        lineage=dict(lineage),
    )


def _fetch(media: MediaStore | None, ref: str) -> bytes:
    if media is None or not ref:
        raise BackendUnavailable("no media store configured", reason="media_unavailable")
    return media.fetch(ref)


def perceive_message(msg: InboundMessage, be: PerceptionBackends) -> Perception:
    out = Perception()
    texts: list[str] = []
    emoji_codes: list[str] = []
    for idx, part in enumerate(msg.parts):
        if isinstance(part, TextPart):
            texts.append(part.text)
            emoji_codes += find_emoji(part.text)
            out.untrusted.append(("customer", part.text))
        elif isinstance(part, VoicePart):
            _voice(msg, idx, part, be, out, texts)
        elif isinstance(part, ImagePart):
            _image(msg, idx, part, be, out, texts)
        elif isinstance(part, FilePart):
            _file(msg, idx, part, be, out, texts)
        elif isinstance(part, EmojiPart):
            emoji_codes.append(part.code)
            meaning = lookup(part.code)
            texts.append(part.code)
            out.evidence.append(
                _evidence(msg, idx, "表情", f"{part.code} = {meaning.meaning_zh if meaning else '未知表情'}")
            )
        else:
            line = _describe(part)
            texts.append(line)
            out.evidence.append(_evidence(msg, idx, part.kind, line))
    if emoji_codes:
        out.signals.update(emoji_signals(emoji_codes))
        known = [c for c in emoji_codes if lookup(c)]
        if known and not any(e.title == "表情" for e in out.evidence):
            meanings = "；".join(f"{c} = {lookup(c).meaning_zh}" for c in known)  # type: ignore[union-attr]
            out.evidence.append(_evidence(msg, 0, "表情", meanings))
    out.text = "\n".join(t for t in texts if t).strip()
    return out


def _voice(
    msg: InboundMessage, idx: int, part: VoicePart, be: PerceptionBackends, out: Perception, texts: list[str]
) -> None:
    if part.transcript is not None:
        tr = Transcript(text=part.transcript, signals=part.signals, duration_s=(part.duration_ms or 0) / 1000)
    else:
        try:
            if be.transcriber is None:
                raise BackendUnavailable("no transcriber configured", reason="asr_unavailable")
            tr = be.transcriber.transcribe(_fetch(be.media, part.media_ref), fmt=part.format, lang=msg.lang)
        except CopilotError as exc:
            out.flags.append(f"voice_unavailable:{exc.reason}")
            texts.append("[语音]")
            return
    sig = voice_signals(tr)
    out.signals.update({f"voice_{k}": v for k, v in sig.items()})
    out.signals["hesitation"] = max(out.signals.get("hesitation", 0.0), sig["hesitation"])
    texts.append(tr.text)
    out.untrusted.append(("transcript", tr.text))
    detail = f"语音转写：{tr.text}（停顿 {int(sig['pause_count'])} 次，语气词 {int(sig['filler_count'])} 个）"
    out.evidence.append(_evidence(msg, idx, "语音转写", detail, model=tr.model, signals=sig))


def _image(
    msg: InboundMessage, idx: int, part: ImagePart, be: PerceptionBackends, out: Perception, texts: list[str]
) -> None:
    from agents.perception.ocr import classify_image_text

    if part.ocr_text is not None:
        text, kind, model = part.ocr_text, classify_image_text(part.ocr_text), "channel"
    else:
        try:
            if be.ocr is None:
                raise BackendUnavailable("no OCR engine configured", reason="ocr_unavailable")
            res = be.ocr.read(_fetch(be.media, part.media_ref))
            text, kind, model = res.text, res.image_kind, res.model
        except CopilotError as exc:
            out.flags.append(f"image_unavailable:{exc.reason}")
            texts.append("[图片]")
            return
    out.signals[f"image_{kind}"] = 1.0
    texts.append(text.replace("\n", " "))
    out.untrusted.append(("ocr", text))
    kind_zh = {"error_screen": "报警/错误画面", "invoice": "发票", "nameplate": "设备铭牌"}.get(kind, "图片")
    out.evidence.append(_evidence(msg, idx, f"图片识别（{kind_zh}）", text, model=model, image_kind=kind))


def _file(
    msg: InboundMessage, idx: int, part: FilePart, be: PerceptionBackends, out: Perception, texts: list[str]
) -> None:
    kind = file_type(part.name, part.mime)
    line = f"文件：{part.name or '未命名'}（{kind}，{part.size or 0} 字节）"
    body = ""
    if kind == "document":
        try:
            data = _fetch(be.media, part.media_ref)
            body = document_text(part.name, data)
            if (
                data.strip() and not body.strip()
            ):  # bytes there, no text out of them: say so, do not drop it silently
                out.flags.append("file_unavailable:file_unreadable")
        except CopilotError as exc:
            out.flags.append(f"file_unavailable:{exc.reason}")
    if body:
        out.untrusted.append(("document", body))
    texts.append(line)
    out.evidence.append(
        _evidence(msg, idx, "文件", line + (f"\n{body[:500]}" if body else ""), file_kind=kind)
    )


def _describe(part: Part) -> str:
    if isinstance(part, LocationPart):
        return f"位置：{part.label or '未命名地点'}（{part.latitude:.2f}, {part.longitude:.2f}）"
    if isinstance(part, LinkPart):
        return f"链接：{part.title} {part.description} ({part.url})".strip()
    if isinstance(part, MiniProgramPart):
        return f"小程序：{part.title or part.appid} {part.pagepath}".strip()
    if isinstance(part, BusinessCardPart):
        return f"名片：{part.name or '未署名'}"  # the userid is an account id: it stays in the part, not in evidence
    if isinstance(part, MenuPart):
        return part.text or f"菜单选项 {part.menu_id}"
    if isinstance(part, EventPart):
        return f"事件：{part.event}"
    if isinstance(part, VideoPart):
        return "[视频]"
    return f"[{part.kind}]"
