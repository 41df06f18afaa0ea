"""Everything the graph needs, injected: backend ports (contract/ports.py), the tenant's configuration and mode settings.

The composition root (copilot/wiring.py) builds one `AgentDeps`; the graph receives it through LangGraph's per-run
context (`agents.context.RunContext`), so nothing here is a module global and tests pass small in-test ports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from agents.tenant import TenantConfig
from agents.understanding.embedder import Embedder
from contract.errors import UserError
from contract.ports import (
    ChatModel,
    CustomerData,
    GroundingChecker,
    InjectionDetector,
    LedgerSink,
    MediaStore,
    OcrEngine,
    PiiMasker,
    PolicyRails,
    PolicyRetriever,
    Transcriber,
)

Mode = Literal["suggest", "autopilot"]


@dataclass(frozen=True)
class ModeSettings:
    mode: Mode = "suggest"
    autopilot_min_confidence: float = 0.85
    use_llm: bool = True  # False = --no-llm: extractive drafts, labelled 【摘录草稿】
    llm_timeout_s: float = 30.0
    max_draft_tokens: int = 220
    # the LLM may also call the reasoning tools (OpenAI `tools`), when its backend supports them: off by default,
    # one more LLM round per message is slow on a small CPU; the tools.yaml results stand without it
    llm_tool_calling: bool = False
    intent_backend: Literal["embedding", "llm"] = "embedding"
    policy_k: int = 4
    # "exit": checkpoint once per run (at the interrupt or the end) — 20-40 % faster measured; a crash mid-run loses only
    # that run, which the durable inbox replays; the suggestion itself is in the ledger before delivery either way.
    checkpoint_durability: Literal["exit", "async", "sync"] = "exit"


@dataclass
class AgentDeps:
    policy: PolicyRetriever
    customers: CustomerData
    pii: PiiMasker
    injection: InjectionDetector
    grounding: GroundingChecker
    rails: PolicyRails
    ledger: LedgerSink
    tenant: TenantConfig
    transcriber: Transcriber | None = None
    ocr: OcrEngine | None = None
    media: MediaStore | None = None
    llm: ChatModel | None = None
    # the intent classifier's sentence embedder (contract.ports.TextEmbedder), built once by copilot/wiring.py from
    # knowledge.embeddings (shared with the policy store when both use the same model); required to classify by
    # embeddings
    embedder: Embedder | None = None
    settings: ModeSettings = field(default_factory=ModeSettings)
    tenant_dir: Path | None = None  # the tenant folder: tools.yaml and profile.yaml (answers, drafting voice)
    cache: dict[str, Any] = field(
        default_factory=dict, repr=False, compare=False
    )  # built lazily: classifier, vectors

    def get_embedder(self) -> Embedder:
        if self.embedder is None:
            raise UserError(
                "AgentDeps.embedder is not set: the composition root (copilot/wiring.py) builds it from "
                "knowledge.embeddings; tests pass their own",
                reason="embedding_config",
            )
        return self.embedder
