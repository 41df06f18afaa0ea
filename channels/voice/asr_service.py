"""One shared ASR worker for every live call and chat voice message.

Whisper saturates both cores, so jobs run one at a time on a single worker thread, in this order:
1. finals (FIFO, never dropped: each is a customer turn the graph must see),
2. chat voice messages (`transcribe_file`),
3. final-grade decodes started at a pause (they usually become the final), oldest first,
4. display-only partials, one pending per call at most, picked round-robin by the call served longest ago. A partial
   reads the call's newest audio when it starts (not when it was queued), so under load partials just come less
   often — they degrade, finals do not.
Calls above `max_calls` are refused with `CallLimitExceeded` so the client can be told.
"""

from __future__ import annotations

import collections
import concurrent.futures
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from os import PathLike
from typing import Any

import numpy as np

from channels.voice.backends import AsrBackend, BackendKind, SherpaModelType, build_backend
from channels.voice.decoder import SAMPLE_RATE, DecodeResult
from channels.voice.prompt import tenant_prompt
from channels.voice.vocabulary import VocabularyCorrector
from contract.errors import BackendUnavailable, InputError

# A display-only partial may add this many tokens per second of new audio to its predecessor's count (Mandarin runs
# ~5-6 characters per second; whisper-base loops cost ~10 ms per token), plus a small slack for a rewritten ending.
PARTIAL_TOKENS_PER_S = 8
PARTIAL_SLACK_TOKENS = 4

# A partial job returns the decode and how many samples of the utterance it covered (for promotion to the final).
PartialSnapshot = Callable[[], "tuple[np.ndarray, int] | None"]


class CallLimitExceeded(BackendUnavailable):
    """More live calls than the ASR worker can serve; the client should retry later or fall back to no assist."""


@dataclass
class _Job:
    kind: str  # final | batch | partial
    call_id: str
    run: Callable[[AsrBackend], Any]
    label: str = ""  # what the stats call it (default: kind); a final-grade partial is "speculative"
    future: concurrent.futures.Future[Any] = field(default_factory=concurrent.futures.Future)
    queued_at: float = field(default_factory=time.perf_counter)


