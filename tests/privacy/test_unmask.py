"""Unmasking on the real embedded stack (demo tenant, real graph, SQLite ledger, in-process vault) behind the real API,
with a local HTTP server playing Tencent's API:

- POST /v1/suggestions/{id}/unmask gives the owner rep (and an agent on a call with the customer) the real values
  behind the tokens, records a pii_access ledger entry without them, and refuses evaluators, admins, other reps and
  agents without the call;
- an accepted / edited 微信客服 reply is unmasked right before kf/send_msg, never with a token in it, and not sent at
  all (kf_unmask_expired, logged) once the vault has forgotten the values (erasure here; real TTL expiry on Redis)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from rich.console import Console

from contract import Channel, DecisionKind, HumanDecision, InboundMessage, TextPart
from contract.messages import VoicePart
from contract.ports import Actor
from copilot.app import create_app
from copilot.events import DecisionRecorded
from copilot.listeners import send_reply
from copilot.privacy.canary import normalise_haystack
from copilot.privacy.reveal import vault_key_of
from copilot.settings import REPO_ROOT, Settings
from tests.channels.wecom_fakes import FakeTencent

pytestmark = pytest.mark.models

ZHANG = Actor(id="rep_zhang", role="rep", team="ortho-east-1")
KEYS = {
    "rep": {"X-API-Key": "dev-rep-zhang"},
    "other_rep": {"X-API-Key": "dev-rep-wang"},
    "agent": {"X-API-Key": "dev-agent-chen"},
    "evaluator": {"X-API-Key": "dev-evaluator"},
    "admin": {"X-API-Key": "dev-admin"},
}
# Our own values: a mobile read out in spoken digits, and one typed; neither may reach the ledger.
MOBILE, TYPED_MOBILE = "15927630814", "13917624580"
TRANSCRIPT = "你好，我想问下返点政策，手机号幺五九二七六三零八幺四，回电话给我。"
OPEN_KFID = "wkDemoKf01"


@pytest.fixture(scope="module")
def wired(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, FakeTencent, TestClient]]:
    from copilot.demo import prepare

    with FakeTencent() as tencent:
        settings = Settings(
            env="test",
            data_dir=tmp_path_factory.mktemp("unmask"),
            model_cache_dir=REPO_ROOT / "var" / "models",
            llm={"backend": "none"},
            wecom_corp_id=tencent.corp_id,
            wecom_secret=tencent.secret,
            wecom_agent_id="1000002",
            wecom_api_base=tencent.base_url,
        )
        services = prepare(settings, use_llm=False, fresh=True, console=Console(quiet=True))
        app = create_app(settings, services=services, start_worker=False)
        with TestClient(app) as client:
            yield services, tencent, client
        services.close()


def _voice_suggestion(services: Any, mid: str) -> Any:
    msg = InboundMessage(
        tenant="demo",
        channel=Channel.VOICE,
        conversation_id=f"call-{mid}",
        message_id=mid,
        customer_ref="C1001",
        rep_ref="rep_zhang",
        parts=[VoicePart(transcript=TRANSCRIPT, format="pcm16")],
    )
    return services.handle_message(msg, ZHANG)


def _ledger_text(services: Any) -> str:
    return "\n".join(str(e.payload) for e in services.ledger.find(customer="C1001"))


def test_owner_rep_sees_real_values_and_the_access_is_recorded_without_them(wired: Any) -> None:
    services, _tencent, client = wired
    sug = _voice_suggestion(services, "um-1")
    masked = [e.content for e in sug.evidence if "<" in e.content]
    assert masked and all(MOBILE not in c for c in masked), "the transcript evidence should carry tokens"

    r = client.post(f"/v1/suggestions/{sug.id}/unmask", headers=KEYS["rep"])
    assert r.status_code == 200, r.text
    body = r.json()
    assert r.headers["cache-control"] == "no-store"
    assert body["tokens"] >= 1 and body["missing"] == [] and body["expired"] is False
    shown = " ".join([body["draft"] or "", body["answer"] or "", *(e["content"] for e in body["evidence"])])
    assert MOBILE in shown and "<CN_MOBILE_" not in shown

    access = [e for e in services.ledger.trail(sug.id) if e.kind.value == "pii_access"]
    assert [e.id for e in access] == [body["access_entry"]]
    assert access[0].actor == "rep_zhang" and access[0].payload["tokens"]
    assert access[0].payload["entities"].get("CN_MOBILE", 0) >= 1
    assert MOBILE not in _ledger_text(services)  # who and which tokens only, never the value
    assert services.ledger.verify().ok


def test_unmask_is_refused_to_everyone_else(wired: Any) -> None:
    services, _tencent, client = wired
    sug = _voice_suggestion(services, "um-2")
    for role in ("evaluator", "admin"):
        r = client.post(f"/v1/suggestions/{sug.id}/unmask", headers=KEYS[role])
        assert r.status_code == 403 and r.json()["reason"] == "wrong_role", (role, r.text)
    denials_before = len(services.ledger.find(kind="access_denied"))
    r = client.post(f"/v1/suggestions/{sug.id}/unmask", headers=KEYS["other_rep"])
    assert r.status_code == 403, r.text
    assert MOBILE not in r.text
    r = client.post(f"/v1/suggestions/{sug.id}/unmask", headers=KEYS["agent"])  # no call with C1001
    assert r.status_code == 403 and r.json()["reason"] == "not_on_call", r.text
    assert len(services.ledger.find(kind="access_denied")) >= denials_before + 2  # both refusals recorded
    assert client.post("/v1/suggestions/sug_doesnotexist/unmask", headers=KEYS["rep"]).status_code == 404
    assert not [e for e in services.ledger.trail(sug.id) if e.kind.value == "pii_access"]


def test_agent_on_an_active_call_with_the_customer_may_unmask(wired: Any) -> None:
    services, _tencent, client = wired
    sug = _voice_suggestion(services, "um-3")
    services.call_started("call-um-3", "agent_chen", "C1001", "demo")
    try:
        r = client.post(f"/v1/suggestions/{sug.id}/unmask", headers=KEYS["agent"])
        assert r.status_code == 200, r.text
        assert MOBILE in r.text
    finally:
        services.calls.end("call-um-3")


def _kf_suggestion(services: Any, mid: str, external: str) -> Any:
    services.extras["channels"].kf_state.customer_spoke(OPEN_KFID, external, time.time())
    msg = InboundMessage(
        tenant="demo",
        channel=Channel.WECOM_KF,
        conversation_id=f"{OPEN_KFID}:{external}",
        message_id=mid,
        customer_ref="C1001",
        rep_ref="rep_zhang",
        parts=[TextPart(text=f"退货要走什么流程？我手机{TYPED_MOBILE}，办好了打给我")],
    )
    return services.handle_message(msg, ZHANG)


def _edited_reply(services: Any, sug: Any) -> str:
    """What a rep writes on the (masked) page: the token stays as the page showed it (the same value always gets the
    same token in a conversation, so masking it again finds it)."""
    token = services.guardrails.pii.mask(TYPED_MOBILE, vault_key=vault_key_of(sug)).text
    assert token.startswith("<CN_MOBILE_"), token
    return f"您好，退货申请提交后我们会打 {token} 跟您确认进度。"


def _decide(services: Any, sug: Any, text: str) -> None:
    decision = HumanDecision(suggestion_id=sug.id, kind=DecisionKind.EDIT, actor="rep_zhang", final_text=text)
    services.decide(decision, ZHANG)


def test_kf_reply_is_unmasked_right_before_sending_and_never_stored(wired: Any) -> None:
    services, tencent, _client = wired
    sug = _kf_suggestion(services, "kf-um-1", "wmUnmask1")
    reply = _edited_reply(services, sug)
    _decide(services, sug, reply)
    sends = [s for s in tencent.calls("/cgi-bin/kf/send_msg") if s["touser"] == "wmUnmask1"]
    assert len(sends) == 1
    content = sends[0]["text"]["content"]
    assert TYPED_MOBILE in content and "<" not in content  # the customer gets the number, never the token
    assert TYPED_MOBILE not in _ledger_text(services)  # the decision is recorded with the token


def test_kf_reply_with_values_the_vault_forgot_is_not_sent(
    wired: Any, caplog: pytest.LogCaptureFixture
) -> None:
    services, tencent, _client = wired
    sug = _kf_suggestion(services, "kf-um-2", "wmUnmask2")
    reply = _edited_reply(services, sug)
    services.guardrails.pii.vault.forget(vault_key_of(sug))  # what an erasure (or the TTL) leaves behind
    with caplog.at_level(logging.WARNING, logger="copilot.listeners"):
        _decide(services, sug, reply)
    assert not [s for s in tencent.calls("/cgi-bin/kf/send_msg") if s["touser"] == "wmUnmask2"]
    assert any("kf_unmask_expired" in r.getMessage() for r in caplog.records)


def test_page_shows_tokens_once_the_vault_forgot_them(wired: Any) -> None:
    services, _tencent, client = wired
    sug = _voice_suggestion(services, "um-4")
    services.guardrails.pii.vault.forget(vault_key_of(sug))
    r = client.post(f"/v1/suggestions/{sug.id}/unmask", headers=KEYS["rep"])
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["expired"] is True and body["missing"] and MOBILE not in r.text
    assert all(t in r.text for t in body["missing"])  # left as tokens, never guessed


@pytest.mark.redis
def test_kf_reply_after_the_redis_vault_ttl_is_not_sent(wired: Any, redis_url: str) -> None:
    """The scale-out vault: AES-sealed values in Redis with a real TTL. Before it lapses the reply goes out with the
    value; after, nothing is sent."""
    from guardrails.pii import RedisVault, RuleMasker

    services, tencent, _client = wired
    vault = RedisVault(redis_url, secret="unmask-test-vault-key-0123456789", ttl_s=1, prefix="t:unmask:pii")
    sug = _kf_suggestion(services, "kf-um-3", "wmUnmask3")
    key = vault_key_of(sug)
    masked = RuleMasker(vault).mask(f"打这个号码 {TYPED_MOBILE}", vault_key=key).text
    assert TYPED_MOBILE not in masked
    decision = HumanDecision(
        suggestion_id=sug.id, kind=DecisionKind.EDIT, actor="rep_zhang", final_text=masked
    )
    services.extras["channels"].kf_state.customer_spoke(OPEN_KFID, "wmUnmask3", time.time())
    event = DecisionRecorded(sug, decision, ZHANG, "led_test")
    assert send_reply(services.channels, event, vault=vault)
    assert TYPED_MOBILE in tencent.calls("/cgi-bin/kf/send_msg")[-1]["text"]["content"]
    time.sleep(2.2)
    before = len(tencent.calls("/cgi-bin/kf/send_msg"))
    assert send_reply(services.channels, event, vault=vault) == ""
    assert len(tencent.calls("/cgi-bin/kf/send_msg")) == before


@pytest.mark.redis
def test_values_sealed_with_a_rotated_key_count_as_expired(redis_url: str) -> None:
    """After COPILOT_PII_VAULT_KEY is rotated, values sealed with the old key never open: their tokens stay tokens
    (the page shows them, a kf reply holding them is refused), as after the TTL."""
    from copilot.privacy.reveal import reveal, vault_values
    from guardrails.pii import RedisVault

    old = RedisVault(redis_url, secret="rotation-old-key-0123456789", ttl_s=60, prefix="t:rotation:pii")
    token = old.token_for("demo:c-rotation", "CN_MOBILE", TYPED_MOBILE)
    assert vault_values(old, "demo:c-rotation") == {token: TYPED_MOBILE}
    new = RedisVault(redis_url, secret="rotation-new-key-9876543210", ttl_s=60, prefix="t:rotation:pii")
    shown = reveal(f"打 {token}", vault_values(new, "demo:c-rotation"))
    assert shown.missing == [token] and TYPED_MOBILE not in shown.text
    old.forget("demo:c-rotation")


def test_pushes_to_the_pages_carry_tokens_never_raw_values(wired: Any) -> None:
    """The sidebar / desk pushes (Redis pub/sub in scale mode) are outside the vault: whatever they quote of the
    customer's message or the suggestion must be masked; the page unmasks through the endpoint above."""
    services, _tencent, _client = wired
    published: list[str] = []
    inner = services.hub.publish

    def record(topic: str, event: dict[str, Any]) -> None:
        published.append(json.dumps(event, ensure_ascii=False))
        inner(topic, event)

    services.hub.publish = record
    try:
        _voice_suggestion(services, "um-push")
        _kf_suggestion(services, "kf-um-push", "wmUnmaskPush")
    finally:
        services.hub.publish = inner
    assert published
    flat = normalise_haystack("\n".join(published))  # spoken digits (幺五九…) read as digits too
    assert MOBILE not in flat and TYPED_MOBILE not in flat
