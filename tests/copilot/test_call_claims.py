"""Claims that must hold across API processes (session 11, review S2 follow-up): a gateway registration's signature
is accepted once, and a call id has one live socket. Both used to live in one API process's memory, so behind a
balancer a replay or a second socket reaching another process went through. Scaled out (Redis call registry) they are
Redis SET NX claims with a TTL: the signature for twice the ±300 s window, the socket's while it lives (refreshed by a
heartbeat, released on close, lapsing within one TTL when its process dies). Embedded, the same claims in-process.

One contract (contract.claims.Claims), run on LocalClaims and on RedisClaims (the real Redis of the test session), which
the voice router and the live routes both use (session 12: the router had its own copy, ProcessSocketClaims, whose
refresh revived a lapsed claim where Redis's does not); then two apps standing for
two API processes over one Redis: the replay after the hang-up sent to the other process, and a second socket on the
other process, are refused."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from copilot.calls import CallClaims, LocalClaims, RedisCalls, RedisClaims, claims_for


@pytest.fixture(params=["local", "redis"])
def claims(request: pytest.FixtureRequest) -> Iterator[CallClaims]:
    if request.param == "local":
        yield LocalClaims()
        return
    request.applymarker(pytest.mark.redis)
    client = redis.Redis.from_url(request.getfixturevalue("redis_url"))
    yield RedisClaims(client, prefix=f"test:claims:{uuid.uuid4().hex[:8]}:")
    client.close()


def test_a_claim_is_held_by_one_owner_until_its_owner_releases_it(claims: CallClaims) -> None:
    assert claims.claim("socket:t:call-1", "a", 30)
    assert not claims.claim("socket:t:call-1", "b", 30)
    assert not claims.claim("socket:t:call-1", "a", 30)  # a repeat by the holder is refused too (replays)
    assert claims.claim("socket:t:call-2", "b", 30)  # another key is free
    claims.release("socket:t:call-1", "b")  # not b's: still held
    assert not claims.claim("socket:t:call-1", "c", 30)
    assert not claims.refresh("socket:t:call-1", "b", 30)
    claims.release("socket:t:call-1", "a")
    assert claims.claim("socket:t:call-1", "c", 30)


def test_a_claim_lapses_after_its_ttl_unless_its_owner_refreshes_it(claims: CallClaims) -> None:
    assert claims.claim("socket:t:crashed", "dead-process", 0.3)
    assert claims.claim("socket:t:beating", "live-process", 0.3)
    for _ in range(6):  # 0.6 s: twice the TTL, refreshed every 0.1 s
        time.sleep(0.1)
        assert claims.refresh("socket:t:beating", "live-process", 0.3)
    assert not claims.claim("socket:t:beating", "other", 0.3)
    assert claims.claim("socket:t:crashed", "other", 0.3)  # the crashed owner's claim lapsed by itself
    assert not claims.refresh("socket:t:crashed", "dead-process", 0.3)  # and its owner cannot take it back


def test_a_lapsed_claim_cannot_be_refreshed_even_by_its_owner(claims: CallClaims) -> None:
    """Nobody took it meanwhile: the claim is still gone (Redis expired the key), so the socket that missed its
    heartbeat learns it lost the call instead of silently taking it back."""
    assert claims.claim("socket:t:stalled", "owner", 0.1)
    time.sleep(0.25)
    assert not claims.refresh("socket:t:stalled", "owner", 0.1)
    assert claims.claim("socket:t:stalled", "other", 30)


def test_the_claims_follow_the_call_registry(redis_url: str) -> None:
    from copilot.calls import LocalCalls

    client = redis.Redis.from_url(redis_url)
    assert isinstance(claims_for(RedisCalls(client)), RedisClaims)
    assert isinstance(claims_for(LocalCalls()), LocalClaims)
    client.close()


# ---- two API processes over one Redis ----------------------------------------------------------------------------

START = {"type": "start", "sample_rate": 16000, "channels": 1}
CHEN = {"X-API-Key": "dev-agent-chen"}


class NoDecoder:
    """The calls here carry no audio: nothing is ever decoded."""

    def transcribe(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("no audio was sent")


def _process(redis_url: str, tmp_path: Path, name: str) -> Any:
    from channels.voice.asr_service import AsrService
    from tests.copilot.test_ledger_tenants import tenant_services

    services = tenant_services(f"sqlite:///{tmp_path / 'ledger.sqlite'}", "t-alpha", tmp_path / name)
    services.calls = RedisCalls(redis.Redis.from_url(redis_url), prefix="test:twoproc:calls:")
    services.asr = AsrService(lambda: NoDecoder(), max_calls=4)  # type: ignore[arg-type,return-value]
    return services


@pytest.fixture
def two_processes(redis_url: str, tmp_path: Path) -> Iterator[tuple[Any, Any, Any]]:
    from fastapi.testclient import TestClient

    from copilot.app import create_app

    redis.Redis.from_url(redis_url).flushdb()
    a, b = _process(redis_url, tmp_path, "a"), _process(redis_url, tmp_path, "b")
    with (
        TestClient(create_app(a.settings, services=a, start_worker=False)) as client_a,
        TestClient(create_app(b.settings, services=b, start_worker=False)) as client_b,
    ):
        yield client_a, client_b, a
    for s in (a, b):
        s.asr.close()
        s.ledger.close()


def _signed(call_id: str, agent: str, customer: str) -> tuple[bytes, dict[str, str]]:
    from copilot.auth import GATEWAY_DEV_KEY, sign_gateway_body

    body = json.dumps({"call_id": call_id, "agent_ref": agent, "customer_ref": customer}).encode()
    return body, {"Content-Type": "application/json", **sign_gateway_body(body, GATEWAY_DEV_KEY)}


@pytest.mark.redis
def test_a_registration_replayed_to_another_process_after_the_hang_up_is_refused(
    two_processes: tuple[Any, Any, Any],
) -> None:
    client_a, client_b, services_a = two_processes
    body, headers = _signed("call-2p-replay", "agent_chen", "C1001")
    assert client_a.post("/v1/calls", content=body, headers=headers).status_code == 201
    # a gateway's retry while the call is live and unchanged is still the no-op
    assert client_a.post("/v1/calls", content=body, headers=headers).status_code == 201
    services_a.calls.end("call-2p-replay")  # the hang-up
    replay = client_b.post("/v1/calls", content=body, headers=headers)
    assert replay.status_code == 401 and replay.json()["reason"] == "bad_gateway_signature", replay.text
    held = services_a.calls.get("call-2p-replay")
    assert held is not None and held.ended_at, "the replay re-opened the ended call"
    body2, headers2 = _signed("call-2p-replay", "agent_chen", "C1001")  # a fresh registration is accepted
    if headers2 == headers:  # same second: the same signature (a replay by definition); sign a second later
        time.sleep(1.05)
        body2, headers2 = _signed("call-2p-replay", "agent_chen", "C1001")
    assert client_b.post("/v1/calls", content=body2, headers=headers2).status_code == 201


@pytest.mark.redis
def test_a_second_socket_on_another_process_is_refused_and_the_call_is_freed_on_close(
    two_processes: tuple[Any, Any, Any],
) -> None:
    client_a, client_b, _ = two_processes
    body, headers = _signed("call-2p-socket", "agent_chen", "C1001")
    assert client_a.post("/v1/calls", content=body, headers=headers).status_code == 201
    with client_a.websocket_connect("/voice/calls/call-2p-socket", headers=CHEN) as first:
        first.send_json(START)
        assert first.receive_json()["type"] == "ready"
        with client_b.websocket_connect("/voice/calls/call-2p-socket", headers=CHEN) as second:
            refused = second.receive_json()
        assert refused["type"] == "error" and refused["reason"] == "call_id_in_use", refused
        first.send_json({"type": "stop"})
        while first.receive_json()["type"] != "wrapup":
            pass
    # the hang-up ended the call: a reconnect needs a new registration, then the other process takes the socket
    time.sleep(1.05)
    body, headers = _signed("call-2p-socket", "agent_chen", "C1001")
    assert client_b.post("/v1/calls", content=body, headers=headers).status_code == 201
    with client_b.websocket_connect("/voice/calls/call-2p-socket", headers=CHEN) as again:
        again.send_json(START)
        assert again.receive_json()["type"] == "ready"
        again.send_json({"type": "stop"})
        while again.receive_json()["type"] != "wrapup":
            pass


@pytest.mark.parametrize("kind", ["local", pytest.param("redis", marks=pytest.mark.redis)])
def test_the_heartbeat_keeps_a_live_sockets_claim_past_its_ttl(
    kind: str, request: pytest.FixtureRequest
) -> None:
    """A socket claim with a 0.3 s TTL: while the socket lives the heartbeat (every 0.1 s) keeps it, so a second socket
    a second later is still refused; once the socket is closed the claim is free again."""
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from channels.voice.asr_service import AsrService
    from channels.voice.router import build_voice_router

    if kind == "local":
        claims: CallClaims = LocalClaims()
    else:
        client = redis.Redis.from_url(request.getfixturevalue("redis_url"))
        request.addfinalizer(client.close)
        claims = RedisClaims(client, prefix=f"test:beat:{uuid.uuid4().hex[:8]}:")
    asr = AsrService(lambda: NoDecoder(), max_calls=4)  # type: ignore[arg-type,return-value]

    async def on_final(msg: Any) -> None:
        return None

    app = FastAPI()
    app.include_router(build_voice_router(asr, on_final, tenant="t", claims=claims, socket_claim_ttl_s=0.3))
    with TestClient(app) as http:
        with http.websocket_connect("/voice/calls/call-beat") as first:
            first.send_json(START)
            assert first.receive_json()["type"] == "ready"
            time.sleep(1.0)  # three TTLs
            with http.websocket_connect("/voice/calls/call-beat") as second:
                refused = second.receive_json()
            assert refused["reason"] == "call_id_in_use", refused
            first.send_json({"type": "stop"})
            while first.receive_json()["type"] != "wrapup":
                pass
        # released when the wind-down ends (a claim never released would be kept alive by its heartbeat forever)
        deadline = time.monotonic() + 3.0
        while not claims.claim("socket:t:call-beat", "next", 30):
            assert time.monotonic() < deadline, "the claim was not released after the socket closed"
            time.sleep(0.02)
    asr.close()


def test_the_voice_router_holds_its_sockets_in_the_contract_claims(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without `claims=`, the router's one-socket-per-call claims are contract.claims.LocalClaims (the implementation
    the contract suite above runs on), not a copy of its own."""
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    import channels.voice.router as router
    from channels.voice.asr_service import AsrService

    made: list[LocalClaims] = []

    class Recording(LocalClaims):
        def __init__(self) -> None:
            super().__init__()
            made.append(self)

    monkeypatch.setattr(router, "LocalClaims", Recording)
    asr = AsrService(lambda: NoDecoder(), max_calls=4)  # type: ignore[arg-type,return-value]

    async def on_final(msg: Any) -> None:
        return None

    app = FastAPI()
    app.include_router(router.build_voice_router(asr, on_final, tenant="t"))
    with TestClient(app) as http, http.websocket_connect("/voice/calls/call-default") as first:
        first.send_json(START)
        assert first.receive_json()["type"] == "ready"
        assert len(made) == 1 and not made[0].claim("socket:t:call-default", "other", 30)
        first.send_json({"type": "stop"})
        while first.receive_json()["type"] != "wrapup":
            pass
    asr.close()
