"""A small disk cache for expensive steps, keyed by a hash of their inputs: case results (keyed by the case, the target's
fingerprint and the seed) and embedding matrices (keyed by model name and texts). Lives under var/ (git-ignored)."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from copilot.settings import REPO_ROOT

DEFAULT_CACHE_DIR = REPO_ROOT / "var" / "eval-cache"


def input_hash(*parts: Any) -> str:
    raw = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)  # readers never see half a file


class DiskCache:
    def __init__(self, root: str | Path | None = None, namespace: str = "cases") -> None:
        self.root = Path(root or DEFAULT_CACHE_DIR) / namespace
        self.hits = 0
        self.misses = 0

    def get_json(self, key: str) -> Any | None:
        path = self.root / key[:2] / f"{key}.json"
        if not path.exists():
            self.misses += 1
            return None
        self.hits += 1
        return json.loads(path.read_text(encoding="utf-8"))

    def put_json(self, key: str, value: Any) -> None:
        data = json.dumps(value, ensure_ascii=False, default=str).encode("utf-8")
        _atomic_write(self.root / key[:2] / f"{key}.json", data)

    def embeddings(
        self, model: str, texts: Sequence[str], encode: Callable[[list[str]], np.ndarray]
    ) -> np.ndarray:
        """The embedding matrix for `texts`, computed once per (model, texts) and then read from disk."""
        key = input_hash("emb", model, list(texts))
        path = self.root / key[:2] / f"{key}.npy"
        if path.exists():
            self.hits += 1
            cached: np.ndarray = np.load(path)
            return cached
        self.misses += 1
        matrix = np.asarray(encode(list(texts)), dtype=np.float32)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npy")
        np.save(tmp, matrix)
        os.replace(tmp, path)
        return matrix
