"""Real offline models: the scripted demo conversations through the graph with the USE embedder and RapidOCR."""

from __future__ import annotations

import wave

import pytest

from agents import Copilot
from agents.perception.ocr import RapidOcrEngine
from agents.script import load_conversations, replay
from contract.errors import InputError
from contract.ports import Actor, Transcript
from tests.agents.agent_helpers import TENANT_DIR

pytestmark = pytest.mark.models


class TenantMedia:
    def fetch(self, ref: str) -> bytes:
        return (TENANT_DIR / ref).read_bytes()


class ScriptedTranscriber:
    """Whisper on espeak Mandarin is unreliable (MODELS.md); the voice package owns ASR. This one reads the real WAV's
    duration and returns the scripted transcript, so the voice path of the graph runs on the committed clip."""

    def __init__(self, text: str) -> None:
        self.text = text

    def transcribe(self, audio: bytes, *, fmt: str, lang: str = "zh") -> Transcript:
        import io

        with wave.open(io.BytesIO(audio)) as w:
            assert w.getframerate() == 16000 and w.getnchannels() == 1
            duration = w.getnframes() / w.getframerate()
        return Transcript(text=self.text, duration_s=duration, model="scripted")


@pytest.fixture(scope="module")
def ocr():
    return RapidOcrEngine()


def test_ocr_reads_the_alarm_screen_and_refuses_non_images(ocr):
    res = ocr.read((TENANT_DIR / "media" / "c1004_alarm_screen.png").read_bytes())
    assert "E-203" in res.text and "主轴过热" in res.text
    assert res.image_kind == "error_screen" and res.lines and res.model
    with pytest.raises(InputError):
        ocr.read(b"not an image")


def test_demo_media_are_small():
    for f in (TENANT_DIR / "media").iterdir():
        assert f.stat().st_size < 200_000, f.name


def test_scripted_demo_conversations_run_through_the_graph(make_deps, use_embedder, ocr):
    convs = load_conversations(TENANT_DIR)
    assert len(convs) >= 10
    voice_turn = next(t for c in convs for t in c.turns if any(p["kind"] == "voice" for p in t.parts))
    deps = make_deps(embedder=use_embedder, ocr=ocr, media=TenantMedia())
    deps.transcriber = ScriptedTranscriber(voice_turn.expected_transcript)
    actors = {
        "rep_zhang": Actor(id="rep_zhang", role="rep"),
        "rep_li": Actor(id="rep_li", role="rep"),
        "rep_wang": Actor(id="rep_wang", role="rep"),
        "agent_chen": Actor(id="agent_chen", role="agent", call_customer_ref="C1004"),
    }
    result = replay(Copilot(deps), convs, actors, tenant="demo")
    assert result.intent_accuracy() == 1.0, [
        (t.turn.message_id, t.suggestion.intent.name) for t in result.turns if t.suggestion is not None
    ]
    for t in result.turns:
        if t.suggestion is not None:
            assert set(t.turn.expected_actions) <= {a.name for a in t.suggestion.actions}, t.turn.message_id
    headline = next(t.suggestion for t in result.turns if t.turn.message_id == "demo-c1001-m2")
    assert [a.name for a in headline.actions][:2] == ["send_policy_document", "push_campaign"]
    image = next(t.suggestion for t in result.turns if t.turn.message_id == "demo-c1004-m1")
    assert image.intent.entities["alarm_code"] == ["E-203"]
    assert any(e.title.startswith("图片识别") for e in image.evidence)
    decided = [t for t in result.turns if t.decision is not None]
    assert len(deps.ledger.decisions) == len(decided)
    assert all(w.summary["disposition"] for w in result.wrap_ups)


def test_use_classifier_abstains_on_chitchat_and_keeps_business(tenant, use_embedder):
    from agents.understanding.intent import EmbeddingIntentClassifier

    clf = EmbeddingIntentClassifier(tenant, use_embedder)
    for text in ("帮我订一张去三亚的机票", "你觉得哪个球队会赢"):
        assert clf.classify(text).abstained, text
    assert clf.classify("PS-700的注册证有吗").name == "product_info"
    assert clf.classify("Can you resend the rebate policy?").name == "rebate_policy"
