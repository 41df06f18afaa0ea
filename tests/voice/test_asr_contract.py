"""One contract suite, run against every ASR backend: local faster-whisper, an OpenAI-compatible server (a REAL one:
FastAPI + faster-whisper on 127.0.0.1, tests/voice/openai_asr_server.py) and a sherpa-onnx model directory.

sherpa-onnx: the runtime installs from PyPI, but no sherpa model weights (SenseVoice, Paraformer, Zipformer) ship on the
package registries reachable here, so its contract run is skipped with that reason. What can be tested honestly is
tested below: the loader's clear errors for a missing or invalid directory, through the real sherpa-onnx runtime."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from channels.voice import AsrService, WhisperDecoder, WhisperTranscriber
from channels.voice.backends import (
    AsrBackend,
    OpenAICompatBackend,
    SherpaOnnxBackend,
    build_backend,
    find_sherpa_model,
)
from channels.voice.confidence import assess
from contract.errors import BackendUnavailable, UserError
from contract.ports import Transcriber

from .conftest import audioeval_zh_dir, silence, to_pcm16
from .openai_asr_server import TranscriptionServer

pytestmark = pytest.mark.models

SHERPA_SKIP = (
    "no sherpa-onnx model weights ship on the package registries reachable here (PyPI, npm, Debian: checked for "
    "SenseVoice, Paraformer, Zipformer); set COPILOT_ASR__SHERPA_MODEL_DIR to a model directory to run this suite"
)


def _clip(name: str) -> np.ndarray:
    from faster_whisper import decode_audio

    return np.asarray(decode_audio(str(audioeval_zh_dir() / name)), dtype=np.float32)


@pytest.fixture(scope="module")
def server(whisper_decoder: WhisperDecoder) -> Iterator[TranscriptionServer]:
    srv = TranscriptionServer(whisper_decoder.model)  # the same model instance: one model on this machine
    yield srv
    srv.stop()


@pytest.fixture(scope="module", params=["whisper", "openai", "sherpa"])
def backend(request: pytest.FixtureRequest, whisper_decoder: WhisperDecoder) -> Iterator[AsrBackend]:
    if request.param == "whisper":
        yield whisper_decoder
    elif request.param == "openai":
        srv = request.getfixturevalue("server")
        client = OpenAICompatBackend(srv.base_url, model="whisper-base", language="zh", timeout_s=60)
        yield client
        client.close()
    else:
        import os

        model_dir = os.environ.get("COPILOT_ASR__SHERPA_MODEL_DIR", "")
        if not model_dir:
            pytest.skip(SHERPA_SKIP)
        yield SherpaOnnxBackend(model_dir)


# ---- the contract ---------------------------------------------------------------------------------------------------
def test_is_an_asr_backend(backend: AsrBackend) -> None:
    assert isinstance(backend, AsrBackend)
    assert backend.name and backend.language == "zh"


def test_transcribes_a_real_mandarin_recording(backend: AsrBackend) -> None:
    result = backend.decode_utterance(_clip("nihao_shijie.wav"), lang="zh")
    assert "你好" in result.text  # whisper-base: 你好世界 in a short window, 你好事件 in a 30 s one
    assert result.audio_s == pytest.approx(1.41, abs=0.05)
    assert result.backend == backend.name
    assert not assess(result, expected_lang="zh").low  # a clean recording is not gated


def test_a_too_short_clip_is_empty_not_invented(backend: AsrBackend) -> None:
    assert backend.decode_utterance(np.zeros(800, dtype=np.float32), lang="zh").text == ""


def test_silence_never_comes_back_as_confident_text(backend: AsrBackend) -> None:
    result = backend.decode_utterance(silence(2.0), lang="zh")
    assert result.text.strip() == "" or assess(result, expected_lang="zh").low


def test_a_voice_message_gives_ordered_segments(backend: AsrBackend) -> None:
    audio = np.concatenate([silence(0.5), _clip("nihao_shijie.wav"), silence(1.5), _clip("pangrama.wav")])
    result = backend.transcribe_file(audio, lang="zh")
    assert "你好" in result.text and "天地" in result.text
    starts = [s["start"] for s in result.segments]  # speech ≤ 20 s apart is decoded as one group
    assert starts == sorted(starts) and len(starts) >= 1 and starts[0] >= 0.3
    assert all(s["end"] > s["start"] for s in result.segments)


def test_behind_the_asr_worker_and_the_transcriber_port(backend: AsrBackend) -> None:
    service = AsrService(lambda: backend, max_calls=1)
    try:
        transcriber = WhisperTranscriber(service)
        assert isinstance(transcriber, Transcriber)
        transcript = transcriber.transcribe(to_pcm16(_clip("nihao_shijie.wav")), fmt="pcm16", lang="zh")
        assert "你好" in transcript.text and transcript.model
        assert transcript.signals["asr_low_confidence"] == 0.0
    finally:
        service.close()


# ---- what each backend refuses, and how --------------------------------------------------------------------------
def test_openai_backend_needs_a_url() -> None:
    with pytest.raises(UserError) as err:
        OpenAICompatBackend("")
    assert err.value.reason == "asr_endpoint_missing"


def test_openai_backend_unreachable_is_backend_unavailable() -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = OpenAICompatBackend(f"http://127.0.0.1:{port}/v1", timeout_s=5)
    with pytest.raises(BackendUnavailable) as err:
        client.decode_utterance(silence(1.0))
    assert err.value.reason == "asr_endpoint_unavailable"


def test_openai_backend_reports_a_server_error(server: TranscriptionServer) -> None:
    client = OpenAICompatBackend(server.base_url.replace("/v1", "/v2"), timeout_s=10)  # wrong path: 404
    with pytest.raises(BackendUnavailable) as err:
        client.decode_utterance(silence(1.0))
    assert err.value.reason == "asr_endpoint_error" and "404" in err.value.message


@pytest.mark.parametrize("where", ["", "does-not-exist"])
def test_sherpa_missing_directory_is_a_clear_error(tmp_path: Path, where: str) -> None:
    with pytest.raises(UserError) as err:
        find_sherpa_model(str(tmp_path / where) if where else "")
    assert err.value.reason == "asr_model_missing"


def test_sherpa_directory_without_tokens_or_model_is_invalid(tmp_path: Path) -> None:
    with pytest.raises(UserError) as err:
        find_sherpa_model(tmp_path)
    assert err.value.reason == "asr_model_invalid" and "tokens.txt" in err.value.message
    (tmp_path / "tokens.txt").write_text("<blk> 0\n")
    with pytest.raises(UserError) as err:
        find_sherpa_model(tmp_path)
    assert err.value.reason == "asr_model_invalid" and "model*.onnx" in err.value.message
    (tmp_path / "encoder.onnx").write_bytes(b"x")
    (tmp_path / "decoder.onnx").write_bytes(b"x")
    with pytest.raises(UserError) as err:  # an offline transducer needs its joiner too
        find_sherpa_model(tmp_path, "transducer")
    assert "joiner" in err.value.message


def test_sherpa_picks_offline_or_streaming_by_settings(tmp_path: Path) -> None:
    (tmp_path / "tokens.txt").write_text("<blk> 0\n")
    for name in ("encoder-epoch-99.onnx", "encoder-epoch-99.int8.onnx", "decoder.onnx", "joiner.onnx"):
        (tmp_path / name).write_bytes(b"x")
    assert find_sherpa_model(tmp_path).kind == "transducer"
    files = find_sherpa_model(tmp_path, streaming=True)
    assert (
        files.kind == "streaming_transducer" and files.encoder is not None and ".int8." in files.encoder.name
    )


@pytest.mark.parametrize("streaming", [False, True])
def test_sherpa_runtime_refuses_a_corrupt_model_with_a_user_error(tmp_path: Path, streaming: bool) -> None:
    """The real sherpa-onnx runtime is asked to load garbage: the deployer gets asr_model_invalid, not a crash."""
    pytest.importorskip("sherpa_onnx")
    (tmp_path / "tokens.txt").write_text("<blk> 0\na 1\n")
    names = ("encoder.onnx", "decoder.onnx", "joiner.onnx") if streaming else ("model.onnx",)
    for name in names:
        (tmp_path / name).write_bytes(np.random.default_rng(0).bytes(2048))
    with pytest.raises(UserError) as err:
        build_backend("sherpa", cache_dir=tmp_path, sherpa_model_dir=str(tmp_path), streaming=streaming)
    assert err.value.reason == "asr_model_invalid"
    assert ("streaming_transducer" if streaming else "sense_voice") in err.value.message


def test_unknown_backend_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UserError) as err:
        build_backend("kaldi", cache_dir=tmp_path)  # type: ignore[arg-type]
    assert err.value.reason == "asr_backend_unknown"
