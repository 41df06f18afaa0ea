"""Probes on refused call sockets (review S3, session 11): each refusal wrote its ledger row and read the call
registry (Redis when scaled out) on the event loop, with no limit, so a client opening refused sockets in a loop
stalled every other socket and request of the process and grew the ledger without bound. Now the registry read and
the ledger write run in worker threads, and each client (API key identity) has a small token bucket of refusals
(COPILOT_RATE_SOCKET_REFUSAL_*, default burst 10, one more every 5 s): past it, its refusals are still refused but
not written to the ledger, logged once when it runs dry (review 56de505: the bucket limits the RECORDING, not the
admission, so a client past it, such as a gateway streaming every agent under one key, still gets its registered
calls). Real app, real SQLite ledger, the in-process call registry."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.copilot.test_call_claims import START, NoDecoder

CHEN = {"X-API-Key": "dev-agent-chen"}
ADMIN = {"X-API-Key": "dev-admin"}


def _on_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


@pytest.fixture
def voice(tmp_path: Path) -> Iterator[tuple[TestClient, Any, list[tuple[str, bool]]]]:
    from channels.voice.asr_service import AsrService
    from copilot.app import create_app
    from tests.copilot.test_ledger_tenants import tenant_services

    services: Any = tenant_services(f"sqlite:///{tmp_path / 'ledger.sqlite'}", "t-alpha", tmp_path)
    services.asr = AsrService(lambda: NoDecoder(), max_calls=4)  # type: ignore[arg-type,return-value]
    seen: list[tuple[str, bool]] = []  # (what ran, whether it ran on an event loop's thread)
    record_denial, get = services.record_denial, services.calls.get

    def watched_denial(*args: Any, **kwargs: Any) -> Any:
        seen.append(("ledger", _on_loop()))
        return record_denial(*args, **kwargs)

    def watched_get(call_id: str) -> Any:
        seen.append(("registry", _on_loop()))
        return get(call_id)

    services.record_denial = watched_denial
    services.calls.get = watched_get
    with TestClient(create_app(services.settings, services=services, start_worker=False)) as client:
        yield client, services, seen
    services.asr.close()
    services.ledger.close()


def _refused(client: TestClient, call_id: str, headers: dict[str, str]) -> str:
    with client.websocket_connect(f"/voice/calls/{call_id}", headers=headers) as ws:
        ws.send_json(START)
        frame = ws.receive_json()
    assert frame["type"] == "error" and frame["fatal"], frame
    return str(frame["reason"])


@pytest.mark.probe(
    id="voice-socket-refusal-blocks-the-event-loop",
    sends="an agent opens sockets on an unregistered call id and on a registered call with another customer "
    "in the start frame",
    expect="refused (not_your_call / customer_mismatch) and recorded; the registry read and the ledger write "
    "run off the event loop",
)
def test_a_refused_socket_reads_and_writes_off_the_event_loop(
    voice: tuple[TestClient, Any, list[tuple[str, bool]]],
) -> None:
    client, services, seen = voice
    assert _refused(client, "call-never-registered", CHEN) == "not_your_call"
    services.register_call("call-s3", "agent_chen", "C1001")
    with client.websocket_connect("/voice/calls/call-s3", headers=CHEN) as ws:
        ws.send_json({**START, "customer_ref": "C9999"})
        frame = ws.receive_json()
    assert frame["reason"] == "customer_mismatch", frame
    assert {what for what, _ in seen} == {"ledger", "registry"}
    assert [what for what, on_loop in seen if on_loop] == [], seen
    assert len(services.ledger.find(kind="access_denied")) == 2


@pytest.mark.probe(
    id="voice-socket-refusal-flood",
    sends="one agent opens 25 sockets on unregistered call ids in a row; then another agent opens one",
    expect="25 refused not_your_call, 10 recorded (the burst), the next 15 with no ledger row and one log line; "
    "the other client's refusal is recorded as usual",
)
def test_refusals_are_rate_limited_per_client(
    voice: tuple[TestClient, Any, list[tuple[str, bool]]], caplog: pytest.LogCaptureFixture
) -> None:
    client, services, seen = voice
    caplog.set_level(logging.WARNING, logger="copilot.api.live")
    reasons = [_refused(client, f"call-flood-{n}", CHEN) for n in range(25)]
    assert reasons == ["not_your_call"] * 25, reasons
    assert len(services.ledger.find(kind="access_denied")) == 10
    limited = [r for r in caplog.records if "rate-limited" in r.getMessage()]
    assert len(limited) == 1 and "agent:agent_chen" in limited[0].getMessage(), caplog.text
    assert _refused(client, "call-other-client", ADMIN) == "not_your_call"  # another client's bucket
    assert len(services.ledger.find(kind="access_denied")) == 11


@pytest.mark.probe(
    id="voice-socket-refusal-budget-locks-out-a-client",
    sends="one agent opens 11 sockets on unregistered call ids (its refusal bucket runs dry), then one on a call "
    "registered for it",
    expect="the 11 refused not_your_call (10 recorded); the registered call's socket is ready",
)
def test_a_client_past_its_refusal_budget_still_gets_its_registered_calls(
    voice: tuple[TestClient, Any, list[tuple[str, bool]]],
) -> None:
    client, services, _ = voice
    assert [_refused(client, f"call-race-{n}", CHEN) for n in range(11)] == ["not_your_call"] * 11
    services.register_call("call-mine", "agent_chen", "C1001")
    with client.websocket_connect("/voice/calls/call-mine", headers=CHEN) as ws:
        ws.send_json(START)
        frame = ws.receive_json()
    assert frame["type"] == "ready", frame
    assert len(services.ledger.find(kind="access_denied")) == 10
