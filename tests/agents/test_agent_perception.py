"""Perception: emoji table, voice signals, files, other parts → text + PERCEPTION evidence; failures degrade."""

from __future__ import annotations

from agents.perception.emoji import EMOJI_TABLE, emoji_signals, find_emoji, lookup
from agents.perception.files import document_text, file_type
from agents.perception.ocr import classify_image_text
from agents.perception.parts import PerceptionBackends, perceive_message
from agents.perception.voice import voice_signals
from contract.errors import NotFound
from contract.evidence import EvidenceKind
from contract.messages import (
    BusinessCardPart,
    EmojiPart,
    FilePart,
    ImagePart,
    LinkPart,
    LocationPart,
    MiniProgramPart,
    TextPart,
    VoicePart,
)
from contract.ports import OcrResult, Transcript
from tests.agents.agent_helpers import msg


def test_every_documented_wechat_code_is_in_the_table_and_the_docstring():
    import agents.perception.emoji as mod

    for code in ("[捂脸]", "[微笑]", "[OK]", "[抱拳]", "[强]", "[流泪]", "[发怒]"):
        assert code in EMOJI_TABLE and code in (mod.__doc__ or "")


def test_emoji_codes_and_unicode_become_sentiment_and_intent_hints():
    assert find_emoji("怎么还没到[发怒][发怒] 😡 见[1]") == [
        "[发怒]",
        "[发怒]",
        "😡",
    ]  # [1] is a citation, not emoji
    angry = emoji_signals(["[发怒]", "😡"])
    assert angry["emoji_sentiment"] == -1.0 and angry["emoji_hint_complaint"] == 2
    assert emoji_signals(["[抱拳]", "👍"])["emoji_sentiment"] > 0.5
    assert lookup("🙏") == lookup("[抱拳]")
    assert lookup("[不存在]") is None and emoji_signals([]) == {}


def test_voice_signals_measure_pauses_fillers_and_rate():
    tr = Transcript(
        text="嗯，那个，C形臂报警了，呃，怎么办",
        duration_s=8.0,
        segments=[{"start": 0, "end": 1.0, "text": "嗯"}, {"start": 2.5, "end": 8.0, "text": "…"}],
    )
    sig = voice_signals(tr)
    assert sig["pause_count"] == 1 and sig["max_pause_s"] == 1.5
    assert sig["filler_count"] >= 3 and sig["hesitation"] > 0.5
    assert 0 < sig["chars_per_s"] < 3


class FakeMedia:
    def __init__(self, files):
        self.files = files

    def fetch(self, ref):
        if ref not in self.files:
            raise NotFound(f"no media {ref}", reason="media_unknown")
        return self.files[ref]


class ScriptTranscriber:
    def transcribe(self, audio, *, fmt, lang="zh"):
        assert audio == b"RIFF" and fmt == "wav"
        return Transcript(text="嗯，设备报警E-203", duration_s=3.0, model="scripted")


class ScriptOcr:
    def read(self, image):
        return OcrResult(text="报警代码E-203\n主轴过热", image_kind="error_screen", model="scripted")


def test_all_part_kinds_become_text_and_perception_evidence():
    m = msg(
        "",
        parts=[
            TextPart(text="看一下[捂脸]"),
            VoicePart(media_ref="v1", format="wav"),
            ImagePart(media_ref="i1"),
            FilePart(media_ref="f1", name="清单.txt", size=12, mime="text/plain"),
            EmojiPart(code="[OK]"),
            LocationPart(latitude=31.2, longitude=121.4, label="上海瑞金康复医院"),
            LinkPart(url="https://example.com/p", title="产品彩页"),
            MiniProgramPart(title="订单查询"),
            BusinessCardPart(userid="wx_1", name="刘主任"),
        ],
    )
    media = FakeMedia({"v1": b"RIFF", "i1": b"PNG", "f1": b"LCP-3.5 x 10"})
    p = perceive_message(m, PerceptionBackends(ScriptTranscriber(), ScriptOcr(), media))
    for fragment in (
        "设备报警E-203",
        "主轴过热",
        "清单.txt",
        "上海瑞金康复医院",
        "产品彩页",
        "订单查询",
        "刘主任",
    ):
        assert fragment in p.text
    assert all(e.kind is EvidenceKind.PERCEPTION for e in p.evidence)
    assert p.signals["image_error_screen"] == 1.0 and "emoji_sentiment" in p.signals
    assert ("ocr", "报警代码E-203\n主轴过热") in p.untrusted and ("document", "LCP-3.5 x 10") in p.untrusted


def test_missing_backends_degrade_to_placeholders_and_flags():
    m = msg("", parts=[VoicePart(media_ref="v1"), ImagePart(media_ref="missing")])
    p = perceive_message(m, PerceptionBackends(None, ScriptOcr(), FakeMedia({})))
    assert "[语音]" in p.text and "[图片]" in p.text
    assert any(f.startswith("voice_unavailable") for f in p.flags)
    assert "image_unavailable:media_unknown" in p.flags


def test_file_types_image_kinds_and_document_text():
    assert file_type("合同.pdf", "") == "document" and file_type("a.xlsx", "") == "spreadsheet"
    assert file_type("x.png", "image/png") == "image"
    assert document_text("a.txt", "退货清单".encode()) == "退货清单"
    assert document_text("broken.pdf", b"not a pdf") == ""
    assert classify_image_text("增值税专用发票 价税合计") == "invoice"
    assert classify_image_text("型号 CA-9 序列号 CA-2023-0815") == "nameplate"
    assert classify_image_text("报警代码E-203 主轴过热") == "error_screen"
    assert classify_image_text("风景") == "other"
