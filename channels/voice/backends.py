"""ASR backends behind one protocol: local faster-whisper (the default), a sherpa-onnx model directory (offline or
streaming), and any OpenAI-compatible `/v1/audio/transcriptions` server (FunASR, vLLM, a Whisper server …).

Every backend turns 16 kHz mono float32 into a `DecodeResult`; the shared ASR worker (asr_service.py), the confidence
gate (confidence.py) and the vocabulary post-correction (vocabulary.py) work the same on all of them. One contract
suite runs against each (tests/voice/test_asr_contract.py). Settings pick one (copilot/settings.py `asr.backend`).
"""

from __future__ import annotations

import io
import time
import wave
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np

from channels.voice.decoder import SAMPLE_RATE, DecodeResult, collapse_repeats, merge_segments
from contract.errors import BackendUnavailable, UserError

BackendKind = Literal["whisper", "sherpa", "openai"]
SherpaModelType = Literal[
    "auto", "sense_voice", "paraformer", "transducer", "streaming_transducer", "streaming_paraformer"
]


@runtime_checkable
class AsrBackend(Protocol):
    """What the ASR worker calls, always from its one worker thread. `greedy=True, detect_language=False` mark a
    display-only partial: a backend may decode it cheaper (whisper: beam 1, no language step); others ignore them."""

    name: str
    language: str

    def decode_utterance(
        self,
        audio: np.ndarray,
        *,
        lang: str | None = None,
        initial_prompt: str = "",
        max_new_tokens: int | None = None,
        detect_language: bool = True,
        greedy: bool = False,
    ) -> DecodeResult: ...

    def transcribe_file(
        self, audio: np.ndarray, *, lang: str | None = None, initial_prompt: str = ""
    ) -> DecodeResult: ...


def wav_bytes(audio: np.ndarray) -> bytes:
    """16 kHz mono 16-bit WAV in memory (what every transcription server accepts)."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes((np.clip(audio, -1.0, 1.0) * 32767).astype("<i2").tobytes())
    return buf.getvalue()


def _vad_groups(
    audio: np.ndarray, max_group_s: float = 20.0
) -> list[tuple[int, int, list[tuple[float, float]]]]:
    """Speech groups of a voice message by faster-whisper's bundled Silero VAD (no model download)."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    spans = get_speech_timestamps(audio, VadOptions(min_silence_duration_ms=300, speech_pad_ms=150))
    groups: list[list[dict[str, int]]] = []
    for span in spans:
        if groups and span["end"] - groups[-1][0]["start"] <= max_group_s * SAMPLE_RATE:
            groups[-1].append(span)
        else:
            groups.append([span])
    return [
        (g[0]["start"], g[-1]["end"], [(s["start"] / SAMPLE_RATE, s["end"] / SAMPLE_RATE) for s in g])
        for g in groups
    ]


def _file_by_groups(backend: AsrBackend, audio: np.ndarray, lang: str, prompt: str) -> DecodeResult:
    t0, c0 = time.perf_counter(), time.process_time()
    segments: list[dict[str, Any]] = []
    for start, end, spans in _vad_groups(audio):
        res = backend.decode_utterance(audio[start:end], lang=lang, initial_prompt=prompt)
        if res.text:
            segments.append({"start": round(start / SAMPLE_RATE, 2), "end": round(end / SAMPLE_RATE, 2),
                             "text": res.text, "avg_logprob": res.avg_logprob, "no_speech_prob": res.no_speech_prob,
                             "lang": res.lang, "lang_prob": res.lang_prob, "loop_cut": res.loop_cut,
                             "speech_spans": spans})  # fmt: skip
    return merge_segments(segments, lang, audio.size / SAMPLE_RATE, c0, t0, backend.name)


# ---- sherpa-onnx ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SherpaModelFiles:
    kind: SherpaModelType
    tokens: Path
    model: Path | None = None
    encoder: Path | None = None
    decoder: Path | None = None
    joiner: Path | None = None


def _pick(directory: Path, stem: str) -> Path | None:
    """`encoder.int8.onnx` before `encoder.onnx`, any `encoder-epoch-99-avg-1.onnx` style name accepted."""
    found = sorted(directory.glob(f"{stem}*.onnx"), key=lambda p: (".int8." not in p.name, p.name))
    return found[0] if found else None


