"""Voice logic without Whisper: PCM framing, garbage detection, signals, repeat collapsing, input refusal, the VAD
segmenter (Silero from faster-whisper's assets, on espeak speech) and the ASR worker's scheduling with a scripted decoder."""

from __future__ import annotations

import struct
import threading

import numpy as np
import pytest

from channels.voice.asr_service import AsrService, CallLimitExceeded
from channels.voice.decoder import DecodeResult, collapse_repeats, token_budget
from channels.voice.pcm import GarbageDetector, PcmDecoder
from channels.voice.segmenter import UtteranceSegmenter
from channels.voice.signals import count_fillers, pause_and_overlap, turn_signals
from channels.voice.transcriber import decode_voice_bytes, tenant_prompt
from channels.voice.vad import EnergyVad, SileroStreamVad
from contract.errors import InputError

from .conftest import say, silence, to_pcm16


def wav_header(rate: int, channels: int, bits: int = 16) -> bytes:
    fmt = struct.pack("<HHIIHH", 1, channels, rate, rate * channels * bits // 8, channels * bits // 8, bits)
    return (
        b"RIFF"
        + struct.pack("<I", 36)
        + b"WAVE"
        + b"fmt "
        + struct.pack("<I", 16)
        + fmt
        + b"data"
        + struct.pack("<I", 0)
    )


def test_pcm_chunks_may_split_samples_and_frames() -> None:
    stereo = np.stack([np.linspace(-0.5, 0.5, 101), np.linspace(0.5, -0.5, 101)], axis=1)
    data = to_pcm16(stereo)
    dec = PcmDecoder(16_000, 2)
    parts = [
        dec.feed(data[i : i + 7]) for i in range(0, len(data), 7)
    ]  # 7 bytes: never a whole frame boundary
    out = np.concatenate(parts)
    assert out.shape == (101, 2)
    np.testing.assert_allclose(out, stereo, atol=1e-4)


def test_8k_is_upsampled_to_16k() -> None:
    dec = PcmDecoder(8_000, 1)
    out = dec.feed(to_pcm16(np.full(800, 0.25)))  # 0.1 s
    assert out.shape == (1600, 1)
    assert out[-1, 0] == pytest.approx(0.25, abs=1e-3)


@pytest.mark.parametrize(
    ("rate", "channels", "reason"), [(44_100, 1, "bad_sample_rate"), (16_000, 6, "bad_channels")]
)
def test_unsupported_formats_are_refused(rate: int, channels: int, reason: str) -> None:
    with pytest.raises(InputError) as err:
        PcmDecoder(rate, channels)
    assert err.value.reason == reason


def test_wav_header_matching_start_is_skipped_mismatch_refused() -> None:
    ok = PcmDecoder(16_000, 1)
    assert ok.feed(wav_header(16_000, 1) + to_pcm16(np.zeros(10))).shape == (10, 1)
    with pytest.raises(InputError) as err:
        PcmDecoder(16_000, 1).feed(wav_header(8_000, 1) + b"\x00\x00")
    assert err.value.reason == "format_mismatch"


def test_garbage_detector_fires_on_random_bytes_not_on_speech() -> None:
    rng = np.random.default_rng(7)
    garbage = PcmDecoder(16_000, 1).feed(rng.bytes(64_000))[:, 0]
    assert GarbageDetector().push(garbage)
    speech = say("ni3 hao3, qing3 wen4 fan3 dian3 zheng4 ce4.")
    assert not GarbageDetector().push(np.concatenate([speech, speech]))


def test_fillers_and_signals() -> None:
    assert count_fillers("嗯，那个，我再考虑一下") == 2
    assert count_fillers("Um, I think, uh, maybe") == 2
    sig = turn_signals(
        "嗯，那个，价格有点贵", start_s=10.0, end_s=13.0, voiced_s=2.0, internal_pauses_s=[0.5, 0.1],
        pause_before_s=2.6, overlap_s=0.3,
    )  # fmt: skip
    assert sig["filler_count"] == 2 and sig["hesitation_pauses"] == 1 and sig["long_pause_before"] == 1.0
    assert sig["pause_before_ms"] == 2600 and sig["overlap_ms"] == 300 and sig["chars_per_s"] == 4.0


def test_pause_before_answer_and_barge_in_overlap() -> None:
    agent = [(0.0, 2.0), (2.5, 4.0)]
    assert pause_and_overlap(5.0, (4.8, 6.0), other_speaker_spans=agent, previous_turn_end_s=None) == (
        1.0,
        0.0,
    )
    pause, overlap = pause_and_overlap(3.5, (3.3, 6.0), other_speaker_spans=agent, previous_turn_end_s=None)
    assert pause == 0.0 and overlap == pytest.approx(0.7)  # the customer cut the agent off
    assert pause_and_overlap(9.0, (8.8, 10.0), other_speaker_spans=None, previous_turn_end_s=6.5) == (
        2.5,
        0.0,
    )


def test_collapse_repeats_and_token_budget() -> None:
    assert collapse_repeats("鲜胎我啥意思?鲜胎我啥意思?鲜胎我啥意思?鲜胎我") == "鲜胎我啥意思?"
    assert collapse_repeats("你好世界，天地玄黄") == "你好世界，天地玄黄"
    assert token_budget(1.0, 96) == 24 and token_budget(30.0, 96) == 96


@pytest.mark.parametrize(
    ("data", "fmt", "reason"),
    [
        (b"", "amr", "empty_audio"),
        (b'{"errcode":40007,"errmsg":"invalid media_id"}', "amr", "media_error_body"),
        (b"\x02#!SILK_V3" + bytes(100), "silk", "silk_unsupported"),
        (bytes(range(256)) * 40, "amr", "undecodable_audio"),
        (b"abc", "flac9", "unsupported_format"),
    ],
)
def test_bad_voice_bytes_are_refused(data: bytes, fmt: str, reason: str) -> None:
    with pytest.raises(InputError) as err:
        decode_voice_bytes(data, fmt)
    assert err.value.reason == reason


def test_tenant_prompt_names_products() -> None:
    prompt = tenant_prompt(["椎弓根螺钉系统 PS-700", "返点协议", "返点协议"])
    assert "PS-700" in prompt and prompt.count("返点协议") == 1


@pytest.mark.parametrize("vad_cls", [SileroStreamVad, EnergyVad])
def test_segmenter_finds_two_turns_and_flushes_the_last(vad_cls: type) -> None:
    one = say("ni3 hao3, wo3 xiang3 wen4 yi1 xia4 fan3 dian3 zheng4 ce4.")
    two = say("qing3 bang1 wo3 cha2 yi1 xia4 ding4 dan1.")
    seg = UtteranceSegmenter("customer", vad_cls())
    events = []
    for chunk in np.array_split(np.concatenate([silence(0.5), one, silence(1.0), two]), 40):
        events += seg.push(chunk)
    ends = [e for e in events if e.kind == "end"]
    assert len(ends) == 1 and seg.current is not None  # the second turn is still open: no trailing silence
    flushed = seg.flush()
    assert [e.kind for e in flushed] == ["end"]
    first, last = ends[0].utterance, flushed[0].utterance
    assert 0.2 < first.start_s < 0.6 and first.end_s < last.start_s
    assert last.audio().size > 0.8 * two.size


class ScriptedDecoder:
    """Records the order jobs ran in; blocks until released so the queue can fill up first."""

    def __init__(self) -> None:
        self.ran: list[str] = []
        self.gate = threading.Event()

    def decode_utterance(self, audio: np.ndarray, **_: object) -> DecodeResult:
        self.gate.wait(10)
        self.ran.append(f"{audio[0]:.0f}")
        return DecodeResult(text=f"t{audio[0]:.0f}")


def test_worker_runs_finals_first_and_partials_round_robin() -> None:
    decoder = ScriptedDecoder()
    service = AsrService(lambda: decoder, max_calls=3)  # type: ignore[arg-type,return-value]
    for call in ("a", "b", "c"):
        service.open_call(call)
    blocker = service.submit_final("a", np.full(4, 0.0))  # occupies the worker
    p_a = service.submit_partial("a", lambda: (np.full(4, 1.0), 4))
    p_b = service.submit_partial("b", lambda: (np.full(4, 2.0), 4))
    p_c_old = service.submit_partial("c", lambda: (np.full(4, 3.0), 4))
    p_c = service.submit_partial(
        "c", lambda: (np.full(4, 4.0), 4)
    )  # replaces the older one for the same call
    f_b = service.submit_final("b", np.full(4, 5.0))
    decoder.gate.set()
    assert f_b.result(10).text == "t5" and blocker.result(10).text == "t0"
    assert p_c_old.result(10) is None
    assert (
        p_a.result(10)[0].text == "t1" and p_b.result(10)[0].text == "t2" and p_c.result(10)[0].text == "t4"
    )
    assert decoder.ran[:2] == ["0", "5"]  # the queued final jumped ahead of every partial
    assert sorted(decoder.ran[2:]) == ["1", "2", "4"]
    service.close()


def test_call_limit_and_partial_after_hangup() -> None:
    service = AsrService(lambda: ScriptedDecoder(), max_calls=1)  # type: ignore[arg-type,return-value]
    service.open_call("x")
    with pytest.raises(CallLimitExceeded) as err:
        service.open_call("y")
    assert err.value.reason == "call_limit" and err.value.http_status == 503
    with pytest.raises(InputError):
        service.open_call("x")
    service.close_call("x")
    assert service.submit_partial("x", lambda: (np.zeros(4), 4)).result(1) is None
    service.open_call("y")  # the slot was released
    assert service.active_calls == 1
    service.close()


def test_desk_mirror_masks_spoken_numbers_and_keeps_the_socket_frame() -> None:
    """A caller reads their mobile number aloud; the post-correction compacts it; the desk mirror masks it."""
    from channels.voice.router import masked_frame
    from channels.voice.vocabulary import VocabularyCorrector
    from guardrails.pii import RuleMasker

    heard = "我的手机号是幺三八 一七六二 四五九零，报警E二零三"
    fixed = VocabularyCorrector([]).correct(heard).text
    assert "13817624590" in fixed and "E-203" in fixed
    frame = {"type": "final", "text": fixed, "heard": heard, "corrections": [[heard, fixed]]}
    masker = RuleMasker()
    out = masked_frame(frame, lambda t: masker.mask(t, vault_key="demo:call-1").text)
    assert (
        "13817624590" not in out["text"] and "E-203" in out["text"]
    )  # the number masked, the alarm code kept
    assert "幺三八" not in out["heard"] and "13817624590" not in str(out["corrections"])
    assert frame["text"] == fixed  # the call's own socket frame is untouched
