"""Edge probes on the HTTP surface, against the real app over real services (demo tenant, ledger on PostgreSQL):
NUL characters, security headers, API keys in URLs, short-lived stream tokens, and the API map in production."""

from __future__ import annotations

import re
import secrets
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

from contract.ports import Actor
from copilot.app import create_app
from copilot.auth import hash_key, mint_stream_token
from copilot.settings import Settings
from tests.conftest import free_port, wait_port

pytestmark = [pytest.mark.postgres, pytest.mark.models]
REP = {"X-API-Key": "dev-rep-zhang"}


def _message(conversation_id: str, message_id: str) -> dict[str, Any]:
    return {
        "channel": "rest",
        "conversation_id": conversation_id,
        "message_id": message_id,
        "customer_ref": "C1001",
        "parts": [{"kind": "text", "text": "返点政策是什么？"}],
    }


@pytest.mark.probe(
    id="nul-in-conversation-id",
    sends='POST /v1/messages {"conversation_id": "conv\\u0000x"} with the ledger on PostgreSQL',
    expect="400 nul_character before any handler; the same route still answers 200 for a clean id",
)
def test_nul_in_a_json_body_is_a_400_on_postgres(security_client: TestClient) -> None:
    r = security_client.post("/v1/messages", json=_message("conv\x00x", "nul-1"), headers=REP)
    assert r.status_code == 400 and r.json()["reason"] == "nul_character", r.text
    clean = security_client.post("/v1/messages", json=_message("conv-clean", "clean-1"), headers=REP)
    assert clean.status_code == 200, clean.text
    assert security_client.get("/v1/suggestions", params={"conversation": "conv-clean"}, headers=REP).json()


@pytest.mark.probe(
    id="nul-in-query",
    sends="GET /v1/suggestions?conversation=%00 and GET /v1/customers/C1%00/360 (PostgreSQL ledger)",
    expect="400 nul_character, never a 500",
)
def test_nul_in_the_url_is_a_400(security_client: TestClient) -> None:
    r = security_client.get("/v1/suggestions?conversation=%00", headers=REP)
    assert r.status_code == 400 and r.json()["reason"] == "nul_character"
    r = security_client.get("/v1/customers/C1%00/360", headers=REP)
    assert r.status_code == 400 and r.json()["reason"] == "nul_character"


def _inline_scripts(html: str) -> list[str]:
    """<script> elements with a body or without src (nonce'd ones would be allowed; there are none)."""
    return [
        m.group(0)[:80]
        for m in re.finditer(r"<script\b([^>]*)>(.*?)</script>", html, re.S | re.I)
        if ("src=" not in m.group(1) or m.group(2).strip()) and "nonce=" not in m.group(1)
    ]


@pytest.mark.probe(
    id="web-security-headers",
    sends="GET every page, a JSON route and a static file",
    expect="CSP (script-src 'self', no inline script), frame-ancestors 'none' except the WeCom sidebar, nosniff",
)
def test_security_headers_on_pages_and_api(security_client: TestClient) -> None:
    for path in ("/ui/", "/ui/sidebar", "/ui/desk", "/ui/admin", "/ui/s/sug_x"):
        r = security_client.get(path)
        assert r.status_code == 200
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp and "object-src 'none'" in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert _inline_scripts(r.text) == [], path
        framed = path.startswith(("/ui/sidebar", "/ui/s/"))
        ancestors = csp.split("frame-ancestors", 1)[1]
        if framed:  # WeCom's clients frame the chat-toolbar page
            assert "'self'" in ancestors and "qq.com" in ancestors and "x-frame-options" not in r.headers
        else:
            assert "'none'" in ancestors and r.headers["x-frame-options"] == "DENY"
    for path in ("/healthz", "/ui/static/common.js"):
        r = security_client.get(path)
        assert r.headers["x-content-type-options"] == "nosniff"
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]


@pytest.mark.probe(
    id="api-key-in-query",
    sends="GET /v1/me?api_key=dev-admin (a key in a URL lands in access logs)",
    expect="401 no_api_key: keys are read from headers only",
)
def test_api_key_in_the_query_string_is_not_accepted(security_client: TestClient) -> None:
    r = security_client.get("/v1/me", params={"api_key": "dev-admin"})
    assert r.status_code == 401 and r.json()["reason"] == "no_api_key"
    assert security_client.get("/v1/me", headers={"X-API-Key": "dev-admin"}).status_code == 200


