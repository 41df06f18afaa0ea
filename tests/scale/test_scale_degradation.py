"""Degradation on real parts: Redis down → callbacks answer 503 with Retry-After (and nothing is lost: the retry
after recovery is enqueued once); LLM server down → the extractive fallback, recorded as `fallback`; Chroma server
down → lexical-only retrieval, flagged on the policy evidence of the suggestion."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from contract import Channel, InboundMessage, TextPart
from contract.ports import Actor
from copilot.scale import inbox_stream
from copilot.settings import Settings
from tests.channels.wecom_fakes import text_xml
from tests.scale.stack import Stack, free_port, ledger_suggestions, signed_callback, wait_until

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.models, pytest.mark.slow]
SYSTEM = Actor(id="system", role="admin")


def scale_settings(stack: Stack, **overrides: Any) -> Settings:
    """The same settings the processes get from their environment, for a Services built in this process."""
    env = {k[len("COPILOT_") :].lower(): v for k, v in stack.env.items() if k.startswith("COPILOT_")}
    env = {k: v for k, v in env.items() if "__" not in k and not k.startswith("queue_")}
    return Settings(**{**env, "llm": {"backend": "none"}, **overrides})


def message(mid: str, text: str = "返点协议最新版本是哪个？") -> InboundMessage:
    return InboundMessage(
        tenant="demo",
        channel=Channel.REST,
        conversation_id=f"degrade-{mid}",
        message_id=mid,
        customer_ref="C1001",
        parts=[TextPart(text=text)],
    )


def test_redis_down_callback_is_503_with_retry_after_then_accepted_once(
    stack: Stack, api: httpx.Client
) -> None:
    params, body = signed_callback(text_xml("9200000001", "在吗？", create_time=int(time.time())), "down-1")
    stack.redis.kill9()
    try:
        r = api.post("/channels/wecom/callback", params=params, content=body)
        assert r.status_code == 503, r.text
        assert int(r.headers["Retry-After"]) >= 1
        assert r.json()["reason"] in {"queue_unavailable", "nonce_cache_unavailable"}
        assert api.get("/healthz").status_code == 200  # the service stays up
    finally:
        stack.redis.start()
    # Tencent retries the same request: now it is acknowledged and enqueued exactly once
    wait_until(
        lambda: api.post("/channels/wecom/callback", params=params, content=body).status_code == 200,
        30,
        "200",
    )
    assert api.post("/channels/wecom/callback", params=params, content=body).status_code == 200
    found = [
        f for _i, f in stack.redis.client().xrange(inbox_stream("demo")) if b'"9200000001"' in f[b"payload"]
    ]
    assert len(found) == 1


@pytest.fixture(scope="module")
def llm_down_services(stack: Stack) -> Iterator[Any]:
    from copilot.wiring import build_services

    closed = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    settings = scale_settings(stack, llm={"backend": "openai", "base_url": closed, "timeout_s": 5})
    services = build_services(settings, use_llm=True)
    yield services
    services.close()


def test_llm_down_falls_back_to_an_extractive_draft_recorded_as_fallback(
    stack: Stack, llm_down_services: Any
) -> None:
    sug = llm_down_services.handle_message(message("llm-down-1"), SYSTEM)
    assert sug.draft is not None and sug.draft.source.value == "fallback"
    assert any(f.startswith("llm_fallback:") for f in sug.flags), sug.flags
    (stored,) = [s for s in ledger_suggestions(stack.ledger_url) if s["message_id"] == "llm-down-1"]
    assert stored["draft"]["source"] == "fallback"
    assert stored["draft"]["citations"], "the fallback still cites its evidence"


@pytest.fixture()
def chroma_down(stack: Stack) -> Iterator[Any]:
    from copilot.wiring import build_services

    services = build_services(scale_settings(stack), use_llm=False)  # connected while Chroma is up
    stack.chroma.stop()
    try:
        yield services
    finally:
        services.close()
        stack.chroma.start()


def test_chroma_down_answers_lexical_only_and_says_so(stack: Stack, chroma_down: Any) -> None:
    sug = chroma_down.handle_message(message("chroma-down-1"), SYSTEM)
    # clauses brought by a computation (lineage via=reasoning, knowledge/policy/fact_store.py) are not retrieved
    clauses = [
        e for e in sug.evidence if e.kind.value == "policy_clause" and e.lineage.get("via") != "reasoning"
    ]
    assert clauses, "BM25 still finds the clauses"
    assert all(str(e.lineage.get("degraded", "")).startswith("lexical_only") for e in clauses)
    assert all("dense_rank" not in e.lineage for e in clauses)
    stored = [s for s in ledger_suggestions(stack.ledger_url) if s["message_id"] == "chroma-down-1"]
    assert len(stored) == 1
    assert all(
        e["lineage"].get("degraded", "").startswith("lexical_only")
        for e in stored[0]["evidence"]
        if e["kind"] == "policy_clause" and e["lineage"].get("via") != "reasoning"
    )


def test_chroma_down_sets_the_lexical_only_suggestion_flag(chroma_down: Any) -> None:
    sug = chroma_down.handle_message(message("chroma-down-2"), SYSTEM)
    assert "lexical_only" in sug.flags