def find_sherpa_model(
    model_dir: str | Path, model_type: SherpaModelType = "auto", *, streaming: bool = False
) -> SherpaModelFiles:
    """Which files of a sherpa-onnx model directory to load, or a UserError saying what is missing."""
    if not str(model_dir).strip():
        raise UserError(
            "asr.backend=sherpa needs COPILOT_ASR__SHERPA_MODEL_DIR (a sherpa-onnx model directory)",
            reason="asr_model_missing",
        )
    directory = Path(model_dir)
    if not directory.is_dir():
        raise UserError(f"sherpa-onnx model directory {directory} does not exist", reason="asr_model_missing")
    tokens = directory / "tokens.txt"
    if not tokens.is_file():
        raise UserError(
            f"{directory} has no tokens.txt: not a sherpa-onnx model directory", reason="asr_model_invalid"
        )
    encoder, decoder, joiner, model = (_pick(directory, s) for s in ("encoder", "decoder", "joiner", "model"))
    kind: SherpaModelType = model_type
    if kind == "auto":
        if encoder and decoder and joiner:
            kind = "streaming_transducer" if streaming else "transducer"
        elif encoder and decoder and streaming:
            kind = "streaming_paraformer"
        elif model:
            kind = "paraformer" if "paraformer" in directory.name.lower() else "sense_voice"
        else:
            raise UserError(
                f"{directory} holds neither model*.onnx (SenseVoice / Paraformer) nor encoder/decoder[/joiner]*.onnx "
                "(Zipformer transducer, streaming Paraformer)",
                reason="asr_model_invalid",
            )
    needs = {
        "sense_voice": ("model",), "paraformer": ("model",), "transducer": ("encoder", "decoder", "joiner"),
        "streaming_transducer": ("encoder", "decoder", "joiner"), "streaming_paraformer": ("encoder", "decoder"),
    }[kind]  # fmt: skip
    files = {"model": model, "encoder": encoder, "decoder": decoder, "joiner": joiner}
    missing = [n for n in needs if files[n] is None]
    if missing:
        raise UserError(
            f"{directory}: a {kind} model needs {', '.join(f'{n}*.onnx' for n in missing)}",
            reason="asr_model_invalid",
        )
    return SherpaModelFiles(kind, tokens, **{n: files[n] for n in needs})


