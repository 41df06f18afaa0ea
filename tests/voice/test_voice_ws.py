"""Live call audio over the real WebSocket route (Starlette TestClient, real whisper-base, espeak-ng Mandarin)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from channels.voice import AsrService, build_voice_router
from contract.messages import Channel, InboundMessage, VoicePart

from .conftest import audioeval_zh_dir, say, silence, to_pcm16

pytestmark = pytest.mark.models

TURN_1 = "ni3 hao3, wo3 xiang3 wen4 yi1 xia4 fan3 dian3 zheng4 ce4."
TURN_2 = "en4, na4 ge5, jia4 ge2 you3 dian3 gui4."
START = {
    "type": "start",
    "sample_rate": 16000,
    "channels": 1,
    "customer_ref": "C1001",
    "agent_ref": "agent_chen",
}


class Recorder:
    def __init__(self) -> None:
        self.finals: list[InboundMessage] = []
        self.hangups: list[dict[str, Any]] = []

    async def on_final(self, message: InboundMessage) -> dict[str, Any]:
        self.finals.append(message)
        return {"intent": "rebate_policy", "for": message.message_id}

    async def on_hangup(self, summary: dict[str, Any]) -> dict[str, Any]:
        self.hangups.append(summary)
        return {"disposition": "info_request"}


def make_client(service: AsrService, rec: Recorder, **kwargs: Any) -> TestClient:
    app = FastAPI()
    app.include_router(build_voice_router(service, rec.on_final, rec.on_hangup, tenant="demo", **kwargs))
    return TestClient(app)


@pytest.fixture
def rec() -> Recorder:
    return Recorder()


@pytest.fixture
def client(asr_service: AsrService, rec: Recorder) -> Iterator[TestClient]:
    with make_client(asr_service, rec) as c:
        yield c
        assert_clean(c)


def wait_until(check: Callable[[], bool], what: str, limit_s: float = 60.0) -> None:
    deadline = time.monotonic() + limit_s
    while not check():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)


def assert_clean(c: TestClient) -> None:
    """No session, no ASR slot and no voice:* task left in the app's event loop."""
    wait_until(lambda: not c.get("/voice/calls").json()["sessions"], "the session to end")
    # its wind-down task ends a moment after the session (tests/security/test_edge_voice.py once saw it still running)
    wait_until(lambda: not c.get("/voice/calls").json()["voice_tasks"], "the call's tasks to end")
    status = c.get("/voice/calls").json()
    assert status["voice_tasks"] == [] and status["active_calls"] == 0


def stream(ws: Any, audio: np.ndarray, chunk_s: float = 0.1, pace_s: float = 0.0) -> None:
    pcm = to_pcm16(audio)
    step = int(16000 * chunk_s) * 2 * (audio.shape[1] if audio.ndim == 2 else 1)
    for i in range(0, len(pcm), step):
        ws.send_bytes(pcm[i : i + step])
        if pace_s:
            time.sleep(pace_s)


def read_until_wrapup(ws: Any) -> list[dict[str, Any]]:
    frames = []
    while True:
        frame = ws.receive_json()
        frames.append(frame)
        if frame["type"] == "wrapup":
            return frames


def test_call_streams_partials_finals_suggestions_and_wrapup(client: TestClient, rec: Recorder) -> None:
    audio = np.concatenate([silence(0.6), say(TURN_1), silence(1.5), say(TURN_2)])  # no silence after turn 2
    with client.websocket_connect("/voice/calls/call-1") as ws:
        ws.send_json(START)
        assert ws.receive_json()["type"] == "ready"
        status = client.get("/voice/calls").json()
        assert status["sessions"] == ["call-1"] and status["voice_tasks"]  # tasks are visible while live
        stream(ws, audio, pace_s=0.1)  # real time, so partials have time to happen
        ws.send_json({"type": "stop"})
        frames = read_until_wrapup(ws)
    kinds = [f["type"] for f in frames]
    finals = [f for f in frames if f["type"] == "final"]
    assert len(finals) == 2, kinds  # the second turn had no trailing silence: flushed at stop
    assert kinds.index("partial") < kinds.index("final")
    first_final = kinds.index("final")
    assert all(f["utterance_id"] == "customer-1" for f in frames[:first_final] if f["type"] == "partial")
    assert finals[0]["start"] < finals[0]["end"] <= finals[1]["start"] < finals[1]["end"]
    assert "你好" in finals[0]["text"]
    # on_final ran exactly once per customer utterance, with a voice part carrying transcript + signals
    assert [m.message_id for m in rec.finals] == ["call-1:customer-1", "call-1:customer-2"]
    part = rec.finals[1].parts[0]
    assert isinstance(part, VoicePart) and part.transcript == finals[1]["text"]
    assert rec.finals[1].channel == Channel.VOICE and rec.finals[1].customer_ref == "C1001"
    assert part.signals["pause_before_ms"] >= 1000 and part.signals["chars_per_s"] > 0
    suggestions = [f for f in frames if f["type"] == "suggestion"]
    assert [s["payload"]["for"] for s in suggestions] == ["call-1:customer-1", "call-1:customer-2"]
    wrapup = frames[-1]
    assert wrapup["payload"] == {"disposition": "info_request"} and len(wrapup["turns"]) == 2
    assert rec.hangups[0]["reason"] == "stop"


