"""The LangGraph copilot: multimodal perception, intent, grounding, next best actions, cited drafts, human in the loop.

Public API: `Copilot`, `AgentDeps`, `ModeSettings`, `TenantConfig`, `build_graph`, `make_checkpointer`."""

from agents.checkpoint import make_checkpointer
from agents.copilot import Copilot, thread_id
from agents.deps import AgentDeps, ModeSettings
from agents.graph import build_graph
from agents.tenant import TenantConfig

__all__ = [
    "AgentDeps",
    "Copilot",
    "ModeSettings",
    "TenantConfig",
    "build_graph",
    "make_checkpointer",
    "thread_id",
]
