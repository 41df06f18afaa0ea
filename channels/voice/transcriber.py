"""`contract.ports.Transcriber` for chat voice messages (WeCom / WeChat AMR, Ogg/Speex, WAV …) via the shared ASR worker.

Bytes are decoded in memory with faster-whisper's `decode_audio` (PyAV; no system ffmpeg). Refused with InputError:
empty bytes, a JSON error body that came back from `media/get` with HTTP 200, SILK (PyAV has no decoder: ask 微信客服
sync_msg for voice_format=0), undecodable bytes, and messages longer than `max_duration_s`.
"""

from __future__ import annotations

import io

import numpy as np

from channels.voice.asr_service import AsrService
from channels.voice.confidence import assess
from channels.voice.decoder import SAMPLE_RATE
from channels.voice.models import MODEL_NAME
from channels.voice.prompt import tenant_prompt
from channels.voice.signals import turn_signals
from contract.errors import InputError
from contract.ports import Transcript

__all__ = ["AsrTranscriber", "WhisperTranscriber", "decode_voice_bytes", "tenant_prompt"]

CONTAINER_FORMATS = {"amr", "amr-nb", "amr-wb", "speex", "ogg", "wav", "mp3", "m4a", "aac", "opus", "webm"}


def decode_voice_bytes(audio: bytes, fmt: str) -> np.ndarray:
    """16 kHz mono float32, or InputError saying what was wrong."""
    fmt = (fmt or "").lower().strip(".")
    if not audio:
        raise InputError("the voice message is empty", reason="empty_audio")
    if audio.lstrip()[:1] == b"{":
        raise InputError("got a JSON body instead of audio (a media/get error?)", reason="media_error_body")
    if fmt == "silk" or audio[:10].lstrip(b"\x02").startswith(b"#!SILK"):
        raise InputError(
            "SILK voice cannot be decoded: request AMR (sync_msg voice_format=0)", reason="silk_unsupported"
        )
    if fmt == "pcm16":
        if len(audio) % 2:
            raise InputError("pcm16 audio has an odd number of bytes", reason="bad_pcm")
        return np.frombuffer(audio, dtype="<i2").astype(np.float32) / 32768.0
    if fmt not in CONTAINER_FORMATS:
        raise InputError(
            f"unsupported voice format {fmt!r}",
            reason="unsupported_format",
            supported=sorted(CONTAINER_FORMATS),
        )
    from faster_whisper import decode_audio

    try:
        samples = decode_audio(io.BytesIO(audio), sampling_rate=SAMPLE_RATE)
    except Exception as exc:  # PyAV raises InvalidDataError and friends for bytes that are not audio
        raise InputError(
            f"cannot decode the {fmt} voice message: {type(exc).__name__}", reason="undecodable_audio"
        ) from exc
    if samples.size == 0:
        raise InputError("the voice message decoded to no audio", reason="empty_audio")
    return np.asarray(samples, dtype=np.float32)


class WhisperTranscriber:
    """Chat voice → Transcript with segments, pause / filler / speech-rate signals and the confidence gate's signals
    (`asr_low_confidence` … : the graph asks the agent to confirm instead of acting on a guess). Works with any ASR
    backend the service runs (the name is historical)."""

    def __init__(self, service: AsrService, *, max_duration_s: float = 300.0) -> None:
        self.service = service
        self.max_duration_s = max_duration_s

    def transcribe(self, audio: bytes, *, fmt: str, lang: str = "zh") -> Transcript:
        samples = decode_voice_bytes(audio, fmt)
        duration = samples.size / SAMPLE_RATE
        if duration > self.max_duration_s:
            raise InputError(
                f"voice message is {duration:.0f} s, the limit is {self.max_duration_s:.0f} s",
                reason="too_long",
            )
        result = self.service.transcribe_file(samples, lang=lang)
        segs = result.segments
        spans = [span for s in segs for span in s["speech_spans"]]
        gaps = [b[0] - a[1] for a, b in zip(spans, spans[1:], strict=False)]
        voiced = sum(b - a for a, b in spans)
        signals = turn_signals(
            result.text,
            start_s=0.0,
            end_s=duration,
            voiced_s=voiced or duration,
            internal_pauses_s=[g for g in gaps if g > 0],
            pause_before_s=segs[0]["start"] if segs else None,
        )
        signals["cpu_s"] = round(result.cpu_s, 3)
        confidence = assess(result, expected_lang=lang)
        if result.text or confidence.low:
            signals.update(confidence.signals(result))
        if confidence.no_speech or confidence.foreign_lang:
            # music, noise or another language: nothing the graph should read as the customer's words
            result.text, segs = "", []
        return Transcript(
            text=result.text,
            lang=lang,
            duration_s=round(duration, 3),
            segments=[{"start": s["start"], "end": s["end"], "text": s["text"]} for s in segs],
            signals=signals,
            model=self.service.backend_name
            if self.service.backend_name not in ("", "whisper")
            else MODEL_NAME,
        )


AsrTranscriber = WhisperTranscriber