class SherpaOnnxBackend:
    """A sherpa-onnx recogniser from a model directory the deployer provides (SenseVoice, Paraformer, Zipformer).
    Offline models decode each utterance whole; streaming ones are fed the utterance and finished (the worker still
    schedules partials the same way for every backend). sherpa-onnx gives no token log-probs: confidence then rests on
    loops, language and script checks only."""

    def __init__(
        self,
        model_dir: str | Path,
        *,
        model_type: SherpaModelType = "auto",
        streaming: bool = False,
        language: str = "zh",
        num_threads: int = 2,
    ) -> None:
        self.files = find_sherpa_model(model_dir, model_type, streaming=streaming)
        self.language = language
        self.name = f"sherpa-onnx:{self.files.kind}"
        self.streaming = self.files.kind.startswith("streaming")
        try:
            import sherpa_onnx
        except ImportError as exc:
            raise UserError(
                "sherpa-onnx is not installed: pip install sherpa-onnx==2.0.1", reason="asr_runtime_missing"
            ) from exc
        f, s = self.files, str
        try:
            if f.kind == "sense_voice":
                self._rec: Any = sherpa_onnx.OfflineRecognizer.from_sense_voice(
                    model=s(f.model),
                    tokens=s(f.tokens),
                    num_threads=num_threads,
                    language=language,
                    use_itn=True,
                )
            elif f.kind == "paraformer":
                self._rec = sherpa_onnx.OfflineRecognizer.from_paraformer(
                    paraformer=s(f.model), tokens=s(f.tokens), num_threads=num_threads
                )
            elif f.kind == "transducer":
                self._rec = sherpa_onnx.OfflineRecognizer.from_transducer(
                    encoder=s(f.encoder), decoder=s(f.decoder), joiner=s(f.joiner), tokens=s(f.tokens),
                    num_threads=num_threads,
                )  # fmt: skip
            elif f.kind == "streaming_transducer":
                self._rec = sherpa_onnx.OnlineRecognizer.from_transducer(
                    tokens=s(f.tokens), encoder=s(f.encoder), decoder=s(f.decoder), joiner=s(f.joiner),
                    num_threads=num_threads, sample_rate=SAMPLE_RATE, enable_endpoint_detection=False,
                )  # fmt: skip
            else:
                self._rec = sherpa_onnx.OnlineRecognizer.from_paraformer(
                    tokens=s(f.tokens), encoder=s(f.encoder), decoder=s(f.decoder), num_threads=num_threads,
                    sample_rate=SAMPLE_RATE,
                )  # fmt: skip
        except (RuntimeError, ValueError, TypeError) as exc:  # sherpa reports a bad ONNX file as RuntimeError
            raise UserError(
                f"sherpa-onnx could not load the {f.kind} model in {Path(f.tokens).parent}: {exc}",
                reason="asr_model_invalid",
            ) from exc

    def decode_utterance(
        self,
        audio: np.ndarray,
        *,
        lang: str | None = None,
        initial_prompt: str = "",
        max_new_tokens: int | None = None,
        detect_language: bool = True,
        greedy: bool = False,
    ) -> DecodeResult:
        t0, c0 = time.perf_counter(), time.process_time()
        audio = np.asarray(audio, dtype=np.float32)
        if audio.size < SAMPLE_RATE // 10:
            return DecodeResult(text="", audio_s=audio.size / SAMPLE_RATE, backend=self.name)
        stream = self._rec.create_stream()
        stream.accept_waveform(SAMPLE_RATE, audio)
        if self.streaming:
            stream.accept_waveform(
                SAMPLE_RATE, np.zeros(SAMPLE_RATE // 2, dtype=np.float32)
            )  # flush the lookahead
            stream.input_finished()
            while self._rec.is_ready(stream):
                self._rec.decode_stream(stream)
            raw = str(self._rec.get_result(stream))
        else:
            self._rec.decode_stream(stream)
            raw = str(stream.result.text)
        raw = raw.strip()
        text = collapse_repeats(raw)
        return DecodeResult(text=text, audio_s=audio.size / SAMPLE_RATE, cpu_s=time.process_time() - c0,
                            wall_s=time.perf_counter() - t0, lang=lang or self.language, lang_prob=0.0,
                            loop_cut=text != raw, backend=self.name)  # fmt: skip

    def transcribe_file(
        self, audio: np.ndarray, *, lang: str | None = None, initial_prompt: str = ""
    ) -> DecodeResult:
        return _file_by_groups(self, audio, lang or self.language, initial_prompt)


# ---- OpenAI-compatible server ---------------------------------------------------------------------------------------
class OpenAICompatBackend:
    """POST /audio/transcriptions (multipart WAV, response_format=verbose_json) to `base_url` (…/v1). Segment
    avg_logprob / no_speech_prob / language are used when the server returns them (Whisper servers do)."""

    def __init__(
        self,
        base_url: str,
        *,
        model: str = "whisper-1",
        api_key: str = "",
        language: str = "zh",
        timeout_s: float = 30.0,
    ) -> None:
        if not base_url.strip():
            raise UserError(
                "asr.backend=openai needs COPILOT_ASR__BASE_URL (e.g. http://asr-host:8000/v1)",
                reason="asr_endpoint_missing",
            )
        import httpx

        self.url = base_url.rstrip("/") + "/audio/transcriptions"
        self.model = model
        self.language = language
        self.name = f"openai:{model}"
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(timeout=timeout_s, headers=headers)

    def _post(self, audio: np.ndarray, lang: str, prompt: str) -> dict[str, Any]:
        import httpx

        data = {"model": self.model, "language": lang, "response_format": "verbose_json", "temperature": "0"}
        if prompt:
            data["prompt"] = prompt
        try:
            resp = self._client.post(
                self.url, data=data, files={"file": ("audio.wav", wav_bytes(audio), "audio/wav")}
            )
        except httpx.HTTPError as exc:
            raise BackendUnavailable(
                f"transcription server {self.url} unreachable: {type(exc).__name__}",
                reason="asr_endpoint_unavailable",
            ) from exc
        if resp.status_code != 200:
            raise BackendUnavailable(
                f"transcription server answered {resp.status_code}: {resp.text[:200]}",
                reason="asr_endpoint_error",
            )
        try:
            body = resp.json()
        except ValueError as exc:
            raise BackendUnavailable(
                "transcription server sent no JSON", reason="asr_endpoint_error"
            ) from exc
        if not isinstance(body, dict) or not isinstance(body.get("text"), str):
            raise BackendUnavailable("transcription server sent no 'text'", reason="asr_endpoint_error")
        return body

    def decode_utterance(
        self,
        audio: np.ndarray,
        *,
        lang: str | None = None,
        initial_prompt: str = "",
        max_new_tokens: int | None = None,
        detect_language: bool = True,
        greedy: bool = False,
    ) -> DecodeResult:
        t0, c0 = time.perf_counter(), time.process_time()
        audio = np.asarray(audio, dtype=np.float32)
        lang = lang or self.language
        if audio.size < SAMPLE_RATE // 10:
            return DecodeResult(text="", audio_s=audio.size / SAMPLE_RATE, backend=self.name)
        body = self._post(audio, lang, initial_prompt)
        segs = [s for s in body.get("segments") or [] if isinstance(s, dict)]
        raw = str(body["text"]).strip()
        text = collapse_repeats(raw)
        heard = str(body.get("language") or "")
        heard = {"chinese": "zh", "english": "en"}.get(heard.lower(), heard)
        return DecodeResult(
            text=text,
            avg_logprob=min((float(s.get("avg_logprob", 0.0)) for s in segs), default=0.0),
            no_speech_prob=max((float(s.get("no_speech_prob", 0.0)) for s in segs), default=0.0),
            audio_s=audio.size / SAMPLE_RATE,
            cpu_s=time.process_time() - c0,  # this process only: the server's compute is not ours
            wall_s=time.perf_counter() - t0,
            lang=heard,
            lang_prob=float(body.get("language_probability", 0.0) or 0.0),
            loop_cut=text != raw,
            backend=self.name,
            segments=[
                {"start": s.get("start", 0.0), "end": s.get("end", 0.0), "text": s.get("text", "")}
                for s in segs
            ],
        )

    def transcribe_file(
        self, audio: np.ndarray, *, lang: str | None = None, initial_prompt: str = ""
    ) -> DecodeResult:
        return _file_by_groups(self, audio, lang or self.language, initial_prompt)

    def close(self) -> None:
        self._client.close()


def build_backend(
    kind: BackendKind,
    *,
    cache_dir: str | PathLike[str],
    model_dir: str = "",
    language: str = "zh",
    beam_size: int = 1,
    cpu_threads: int = 2,
    sherpa_model_dir: str = "",
    sherpa_model_type: SherpaModelType = "auto",
    streaming: bool = False,
    base_url: str = "",
    api_key: str = "",
    model: str = "whisper-1",
    timeout_s: float = 30.0,
) -> AsrBackend:
    """The backend the settings name (called lazily, on the ASR worker thread)."""
    if kind == "sherpa":
        return SherpaOnnxBackend(
            sherpa_model_dir,
            model_type=sherpa_model_type,
            streaming=streaming,
            language=language,
            num_threads=cpu_threads,
        )
    if kind == "openai":
        return OpenAICompatBackend(
            base_url, model=model, api_key=api_key, language=language, timeout_s=timeout_s
        )
    if kind != "whisper":
        raise UserError(
            f"unknown ASR backend {kind!r}: whisper | sherpa | openai", reason="asr_backend_unknown"
        )
    from channels.voice.decoder import WhisperDecoder
    from channels.voice.models import ensure_whisper_base, load_whisper

    path = model_dir or ensure_whisper_base(cache_dir)
    return WhisperDecoder(load_whisper(path, cpu_threads=cpu_threads), language=language, beam_size=beam_size)
