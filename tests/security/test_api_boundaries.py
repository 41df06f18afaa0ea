"""Probes from the session-8 review of the HTTP surface, against the real app over real services (demo tenant, ledger
on PostgreSQL): a REST client naming a Tencent channel, a conversation taken over with one's own customer, free text
in the chained reason_code, an accept that carries other text, oversize and deeply nested input, unreadable bodies."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from channels.errors import CallbackRejected
from channels.wecom.xml import parse_xml

pytestmark = [pytest.mark.postgres, pytest.mark.models]
ZHANG = {"X-API-Key": "dev-rep-zhang"}
WANG = {"X-API-Key": "dev-rep-wang"}  # owns C1004, not C1001


def _message(conversation_id: str, message_id: str, customer: str = "C1001", **extra: Any) -> dict[str, Any]:
    return {
        "conversation_id": conversation_id,
        "message_id": message_id,
        "customer_ref": customer,
        "parts": [{"kind": "text", "text": "返点政策是什么？"}],
        **extra,
    }


def _denials(services: Any, reason: str) -> list[dict[str, Any]]:
    return [e.payload or {} for e in services.ledger.find(kind="access_denied") if e.reason_code == reason]


@pytest.mark.probe(
    id="rest-names-a-tencent-channel",
    sends='POST /v1/messages {"channel": "wecom_kf", "message_id": ...} as a rep',
    expect="403 channel_not_allowed, recorded; the default channel is rest and is accepted",
)
def test_rest_ingest_only_speaks_for_the_rest_channel(
    security_client: TestClient, security_services: Any
) -> None:
    r = security_client.post(
        "/v1/messages", json=_message("kf-take", "kf-take-1", channel="wecom_kf"), headers=ZHANG
    )
    assert r.status_code == 403 and r.json()["reason"] == "channel_not_allowed", r.text
    assert any("wecom_kf" in str(p) for p in _denials(security_services, "channel_not_allowed"))
    ok = security_client.post("/v1/messages", json=_message("kf-take", "kf-take-2"), headers=ZHANG)
    assert ok.status_code == 200 and ok.json()["channel"] == "rest", ok.text


@pytest.mark.probe(
    id="conversation-taken-with-own-customer",
    sends="rep_wang posts into rep_zhang's conversation, naming his own customer C1004",
    expect="a REFUSAL (not_your_conversation), recorded; zhang's conversation history is not read or extended",
)
def test_a_conversation_stays_with_its_customer(security_client: TestClient) -> None:
    first = security_client.post("/v1/messages", json=_message("bind-zhang", "bind-1"), headers=ZHANG)
    assert first.status_code == 200 and first.json()["kind"] != "refusal", first.text
    taken = security_client.post(
        "/v1/messages", json=_message("bind-zhang", "bind-2", customer="C1004"), headers=WANG
    )
    assert taken.status_code == 200 and taken.headers.get("X-Copilot-Refused") == "not_your_conversation"
    body = taken.json()
    assert body["kind"] == "refusal" and not body.get("draft"), body
    # his own conversation with his own customer is his
    own = security_client.post(
        "/v1/messages", json=_message("bind-wang", "bind-3", customer="C1004"), headers=WANG
    )
    assert own.status_code == 200 and own.json()["kind"] != "refusal", own.text


def _suggestion(client: TestClient, conversation: str, message_id: str) -> dict[str, Any]:
    r = client.post("/v1/messages", json=_message(conversation, message_id), headers=ZHANG)
    assert r.status_code == 200, r.text
    return dict(r.json())


@pytest.mark.probe(
    id="decision-reason-code-free-text",
    sends="POST decision {kind: edit, reason_code: '客户手机13912345678 …'}",
    expect="422 invalid_decision: reason_code is a fixed code for every kind (it is a chained column)",
)
def test_reason_code_is_a_code_for_every_kind(security_client: TestClient) -> None:
    sug = _suggestion(security_client, "rc-free", "rc-free-1")
    r = security_client.post(
        f"/v1/suggestions/{sug['id']}/decision",
        json={
            "kind": "edit",
            "final_text": "好的",
            "reason_code": "客户手机13912345678 身份证110101199003074518",
        },
        headers=ZHANG,
    )
    assert r.status_code == 422 and r.json()["reason"] == "invalid_decision", r.text
    assert "13912345678" not in r.text  # the error quotes at most the first 40 characters, no number in full
    ok = security_client.post(
        f"/v1/suggestions/{sug['id']}/decision",
        json={"kind": "edit", "final_text": "好的", "reason_code": "tone"},
        headers=ZHANG,
    )
    assert ok.status_code == 200, ok.text


@pytest.mark.probe(
    id="accept-with-other-text",
    sends="POST decision {kind: accept, final_text: <not the draft>}",
    expect="422 accept_text_differs (an edit must say so, with its diff); a plain accept is recorded",
)
def test_an_accept_sends_the_draft_as_it_is(security_client: TestClient) -> None:
    sug = _suggestion(security_client, "acc-other", "acc-other-1")
    r = security_client.post(
        f"/v1/suggestions/{sug['id']}/decision",
        json={"kind": "accept", "final_text": "请点击链接领取补贴 http://example.invalid"},
        headers=ZHANG,
    )
    assert r.status_code == 422 and r.json()["reason"] == "accept_text_differs", r.text
    ok = security_client.post(f"/v1/suggestions/{sug['id']}/decision", json={"kind": "accept"}, headers=ZHANG)
    assert ok.status_code == 200, ok.text


@pytest.mark.probe(
    id="oversize-and-nested-message",
    sends="POST /v1/messages with 96k characters of text; with 30 parts; with an event detail nested 300 deep",
    expect="422 invalid_request for each, never a 500 and nothing recorded",
)
def test_oversize_and_deeply_nested_messages_are_refused(security_client: TestClient) -> None:
    long_text = _message("big", "big-1")
    long_text["parts"] = [{"kind": "text", "text": "返点" * 48_000}]
    many = _message("big", "big-2")
    many["parts"] = [{"kind": "text", "text": f"第{i}句"} for i in range(30)]
    deep: dict[str, Any] = {}
    cursor = deep
    for _ in range(300):
        cursor["a"] = {}
        cursor = cursor["a"]
    nested = _message("big", "big-3")
    nested["parts"] = [{"kind": "text", "text": "你好"}, {"kind": "event", "event": "x", "detail": deep}]
    for body in (long_text, many, nested):
        r = security_client.post("/v1/messages", json=body, headers=ZHANG)
        assert r.status_code == 422 and r.json()["reason"] == "invalid_request", r.text[:300]
    assert security_client.get("/v1/suggestions", params={"conversation": "big"}, headers=ZHANG).json() == []


@pytest.mark.probe(
    id="unreadable-json-body",
    sends="POST /v1/messages with invalid UTF-8 under content-type application/json",
    expect="400 in the app's {error, reason, message} shape (reason unreadable_body), logged",
)
def test_an_unreadable_body_gets_the_apps_error_shape(security_client: TestClient) -> None:
    r = security_client.post(
        "/v1/messages", content=b'{"text": "\xff\xfe"}', headers={**ZHANG, "content-type": "application/json"}
    )
    assert r.status_code in (400, 422), r.text
    body = r.json()
    assert set(body) >= {"error", "reason", "message"} and "detail" not in body, body


@pytest.mark.probe(
    id="callback-xml-nested-deep",
    sends="a callback body <xml> with 5000 nested elements (parsed before the signature is checked)",
    expect="refused as malformed (xml_too_deep, 400), never a RecursionError",
)
def test_deeply_nested_callback_xml_is_malformed() -> None:
    with pytest.raises(CallbackRejected) as refused:
        parse_xml("<xml>" + "<a>" * 5000 + "</a>" * 5000 + "</xml>")
    assert refused.value.reason == "xml_too_deep" and refused.value.http_status == 400
    assert parse_xml("<xml><A><Item><B>1</B></Item></A></xml>") == {"A": [{"B": "1"}]}


@pytest.mark.probe(
    id="voice-start-frame-names-another-agent",
    sends="on call-borrow (registered by the gateway for agent_chen, C1004) agent_chen's start frame says "
    "agent_ref=rep_zhang; then a start frame naming no one, and real speech",
    expect="the first is refused (agent_mismatch); the call's suggestions are recorded as agent_chen's",
)
def test_a_call_socket_streams_as_the_authenticated_agent(
    security_client: TestClient, security_services: Any
) -> None:
    import numpy as np
    from faster_whisper import decode_audio

    from copilot.settings import REPO_ROOT
    from tests.security.test_voice_gateway import register

    assert register(security_client, "call-borrow", "agent_chen", "C1004").status_code == 201

    audio = decode_audio(str(REPO_ROOT / "copilot/tenants/demo/media/c1004_alarm_voice.wav"))
    audio = np.concatenate([audio, np.zeros(16_000, dtype=np.float32)])
    pcm = (audio * 32767).astype("<i2").tobytes()
    start = {
        "type": "start",
        "sample_rate": 16000,
        "channels": 1,
        "customer_ref": "C1004",
        "agent_ref": "rep_zhang",
    }
    with security_client.websocket_connect(
        "/voice/calls/call-borrow", headers={"X-API-Key": "dev-agent-chen"}
    ) as ws:
        ws.send_json(start)
        refused = ws.receive_json()
    assert refused["type"] == "error" and refused["reason"] == "agent_mismatch", refused
    with security_client.websocket_connect(
        "/voice/calls/call-borrow", headers={"X-API-Key": "dev-agent-chen"}
    ) as ws:
        ws.send_json({k: v for k, v in start.items() if k != "agent_ref"})
        assert ws.receive_json()["type"] == "ready"
        for i in range(0, len(pcm), 3200):
            ws.send_bytes(pcm[i : i + 3200])
        ws.send_json({"type": "stop"})
        while ws.receive_json()["type"] != "wrapup":
            pass
    recorded = security_services.ledger.find(conversation="call-borrow", kind="suggestion")
    assert recorded, "the call produced no suggestion"
    assert {e.rep_ref for e in recorded} == {"agent_chen"}, [(e.rep_ref, e.suggestion_kind) for e in recorded]


@pytest.mark.probe(
    id="customer-360-existence",
    sends="GET /v1/customers/C1004/360 (another rep's) and /v1/customers/C9999999/360 (no such id) as rep_zhang",
    expect="the same 403 not_owner with the same message shape for both: the answer never says which ids exist",
)
def test_the_360_does_not_tell_a_rep_which_customers_exist(security_client: TestClient) -> None:
    other = security_client.get("/v1/customers/C1004/360", headers=ZHANG)
    missing = security_client.get("/v1/customers/C9999999/360", headers=ZHANG)
    assert other.status_code == missing.status_code == 403, (other.text, missing.text)
    assert other.json()["reason"] == missing.json()["reason"] == "not_owner"
    assert other.json()["message"].replace("C1004", "X") == missing.json()["message"].replace("C9999999", "X")
    assert security_client.get("/v1/customers/C1001/360", headers=ZHANG).status_code == 200


@pytest.mark.probe(
    id="stream-token-on-other-routes",
    sends="a fresh ?token= (POST /v1/stream/token) on GET /v1/customers/C1001/360 instead of a header",
    expect="401: a token opens only what a browser must open by URL (the stream, eval reports)",
)
def test_a_stream_token_is_not_a_credential_for_data_routes(security_client: TestClient) -> None:
    token = security_client.post("/v1/stream/token", headers=ZHANG).json()["token"]
    r = security_client.get("/v1/customers/C1001/360", params={"token": token})
    assert r.status_code == 401, r.text
