"""Bad input on a live call, each over the real WebSocket route with real whisper-base: silence, music, a foreign
language, a connection dropped mid-word, 8 kHz narrow-band audio, and a stereo call whose agent/customer channels are
swapped. Each gets a clear `state` frame (what the desk shows) and nothing wrong reaches the graph — so nothing wrong
can reach the ledger. Audio is made here with numpy, sox and espeak-ng."""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from channels.voice import AsrService, build_voice_router

from .conftest import say, silence
from .test_voice_ws import START, Recorder, assert_clean, read_until_wrapup, stream, wait_until

pytestmark = pytest.mark.models

TURN = "ni3 hao3, wo3 xiang3 wen4 yi1 xia4 fan3 dian3 zheng4 ce4."


class Tapped(Recorder):
    """Also keeps every frame the router sends (the desk mirror sees them even after the client is gone)."""

    def __init__(self) -> None:
        super().__init__()
        self.frames: list[dict[str, Any]] = []

    def tap(self, call_id: str, frame: dict[str, Any]) -> None:
        self.frames.append(frame)

    def states(self) -> list[str]:
        return [f["state"] for f in self.frames if f["type"] == "state"]


@pytest.fixture
def rec() -> Tapped:
    return Tapped()


@pytest.fixture
def client(asr_service: AsrService, rec: Tapped) -> Iterator[TestClient]:
    app = FastAPI()
    app.include_router(
        build_voice_router(
            asr_service, rec.on_final, rec.on_hangup, tenant="demo", on_frame=rec.tap, silence_notice_s=2.0
        )
    )
    with TestClient(app) as c:
        yield c
        assert_clean(c)


