"""Whisper decoding for short utterances with a short encoder window, plus the standard faster-whisper path for files.

faster-whisper pads every segment to 30 s before the encoder. CTranslate2's Whisper encoder also accepts fewer mel frames
(the whisper.cpp `audio_ctx` idea): on 2 cores the base encoder takes ~1.1 s for 30 s but ~0.1-0.2 s for a 3-10 s window,
and the text on our Mandarin samples came out the same or better (evals/results/bench_voice.md). Live-call utterances
are short and already cut by the VAD, so they take this path; chat voice messages too (`transcribe_file`: Silero VAD
groups → the same decoder). `transcribe_whole` is faster-whisper's own long-form loop, kept as the offline reference; its
lazy `segments` generator is consumed right there, in the worker thread that calls it, never on an event loop.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from channels.voice.prompt import strip_prompt_echo

SAMPLE_RATE = 16_000
FRAMES_PER_S = 100  # whisper mel hop = 10 ms
MIN_WINDOW_FRAMES = 300  # below ~3 s of context the base model starts to invent text
MAX_WINDOW_S = 30.0


@dataclass
class DecodeResult:
    text: str
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0
    audio_s: float = 0.0
    cpu_s: float = 0.0  # process CPU (CTranslate2 computes in its own threads, so thread time would miss it)
    wall_s: float = 0.0
    segments: list[dict[str, Any]] = field(default_factory=list)
    lang: str = ""  # the language the model itself hears ("" when the backend does not say)
    lang_prob: float = 0.0
    loop_cut: bool = False  # a repetition loop was collapsed: the decode went wrong somewhere
    n_tokens: int = 0  # tokens the decoder generated (a partial's token budget grows from its predecessor's)
    backend: str = ""
    heard_text: str = ""  # before the vocabulary post-correction ("" when nothing was corrected)
    corrections: list[tuple[str, str]] = field(default_factory=list)  # (heard, corrected)


def token_budget(audio_s: float, cap: int) -> int:
    """Speech is at most ~12 tokens/s (Mandarin ~5 chars/s); a budget tied to duration stops the base model's loops early."""
    return int(min(cap, 12 + 12 * audio_s))


_DIGIT_CHARS = "0123456789０１２３４５６７８９〇零洞幺一二两三四五六七八九十百千万 -,，、"


