"""Is a decoded utterance trustworthy enough to act on? Low confidence is marked, never silently acted on.

Whisper's own numbers are the evidence: the average log-probability of the tokens it chose, its no-speech probability,
the language it hears (one decoder step on the encoder output we already have), a repetition loop cut by
`collapse_repeats` or by the token budget, and phrases it is known to invent on music or noise (subtitle credits).
Thresholds were set on the development clips (pytest-audioeval zh recordings: avg log-prob -0.18 … -0.49; espeak-ng
Mandarin that came out garbled: -0.83 … -1.48) — see evals/results/bench_voice.md for what they catch.

`Confidence.signals()` travels in VoicePart/Transcript signals as floats (`asr_low_confidence` = 1.0 …), which the
graph already carries; the desk gets `low_confidence` and `confidence_reasons` on the final frame.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from channels.voice.decoder import DecodeResult

LOW_LOGPROB = -0.8  # below: more guess than hearing (garbled espeak clips sat at -0.83 … -1.48)
NO_SPEECH = 0.6  # above, with a weak log-prob: Whisper itself thinks nothing was said
FOREIGN_PROB = 0.8  # the model hears another language this surely
# Whisper's well-known inventions on music / silence (subtitle and channel credits), simplified and traditional
HALLUCINATIONS = re.compile(
    r"字幕|詞曲|词曲|作曲|作詞|作词|订阅|訂閱|点赞|點贊|打赏|打賞|谢谢观看|謝謝觀看|明镜|明鏡|Amara|"
    r"(?i:thanks? for watching|subscribe)"
)
_HAN = re.compile(r"[\u3400-\u9fff]")
HAN_LANGS = ("zh", "yue", "ja")


@dataclass(frozen=True)
class Confidence:
    low: bool
    reasons: tuple[str, ...] = ()
    foreign_lang: str = ""  # set when the speaker is heard speaking another language

    @property
    def no_speech(self) -> bool:
        return "no_speech" in self.reasons or "hallucination" in self.reasons

    def signals(self, result: DecodeResult) -> dict[str, float]:
        out = {
            "asr_low_confidence": 1.0 if self.low else 0.0,
            "asr_avg_logprob": round(result.avg_logprob, 3),
            "asr_no_speech_prob": round(result.no_speech_prob, 3),
        }
        if "repetition_loop" in self.reasons:
            out["asr_repetition_loop"] = 1.0
        if self.foreign_lang:
            out["asr_foreign_language"] = 1.0
        if "cut_off" in self.reasons:
            out["asr_cut_off"] = 1.0
        return out


def foreign_language(result: DecodeResult, expected: str) -> str:
    """The language heard when it is surely not `expected`: the model's own language probability, cross-checked with
    the script of the text (Chinese characters in a zh call are never 'foreign', whatever the model guessed)."""
    if not result.lang or result.lang == expected or result.lang_prob < FOREIGN_PROB:
        return ""
    text = result.text
    if expected in HAN_LANGS:
        # espeak-ng Mandarin is sometimes 'heard' as Thai: only letters of another script in the text make it foreign
        other = sum(1 for c in text if c.isalpha() and not _HAN.match(c))
        if other < 4 or other <= len(_HAN.findall(text)):
            return ""
    return result.lang


def assess(result: DecodeResult, *, expected_lang: str, cut_off: bool = False) -> Confidence:
    reasons: list[str] = []
    text = result.text.strip()
    foreign = foreign_language(result, expected_lang) if text else ""
    # clear speech in another language can look like 'no speech' to a model told to expect this one (its prompt is
    # in the call's language): the language heard, cross-checked with the script, wins
    if result.no_speech_prob > NO_SPEECH and result.avg_logprob < -0.5 and not foreign:
        reasons.append("no_speech")
    if text and HALLUCINATIONS.search(text):
        reasons.append("hallucination")
    if text and result.avg_logprob < LOW_LOGPROB:
        reasons.append("low_logprob")
    if result.loop_cut:
        reasons.append("repetition_loop")
    if foreign:
        reasons.append(f"foreign_language:{foreign}")
    if cut_off:
        reasons.append("cut_off")
    return Confidence(low=bool(reasons), reasons=tuple(reasons), foreign_lang=foreign)