class AsrService:
    def __init__(
        self,
        decoder_factory: Callable[[], AsrBackend],
        *,
        max_calls: int = 4,
        language: str = "zh",
        initial_prompt: str = "",
        hotwords: list[str] | None = None,
        corrector: VocabularyCorrector | None = None,
    ) -> None:
        self._decoder_factory = decoder_factory
        self.max_calls = max_calls
        self.language = language
        # hotwords (tenant product names) become the initial prompt unless one is given explicitly. Off by default in
        # the wiring: primed with product names, Whisper base invents product codes; `corrector` applies them after.
        self.initial_prompt = initial_prompt or (tenant_prompt(hotwords) if hotwords else "")
        self.corrector = corrector
        self.backend_name = ""
        self._decoder: AsrBackend | None = None
        self._cond = threading.Condition()
        self._finals: collections.deque[_Job] = collections.deque()
        self._batch: collections.deque[_Job] = collections.deque()
        self._partials: dict[str, _Job] = {}
        self._last_served: dict[str, float] = {}
        self._calls: set[str] = set()
        self._thread: threading.Thread | None = None
        self._closed = False
        self.stats: dict[str, float] = collections.defaultdict(float)

    @classmethod
    def from_model_cache(
        cls,
        cache_dir: str | PathLike[str],
        *,
        model_dir: str = "",
        cpu_threads: int = 2,
        beam_size: int = 1,
        language: str = "zh",
        backend: BackendKind = "whisper",
        sherpa_model_dir: str = "",
        sherpa_model_type: SherpaModelType = "auto",
        streaming: bool = False,
        base_url: str = "",
        api_key: str = "",
        model: str = "whisper-1",
        timeout_s: float = 30.0,
        **kwargs: Any,
    ) -> AsrService:
        """`backend` (settings.asr.backend): whisper = `model_dir` (any CTranslate2 Whisper directory) or, empty, the
        offline whisper-base from the wheels joined into `cache_dir`; sherpa = a sherpa-onnx model directory; openai =
        an OpenAI-compatible transcription server. Loaded lazily, on the worker thread."""

        def factory() -> AsrBackend:
            return build_backend(
                backend, cache_dir=cache_dir, model_dir=model_dir, language=language, beam_size=beam_size,
                cpu_threads=cpu_threads, sherpa_model_dir=sherpa_model_dir, sherpa_model_type=sherpa_model_type,
                streaming=streaming, base_url=base_url, api_key=api_key, model=model, timeout_s=timeout_s,
            )  # fmt: skip

        return cls(factory, language=language, **kwargs)

    def correct(self, result: DecodeResult) -> DecodeResult:
        """The tenant vocabulary after decoding (codes, spoken digits, pinyin-near terms); the heard text is kept."""
        if self.corrector is None or not result.text:
            return result
        fixed = self.corrector.correct(result.text)
        if fixed.text != result.text:
            result.heard_text, result.text = result.text, fixed.text
            result.corrections = [(c.heard, c.corrected) for c in fixed.corrections]
        return result

    # ---- calls -------------------------------------------------------------------------------------------------
    def open_call(self, call_id: str) -> None:
        with self._cond:
            if self._closed:
                raise BackendUnavailable("the ASR service is shut down", reason="asr_closed")
            if call_id in self._calls:
                raise InputError(f"call {call_id!r} is already streaming", reason="call_id_in_use")
            if len(self._calls) >= self.max_calls:
                raise CallLimitExceeded(
                    f"{len(self._calls)} calls are live, the limit is {self.max_calls}: no live assist for this call",
                    reason="call_limit",
                    max_calls=self.max_calls,
                )
            self._calls.add(call_id)

    def close_call(self, call_id: str) -> None:
        """Drops the call's pending partial; its finals still run (they are already queued)."""
        with self._cond:
            self._calls.discard(call_id)
            keys = [k for k in self._partials if k.split("\x1f")[0] == call_id]
            jobs = [self._partials.pop(k) for k in keys]
            for key in [k for k in self._last_served if k.split("\x1f")[0] == call_id]:
                del self._last_served[key]
        for job in jobs:
            job.future.set_result(None)

    @property
    def active_calls(self) -> int:
        with self._cond:
            return len(self._calls)

    def pending(self) -> dict[str, int]:
        with self._cond:
            return {"finals": len(self._finals), "batch": len(self._batch), "partials": len(self._partials)}

    # ---- submit ------------------------------------------------------------------------------------------------
    def prompt_for(self, lang: str | None) -> str:
        """The tenant prompt is written in the service language; another language gets none (it would be misread)."""
        return self.initial_prompt if (lang or self.language) == self.language else ""

    def submit_final(
        self, call_id: str, audio: np.ndarray, *, lang: str | None = None
    ) -> concurrent.futures.Future[DecodeResult]:
        prompt = self.prompt_for(lang)
        job = _Job(
            "final",
            call_id,
            lambda d: self.correct(d.decode_utterance(audio, lang=lang, initial_prompt=prompt)),
        )
        return self._enqueue(job)

    def submit_partial(
        self,
        call_id: str,
        snapshot: PartialSnapshot,
        slot: str = "",
        *,
        lang: str | None = None,
        final_grade: bool = False,
        previous: tuple[int, int] | None = None,
    ) -> concurrent.futures.Future[Any]:
        """Resolves to (DecodeResult, covered_samples), or None when the call ended, the utterance ended first, or a
        newer partial for the same call/slot replaced it.

        `final_grade=True` (the speculative decode at a pause, which may be promoted to the final): exactly the final's
        settings. Otherwise a display-only partial: greedy, no language step, and a token budget that grows from the
        previous decode of the same utterance (`previous` = (covered_samples, n_tokens), none for the first) by what
        the new audio can hold, so a looping partial stops early (the final always gets the full budget)."""

        def run(decoder: AsrBackend) -> tuple[DecodeResult, int] | None:
            snap = snapshot()
            if snap is None:
                return None
            audio, covered = snap
            prompt = self.prompt_for(lang)
            if final_grade:
                result = decoder.decode_utterance(audio, lang=lang, initial_prompt=prompt)
            else:
                done_samples, done_tokens = previous or (0, 0)
                new_s = max(0, covered - done_samples) / SAMPLE_RATE
                budget = done_tokens + PARTIAL_SLACK_TOKENS + int(PARTIAL_TOKENS_PER_S * new_s)
                result = decoder.decode_utterance(
                    audio, lang=lang, initial_prompt=prompt, max_new_tokens=budget,
                    detect_language=False, greedy=True,
                )  # fmt: skip
            return self.correct(result), covered

        label = "speculative" if final_grade else "partial"
        return self._enqueue(_Job("partial", f"{call_id}\x1f{slot}", run, label=label))

    def transcribe_file(
        self, audio: np.ndarray, *, lang: str | None = None, timeout_s: float = 300.0
    ) -> DecodeResult:
        """Blocking: a whole voice message (VAD groups → short-window decodes). Call from a thread, not the loop."""
        job = _Job(
            "batch",
            "",
            lambda d: self.correct(
                d.transcribe_file(audio, lang=lang or self.language, initial_prompt=self.prompt_for(lang))
            ),
        )
        try:
            return self._enqueue(job).result(timeout=timeout_s)  # type: ignore[no-any-return]
        except concurrent.futures.TimeoutError as exc:
            raise BackendUnavailable(
                f"ASR did not answer within {timeout_s:.0f} s", reason="asr_timeout"
            ) from exc

    def decode_now(self, audio: np.ndarray, *, max_new_tokens: int | None = None) -> DecodeResult:
        """Blocking short-window decode through the queue (used by benchmarks and tests)."""
        job = _Job("final", "", lambda d: d.decode_utterance(audio, max_new_tokens=max_new_tokens))
        return self._enqueue(job).result()  # type: ignore[no-any-return]

    def _enqueue(self, job: _Job) -> concurrent.futures.Future[Any]:
        with self._cond:
            if self._closed:
                raise BackendUnavailable("the ASR service is shut down", reason="asr_closed")
            if job.kind == "partial" and job.call_id.split("\x1f")[0] not in self._calls:
                job.future.set_result(None)  # the call already hung up
                return job.future
            if job.kind == "partial":
                old = self._partials.pop(job.call_id, None)
                if old is not None:
                    old.future.set_result(None)
                self._partials[job.call_id] = job
            else:
                (self._finals if job.kind == "final" else self._batch).append(job)
            self._ensure_worker()
            self._cond.notify()
        return job.future

    # ---- worker ------------------------------------------------------------------------------------------------
    def _ensure_worker(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._work, name="asr-worker", daemon=True)
            self._thread.start()

    def _next_job(self) -> _Job | None:
        if self._finals:
            return self._finals.popleft()
        if self._batch:
            return self._batch.popleft()
        if self._partials:
            # a pause's final-grade decode is probably its turn's final (promoted, nothing decoded twice): it goes
            # before display-only partials, oldest first; those are picked round-robin
            graded = [k for k, j in self._partials.items() if j.label == "speculative"]
            if graded:
                call_id = min(graded, key=lambda k: self._partials[k].queued_at)
            else:
                call_id = min(self._partials, key=lambda c: self._last_served.get(c, 0.0))
            self._last_served[call_id] = time.perf_counter()
            return self._partials.pop(call_id)
        return None

    def _work(self) -> None:
        while True:
            with self._cond:
                while not self._closed and not (self._finals or self._batch or self._partials):
                    self._cond.wait()
                if self._closed:
                    return
                job = self._next_job()
            if job is None or not job.future.set_running_or_notify_cancel():
                continue
            try:
                if self._decoder is None:
                    self._decoder = self._decoder_factory()
                    self.backend_name = str(getattr(self._decoder, "name", ""))
                started, cpu0 = time.perf_counter(), time.process_time()
                result = job.run(self._decoder)
                label = job.label or job.kind
                self.stats[f"{label}_jobs"] += 1
                self.stats[f"{label}_wait_s"] += started - job.queued_at
                # process CPU while the job ran (the decoder computes in its own threads); includes whatever else
                # this process did meanwhile, so it is an upper bound per job
                self.stats[f"{label}_cpu_s"] += time.process_time() - cpu0
                self.stats["busy_s"] += time.perf_counter() - started
                job.future.set_result(result)
            except Exception as exc:  # handed to the awaiting caller as a value; the worker keeps serving
                job.future.set_exception(exc)

    def warm_up(self) -> None:
        """Loads the model (once) and runs one tiny decode so the first call does not pay for it."""
        self.decode_now(np.zeros(16_000, dtype=np.float32), max_new_tokens=4)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            pending = [*self._finals, *self._batch, *self._partials.values()]
            self._finals.clear()
            self._batch.clear()
            self._partials.clear()
            self._cond.notify_all()
        for job in pending:
            job.future.cancel()
        if self._thread is not None:
            self._thread.join(timeout=30)
