"""Where the signed chain head is kept outside the ledger's own database, so whoever can rewrite the ledger tables
(delete the last entries and fix the head row, drop the checkpoints table) cannot also rewrite what verify compares
against.

- `FileWitness`: an append-only JSON-lines file (O_APPEND, fsync per line). The default, next to the data dir; put it
  on another volume or ship it to WORM storage for real separation.
- `RedisWitness`: a Redis list (RPUSH), for deployments where the API and workers share no disk.

Settings (COPILOT_LEDGER_*, see WitnessSettings): `witness` = "" (file in the data dir) | "file:/path" |
"redis" (the configured Redis) | "redis://host/db" | "none"; `witness_interval_s` = how often the service signs the
head when it moved.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Any, Protocol

from pydantic_settings import BaseSettings, SettingsConfigDict

from contract.errors import BackendUnavailable, UserError
from copilot.ledger.models import Checkpoint

log = logging.getLogger("copilot.ledger.witness")


class WitnessSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COPILOT_LEDGER_", extra="ignore")

    witness: str = ""
    witness_interval_s: float = 30.0
    witness_key: str = "copilot:ledger:witness"  # the Redis list; the deployment's tenant is appended to it


class Witness(Protocol):
    def record(self, mark: Checkpoint) -> None: ...

    def latest(self) -> Checkpoint | None: ...

    def describe(self) -> str: ...

    def close(self) -> None: ...


class FileWitness:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    def record(self, mark: Checkpoint) -> None:
        line = (mark.model_dump_json() + "\n").encode()
        with self._lock:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
            try:
                os.write(fd, line)
                os.fsync(fd)
            finally:
                os.close(fd)

    def latest(self) -> Checkpoint | None:
        if not self.path.is_file():
            return None
        with self.path.open("rb") as fh:  # small lines; read from the end for long files
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - 4096))
            tail = fh.read().splitlines()
            last = next((ln for ln in reversed(tail) if ln.strip()), b"")
        if not last:
            return None
        try:
            return Checkpoint.model_validate_json(last)
        except ValueError as exc:
            raise UserError(
                f"ledger witness {self.path} is damaged: {exc}", reason="witness_damaged"
            ) from exc

    def describe(self) -> str:
        return f"file:{self.path}"

    def close(self) -> None:
        return None


class RedisWitness:
    def __init__(self, client: Any, key: str = "copilot:ledger:witness") -> None:
        self._r = client  # redis.Redis (redis-py's stubs type list replies loosely)
        self.key = key

    def record(self, mark: Checkpoint) -> None:
        try:
            self._r.rpush(self.key, mark.model_dump_json())
        except Exception as exc:  # redis-py raises ConnectionError/TimeoutError subclasses of RedisError
            raise BackendUnavailable(
                f"ledger witness in Redis failed: {exc}", reason="witness_unavailable"
            ) from exc

    def latest(self) -> Checkpoint | None:
        try:
            raw = self._r.lindex(self.key, -1)
        except Exception as exc:
            raise BackendUnavailable(
                f"ledger witness in Redis failed: {exc}", reason="witness_unavailable"
            ) from exc
        return Checkpoint.model_validate_json(raw) if raw else None

    def describe(self) -> str:
        return f"redis:{self.key}"

    def close(self) -> None:
        return None


def open_witness(
    spec: str, *, data_dir: Path, redis_url: str = "", key: str = "", tenant: str = ""
) -> Witness | None:
    """From the setting's value (see the module doc); None = no witness. A Redis witness's list is
    `<witness_key>:<tenant>`: deployments of different tenants sharing one Redis must not witness each other's heads
    (each would then read the other's as a truncation of its own chain)."""
    spec = spec.strip()
    if spec == "none":
        return None
    if not spec:
        return FileWitness(data_dir / "ledger.witness.jsonl")
    if spec.startswith("file:"):
        return FileWitness(spec.removeprefix("file:"))
    if spec == "redis" or spec.startswith(("redis://", "rediss://")):
        url = redis_url if spec == "redis" else spec
        if not url:
            raise UserError("COPILOT_LEDGER_WITNESS=redis needs COPILOT_REDIS_URL", reason="witness_config")
        import redis

        base = key or WitnessSettings().witness_key
        return RedisWitness(
            redis.Redis.from_url(url, socket_timeout=5), f"{base}:{tenant}" if tenant else base
        )
    raise UserError(
        f"COPILOT_LEDGER_WITNESS={spec!r}: use file:<path>, redis, redis://… or none", reason="witness_config"
    )


class WitnessTicker:
    """Signs the chain head into the witness every `interval_s` when it moved, and once more at close."""

    def __init__(self, ledger: Any, interval_s: float) -> None:
        self.ledger = ledger  # copilot.ledger.Ledger (its witness_head)
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._last = -1
        self._thread = threading.Thread(target=self._run, name="ledger-witness", daemon=True)

    def start(self) -> WitnessTicker:
        if self.interval_s > 0:
            self._thread.start()
        return self

    def tick(self) -> None:
        seq, _ = self.ledger.head()
        if seq > 0 and seq != self._last:
            self.ledger.witness_head()
            self._last = seq

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.tick()
            except Exception:  # the ledger or witness store is down now: next tick tries again
                log.warning("could not sign the ledger head into the witness", exc_info=True)

    def close(self) -> None:
        self._stop.set()
        try:
            self.tick()
        except Exception:
            log.warning("final witness of the ledger head failed", exc_info=True)
