"""Partial scheduling on a live call (issue 19 speed): partials on an audio-time grid, display-only partials decoded
cheaply (greedy, no language step, a token budget grown from the previous partial), one final-grade decode at the
pause that becomes the final (nothing decoded twice). Real whisper-base, real Silero VAD, espeak-ng Mandarin."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import numpy as np

from channels.voice.asr_service import PARTIAL_SLACK_TOKENS, PARTIAL_TOKENS_PER_S, AsrService
from channels.voice.call import CallConfig, CallSession
from channels.voice.decoder import DecodeResult, WhisperDecoder
from channels.voice.prompt import NEUTRAL_PROMPT
from contract.messages import InboundMessage, VoicePart

from .conftest import say, silence, to_pcm16

SR = 16_000
TURN = "ni3 hao3, wo3 xiang3 wen4 yi2 xia4 fan3 dian3 zheng4 ce4."


class RecordingDecoder:
    """The real decoder, with a note of how each job asked for it."""

    name = "whisper"

    def __init__(self, inner: WhisperDecoder) -> None:
        self.inner = inner
        self.language = inner.language
        self.calls: list[dict[str, Any]] = []

    def decode_utterance(self, audio: np.ndarray, **kwargs: Any) -> DecodeResult:
        result = self.inner.decode_utterance(audio, **kwargs)
        self.calls.append({"audio_s": audio.size / SR, "n_tokens": result.n_tokens, **kwargs})
        return result

    def transcribe_file(self, audio: np.ndarray, **kwargs: Any) -> DecodeResult:
        return self.inner.transcribe_file(audio, **kwargs)


async def _stream(session: CallSession, audio: np.ndarray) -> list[dict[str, Any]]:
    """100 ms chunks; after each, wait until the partial loop is idle, so the schedule depends on audio time only."""
    session.start()
    step = SR // 10
    for i in range(0, audio.size, step):
        session.feed_pcm(to_pcm16(audio[i : i + step]))
        await asyncio.sleep(0)
        while any(ch.graded or ch.shown for ch in session.channels):  # noqa: ASYNC110 (session state)
            await asyncio.sleep(0.005)
    await session.finish(timeout_s=60)
    frames = []
    while not session.outbox.empty():
        frames.append(session.outbox.get_nowait())
    return frames


def test_partials_follow_the_audio_grid_and_the_pause_decode_becomes_the_final(
    whisper_decoder: WhisperDecoder,
) -> None:
    recorder = RecordingDecoder(whisper_decoder)
    service = AsrService(lambda: recorder, max_calls=2, initial_prompt=NEUTRAL_PROMPT)  # type: ignore[arg-type,return-value]
    finals: list[InboundMessage] = []

    async def on_final(message: InboundMessage) -> None:
        finals.append(message)

    cfg = CallConfig(call_id="grid", tenant="demo")
    service.open_call("grid")
    speech = say(TURN)
    frames = asyncio.run(
        _stream(CallSession(cfg, service, on_final), np.concatenate([silence(0.5), speech, silence(1.0)]))
    )
    service.close()

    periodic = [c for c in recorder.calls if c.get("greedy")]
    final_grade = [c for c in recorder.calls if not c.get("greedy")]
    assert len(periodic) >= 2, recorder.calls
    # display-only partials: greedy, no language step, a bounded token budget; the first once 0.9 s is heard
    assert all(c["detect_language"] is False and c["max_new_tokens"] for c in periodic)
    assert periodic[0]["audio_s"] >= cfg.first_partial_s
    gaps = np.diff([c["audio_s"] for c in periodic])
    # 100 ms chunks cut into 32 ms VAD frames: 0.384 / 0.512 s steps around the 0.45 s grid, never drifting
    assert gaps.min() >= cfg.partial_interval_s - 0.1 and gaps.max() <= cfg.partial_interval_s + 0.1, gaps
    assert abs(gaps.mean() - cfg.partial_interval_s) <= 0.05, gaps
    # each budget grows from its predecessor's tokens by what the new audio can hold
    for prev, cur in zip(periodic, periodic[1:], strict=False):
        new_s = cur["audio_s"] - prev["audio_s"]
        assert (
            cur["max_new_tokens"]
            <= prev["n_tokens"] + PARTIAL_SLACK_TOKENS + PARTIAL_TOKENS_PER_S * new_s + 1
        )
    # final-grade decodes only at pauses (espeak pauses at the comma too); the last one covers the turn and is
    # promoted: no final job, nothing decoded twice
    assert final_grade and final_grade[-1]["audio_s"] > periodic[-1]["audio_s"]
    assert all("greedy" not in c and "max_new_tokens" not in c for c in final_grade)
    assert service.stats["final_jobs"] == 0 and service.stats["speculative_jobs"] == len(final_grade)
    kinds = [f["type"] for f in frames]
    assert kinds.count("final") == 1 and kinds.index("partial") < kinds.index("final")
    final = next(f for f in frames if f["type"] == "final")
    part = finals[0].parts[0] if len(finals) == 1 else None
    assert final["text"] and isinstance(part, VoicePart) and part.transcript == final["text"]


def test_display_partial_budget_and_final_grade_settings(whisper_decoder: WhisperDecoder) -> None:
    recorder = RecordingDecoder(whisper_decoder)
    service = AsrService(lambda: recorder, max_calls=1)  # type: ignore[arg-type,return-value]
    service.open_call("b")
    audio = say(TURN)[: 2 * SR]
    shown = service.submit_partial("b", lambda: (audio, audio.size), previous=(SR, 5)).result(60)
    graded = service.submit_partial("b", lambda: (audio, audio.size), final_grade=True).result(60)
    service.close()
    cheap, full = recorder.calls
    assert cheap["max_new_tokens"] == 5 + PARTIAL_SLACK_TOKENS + PARTIAL_TOKENS_PER_S * 1
    assert cheap["greedy"] and cheap["detect_language"] is False
    assert "greedy" not in full and "max_new_tokens" not in full  # exactly the final's settings
    assert (
        shown is not None and graded is not None and graded[0].lang
    )  # the final-grade decode heard a language


class GatedDecoder:
    """Blocks until released so the queue fills up first; notes the order jobs ran in (queue order only)."""

    name = "gated"
    language = "zh"

    def __init__(self) -> None:
        self.ran: list[str] = []
        self.gate = threading.Event()

    def decode_utterance(self, audio: np.ndarray, **_: object) -> DecodeResult:
        self.gate.wait(10)
        self.ran.append(f"{audio[0]:.0f}")
        return DecodeResult(text=f"t{audio[0]:.0f}")


def test_a_pause_decode_runs_before_display_partials_after_finals() -> None:
    decoder = GatedDecoder()
    service = AsrService(lambda: decoder, max_calls=3)  # type: ignore[arg-type,return-value]
    for call in ("a", "b", "c"):
        service.open_call(call)
    blocker = service.submit_final("a", np.full(4, 0.0))  # occupies the worker
    shown = service.submit_partial("a", lambda: (np.full(4, 1.0), 4))
    pause_c = service.submit_partial("c", lambda: (np.full(4, 3.0), 4), final_grade=True)
    pause_b = service.submit_partial("b", lambda: (np.full(4, 2.0), 4), final_grade=True)
    final_b = service.submit_final("b", np.full(4, 5.0))
    decoder.gate.set()
    for fut in (blocker, shown, pause_c, pause_b, final_b):
        assert fut.result(10) is not None
    service.close()
    # finals first, then the pauses' final-grade decodes (oldest first), then the display-only partial
    assert decoder.ran == ["0", "5", "3", "2", "1"]
    assert service.stats["speculative_jobs"] == 2 and service.stats["partial_jobs"] == 1


def _two_turns(
    whisper_decoder: WhisperDecoder, **schedule: float
) -> tuple[CallSession, list[dict[str, Any]], int]:
    """Two turns of the same sentence; returns the session, its frames and how many display partials were decoded."""
    recorder = RecordingDecoder(whisper_decoder)
    service = AsrService(lambda: recorder, max_calls=1, initial_prompt=NEUTRAL_PROMPT)  # type: ignore[arg-type,return-value]
    finals: list[InboundMessage] = []

    async def on_final(message: InboundMessage) -> None:
        finals.append(message)

    session = CallSession(CallConfig(call_id="budget", tenant="demo", **schedule), service, on_final)  # type: ignore[arg-type]
    service.open_call("budget")
    speech = say(TURN)
    audio = np.concatenate([silence(0.5), speech, silence(1.0), speech, silence(1.0)])
    frames = asyncio.run(_stream(session, audio))
    service.close()
    assert len(finals) == 2  # the budget never holds back a final
    return session, frames, sum(1 for c in recorder.calls if c.get("greedy"))


def _partials_per_turn(frames: list[dict[str, Any]]) -> list[int]:
    turns = [f["utterance_id"] for f in frames if f["type"] == "final"]
    return [sum(1 for f in frames if f["type"] == "partial" and f["utterance_id"] == t) for t in turns]


def test_cpu_budget_holds_back_partials_never_finals(whisper_decoder: WhisperDecoder) -> None:
    """A call over its ASR CPU budget: mid-turn grid points are skipped once its debt passes cpu_debt_s, and the next
    turn's first partial waits until the call is back within budget (here it never is); both finals still come."""
    free, free_frames, free_shown = _two_turns(whisper_decoder, cpu_budget_per_audio_s=0.0)
    assert free.budget_held == {"delayed_turns": 0, "skipped_partials": 0}
    assert all(n >= 2 for n in _partials_per_turn(free_frames)), _partials_per_turn(free_frames)

    tight, frames, shown = _two_turns(
        whisper_decoder, cpu_budget_per_audio_s=0.01, cpu_burst_s=0.3, cpu_debt_s=0.1
    )
    first, second = _partials_per_turn(frames)  # a pause's final-grade decode also shows as a partial
    assert first >= 1 and second < first and shown < free_shown, (first, second, shown, free_shown)
    assert tight.budget_held["delayed_turns"] == 1 and tight.budget_held["skipped_partials"] >= 1
    assert tight.cpu_credit_s < 0  # decodes were charged: the finals ran although the call was over budget
    assert all(f["text"] for f in frames if f["type"] == "final")
