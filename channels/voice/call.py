"""One live call as a small pipeline of processors: PCM decode → per-channel VAD segmenter → partial scheduler → shared
ASR worker → final + signals → on_final (the graph) → suggestion. Socket-agnostic: the router pumps frames in and out.

Latency trick: when a customer's trailing silence reaches ~100 ms, a *speculative* decode of the utterance with the
final's settings is queued; if the silence then lasts the full 300 ms end-of-turn window, that decode covers every voiced
sample and is promoted to the final (nothing is decoded twice). Otherwise the final is queued ahead of every partial.
Display partials follow an audio-time grid and are decoded cheaper (greedy, no language step, a bounded token budget).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from channels.voice.asr_service import AsrService
from channels.voice.confidence import Confidence, assess
from channels.voice.decoder import DecodeResult
from channels.voice.pcm import GarbageDetector, PcmDecoder
from channels.voice.segmenter import SR, SegmentEvent, Utterance, UtteranceSegmenter
from channels.voice.signals import pause_and_overlap, turn_signals
from channels.voice.vad import FRAME, make_vad
from contract.errors import InputError
from contract.messages import Channel, InboundMessage, VoicePart

OnFinal = Callable[[InboundMessage], Awaitable[dict[str, Any] | None]]


class SilenceTimeout(InputError):
    """Nobody spoke for `max_silence_s`: the call is ended for the assist (the phone call itself is not ours)."""


@dataclass
class CallConfig:
    call_id: str
    tenant: str
    sample_rate: int = 16_000
    channels: int = 1
    customer_ref: str = "unknown"
    agent_ref: str = ""
    lang: str = "zh"
    vad: str = "silero"
    # The connection's number within the call (1 = the first): a reconnect's utterances restart at customer-1, so
    # their message ids carry the leg, or the dedupe key would hand back the first leg's suggestions and drop them.
    leg: int = 1
    # Partials every 0.45 s of utterance audio: decodes take longer as the utterance grows, so a 0.5 s audio grid
    # shows up at the desk ~0.52 s apart (bench/bench_voice.py). The first once 1.8 s is heard (200 ms pre-roll
    # included; was 1.35 s): whisper-base mostly invents one to four characters on the first second, and each early
    # partial costs ~0.1-0.15 CPU-s: later first partials were the cheapest CPU cut measured that keeps the gaps.
    partial_interval_s: float = 0.45
    first_partial_s: float = 1.8
    # ASR CPU budget per second of call audio (0 = none), a token bucket holding at most cpu_burst_s: a turn's first
    # display partial waits until the call is back within it (later than first_partial_s when the previous turn
    # overspent); once a turn shows partials they keep the grid unless the call owes more than cpu_debt_s (then
    # grid points are skipped). Finals are never held back. 0.18 + the server's ~0.02 (VAD, PCM, socket) is the
    # issue's 0.2 CPU-s per audio-s at one call; a deployment with spare cores raises it (bench/bench_voice.py).
    cpu_budget_per_audio_s: float = 0.18
    cpu_burst_s: float = 0.5
    cpu_debt_s: float = 1.0
    speculative_silence_ms: int = 96
    min_silence_ms: int = 300
    max_silence_s: float = 120.0
    silence_notice_s: float = 8.0  # the desk is told after this much silence (the call goes on)

    @property
    def roles(self) -> tuple[str, ...]:
        return (
            ("agent", "customer") if self.channels == 2 else ("customer",)
        )  # stereo: left = agent, right = customer


@dataclass
class _Decoded:
    utt_id: str
    covered: int  # utterance samples the decode saw
    result: DecodeResult
    final_grade: bool  # decoded with the final's settings: may be promoted to the final


@dataclass
class _ChannelState:
    index: int
    segmenter: UtteranceSegmenter
    wants_partials: bool
    # in flight (queued or running): the pause's final-grade decode and a display-only partial, one of each at most
    graded: tuple[Utterance, asyncio.Future[Any]] | None = None
    shown: tuple[Utterance, asyncio.Future[Any]] | None = None
    last: _Decoded | None = None  # the newest decode of any kind (display, next token budget)
    promotable: _Decoded | None = None  # the newest final-grade decode
    grid_utt: str = ""  # the utterance the partial grid belongs to
    next_partial_at: int = 0  # utterance samples when the next periodic partial is due (an audio-time grid)
    shown_utt: str = (
        ""  # the utterance whose display partials have started (the budget holds back only the first)
    )
    partial_cpu_s: float = 0.12  # what the newest display partial cost (the budget's estimate for the next)
    held_utt: str = ""  # the utterance whose first partial the budget is holding back


# Desk states (frame {"type": "state", "state": …}): what the agent should know about the audio itself.
STATE_MESSAGES = {
    "narrowband": "8 kHz 窄带电话音频：识别准确率较低，关键信息请与客户确认 / narrow-band audio",
    "silence": "长时间没有听到语音 / no speech for a while",
    "no_speech": "听到的是音乐或噪声，未转写 / music or noise, not transcribed",
    "foreign_language": "客户说的不是本通话设定的语言，未交给助手 / another language: not sent to the copilot",
    "low_confidence": "识别不确定：请与客户确认后再处理 / unsure transcript: confirm with the customer",
    "channels_swapped": "左右声道可能接反（坐席/客户）：已暂停自动建议，请检查声道设置 / agent and customer channels look "
    "swapped: suggestions paused",
    "disconnected": "连接中断：最后一句可能不完整 / connection dropped: the last words may be cut",
}
HIGH_BAND_HZ = 3800.0  # telephone audio carries nothing above ~3.4-4 kHz; a headset microphone does
NARROW_MAX_RATIO, WIDE_MIN_RATIO = 0.0005, 0.003  # real recordings: 0.005-0.012 above 3.8 kHz


def high_band_ratio(audio: np.ndarray) -> float:
    """Share of the energy above 3.8 kHz (16 kHz audio): ~0 for a phone line, 0.5-1 % for a wideband microphone."""
    if audio.size < 1024:
        return 0.0
    power = np.abs(np.fft.rfft(audio.astype(np.float32))) ** 2
    freqs = np.fft.rfftfreq(audio.size, 1 / SR)
    total = float(power[freqs > 100].sum())
    return float(power[freqs > HIGH_BAND_HZ].sum()) / total if total > 0 else 0.0


def usable_text(result: DecodeResult) -> str:
    """Whisper's own hallucination rule: high no-speech probability and low confidence → nothing was said."""
    if result.no_speech_prob > 0.6 and result.avg_logprob < -0.7:
        return ""
    return result.text.strip()