def collapse_repeats(text: str, min_repeats: int = 3) -> str:
    """'鲜胎我啥意思?鲜胎我啥意思?鲜胎…' → '鲜胎我啥意思?': a decoding loop, not speech."""
    for size in range(1, len(text) // 2 + 1):
        for start in range(0, len(text) - size * 2 + 1):
            unit = text[start : start + size]
            end = start + size
            while text.startswith(unit, end):
                end += size
            repeats, rest = (end - start) // size, text[end:]
            # a long phrase twice, then cut mid-third by the token budget, is a loop too ('我想追犯意的貴' x 2.5)
            cut_loop = repeats >= 2 and size >= 4 and bool(rest) and unit.startswith(rest)
            # one character: only a long run is a loop ('祝祝祝祝祝…'); '喂喂喂' and '哈哈哈' are speech
            single_loop = size == 1 and unit.isalnum() and repeats >= 5
            if unit.strip(_DIGIT_CHARS) == "":
                continue  # digits repeat in real numbers (138 0000 0000, 一零零零零): never collapse them
            if (repeats >= min_repeats and (size > 1 or not unit.isalnum())) or cut_loop or single_loop:
                rest = "" if unit.startswith(rest) else rest  # the loop was cut mid-unit by the token budget
                return text[: start + size] + collapse_repeats(rest, min_repeats)
    return text


def _window_frames(n_frames: int) -> int:
    """Round the utterance up to whole seconds plus 0.5 s of padding, within [3 s, 30 s]."""
    padded = n_frames + FRAMES_PER_S // 2
    rounded = -(-padded // FRAMES_PER_S) * FRAMES_PER_S
    return int(min(max(rounded, MIN_WINDOW_FRAMES), int(MAX_WINDOW_S * FRAMES_PER_S)))


MAX_BEAM = 5  # beam 5 on a looping utterance costs ~5x greedy per token; the token budget bounds the rest


def merge_segments(
    segments: list[dict[str, Any]], lang: str, audio_s: float, c0: float, t0: float, backend: str
) -> DecodeResult:
    """One DecodeResult for a whole voice message: texts joined, confidence from the worst segment (one garbled
    group is enough to ask for confirmation), the language of the longest segment."""
    joiner = "" if lang in ("zh", "ja") else " "
    longest = max(segments, key=lambda s: s["end"] - s["start"], default={})
    return DecodeResult(
        text=joiner.join(s["text"] for s in segments).strip(),
        avg_logprob=min((float(s.get("avg_logprob", 0.0)) for s in segments), default=0.0),
        no_speech_prob=max((float(s.get("no_speech_prob", 0.0)) for s in segments), default=0.0),
        audio_s=audio_s,
        cpu_s=time.process_time() - c0,
        wall_s=time.perf_counter() - t0,
        segments=segments,
        lang=str(longest.get("lang", "")),
        lang_prob=float(longest.get("lang_prob", 0.0)),
        loop_cut=any(s.get("loop_cut") for s in segments),
        backend=backend,
    )


class WhisperDecoder:
    """Thin, thread-confined wrapper over a faster-whisper WhisperModel (call it from one worker thread)."""

    name = "whisper"

    def __init__(
        self,
        model: Any,
        *,
        language: str = "zh",
        beam_size: int = 1,
        max_new_tokens: int = 96,
        detect_language: bool = True,
    ):
        from faster_whisper.tokenizer import Tokenizer

        self.model = model
        self.language = language
        self.beam_size = max(1, min(int(beam_size), MAX_BEAM))
        self.detect_language = detect_language
        self.max_new_tokens = max_new_tokens
        self._tokenizer_cls = Tokenizer
        self._tokenizers: dict[str, Any] = {}
        self._prompt_cache: dict[tuple[str, str], list[int]] = {}

    def _tokenizer(self, lang: str) -> Any:
        if lang not in self._tokenizers:
            self._tokenizers[lang] = self._tokenizer_cls(
                self.model.hf_tokenizer, self.model.model.is_multilingual, task="transcribe", language=lang
            )
        return self._tokenizers[lang]

    def _prompt(self, lang: str, initial_prompt: str) -> list[int]:
        key = (lang, initial_prompt)
        if key not in self._prompt_cache:
            tok = self._tokenizer(lang)
            prompt: list[int] = []
            if initial_prompt:
                prompt = [tok.sot_prev, *tok.encode(" " + initial_prompt.strip())[-100:]]
            self._prompt_cache[key] = [*prompt, *tok.sot_sequence, tok.no_timestamps]
        return self._prompt_cache[key]

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
        """One greedy/beam pass over an utterance (≤ 30 s of 16 kHz float32) with a window sized to it. Display-only
        partials pass `detect_language=False` (one decoder step, ~14 ms CPU: only finals need it) and `greedy=True`
        (beam 1 whatever the configured beam: a beam of 5 costs ~5x per token)."""
        import ctranslate2

        t0, c0 = time.perf_counter(), time.process_time()
        lang = lang or self.language
        audio = np.asarray(audio, dtype=np.float32)[: int(MAX_WINDOW_S * SAMPLE_RATE)]
        if audio.size < SAMPLE_RATE // 10:
            return DecodeResult(text="", audio_s=audio.size / SAMPLE_RATE)
        feats = self.model.feature_extractor(audio)[:, :-1]
        window = _window_frames(feats.shape[1])
        if feats.shape[1] < window:
            feats = np.pad(feats, ((0, 0), (0, window - feats.shape[1])))
        encoded = self.model.model.encode(
            ctranslate2.StorageView.from_array(np.ascontiguousarray(feats[None, :, :window])), to_cpu=False
        )
        heard, heard_prob = "", 0.0
        if detect_language and self.detect_language and self.model.model.is_multilingual:
            # one decoder step on the encoder output we already have: what language the model hears
            top = self.model.model.detect_language(encoded)[0][0]
            heard, heard_prob = top[0][2:-2], float(top[1])
        tok = self._tokenizer(lang)
        prompt = self._prompt(lang, initial_prompt)
        budget = token_budget(audio.size / SAMPLE_RATE, max_new_tokens or self.max_new_tokens)
        result = self.model.model.generate(
            encoded,
            [prompt],
            beam_size=1 if greedy else self.beam_size,
            max_length=len(prompt) + budget,
            return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=[-1],
            no_repeat_ngram_size=0,
            repetition_penalty=1.1,  # the base model loops on Mandarin; a mild penalty cuts it without hurting text
        )[0]
        ids = [t for t in result.sequences_ids[0] if t < tok.eot]
        raw = tok.decode(ids).replace("\ufffd", "").strip()  # U+FFFD: a character cut by the token budget
        collapsed = collapse_repeats(raw)
        text = strip_prompt_echo(collapsed, initial_prompt)
        # CTranslate2 returns the length-normalised score; faster-whisper's avg_logprob is cum / (len + 1)
        n_tokens = len(result.sequences_ids[0])
        avg_logprob = float(result.scores[0]) * n_tokens / (n_tokens + 1) if result.scores else 0.0
        return DecodeResult(
            text=text,
            lang=heard,
            lang_prob=heard_prob,
            loop_cut=collapsed != raw or (n_tokens >= budget and bool(raw)),
            n_tokens=n_tokens,
            backend=self.name,
            avg_logprob=avg_logprob,
            no_speech_prob=float(result.no_speech_prob),
            audio_s=audio.size / SAMPLE_RATE,
            cpu_s=time.process_time() - c0,
            wall_s=time.perf_counter() - t0,
        )

    def transcribe_file(
        self,
        audio: np.ndarray,
        *,
        lang: str | None = None,
        initial_prompt: str = "",
        max_group_s: float = 20.0,
    ) -> DecodeResult:
        """A whole voice message: Silero VAD finds the speech, nearby speech is grouped into windows ≤ `max_group_s`,
        and each group goes through the short-window decoder (3-10x cheaper than faster-whisper's 30 s windows with
        temperature fallback, which took 40 s on one looping espeak clip). Segment times come from the VAD."""
        from faster_whisper.vad import VadOptions, get_speech_timestamps

        t0, c0 = time.perf_counter(), time.process_time()
        spans = get_speech_timestamps(audio, VadOptions(min_silence_duration_ms=300, speech_pad_ms=150))
        groups: list[list[dict[str, int]]] = []
        for span in spans:
            if groups and span["end"] - groups[-1][0]["start"] <= max_group_s * SAMPLE_RATE:
                groups[-1].append(span)
            else:
                groups.append([span])
        segments: list[dict[str, Any]] = []
        for group in groups:
            start, end = group[0]["start"], group[-1]["end"]
            res = self.decode_utterance(audio[start:end], lang=lang, initial_prompt=initial_prompt)
            if res.text and not (res.no_speech_prob > 0.6 and res.avg_logprob < -0.7):
                segments.append({"start": round(start / SAMPLE_RATE, 2), "end": round(end / SAMPLE_RATE, 2),
                                 "text": res.text, "avg_logprob": res.avg_logprob,
                                 "no_speech_prob": res.no_speech_prob, "lang": res.lang, "lang_prob": res.lang_prob,
                                 "loop_cut": res.loop_cut,
                                 "speech_spans": [(sp["start"] / SAMPLE_RATE, sp["end"] / SAMPLE_RATE) for sp in group]})  # fmt: skip
        return merge_segments(segments, lang or self.language, audio.size / SAMPLE_RATE, c0, t0, self.name)

    def transcribe_whole(
        self, audio: np.ndarray, *, lang: str | None = None, initial_prompt: str = ""
    ) -> DecodeResult:
        """faster-whisper's own long-form loop (30 s windows, beam as configured): the offline reference in the bench.
        Its lazy `segments` generator is consumed here, in the calling worker thread, never on an event loop."""
        t0, c0 = time.perf_counter(), time.process_time()
        segments_iter, _info = self.model.transcribe(
            audio,
            language=lang or self.language,
            beam_size=self.beam_size,
            initial_prompt=initial_prompt or None,
        )  # everything else at faster-whisper's defaults (temperature fallback on): the reference as people run it
        segments = [
            {"start": round(s.start, 2), "end": round(s.end, 2), "text": s.text.strip()}
            for s in segments_iter
        ]
        joiner = "" if (lang or self.language) in ("zh", "ja") else " "
        return DecodeResult(
            text=collapse_repeats(joiner.join(s["text"] for s in segments).strip()),
            audio_s=audio.size / SAMPLE_RATE,
            cpu_s=time.process_time() - c0,
            wall_s=time.perf_counter() - t0,
            segments=segments,
        )
