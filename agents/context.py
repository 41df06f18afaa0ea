"""Per-run context passed to every node through LangGraph's `Runtime[RunContext]` (never checkpointed)."""

from __future__ import annotations

from dataclasses import dataclass

from agents.deps import AgentDeps
from contract.ports import Actor


@dataclass(frozen=True)
class RunContext:
    deps: AgentDeps
    actor: Actor
    tenant: str = "demo"
    channel: str = ""