def test_stereo_8k_call_gives_speaker_roles_pause_and_overlap(client: TestClient, rec: Recorder) -> None:
    from faster_whisper import decode_audio

    agent = np.asarray(
        decode_audio(str(audioeval_zh_dir() / "pangrama.wav")), dtype=np.float32
    )  # a real voice
    customer = say(TURN_1)
    n = agent.size + int(2.5 * 16000) + customer.size + 16000
    left, right = np.zeros(n, np.float32), np.zeros(n, np.float32)
    left[: agent.size] = agent
    right[agent.size + int(2.5 * 16000) :][: customer.size] = (
        customer  # the customer waits 2.5 s before answering
    )
    stereo16k = np.stack([left, right], axis=1)
    with client.websocket_connect("/voice/calls/call-stereo") as ws:
        ws.send_json({**START, "sample_rate": 8000, "channels": 2})
        assert ws.receive_json()["roles"] == ["agent", "customer"]
        stream(ws, stereo16k[::2], chunk_s=0.2)  # telephony: 8 kHz
        ws.send_json({"type": "stop"})
        frames = read_until_wrapup(ws)
    finals = {f["speaker"]: f for f in frames if f["type"] == "final"}
    assert set(finals) == {"agent", "customer"}
    assert not any(
        f["type"] == "partial" and f["speaker"] == "agent" for f in frames
    )  # the agent knows what they said
    assert len(rec.finals) == 1  # only the customer's turn goes to the graph
    signals = rec.finals[0].parts[0].signals
    assert signals["pause_before_ms"] >= 2000 and signals["long_pause_before"] == 1.0
    assert signals["overlap_ms"] == 0


def test_disconnect_mid_utterance_still_delivers_the_turn(client: TestClient, rec: Recorder) -> None:
    with client.websocket_connect("/voice/calls/call-drop") as ws:
        ws.send_json(START)
        ws.receive_json()
        stream(ws, np.concatenate([silence(0.4), say(TURN_1)]))
    wait_until(lambda: bool(rec.hangups), "on_hangup after the disconnect")
    assert [m.message_id for m in rec.finals] == ["call-drop:customer-1"]
    assert rec.hangups[0]["reason"] == "disconnected"


def test_a_reconnect_continues_the_call_with_message_ids_of_its_own(
    client: TestClient, rec: Recorder
) -> None:
    """The second leg's first utterance is customer-1 again: its id carries the leg, or the ledger's dedupe key would
    return the first leg's suggestion and the new words would be lost."""
    for leg in range(2):
        with client.websocket_connect("/voice/calls/call-again") as ws:
            ws.send_json(START)
            ws.receive_json()
            stream(ws, np.concatenate([silence(0.4), say(TURN_1)]))
        wait_until(lambda n=leg: len(rec.hangups) > n, "on_hangup after the disconnect")
    assert [m.message_id for m in rec.finals] == ["call-again:customer-1", "call-again:leg2:customer-1"]


