"""Raw 16-bit PCM from the call socket → float32 frames at 16 kHz, one column per channel.

Chunks may split a sample or a frame in two, so a remainder is carried between chunks. 8 kHz telephony audio is upsampled
by 2 with linear interpolation (Whisper and Silero run at 16 kHz; the telephone band stays below 4 kHz anyway).
"""

from __future__ import annotations

import struct

import numpy as np

from contract.errors import InputError

TARGET_RATE = 16_000
SUPPORTED_RATES = (8_000, 16_000)
SUPPORTED_CHANNELS = (1, 2)


def parse_wav_header(data: bytes) -> tuple[int, int, int, int] | None:
    """(sample_rate, channels, bits, header_len) when `data` starts with a RIFF/WAVE header, else None."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return None
    pos, fmt = 12, None
    while pos + 8 <= len(data):
        tag, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        if tag == b"fmt " and pos + 24 <= len(data):
            _codec, channels, rate = struct.unpack("<HHI", data[pos + 8 : pos + 16])
            bits = struct.unpack("<H", data[pos + 22 : pos + 24])[0]
            fmt = (rate, channels, bits)
        if tag == b"data" and fmt is not None:
            return (*fmt, pos + 8)
        pos += 8 + size + (size & 1)
    raise InputError("WAV header is truncated: send raw 16-bit PCM chunks", reason="bad_wav_header")


class PcmDecoder:
    def __init__(self, sample_rate: int, channels: int) -> None:
        if sample_rate not in SUPPORTED_RATES:
            raise InputError(
                f"sample_rate {sample_rate} is not supported: send 16-bit PCM at 8000 or 16000 Hz",
                reason="bad_sample_rate",
            )
        if channels not in SUPPORTED_CHANNELS:
            raise InputError(
                f"channels {channels} is not supported: 1 (mono) or 2 (agent, customer)",
                reason="bad_channels",
            )
        self.sample_rate = sample_rate
        self.channels = channels
        self._remainder = b""
        self._prev = np.zeros(channels, dtype=np.float32)
        self._first = True
        self.samples_in = 0  # per channel, at the input rate

    def feed(self, data: bytes) -> np.ndarray:
        """float32 array of shape (n, channels) at 16 kHz; n may be 0."""
        if self._first and data:
            self._first = False
            header = parse_wav_header(data)
            if header is not None:
                rate, channels, bits, header_len = header
                if (rate, channels, bits) != (self.sample_rate, self.channels, 16):
                    raise InputError(
                        f"the WAV header says {rate} Hz, {channels} ch, {bits}-bit but start said "
                        f"{self.sample_rate} Hz, {self.channels} ch, 16-bit",
                        reason="format_mismatch",
                    )
                data = data[header_len:]
        data = self._remainder + data
        frame_bytes = 2 * self.channels
        usable = len(data) - len(data) % frame_bytes
        self._remainder = data[usable:]
        pcm = np.frombuffer(data[:usable], dtype="<i2").astype(np.float32) / 32768.0
        pcm = pcm.reshape(-1, self.channels)
        self.samples_in += pcm.shape[0]
        if self.sample_rate == TARGET_RATE or pcm.shape[0] == 0:
            return pcm
        # 8 kHz → 16 kHz: between each pair emit the midpoint, then the sample (half a sample of delay).
        prev = np.vstack([self._prev[None, :], pcm[:-1]])
        out = np.empty((pcm.shape[0] * 2, self.channels), dtype=np.float32)
        out[0::2] = (prev + pcm) / 2
        out[1::2] = pcm
        self._prev = pcm[-1].copy()
        return out


class GarbageDetector:
    """Random bytes read as int16 are full-scale white noise (RMS ≈ 0.58, ~10 % of samples beyond ±0.9); speech is not.
    Judged over ~1 s so a single loud click does not trip it."""

    def __init__(self, window_samples: int = TARGET_RATE) -> None:
        self.window = window_samples
        self._n = 0
        self._loud = 0
        self._energy = 0.0

    def push(self, audio: np.ndarray) -> bool:
        if audio.size == 0:
            return False
        self._n += audio.size
        self._loud += int(np.count_nonzero(np.abs(audio) > 0.9))
        self._energy += float(np.sum(audio.astype(np.float64) ** 2))
        if self._n < self.window:
            return False
        rms = (self._energy / self._n) ** 0.5
        garbage = self._loud / self._n > 0.05 and rms > 0.4
        self._n, self._loud, self._energy = 0, 0, 0.0
        return garbage