@pytest.fixture(scope="module")
def live_server(security_settings: Settings, security_services: Any) -> Iterator[str]:
    """uvicorn in a thread: SSE never ends, so it is read over a real socket."""
    app = create_app(security_settings, services=security_services, start_worker=False)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_port(port)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def _first_event(url: str, **params: str) -> tuple[int, str]:
    with httpx.stream("GET", f"{url}/v1/stream", params=params, timeout=20) as r:
        if r.status_code != 200:
            r.read()
            return r.status_code, r.json()["reason"]
        for line in r.iter_lines():
            if line.startswith("event:"):
                return 200, line.split(":", 1)[1].strip()
    return r.status_code, ""


@pytest.mark.probe(
    id="stream-short-lived-token",
    sends="POST /v1/stream/token, then GET /v1/stream?token=…; also an expired, a tampered and a foreign-role token",
    expect="the fresh token opens the stream (event hello); expired/tampered → 401; a rep's token cannot widen its topic",
)
def test_streams_use_short_lived_signed_tokens(live_server: str, security_settings: Settings) -> None:
    minted = httpx.post(f"{live_server}/v1/stream/token", headers=REP, timeout=20).json()
    assert 0 < minted["expires_in"] <= 120 and "dev-rep-zhang" not in minted["token"]
    assert _first_event(live_server, token=minted["token"]) == (200, "hello")
    rep = Actor(id="rep_zhang", role="rep", team="ortho-east-1")
    expired, _ = mint_stream_token(rep, security_settings, now=0.0)
    assert _first_event(live_server, token=expired) == (401, "stream_token_expired")
    body, _, mac = minted["token"].partition(".")
    forged_body = body[:-2] + ("AA" if body[-2:] != "AA" else "BB")  # e.g. role:admin would change the body
    assert _first_event(live_server, token=f"{forged_body}.{mac}") == (401, "bad_stream_token")
    assert _first_event(live_server, token=minted["token"], topic="rep:rep_li")[0] == 403
    assert _first_event(live_server, api_key="dev-rep-zhang")[0] == 401  # the old ?api_key= is gone
    # a token is for opening URLs (GET); it never authorises a write
    r = httpx.post(
        f"{live_server}/v1/messages", params={"token": minted["token"]}, json=_message("t", "t"), timeout=20
    )
    assert r.status_code == 401


def _production_settings(tmp_path: Any) -> Settings:
    return Settings(
        env="production",
        data_dir=tmp_path,
        dev_api_keys=False,
        api_keys={hash_key("ck_" + secrets.token_urlsafe(16)): "admin:ops"},
        ledger_checkpoint_key=secrets.token_urlsafe(32),
        llm={"backend": "none"},
    )


@pytest.mark.probe(
    id="docs-closed-in-production",
    sends="GET /docs, /redoc and /openapi.json on an app started with COPILOT_ENV=production",
    expect="404 for all three (open in development)",
)
def test_api_docs_are_closed_in_production(tmp_path: Any) -> None:
    client = TestClient(
        create_app(_production_settings(tmp_path), start_worker=False)
    )  # no lifespan: routes only
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert client.get(path).status_code == 404, path
    dev = TestClient(create_app(Settings(env="test", data_dir=tmp_path), start_worker=False))
    assert dev.get("/openapi.json").status_code == 200


@pytest.mark.probe(
    id="api-key-in-websocket-url",
    sends="WS /voice/calls/{id}?api_key=dev-agent-chen (live call audio with the key in the URL)",
    expect="error frame no_api_key and close; the same socket with ?token= from POST /v1/stream/token is ready",
)
def test_call_socket_takes_a_token_not_a_key_in_the_url(security_client: TestClient) -> None:
    with security_client.websocket_connect("/voice/calls/ws-probe-1?api_key=dev-agent-chen") as ws:
        frame = ws.receive_json()
    assert frame["type"] == "error" and frame["reason"] == "no_api_key" and frame["fatal"]
    agent = {"X-API-Key": "dev-agent-chen"}
    from tests.security.test_voice_gateway import register  # calls are opened by the telephony gateway

    assert register(security_client, "ws-probe-2", "agent_chen", "C1004").status_code == 201
    token = security_client.post("/v1/stream/token", headers=agent).json()["token"]
    with security_client.websocket_connect(f"/voice/calls/ws-probe-2?token={token}") as ws:
        ws.send_json({"type": "start", "sample_rate": 16000, "channels": 1, "customer_ref": "C1004"})
        assert ws.receive_json()["type"] == "ready"
        ws.send_json({"type": "stop"})
        while (frame := ws.receive_json())["type"] != "wrapup":
            pass
    assert frame["reason"] == "stop"
