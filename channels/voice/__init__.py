"""Voice: live call ASR over WebSocket and chat voice-message transcription (faster-whisper, offline whisper-base)."""

import os

# CTranslate2 runs on libgomp: its default spin-waiting threads burned ~2x the CPU per decode on the shared 2-core box
# (0.52 vs 0.30 CPU-s for a 4 s utterance, evals/results/bench_voice.md). Set before ctranslate2 is first loaded;
# an explicit setting in the environment wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from channels.voice.asr_service import AsrService, CallLimitExceeded
from channels.voice.backends import AsrBackend, OpenAICompatBackend, SherpaOnnxBackend, build_backend
from channels.voice.call import CallConfig, CallSession, SilenceTimeout
from channels.voice.confidence import Confidence, assess
from channels.voice.decoder import DecodeResult, WhisperDecoder
from channels.voice.models import ensure_whisper_base, load_whisper
from channels.voice.router import build_voice_router
from channels.voice.signals import count_fillers, turn_signals
from channels.voice.transcriber import AsrTranscriber, WhisperTranscriber, decode_voice_bytes, tenant_prompt
from channels.voice.vocabulary import VocabularyCorrector

__all__ = [
    "AsrBackend",
    "AsrService",
    "AsrTranscriber",
    "Confidence",
    "OpenAICompatBackend",
    "SherpaOnnxBackend",
    "VocabularyCorrector",
    "assess",
    "build_backend",
    "CallConfig",
    "CallLimitExceeded",
    "CallSession",
    "DecodeResult",
    "SilenceTimeout",
    "WhisperDecoder",
    "WhisperTranscriber",
    "build_voice_router",
    "count_fillers",
    "decode_voice_bytes",
    "ensure_whisper_base",
    "load_whisper",
    "tenant_prompt",
    "turn_signals",
]
