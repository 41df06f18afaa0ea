"""Fixtures for the voice tests: real whisper-base joined once per session into a temp dir, espeak-ng Mandarin speech,
the pytest-audioeval recordings, and PCM / AMR helpers."""

from __future__ import annotations

import io
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from channels.voice import AsrService, WhisperDecoder, ensure_whisper_base, load_whisper
from channels.voice.prompt import NEUTRAL_PROMPT
from channels.voice.vocabulary import VocabularyCorrector
from copilot.settings import DEMO_TENANT_DIR

DEMO_PRODUCTS = [
    "锁定加压接骨板 LCP-3.5",
    "髋关节假体 HJ-200",
    "椎弓根螺钉系统 PS-700",
    "移动式C形臂 CA-9",
    "返点协议",
]


def audioeval_zh_dir() -> Path:
    import pytest_audioeval

    root = Path(next(iter(pytest_audioeval.__path__)))
    return root / "samples" / "audio" / "zh"


def say(pinyin: str) -> np.ndarray:
    """espeak-ng Mandarin (cmn-latn-pinyin) → 16 kHz float32."""
    from faster_whisper import decode_audio

    with tempfile.NamedTemporaryFile(suffix=".wav") as wav:
        subprocess.run(["espeak-ng", "-v", "cmn-latn-pinyin", "-w", wav.name, pinyin], check=True)
        return np.asarray(decode_audio(wav.name), dtype=np.float32)


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(16_000 * seconds), dtype=np.float32)


def to_pcm16(audio: np.ndarray) -> bytes:
    """Mono (n,) or interleaved stereo (n, 2) float → little-endian int16 bytes."""
    return (np.clip(audio, -1.0, 1.0) * 32767).astype("<i2").tobytes()


def to_amr_nb(audio16k: np.ndarray) -> bytes:
    """AMR-NB 12.2 kbit/s (what phones send) with PyAV's bundled libopencore_amrnb encoder."""
    import av

    buf = io.BytesIO()
    with av.open(buf, "w", format="amr") as out:
        stream = out.add_stream("libopencore_amrnb", rate=8000)
        stream.bit_rate = 12200
        stream.layout = "mono"
        resampler = av.AudioResampler(format="s16", layout="mono", rate=8000)
        frame = av.AudioFrame.from_ndarray(
            (np.clip(audio16k, -1, 1) * 32767).astype(np.int16)[None, :], format="s16", layout="mono"
        )
        frame.sample_rate = 16_000
        for resampled in [*resampler.resample(frame), *resampler.resample(None)]:
            for packet in stream.encode(resampled):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buf.getvalue()


@pytest.fixture(scope="session")
def whisper_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ensure_whisper_base(tmp_path_factory.mktemp("model-cache"))


@pytest.fixture(scope="session")
def whisper_decoder(whisper_dir: Path) -> WhisperDecoder:
    return WhisperDecoder(load_whisper(whisper_dir, cpu_threads=2), language="zh")


@pytest.fixture(scope="session")
def asr_service(whisper_decoder: WhisperDecoder) -> Iterator[AsrService]:
    # as wired in production: no tenant terms in the decoder prompt (the neutral one keeps output simplified), the
    # demo vocabulary applied after decoding
    service = AsrService(
        lambda: whisper_decoder,
        max_calls=4,
        corrector=VocabularyCorrector.from_tenant_dir(DEMO_TENANT_DIR),
        initial_prompt=NEUTRAL_PROMPT,
    )
    yield service
    service.close()