def call(
    client: TestClient, call_id: str, audio: np.ndarray, start: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    with client.websocket_connect(f"/voice/calls/{call_id}") as ws:
        ws.send_json(start or START)
        assert ws.receive_json()["type"] == "ready"
        stream(ws, audio)
        ws.send_json({"type": "stop"})
        return read_until_wrapup(ws)


def sox_music(seconds: float = 4.0) -> np.ndarray:
    """Plucked chords with tremolo, made by sox."""
    from faster_whisper import decode_audio

    with tempfile.NamedTemporaryFile(suffix=".wav") as wav:
        subprocess.run(["sox", "-n", "-r", "16000", "-b", "16", wav.name, "synth", str(seconds), "pluck", "C4",
                        "pluck", "E4", "pluck", "G4", "tremolo", "3", "40", "vol", "0.6"], check=True)  # fmt: skip
        return np.asarray(decode_audio(wav.name), dtype=np.float32)


def espeak(voice: str, text: str) -> np.ndarray:
    from faster_whisper import decode_audio

    with tempfile.NamedTemporaryFile(suffix=".wav") as wav:
        subprocess.run(["espeak-ng", "-v", voice, "-w", wav.name, text], check=True)
        return np.asarray(decode_audio(wav.name), dtype=np.float32)


def telephone_band(audio: np.ndarray) -> np.ndarray:
    """What a phone line leaves of a voice: nothing above ~3.4 kHz (FFT brick wall at 16 kHz)."""
    spectrum = np.fft.rfft(audio)
    spectrum[np.fft.rfftfreq(audio.size, 1 / 16_000) > 3400] = 0
    return np.fft.irfft(spectrum, n=audio.size).astype(np.float32)


def test_silence_is_a_state_not_a_turn(client: TestClient, rec: Tapped) -> None:
    frames = call(client, "silent", silence(3.5))
    assert "silence" in rec.states()
    assert [f for f in frames if f["type"] == "final"] == [] and rec.finals == []
    assert frames[-1]["turns"] == [] and "silence" in frames[-1]["states"]


def test_music_never_reaches_the_graph(client: TestClient, rec: Tapped) -> None:
    frames = call(client, "music", np.concatenate([silence(0.5), sox_music(4.0), silence(0.6)]))
    assert rec.finals == []  # nothing for the graph, so nothing in the ledger
    assert all(f["text"] == "" for f in frames if f["type"] == "final")
    # Silero either ignores the chords (then the desk is told it hears nothing) or passes them to Whisper, whose
    # output is then judged no speech
    assert {"no_speech", "silence"} & set(rec.states()), rec.states()


def test_foreign_language_is_shown_but_not_sent_to_the_graph(client: TestClient, rec: Tapped) -> None:
    english = espeak("en", "Hello, I would like to ask about the rebate policy for this year, please.")
    frames = call(client, "foreign", np.concatenate([silence(0.5), english, silence(0.8)]))
    finals = [f for f in frames if f["type"] == "final" and f["text"]]
    assert finals and finals[0]["low_confidence"] is True
    assert any(r.startswith("foreign_language:en") for r in finals[0]["confidence_reasons"])
    state = next(f for f in rec.frames if f["type"] == "state" and f["state"] == "foreign_language")
    assert state["lang"] == "en"
    assert rec.finals == []


def test_dropped_connection_mid_word_is_a_low_confidence_turn_and_a_state(
    client: TestClient, rec: Tapped
) -> None:
    speech = say(TURN)
    with client.websocket_connect("/voice/calls/dropped") as ws:
        ws.send_json(START)
        ws.receive_json()
        stream(ws, np.concatenate([silence(0.4), speech[: int(speech.size * 0.7)]]))  # gone mid-word
    wait_until(lambda: bool(rec.hangups), "on_hangup after the drop")
    assert rec.hangups[0]["reason"] == "disconnected"
    state = next(f for f in rec.frames if f["type"] == "state" and f["state"] == "disconnected")
    assert state["mid_utterance"] is True
    assert len(rec.finals) == 1  # the words that did arrive still reach the graph …
    signals = rec.finals[0].parts[0].signals  # type: ignore[union-attr]
    assert signals["asr_cut_off"] == 1.0 and signals["asr_low_confidence"] == 1.0  # … marked: confirm first


def test_narrowband_8k_call_is_labelled_and_still_transcribed(client: TestClient, rec: Tapped) -> None:
    audio16 = np.concatenate([silence(0.5), telephone_band(say(TURN)), silence(0.8)])
    frames = call(client, "narrow", audio16[::2], start={**START, "sample_rate": 8000})
    assert rec.states()[0] == "narrowband"
    finals = [f for f in frames if f["type"] == "final"]
    assert len(finals) == 1 and finals[0]["text"]
    assert len(rec.finals) == 1 and rec.finals[0].parts[0].transcript == finals[0]["text"]  # type: ignore[union-attr]


def _stereo(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """`first` on the left from 0.3 s, `second` on the right after a 1 s pause."""
    n = first.size + second.size + 16_000 * 2
    left, right = np.zeros(n, np.float32), np.zeros(n, np.float32)
    left[4800 : 4800 + first.size] = first
    start = 4800 + first.size + 16_000
    right[start : start + second.size] = second
    return np.stack([left, right], axis=1)


def test_swapped_stereo_channels_pause_suggestions(client: TestClient, rec: Tapped) -> None:
    """The phone-line voice (narrow) arrives labelled 'agent' and the headset voice (wide) labelled 'customer'."""
    caller = telephone_band(say(TURN))
    agent = say("nin2 hao3, zhe4 li3 shi4 ke4 fu2 zhong1 xin1, qing3 wen4 you3 shen2 me5 ke3 yi3 bang1 nin2?")
    frames = call(client, "swapped", _stereo(caller, agent), start={**START, "channels": 2})
    state = next(f for f in rec.frames if f["type"] == "state" and f["state"] == "channels_swapped")
    assert state["agent_high_band"] < state["customer_high_band"]
    assert {f["speaker"] for f in frames if f["type"] == "final" and f["text"]} == {"agent", "customer"}
    assert rec.finals == []  # no suggestion built on the agent's own words


def test_correct_stereo_channels_are_not_flagged(client: TestClient, rec: Tapped) -> None:
    agent = say("nin2 hao3, zhe4 li3 shi4 ke4 fu2 zhong1 xin1.")
    caller = telephone_band(say(TURN))
    call(client, "stereo-ok", _stereo(agent, caller), start={**START, "channels": 2})
    assert "channels_swapped" not in rec.states()
    assert len(rec.finals) == 1