class CallSession:
    def __init__(self, cfg: CallConfig, service: AsrService, on_final: OnFinal) -> None:
        self.cfg = cfg
        self.service = service
        self.on_final = on_final
        self.pcm = PcmDecoder(cfg.sample_rate, cfg.channels)
        self.garbage = GarbageDetector()
        self.outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.turns: list[dict[str, Any]] = []
        self.on_final_calls = 0
        self._finals: asyncio.Queue[tuple[Utterance, _ChannelState] | None] = asyncio.Queue()
        # on_final (the graph) runs in its own loop so a slow suggestion never delays the next final's decode
        self._suggestions: asyncio.Queue[tuple[Utterance, str, dict[str, float]] | None] = asyncio.Queue()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._last_customer_end_s: float | None = None
        self.states: list[str] = []  # every state sent, in order (the wrap-up lists them)
        self._band: dict[str, float] = {}  # speaker → high-band ratio of their first utterances
        self.channels_swapped = False
        self._silence_noted_at = -1
        self.cpu_credit_s = cfg.cpu_burst_s  # the CPU budget's bucket (see CallConfig.cpu_budget_per_audio_s)
        self._credited_upto = 0  # call samples already credited
        self.budget_held = {"delayed_turns": 0, "skipped_partials": 0}  # what the CPU budget held back
        self.channels = [
            _ChannelState(
                i,
                UtteranceSegmenter(role, make_vad(cfg.vad), min_silence_ms=cfg.min_silence_ms),
                wants_partials=role == "customer",
            )
            for i, role in enumerate(cfg.roles)
        ]

    # ---- lifecycle ---------------------------------------------------------------------------------------------
    def start(self) -> None:
        if self.cfg.sample_rate == 8000:
            self.state("narrowband", sample_rate=8000)
        self._spawn(self._finals_loop(), "finals")
        self._spawn(self._suggest_loop(), "suggest")

    def _spawn(self, coro: Awaitable[Any], name: str) -> None:
        task = asyncio.ensure_future(coro)
        task.set_name(f"voice:{self.cfg.call_id}:{name}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def finish(self, timeout_s: float = 120.0, *, reason: str = "stop") -> None:
        """Hang-up: flush every open utterance, wait until all finals (and their on_final calls) are done."""
        mid_utterance = False
        for ch in self.channels:
            for event in ch.segmenter.flush():
                mid_utterance |= event.kind == "end" and event.utterance.cut_off
                self._on_event(ch, event)
        if reason == "disconnected":
            self.state("disconnected", mid_utterance=mid_utterance)
        await self._finals.put(None)  # the finals loop passes the end on to the suggest loop
        pending = [t for t in self._tasks if t.get_name().endswith((":finals", ":suggest"))]
        if pending:
            await asyncio.wait(pending, timeout=timeout_s)
        await self.aclose()

    async def aclose(self) -> None:
        """Cancel whatever is left (idempotent) and release the call's ASR slot."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.service.close_call(self.cfg.call_id)

    @property
    def live_tasks(self) -> int:
        return len(self._tasks)

    # ---- audio in ----------------------------------------------------------------------------------------------
    def feed_pcm(self, data: bytes) -> None:
        audio = self.pcm.feed(data)
        if audio.shape[0] == 0:
            return
        if self.garbage.push(audio):
            raise InputError(
                "the audio is full-scale noise: is it really 16-bit little-endian PCM?", reason="not_pcm16"
            )
        for ch in self.channels:
            for event in ch.segmenter.push(audio[:, ch.index]):
                self._on_event(ch, event)
        self._credit_audio()
        for ch in self.channels:
            self._maybe_request_partial(ch)
        heard = max(ch.segmenter.last_speech_end_sample for ch in self.channels)
        silent_s = (self.channels[0].segmenter.samples_seen - heard) / SR
        if silent_s >= self.cfg.silence_notice_s and self._silence_noted_at != heard:
            self._silence_noted_at = heard  # once per silent stretch
            self.state("silence", silent_s=round(silent_s, 1))
        if silent_s > self.cfg.max_silence_s:
            raise SilenceTimeout(f"no speech for {self.cfg.max_silence_s:.0f} s", reason="silence_timeout")

    def _credit_audio(self) -> None:
        seen = self.channels[0].segmenter.samples_seen
        earned = self.cfg.cpu_budget_per_audio_s * (seen - self._credited_upto) / SR
        self.cpu_credit_s = min(self.cfg.cpu_burst_s, self.cpu_credit_s + earned)
        self._credited_upto = seen

    def _charge(self, result: DecodeResult) -> None:
        self.cpu_credit_s -= result.cpu_s

    def _within_budget(self, ch: _ChannelState, utt: Utterance) -> bool:
        """May this display partial run? The first of a turn needs credit for its estimated cost; later ones run
        unless the call is deep in debt (a long turn), so a turn's partials keep their cadence."""
        if self.cfg.cpu_budget_per_audio_s <= 0:
            return True
        if ch.shown_utt != utt.utt_id:
            return self.cpu_credit_s >= ch.partial_cpu_s
        return self.cpu_credit_s >= -self.cfg.cpu_debt_s

    def _on_event(self, ch: _ChannelState, event: SegmentEvent) -> None:
        if event.kind == "end":
            self._check_channels(event.utterance)
            self._finals.put_nowait((event.utterance, ch))

    def _check_channels(self, utt: Utterance) -> None:
        """Stereo at 16 kHz: the agent's headset is wideband, the customer's phone line is not. A narrow 'agent' and a
        wide 'customer' mean the channels are swapped: the copilot would read the agent's words as the customer's."""
        if len(self.channels) != 2 or self.cfg.sample_rate != 16_000 or self.channels_swapped:
            return
        if utt.speaker not in self._band:
            self._band[utt.speaker] = high_band_ratio(utt.audio())
        agent, customer = self._band.get("agent"), self._band.get("customer")
        if (
            agent is not None
            and customer is not None
            and agent < NARROW_MAX_RATIO
            and customer > WIDE_MIN_RATIO
        ):
            self.channels_swapped = True
            self.state(
                "channels_swapped", agent_high_band=round(agent, 4), customer_high_band=round(customer, 4)
            )

    def state(self, name: str, **details: Any) -> None:
        """A desk state frame (also mirrored to the agent desktop by the router's frame tap)."""
        self.states.append(name)
        self.outbox.put_nowait({"type": "state", "call_id": self.cfg.call_id, "state": name,
                                "message": STATE_MESSAGES.get(name, name), **details})  # fmt: skip

    def _maybe_request_partial(self, ch: _ChannelState) -> None:
        """Partials on an audio-time grid (every partial_interval_s of utterance audio, whatever the last decode took;
        a missed grid point is skipped, not queued). The VAD decides the rest:
        - a pause of speculative_silence_ms → a final-grade decode of everything voiced, started even while a
          display partial runs (it is promoted to the final if the turn ends: nothing is decoded twice);
        - a display partial runs only when nothing else of this channel is in flight, waits while the newest frame
          is silent (the pause's decode would repeat it) and is skipped when nothing was voiced since the last
          decode (its text could not change)."""
        seg = ch.segmenter
        utt = seg.current
        if not ch.wants_partials or utt is None:
            return
        step = max(FRAME, int(self.cfg.partial_interval_s * SR))
        if ch.grid_utt != utt.utt_id:
            ch.grid_utt, ch.next_partial_at = utt.utt_id, max(step, int(self.cfg.first_partial_s * SR))
        promoted_upto = ch.promotable.covered if ch.promotable and ch.promotable.utt_id == utt.utt_id else 0
        if (
            ch.graded is None
            and seg.trailing_silence >= self.cfg.speculative_silence_ms * SR // 1000
            and promoted_upto < utt.last_voiced_end
        ):
            self._start_partial(ch, utt, final_grade=True)
            return
        if ch.graded or ch.shown or utt.voiced_samples < 0.5 * SR:
            return
        if utt.n_samples < ch.next_partial_at or seg.trailing_silence > 0:
            return
        first = ch.shown_utt != utt.utt_id
        if not self._within_budget(ch, utt):
            if not first:  # deep in debt mid-turn: this grid point is skipped
                ch.next_partial_at += step
                self.budget_held["skipped_partials"] += 1
            elif ch.held_utt != utt.utt_id:
                ch.held_utt = utt.utt_id
                self.budget_held["delayed_turns"] += 1
            return  # a turn's first partial waits (frame by frame) until the call is back within budget
        if first:  # the grid restarts at the first partial, wherever the budget let it start
            ch.next_partial_at = utt.n_samples
        while ch.next_partial_at <= utt.n_samples:
            ch.next_partial_at += step
        decoded_upto = ch.last.covered if ch.last and ch.last.utt_id == utt.utt_id else 0
        if utt.last_voiced_end <= decoded_upto:
            return  # silence since the last decode: same audio, same text
        ch.shown_utt = utt.utt_id
        self._start_partial(ch, utt, final_grade=False)

    # ---- partials ----------------------------------------------------------------------------------------------
    def _start_partial(self, ch: _ChannelState, utt: Utterance, *, final_grade: bool) -> None:
        seg = ch.segmenter

        def snapshot() -> tuple[np.ndarray, int] | None:
            snap = seg.snapshot(utt)
            if (
                snap is None and final_grade
            ):  # the turn ended before the job started: this decode is its final
                return utt.audio(), utt.n_samples
            return snap

        last = ch.last if ch.last and ch.last.utt_id == utt.utt_id else None
        fut = asyncio.wrap_future(
            self.service.submit_partial(
                self.cfg.call_id, snapshot, slot=f"{ch.index}{'g' if final_grade else ''}", lang=self.cfg.lang,
                final_grade=final_grade, previous=(last.covered, last.result.n_tokens) if last else None,
            )
        )  # fmt: skip
        if final_grade:
            ch.graded = (utt, fut)
        else:
            ch.shown = (utt, fut)
        self._spawn(self._partial_done(ch, utt, fut, final_grade), f"partial-{ch.index}")

    async def _partial_done(
        self, ch: _ChannelState, utt: Utterance, fut: asyncio.Future[Any], final_grade: bool
    ) -> None:
        try:  # shielded: a cancelled call must not cancel a decode that a final may promote
            res = await asyncio.shield(fut)
        finally:
            if final_grade:
                ch.graded = None
            else:
                ch.shown = None
        if res is not None:
            result, covered = res
            self._charge(result)
            if not final_grade:
                ch.partial_cpu_s = result.cpu_s
            decoded = _Decoded(utt.utt_id, covered, result, final_grade)
            newer = ch.last is None or ch.last.utt_id != utt.utt_id or covered >= ch.last.covered
            if newer:
                ch.last = decoded
            if final_grade:
                ch.promotable = decoded
            text = usable_text(result)
            if newer and ch.segmenter.current is utt and text:  # a closed turn shows its final
                self.outbox.put_nowait(
                    self._frame("partial", utt, text, end_s=(utt.start_sample + covered) / SR)
                )
        self._maybe_request_partial(ch)

    # ---- finals ------------------------------------------------------------------------------------------------
    async def _decode_final(self, utt: Utterance, ch: _ChannelState) -> DecodeResult:
        done = ch.promotable
        if done and done.utt_id == utt.utt_id and done.covered >= utt.last_voiced_end:
            return done.result  # promoted: the pause's final-grade decode covered every voiced sample
        if (
            ch.graded and ch.graded[0] is utt
        ):  # queued or running: if it starts late it decodes the closed turn
            res = await asyncio.shield(ch.graded[1])
            if res is not None and res[1] >= utt.last_voiced_end:
                return res[0]  # type: ignore[no-any-return]
        # a display-only partial still running is not waited for: the final is queued ahead of every partial
        result: DecodeResult = await asyncio.wrap_future(
            self.service.submit_final(self.cfg.call_id, utt.audio(), lang=self.cfg.lang)
        )
        self._charge(result)
        return result

    async def _finals_loop(self) -> None:
        while (item := await self._finals.get()) is not None:
            utt, ch = item
            try:
                result = await self._decode_final(utt, ch)
            except Exception as exc:  # a failed decode is reported, the call goes on
                self.outbox.put_nowait(self._error("asr_failed", f"could not transcribe {utt.utt_id}: {exc}"))
                continue
            confidence = assess(result, expected_lang=self.cfg.lang, cut_off=utt.cut_off)
            text = (
                result.text.strip()
                if confidence.foreign_lang
                else ""
                if confidence.no_speech
                else usable_text(result)
            )
            if (
                not text
            ):  # still one final per utterance (the client sees the turn), but nothing for the graph
                if result.text.strip() or confidence.no_speech:
                    self.state("no_speech", utterance_id=utt.utt_id)
                self.outbox.put_nowait(self._frame("final", utt, "", end_s=utt.end_s, signals={}))
                continue
            signals = {**self._signals(utt, text), **confidence.signals(result)}
            if (
                self.cfg.sample_rate == 8000
            ):  # the turn's evidence says what the audio was (the desk shows it too)
                signals["asr_narrowband"] = 1.0
            self.turns.append({"utterance_id": utt.utt_id, "speaker": utt.speaker, "text": text,
                               "start": round(utt.start_s, 2), "end": round(utt.end_s, 2),
                               "low_confidence": confidence.low})  # fmt: skip
            self.outbox.put_nowait(self._final_frame(utt, text, signals, confidence, result))
            if confidence.foreign_lang:
                self.state("foreign_language", utterance_id=utt.utt_id, lang=confidence.foreign_lang)
                continue  # the graph reads the call's language; a wrong-language guess would be acted on
            if utt.speaker == "customer" and self.channels_swapped:
                continue  # the 'customer' channel carries the agent: no suggestion built on the agent's own words
            if utt.speaker == "customer":
                if confidence.low:
                    self.state("low_confidence", utterance_id=utt.utt_id, reasons=list(confidence.reasons))
                self._suggestions.put_nowait((utt, text, signals))
        self._suggestions.put_nowait(None)

    async def _suggest_loop(self) -> None:
        while (item := await self._suggestions.get()) is not None:
            await self._suggest(*item)

    async def _suggest(self, utt: Utterance, text: str, signals: dict[str, float]) -> None:
        message = InboundMessage(
            tenant=self.cfg.tenant,
            channel=Channel.VOICE,
            conversation_id=self.cfg.call_id,
            message_id=f"{self.cfg.call_id}:{utt.utt_id}"
            if self.cfg.leg <= 1
            else f"{self.cfg.call_id}:leg{self.cfg.leg}:{utt.utt_id}",
            customer_ref=self.cfg.customer_ref,
            rep_ref=self.cfg.agent_ref,
            parts=[
                VoicePart(
                    format="pcm16",
                    duration_ms=round((utt.end_s - utt.start_s) * 1000),
                    transcript=text,
                    signals=signals,
                )
            ],  # fmt: skip
            lang=self.cfg.lang,
        )
        self.on_final_calls += 1
        try:
            payload = await self.on_final(message)
        except Exception as exc:  # the graph failing must not end the call
            self.outbox.put_nowait(self._error("suggest_failed", f"{type(exc).__name__}: {exc}"))
            return
        if payload:
            self.outbox.put_nowait({"type": "suggestion", "call_id": self.cfg.call_id,
                                    "utterance_id": utt.utt_id, "payload": payload})  # fmt: skip

    def _signals(self, utt: Utterance, text: str) -> dict[str, float]:
        pause_before, overlap = None, 0.0
        if utt.speaker == "customer":
            pause_before, overlap = pause_and_overlap(
                utt.speech_start_sample / SR,
                (utt.start_s, utt.end_s),
                other_speaker_spans=self.channels[0].segmenter.voiced_spans
                if len(self.channels) == 2
                else None,
                previous_turn_end_s=self._last_customer_end_s,
            )
            self._last_customer_end_s = utt.end_s
        return turn_signals(text, start_s=utt.start_s, end_s=utt.end_s, voiced_s=utt.voiced_samples / SR,
                            internal_pauses_s=utt.internal_pauses_s, pause_before_s=pause_before,
                            overlap_s=overlap)  # fmt: skip

    def _final_frame(
        self,
        utt: Utterance,
        text: str,
        signals: dict[str, float],
        confidence: Confidence,
        result: DecodeResult,
    ) -> dict[str, Any]:
        extra: dict[str, Any] = {
            "low_confidence": confidence.low,
            "confidence_reasons": list(confidence.reasons),
        }
        if result.corrections:  # the desk can show what the vocabulary changed
            extra["heard"] = result.heard_text
            extra["corrections"] = [list(c) for c in result.corrections]
        return self._frame("final", utt, text, end_s=utt.end_s, signals=signals, **extra)

    def _frame(self, kind: str, utt: Utterance, text: str, *, end_s: float, **extra: Any) -> dict[str, Any]:
        return {"type": kind, "call_id": self.cfg.call_id, "utterance_id": utt.utt_id, "speaker": utt.speaker,
                "text": text, "start": round(utt.start_s, 2), "end": round(end_s, 2), **extra}  # fmt: skip

    def _error(self, reason: str, message: str, *, fatal: bool = False) -> dict[str, Any]:
        return {
            "type": "error",
            "call_id": self.cfg.call_id,
            "reason": reason,
            "message": message,
            "fatal": fatal,
        }