@pytest.mark.parametrize(
    ("first", "reason"),
    [
        ({**START, "sample_rate": 44100}, "bad_sample_rate"),
        ({**START, "channels": 3}, "bad_channels"),
        ({"type": "start"}, "bad_start"),
        (b"\x00\x01" * 100, "start_required"),
        ("not json", "bad_start"),
    ],
)
def test_bad_start_is_an_error_frame_then_close(client: TestClient, first: Any, reason: str) -> None:
    with client.websocket_connect("/voice/calls/bad") as ws:
        if isinstance(first, bytes):
            ws.send_bytes(first)
        elif isinstance(first, str):
            ws.send_text(first)
        else:
            ws.send_json(first)
        frame = ws.receive_json()
        assert frame["type"] == "error" and frame["reason"] == reason and frame["fatal"] is True
        with pytest.raises(WebSocketDisconnect):
            ws.receive_json()


def test_garbage_bytes_end_the_call_with_an_error(client: TestClient, rec: Recorder) -> None:
    with client.websocket_connect("/voice/calls/garbage") as ws:
        ws.send_json(START)
        ws.receive_json()
        ws.send_text(json.dumps({"type": "dance"}))
        assert ws.receive_json()["reason"] == "unknown_frame"  # non-fatal
        rng = np.random.default_rng(3)
        for _ in range(12):
            ws.send_bytes(rng.bytes(3200))
        frames = read_until_wrapup(ws)
    errors = [f for f in frames if f["type"] == "error"]
    assert errors[0]["reason"] == "not_pcm16" and errors[0]["fatal"] is True
    assert rec.finals == []  # noise is never sent to the graph


def test_minutes_of_silence_time_out(asr_service: AsrService, rec: Recorder) -> None:
    with make_client(asr_service, rec, max_silence_s=3.0) as c:
        with c.websocket_connect("/voice/calls/quiet") as ws:
            ws.send_json(START)
            ws.receive_json()
            stream(ws, silence(5.0), chunk_s=0.5)
            frames = read_until_wrapup(ws)
        assert [f["reason"] for f in frames if f["type"] == "error"] == ["silence_timeout"]
        assert frames[-1]["reason"] == "silence_timeout" and frames[-1]["turns"] == []
        assert_clean(c)


def test_call_over_the_limit_is_told_so(whisper_decoder: Any, rec: Recorder) -> None:
    service = AsrService(lambda: whisper_decoder, max_calls=1)
    with make_client(service, rec) as c:
        with c.websocket_connect("/voice/calls/one") as first:
            first.send_json(START)
            assert first.receive_json()["type"] == "ready"
            with c.websocket_connect("/voice/calls/two") as second:
                second.send_json(START)
                frame = second.receive_json()
                assert frame["reason"] == "call_limit" and frame["fatal"] and frame["type"] == "error"
            first.send_json({"type": "stop"})
            assert read_until_wrapup(first)[-1]["turns"] == []
        assert_clean(c)
    service.close()


def test_a_slow_graph_never_holds_back_the_next_final(asr_service: AsrService) -> None:
    """on_final for turn 1 blocks until the client has seen the final of turn 2: only possible if finals do not
    wait for suggestions."""
    import asyncio
    import threading

    seen_second_final = threading.Event()
    calls: list[str] = []

    async def slow_on_final(message: InboundMessage) -> dict[str, Any]:
        calls.append(message.message_id)
        if message.message_id.endswith("customer-1"):
            for _ in range(1200):
                if seen_second_final.is_set():
                    break
                await asyncio.sleep(0.05)
        return {"for": message.message_id}

    app = FastAPI()
    app.include_router(build_voice_router(asr_service, slow_on_final, tenant="demo"))
    with TestClient(app) as c, c.websocket_connect("/voice/calls/slow-graph") as ws:
        ws.send_json(START)
        ws.receive_json()
        stream(ws, np.concatenate([silence(0.5), say(TURN_1), silence(1.0), say(TURN_2), silence(1.0)]))
        ws.send_json({"type": "stop"})
        frames = []
        while (frame := ws.receive_json())["type"] != "wrapup":
            frames.append(frame)
            if frame["type"] == "final" and frame["utterance_id"] == "customer-2":
                seen_second_final.set()
    order = [(f["type"], f["utterance_id"]) for f in frames if f["type"] in ("final", "suggestion")]
    assert order.index(("final", "customer-2")) < order.index(("suggestion", "customer-1"))
    assert calls == ["slow-graph:customer-1", "slow-graph:customer-2"]
