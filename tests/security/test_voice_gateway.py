"""Probes on who opens a live call (session 10 review): the agent's own start frame named the call's customer and that
registered the call, so an agent could give themself any customer's 360; a second socket on a live call id took over
its stream. Calls are now registered by the telephony gateway (POST /v1/calls, HMAC-signed with the gateway's own key,
not an API key); the agent's socket only attaches to a call registered for that agent; a second socket on a live call
id is refused and logged."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from copilot.auth import GATEWAY_DEV_KEY, sign_gateway_body

pytestmark = [pytest.mark.postgres, pytest.mark.models]
CHEN = {"X-API-Key": "dev-agent-chen"}
START = {"type": "start", "sample_rate": 16000, "channels": 1}


def register(client: TestClient, call_id: str, agent: str, customer: str, **sign: Any) -> Any:
    body = json.dumps({"call_id": call_id, "agent_ref": agent, "customer_ref": customer}).encode()
    headers = {
        "Content-Type": "application/json",
        **sign_gateway_body(body, sign.pop("key", GATEWAY_DEV_KEY), **sign),
    }
    return client.post("/v1/calls", content=body, headers=headers)


def _first_frame(
    client: TestClient, call_id: str, start: dict[str, Any], headers: dict[str, str]
) -> dict[str, Any]:
    with client.websocket_connect(f"/voice/calls/{call_id}", headers=headers) as ws:
        ws.send_json(start)
        frame: dict[str, Any] = ws.receive_json()
        if frame["type"] == "ready":
            ws.send_json({"type": "stop"})
            while ws.receive_json()["type"] != "wrapup":
                pass
    return frame


def _denials(services: Any, reason: str) -> list[dict[str, Any]]:
    found = services.ledger.find(kind="access_denied")
    return [(e.payload or {}).get("details", {}) for e in found if e.reason_code == reason]


@pytest.mark.probe(
    id="voice-start-frame-registers-a-call",
    sends="agent_chen opens /voice/calls/call-idor (never registered) with a start frame naming C1001 (rep_zhang's)",
    expect="error not_your_call and close, recorded; no call (so no customer) enters agent_chen's scope",
)
def test_an_agent_cannot_open_a_call_with_a_customer_of_their_choice(
    security_client: TestClient, security_services: Any
) -> None:
    frame = _first_frame(security_client, "call-idor", {**START, "customer_ref": "C1001"}, CHEN)
    assert frame["type"] == "error" and frame["fatal"] and frame["reason"] == "not_your_call", frame
    assert "call-idor" not in {c.call_id for c in security_services.calls.for_agent("agent_chen")}
    assert security_client.get("/v1/customers/C1001/360", headers=CHEN).status_code == 403
    assert any(p.get("call_id") == "call-idor" for p in _denials(security_services, "not_your_call"))


@pytest.mark.probe(
    id="voice-call-registration-needs-the-gateway-key",
    sends="POST /v1/calls unsigned, with an agent's / admin's API key, a wrong key, a stale timestamp, then signed",
    expect="401 for each (an API key is not a gateway credential); the signed one 201 and the call is the agent's",
)
def test_only_the_gateway_registers_calls(security_client: TestClient, security_services: Any) -> None:
    body = {"call_id": "call-gw-1", "agent_ref": "agent_chen", "customer_ref": "C1004"}
    for headers in (CHEN, {"X-API-Key": "dev-admin"}, {}):
        r = security_client.post("/v1/calls", json=body, headers=headers)
        assert r.status_code == 401 and r.json()["reason"] == "bad_gateway_signature", r.text
    assert register(security_client, "call-gw-1", "agent_chen", "C1004", key="not-the-key").status_code == 401
    stale = register(security_client, "call-gw-1", "agent_chen", "C1004", now=time.time() - 3600)
    assert stale.status_code == 401 and stale.json()["reason"] == "bad_gateway_signature", stale.text
    assert not [c for c in security_services.calls.for_agent("agent_chen") if c.call_id == "call-gw-1"]
    ok = register(security_client, "call-gw-1", "agent_chen", "C1004")
    assert ok.status_code == 201, ok.text
    assert ok.json() == {"call_id": "call-gw-1", "agent_ref": "agent_chen", "customer_ref": "C1004"}
    calls = {c.call_id: c for c in security_services.calls.for_agent("agent_chen")}
    assert calls["call-gw-1"].customer_ref == "C1004"
    # the same registration again is a no-op; another agent or customer on the live call is a conflict
    assert register(security_client, "call-gw-1", "agent_chen", "C1004").status_code == 201
    taken = register(security_client, "call-gw-1", "agent_other", "C1001")
    assert taken.status_code == 409 and taken.json()["reason"] == "call_id_in_use", taken.text
    bad = register(security_client, "", "agent_chen", "C1004")
    assert bad.status_code == 422, bad.text
    # the agent's socket attaches to it; the customer comes from the registration
    assert _first_frame(security_client, "call-gw-1", START, CHEN)["type"] == "ready"


@pytest.mark.probe(
    id="voice-attach-to-another-agents-call",
    sends="the gateway registers call-gw-2 for agent_other; agent_chen opens its socket",
    expect="error not_your_call (the same answer as for an unregistered id), recorded",
)
def test_an_agent_attaches_only_to_their_own_call(
    security_client: TestClient, security_services: Any
) -> None:
    assert register(security_client, "call-gw-2", "agent_other", "C1004").status_code == 201
    frame = _first_frame(security_client, "call-gw-2", START, CHEN)
    assert frame["type"] == "error" and frame["reason"] == "not_your_call", frame
    assert any(p.get("call_id") == "call-gw-2" for p in _denials(security_services, "not_your_call"))


@pytest.mark.probe(
    id="voice-start-frame-contradicts-the-registration",
    sends="call-gw-3 registered for agent_chen with C1004; agent_chen's start frame names C1001, then agent rep_zhang",
    expect="error customer_mismatch / agent_mismatch and close, recorded; a start frame naming neither is ready",
)
def test_a_start_frame_cannot_change_the_registered_call(
    security_client: TestClient, security_services: Any
) -> None:
    assert register(security_client, "call-gw-3", "agent_chen", "C1004").status_code == 201
    frame = _first_frame(security_client, "call-gw-3", {**START, "customer_ref": "C1001"}, CHEN)
    assert frame["type"] == "error" and frame["reason"] == "customer_mismatch", frame
    frame = _first_frame(security_client, "call-gw-3", {**START, "agent_ref": "rep_zhang"}, CHEN)
    assert frame["type"] == "error" and frame["reason"] == "agent_mismatch", frame
    assert _denials(security_services, "customer_mismatch") and _denials(security_services, "agent_mismatch")
    same = {**START, "customer_ref": "C1004", "agent_ref": "agent_chen"}
    assert _first_frame(security_client, "call-gw-3", same, CHEN)["type"] == "ready"


@pytest.mark.probe(
    id="voice-second-socket-takes-over",
    sends="agent_chen's socket is live on call-gw-4; a second socket (same agent, then admin) opens the same call id",
    expect="the second gets error call_id_in_use and a logged warning; the first keeps streaming to its wrap-up",
)
def test_a_second_socket_on_a_live_call_is_refused(
    security_client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    assert register(security_client, "call-gw-4", "agent_chen", "C1004").status_code == 201
    caplog.set_level(logging.WARNING)
    with security_client.websocket_connect("/voice/calls/call-gw-4", headers=CHEN) as first:
        first.send_json(START)
        assert first.receive_json()["type"] == "ready"
        for headers in (CHEN, {"X-API-Key": "dev-admin"}):
            second = _first_frame(security_client, "call-gw-4", START, headers)
            assert second["type"] == "error" and second["reason"] == "call_id_in_use", second
        first.send_bytes(b"\x00\x00" * 1600)
        first.send_json({"type": "stop"})
        frames = []
        while (frame := first.receive_json())["type"] != "wrapup":
            frames.append(frame)
    assert (
        frame["reason"] == "stop" and frame["agent_ref"] == "agent_chen" and frame["customer_ref"] == "C1004"
    )
    assert any("call-gw-4" in r.getMessage() and "call_id_in_use" in r.getMessage() for r in caplog.records)


@pytest.mark.probe(
    id="voice-gateway-malformed-headers",
    sends="POST /v1/calls with a timestamp of '²' (latin-1), 5000 ASCII digits, 13 digits, a short or upper-case "
    "signature",
    expect="the same 401 bad_gateway_signature as any refused signature (it was a 500 with a traceback); no call",
)
def test_malformed_gateway_headers_get_the_uniform_401(
    security_client: TestClient, security_services: Any
) -> None:
    body = json.dumps({"call_id": "call-gw-m", "agent_ref": "agent_chen", "customer_ref": "C1004"}).encode()
    good = sign_gateway_body(body, GATEWAY_DEV_KEY)
    ts, sig = good["X-Gateway-Timestamp"], good["X-Gateway-Signature"]
    cases: list[tuple[bytes, bytes]] = [
        (b"\xb2", sig.encode()),  # a superscript two: str.isdigit() is True, int() raises
        (b"1" * 5000, sig.encode()),  # longer than Python's int-string limit
        (b"1" * 13, sig.encode()),
        (ts.encode(), b"sha256=" + b"0" * 63),
        (ts.encode(), sig.upper().replace("SHA256=", "sha256=").encode()),
        (ts.encode(), b"sha256=" + "\u00e9".encode("latin-1") * 64),
    ]
    answers = set()
    for timestamp, signature in cases:
        r = security_client.post(
            "/v1/calls",
            content=body,
            headers={
                "Content-Type": b"application/json",
                "X-Gateway-Timestamp": timestamp,
                "X-Gateway-Signature": signature,
            },
        )
        assert r.status_code == 401 and r.json()["reason"] == "bad_gateway_signature", (
            timestamp[:20],
            r.text,
        )
        answers.add(r.text)
    assert len(answers) == 1  # one answer for every failure
    assert not [c for c in security_services.calls.for_agent("agent_chen") if c.call_id == "call-gw-m"]


@pytest.mark.probe(
    id="voice-gateway-refusals-logged",
    sends="POST /v1/calls unsigned, stale, with a wrong key, with a malformed timestamp",
    expect="each is a warning in the server log naming the peer and the internal reason; the client sees the "
    "same 401 for all",
)
def test_each_refused_registration_is_logged_with_its_reason(
    security_client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    body = {"call_id": "call-gw-log", "agent_ref": "agent_chen", "customer_ref": "C1004"}
    answers = [
        security_client.post("/v1/calls", json=body),
        register(security_client, "call-gw-log", "agent_chen", "C1004", now=time.time() - 3600),
        register(security_client, "call-gw-log", "agent_chen", "C1004", key="not-the-key"),
        security_client.post(
            "/v1/calls", json=body, headers={"X-Gateway-Timestamp": "x1", "X-Gateway-Signature": "sha256=00"}
        ),
    ]
    assert {r.status_code for r in answers} == {401}
    assert len({json.dumps(r.json(), sort_keys=True) for r in answers}) == 1
    refused = [
        r.getMessage() for r in caplog.records if r.getMessage().startswith("call registration refused")
    ]
    assert [m.rsplit(": ", 1)[1] for m in refused] == ["missing", "stale", "bad_signature", "malformed"], (
        refused
    )
    assert all("testclient" in m for m in refused), refused  # the peer (TestClient's host)
    for r in answers:
        for why in ("missing", "stale", "bad_signature", "malformed"):
            assert why not in r.json()["message"] and r.json().get("why") is None


@pytest.mark.probe(
    id="voice-gateway-replay-after-hangup",
    sends="a signed registration of call-gw-9, the agent's call and hang-up, then the very same signed request again",
    expect="the retry while live is the idempotent 201; the replay after the hang-up is 401 and the call stays ended",
)
def test_a_replayed_registration_does_not_reopen_a_hung_up_call(
    security_client: TestClient, security_services: Any, caplog: pytest.LogCaptureFixture
) -> None:
    body = json.dumps({"call_id": "call-gw-9", "agent_ref": "agent_chen", "customer_ref": "C1004"}).encode()
    headers = {"Content-Type": "application/json", **sign_gateway_body(body, GATEWAY_DEV_KEY)}
    assert security_client.post("/v1/calls", content=body, headers=headers).status_code == 201
    assert (
        security_client.post("/v1/calls", content=body, headers=headers).status_code == 201
    )  # a retry: no-op
    with security_client.websocket_connect("/voice/calls/call-gw-9", headers=CHEN) as ws:
        ws.send_json(START)
        assert ws.receive_json()["type"] == "ready"
        ws.send_json({"type": "stop"})
        while ws.receive_json()["type"] != "wrapup":
            pass
    call = security_services.calls.get("call-gw-9")
    assert call is not None and call.ended_at
    caplog.set_level(logging.WARNING)
    replay = security_client.post("/v1/calls", content=body, headers=headers)
    assert replay.status_code == 401 and replay.json()["reason"] == "bad_gateway_signature", replay.text
    again = security_services.calls.get("call-gw-9")
    assert again is not None and again.ended_at  # not re-opened
    assert any("replayed" in r.getMessage() for r in caplog.records)
    fresh = register(security_client, "call-gw-9", "agent_chen", "C1004", now=time.time() + 1)
    assert fresh.status_code == 201, fresh.text  # a new signed registration re-opens it


@pytest.mark.probe(
    id="voice-socket-forged-call-id",
    sends="an agent's socket on /voice/calls/x%0Aforged-log-line (a newline in the call id)",
    expect="error not_your_call; the id never reaches a log line or the ledger",
)
def test_a_call_id_of_another_shape_is_refused_before_it_is_logged(
    security_client: TestClient, security_services: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    frame = _first_frame(security_client, "x%0Aforged-log-line", START, CHEN)
    assert frame["type"] == "error" and frame["reason"] == "not_your_call", frame
    assert not any(
        "\nforged-log-line" in r.getMessage() for r in caplog.records
    )  # no forged line; repr at most
    denials = _denials(security_services, "not_your_call")
    assert denials and not any("forged" in json.dumps(d) for d in denials)
