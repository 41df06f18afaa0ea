"""Voice: transcript via the Transcriber port, plus pause, hesitation and speech-rate features."""

from __future__ import annotations

import re

from contract.ports import Transcript

FILLERS = re.compile(r"嗯+|呃+|啊+(?=[，,。\s])|那个|就是说|然后呢|\b(?:um+|uh+|er+|hmm+)\b", re.I)
LONG_PAUSE_S = 0.7


def voice_signals(transcript: Transcript) -> dict[str, float]:
    """Pauses between segments, filler words, characters per second → a 0…1 hesitation score."""
    segs = transcript.segments
    gaps = [max(0.0, float(b["start"]) - float(a["end"])) for a, b in zip(segs, segs[1:], strict=False)]
    long_pauses = sum(1 for g in gaps if g >= LONG_PAUSE_S)
    fillers = len(FILLERS.findall(transcript.text))
    chars = len(re.sub(r"\s", "", transcript.text))
    duration = transcript.duration_s or (float(segs[-1]["end"]) if segs else 0.0)
    signals = {
        "pause_count": float(long_pauses),
        "max_pause_s": round(max(gaps), 3) if gaps else 0.0,
        "filler_count": float(fillers),
        "chars_per_s": round(chars / duration, 3) if duration > 0 else 0.0,
    }
    signals.update({k: float(v) for k, v in transcript.signals.items()})  # the ASR's own measurements win
    hesitation = 0.2 * signals["filler_count"] + 0.25 * signals["pause_count"]
    if 0 < signals["chars_per_s"] < 2.0:  # slow speech for Mandarin (~4-5 chars/s is normal)
        hesitation += 0.2
    signals["hesitation"] = round(min(1.0, hesitation), 3)
    return signals


# ---- confidence gate (channels/voice/confidence.py sets asr_* signals on the transcript) -------------------------------
LOW_CONFIDENCE = "voice_asr_low_confidence"  # the transcript's asr_low_confidence, as perception prefixes it
LOW_CONFIDENCE_FLAG = "asr_low_confidence"
_KEY_ENTITIES = (("alarm_code", "报警 "), ("fault_code", "故障码 "), ("product_model", "型号 "),
                 ("serial_number", "序列号 "), ("order_id", "订单 "), ("sku", ""))  # fmt: skip


def transcript_uncertain(signals: dict[str, float]) -> bool:
    """The speech recogniser itself was unsure (low log-prob, a loop, cut off …): confirm before acting."""
    return float(signals.get(LOW_CONFIDENCE, 0.0)) >= 1.0


def confirmation_texts(text: str, entities: dict[str, list[str]]) -> tuple[str, str]:
    """(question for the agent, line the agent can say to the customer). Names the key entity heard when there is
    one ('客户是否在说报警 E-203？'); otherwise quotes what was heard (already PII-masked by perceive)."""
    for kind, label in _KEY_ENTITIES:
        values = entities.get(kind) or []
        if values:
            heard = f"{label}{values[0]}".strip()
            return (
                f"客户是否在说{heard}？语音识别不确定，请先与客户确认再处理。",
                f"不好意思，刚才没有听清楚，您是说{heard}吗？",
            )
    quote = re.sub(r"\s+", " ", text).strip()[:30] or "（听不清）"
    return (
        f"客户是否在说：「{quote}」？语音识别不确定，请先与客户确认再处理。",
        "不好意思，刚才没有听清楚，麻烦您再说一遍好吗？",
    )
