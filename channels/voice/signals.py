"""Pause and prosody signals for a customer turn; they travel as VoicePart.signals into the graph as intent signals.

Hesitation (fillers, long pauses before answering, slow speech) is a cue for doubt or a price objection; overlap is a cue
for interruption / frustration. All values are floats so they fit `dict[str, float]`.
"""

from __future__ import annotations

import re

FILLERS_ZH = ("嗯", "呃", "额", "那个", "就是", "这个")
FILLERS_EN = ("uh", "um", "er", "erm", "hmm")
_EN_FILLER_RE = re.compile(r"\b(" + "|".join(FILLERS_EN) + r")\b", re.IGNORECASE)
_CJK_RE = re.compile(r"[\u3400-\u9fff]")
_WORD_RE = re.compile(r"[A-Za-z0-9']+")
LONG_PAUSE_S = 2.0  # a customer who takes > 2 s to answer is hesitating
HESITATION_GAP_S = 0.3


def count_fillers(text: str) -> int:
    zh = sum(text.count(f) for f in FILLERS_ZH)
    return zh + len(_EN_FILLER_RE.findall(text))


def spoken_units(text: str) -> int:
    """Chinese characters plus Latin words (so "AB-100 的价格" counts 3 + 2)."""
    return len(_CJK_RE.findall(text)) + len(_WORD_RE.findall(text))


def overlap_seconds(span: tuple[float, float], others: list[tuple[float, float]]) -> float:
    start, end = span
    return sum(max(0.0, min(end, b) - max(start, a)) for a, b in others)


def pause_and_overlap(
    speech_start_s: float,
    span: tuple[float, float],
    *,
    other_speaker_spans: list[tuple[float, float]] | None,
    previous_turn_end_s: float | None,
) -> tuple[float | None, float]:
    """Stereo: the pause since the other speaker (the agent) stopped, and how long both spoke at once.
    Mono: the gap since the previous turn (no overlap can be seen in one channel)."""
    if other_speaker_spans is not None:
        overlap = overlap_seconds(span, other_speaker_spans)
        if any(a <= speech_start_s < b for a, b in other_speaker_spans):
            return 0.0, overlap  # barged in while the agent was talking
        before = [end for _start, end in other_speaker_spans if end <= speech_start_s + 0.05]
        pause = speech_start_s - before[-1] if before else None
        return pause, overlap
    return (None if previous_turn_end_s is None else speech_start_s - previous_turn_end_s), 0.0


def turn_signals(
    text: str,
    *,
    start_s: float,
    end_s: float,
    voiced_s: float,
    internal_pauses_s: list[float],
    pause_before_s: float | None,
    overlap_s: float = 0.0,
) -> dict[str, float]:
    duration = max(end_s - start_s, 1e-3)
    units = spoken_units(text)
    fillers = count_fillers(text)
    hesitations = [p for p in internal_pauses_s if p >= HESITATION_GAP_S]
    signals = {
        "duration_ms": round(duration * 1000),
        "speech_ms": round(voiced_s * 1000),
        "chars_per_s": round(units / max(voiced_s, 0.2), 2),
        "filler_count": float(fillers),
        "filler_ratio": round(fillers / units, 3) if units else 0.0,
        "hesitation_pauses": float(len(hesitations)),
        "longest_pause_ms": round(max(internal_pauses_s, default=0.0) * 1000),
        "overlap_ms": round(overlap_s * 1000),
        "overlap_ratio": round(min(overlap_s / duration, 1.0), 3),
    }
    if pause_before_s is not None:
        signals["pause_before_ms"] = round(max(pause_before_s, 0.0) * 1000)
        signals["long_pause_before"] = 1.0 if pause_before_s >= LONG_PAUSE_S else 0.0
    return signals
