"""VAD-driven utterance segmentation for one audio channel (a pipecat-style processor: push audio, get events).

Speech starts when a 32 ms frame's speech probability crosses `start_threshold` (200 ms of pre-roll is kept so the first
syllable is not clipped); it ends after `min_silence_ms` below `end_threshold`. Utterances longer than `max_utterance_s`
are cut (Whisper's window is 30 s; short finals also reach the agent sooner). Times are seconds of call audio.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np

from channels.voice.vad import FRAME, FrameVad

SR = 16_000


@dataclass
class Utterance:
    utt_id: str
    speaker: str
    start_sample: int  # call-relative, 16 kHz, including pre-roll
    speech_start_sample: int = 0  # call-relative: the first frame the VAD called speech
    chunks: list[np.ndarray] = field(default_factory=list)
    n_samples: int = 0
    last_voiced_end: int = 0  # utterance-relative sample just after the last speech frame
    voiced_samples: int = 0
    internal_pauses_s: list[float] = field(default_factory=list)
    end_sample: int = 0
    forced_cut: bool = False
    cut_off: bool = (
        False  # the call ended (hang-up / dropped connection) while this utterance was still voiced
    )

    @property
    def start_s(self) -> float:
        return self.start_sample / SR

    @property
    def end_s(self) -> float:
        return self.end_sample / SR

    def audio(self, upto: int | None = None) -> np.ndarray:
        audio = np.concatenate(self.chunks) if self.chunks else np.zeros(0, dtype=np.float32)
        return audio if upto is None else audio[:upto]


@dataclass
class SegmentEvent:
    kind: str  # start | end
    utterance: Utterance


class UtteranceSegmenter:
    def __init__(
        self,
        speaker: str,
        vad: FrameVad,
        *,
        id_prefix: str = "",
        start_threshold: float = 0.5,
        end_threshold: float = 0.35,
        min_silence_ms: int = 300,
        pre_roll_ms: int = 200,
        tail_pad_ms: int = 200,
        max_utterance_s: float = 15.0,
    ) -> None:
        self.speaker = speaker
        self.vad = vad
        self.id_prefix = id_prefix or speaker
        self.start_threshold = start_threshold
        self.end_threshold = end_threshold
        self.min_silence = int(min_silence_ms * SR / 1000)
        self.pre_roll_frames = max(1, pre_roll_ms * SR // 1000 // FRAME)
        self.tail_pad = int(tail_pad_ms * SR / 1000)
        self.max_samples = int(max_utterance_s * SR)
        self.lock = threading.Lock()  # the ASR worker snapshots the open utterance while the loop appends
        self.current: Utterance | None = None
        self.samples_seen = 0  # call-relative position (16 kHz) of the next frame
        self.last_speech_end_sample = 0  # for silence time-outs and pause-before-answer
        self.voiced_spans: list[
            tuple[float, float]
        ] = []  # recent speech (s), for overlap with the other speaker
        self._pending = np.zeros(0, dtype=np.float32)
        self._pre_roll: list[np.ndarray] = []
        self._silence_run = 0
        self._count = 0

    @property
    def trailing_silence(self) -> int:
        return self._silence_run

    def push(self, audio: np.ndarray) -> list[SegmentEvent]:
        events: list[SegmentEvent] = []
        data = np.concatenate([self._pending, audio.astype(np.float32, copy=False)])
        n_frames = data.size // FRAME
        self._pending = data[n_frames * FRAME :]
        for i in range(n_frames):
            events.extend(self._frame(data[i * FRAME : (i + 1) * FRAME]))
        return events

    def _frame(self, frame: np.ndarray) -> list[SegmentEvent]:
        p = self.vad.prob(frame)
        pos = self.samples_seen
        self.samples_seen += FRAME
        utt = self.current
        if utt is None:
            self._pre_roll = [*self._pre_roll, frame][-self.pre_roll_frames :]
            if p < self.start_threshold:
                return []
            self._count += 1
            start = pos - FRAME * (len(self._pre_roll) - 1)
            utt = Utterance(f"{self.id_prefix}-{self._count}", self.speaker, start, speech_start_sample=pos)
            with self.lock:
                utt.chunks, utt.n_samples = list(self._pre_roll), FRAME * len(self._pre_roll)
            utt.last_voiced_end, utt.voiced_samples = utt.n_samples, FRAME
            self._pre_roll, self._silence_run, self.current = [], 0, utt
            self._mark_voiced(pos)
            return [SegmentEvent("start", utt)]
        with self.lock:
            utt.chunks.append(frame)
            utt.n_samples += FRAME
        if p >= self.end_threshold:
            if self._silence_run >= FRAME * 4:  # a gap inside the turn: a hesitation candidate
                utt.internal_pauses_s.append(self._silence_run / SR)
            self._silence_run = 0
            utt.last_voiced_end = utt.n_samples
            utt.voiced_samples += FRAME
            self._mark_voiced(pos)
        else:
            self._silence_run += FRAME
        if self._silence_run >= self.min_silence:
            return [self._close(utt, forced=False)]
        if utt.n_samples >= self.max_samples:
            return [self._close(utt, forced=True)]
        return []

    def _mark_voiced(self, pos: int) -> None:
        start, end = pos / SR, (pos + FRAME) / SR
        if self.voiced_spans and start - self.voiced_spans[-1][1] < 0.05:
            self.voiced_spans[-1] = (self.voiced_spans[-1][0], end)
        else:
            self.voiced_spans.append((start, end))
            del self.voiced_spans[:-200]
        self.last_speech_end_sample = pos + FRAME

    def _close(self, utt: Utterance, *, forced: bool) -> SegmentEvent:
        keep = utt.n_samples if forced else min(utt.n_samples, utt.last_voiced_end + self.tail_pad)
        with self.lock:
            audio = utt.audio(keep)
            utt.chunks, utt.n_samples = [audio], keep
        utt.end_sample = utt.start_sample + (keep if forced else utt.last_voiced_end)
        utt.forced_cut = forced
        self.current, self._silence_run = None, 0
        return SegmentEvent("end", utt)

    def flush(self) -> list[SegmentEvent]:
        """Hang-up: close the open utterance however short its trailing silence is (never lose the last words).
        An utterance still voiced in its last 100 ms is marked `cut_off` (a dropped connection mid-word)."""
        events = (
            self.push(np.zeros(FRAME - self._pending.size, dtype=np.float32)) if self._pending.size else []
        )
        if self.current is not None:
            self.current.cut_off = self._silence_run < SR // 10
            events.append(self._close(self.current, forced=False))
        return events

    def snapshot(self, utt: Utterance) -> tuple[np.ndarray, int] | None:
        """Audio of `utt` so far (called from the ASR worker). None once it has ended: its final takes over."""
        with self.lock:
            if self.current is not utt:
                return None
            return utt.audio(), utt.n_samples
