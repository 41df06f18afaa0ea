"""Security on the live scale-mode API process: every route of its OpenAPI spec × every role (rep, agent, evaluator,
admin, none) gets exactly the intended 401 / 403 / allowed answer; CORS is closed; bodies over the limit are 413;
schemathesis finds 0 server errors."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.scale.stack import Stack

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.models, pytest.mark.slow]

KEYS = {
    "rep": "dev-rep-zhang",
    "agent": "dev-agent-chen",
    "evaluator": "dev-evaluator",
    "admin": "dev-admin",
    "none": "",
}
HUMAN_SIDE = {"rep", "agent", "admin"}
ANYONE = {"rep", "agent", "evaluator", "admin"}
AUDITOR = {"evaluator", "admin"}
# The intended policy, route by route. A route added to the API without an entry here fails the coverage test.
POLICY: dict[tuple[str, str], set[str] | str] = {
    ("GET", "/healthz"): "open",
    ("GET", "/readyz"): "open",
    ("GET", "/metrics"): "open",  # latencies and counts, no customer data (keep it off the public ingress)
    ("GET", "/channels/wecom/callback"): "signature",
    ("POST", "/channels/wecom/callback"): "signature",
    ("POST", "/v1/calls"): "signature",  # the telephony gateway's HMAC, never an API key
    ("POST", "/v1/messages"): HUMAN_SIDE,
    ("POST", "/v1/ask"): HUMAN_SIDE,
    ("POST", "/v1/suggestions/{suggestion_id}/decision"): HUMAN_SIDE,
    ("POST", "/v1/suggestions/{suggestion_id}/unmask"): {"rep", "agent"},  # raw values: no admin
    ("GET", "/v1/customers/{customer_id}/360"): HUMAN_SIDE,
    ("GET", "/v1/stream"): HUMAN_SIDE,
    ("POST", "/v1/stream/token"): ANYONE,
    ("GET", "/v1/suggestions/{suggestion_id}"): ANYONE,
    ("GET", "/v1/suggestions"): ANYONE,
    ("GET", "/v1/kb/search"): ANYONE,
    ("GET", "/v1/kb/documents"): ANYONE,
    ("GET", "/v1/kb/lineage/{ref}"): ANYONE,
    ("GET", "/v1/me"): ANYONE,
    ("GET", "/v1/ledger/entries"): AUDITOR,
    ("GET", "/v1/ledger/verify"): AUDITOR,
    ("GET", "/v1/ledger/metrics"): AUDITOR,
    ("GET", "/v1/playbooks"): AUDITOR,
    ("GET", "/v1/evals/runs"): AUDITOR,
    ("GET", "/v1/evals/reports/{ref}"): AUDITOR,
    ("GET", "/v1/evals/compare"): AUDITOR,
    ("GET", "/voice/calls"): {"admin"},
    ("POST", "/v1/wecom/jssdk"): HUMAN_SIDE,  # 404 wecom_off here: the stack has no WeCom app
    ("GET", "/v1/ui/labels"): ANYONE,
    ("GET", "/v1/admin/ledger"): AUDITOR,
    ("GET", "/v1/admin/chain/{suggestion_id}"): AUDITOR,
    ("GET", "/v1/admin/tenants"): AUDITOR,
}
PATH_VALUES = {
    "suggestion_id": "sug_doesnotexist",
    "customer_id": "C1001",
    "ref": "ev_doesnotexist",
    "name": "nothing.html",
}
QUERY = {
    "/v1/kb/search": {"q": "返点"},
    "/v1/stream": {"topic": ""},
    "/v1/evals/compare": {"a": "none.run.json", "b": "none.run.json"},
}
BODIES: dict[str, Any] = {
    "/v1/messages": {
        "channel": "rest",
        "conversation_id": "matrix-1",
        "message_id": "matrix-1",
        "customer_ref": "C1001",
        "parts": [{"kind": "text", "text": "返点政策是什么？"}],
    },
    "/v1/suggestions/{suggestion_id}/decision": {"kind": "accept"},
    "/v1/ask": {"text": "这个客户最近买了什么？", "customer_ref": "C1001", "conversation_id": "matrix-ask"},
    "/v1/wecom/jssdk": {"url": "https://copilot.example.com/ui/sidebar"},
}


@pytest.fixture(scope="module")
def spec(api: httpx.Client) -> dict[str, Any]:
    spec: dict[str, Any] = api.get("/openapi.json").json()
    return spec


def operations(spec: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted((m.upper(), p) for p, ops in spec["paths"].items() for m in ops)


def test_every_route_in_the_spec_has_an_intended_policy(spec: dict[str, Any]) -> None:
    assert set(operations(spec)) == set(POLICY)


def call(api: httpx.Client, method: str, path: str, role: str) -> httpx.Response:
    url = path.format(**PATH_VALUES)
    headers = {"X-API-Key": KEYS[role]} if KEYS[role] else {}
    if path == "/v1/stream":  # SSE never ends: the status line is all we need
        with api.stream("GET", url, params=QUERY[path], headers=headers) as r:
            r.read() if r.status_code != 200 else None
            return r
    return api.request(method, url, params=QUERY.get(path), json=BODIES.get(path), headers=headers)


@pytest.mark.parametrize("role", list(KEYS))
def test_role_matrix_over_all_routes(api: httpx.Client, spec: dict[str, Any], role: str) -> None:
    failures = []
    for method, path in operations(spec):
        policy = POLICY[(method, path)]
        r = call(api, method, path, role)
        if policy == "gap":
            continue
        if r.status_code >= 500 and path != "/readyz":
            failures.append(f"{method} {path}: {r.status_code} server error")
        elif policy == "open":
            ok = r.status_code == 200
        elif (
            policy == "signature"
        ):  # Tencent's signature, not API keys: unsigned requests are refused for everyone
            ok = 400 <= r.status_code < 500 and r.status_code != 404
        elif role == "none":
            ok = r.status_code == 401 and r.json()["reason"] == "no_api_key"
        elif role not in policy:
            ok = r.status_code == 403 and r.json()["reason"] == "wrong_role"
        elif role == "agent" and path in (
            "/v1/customers/{customer_id}/360",
            "/v1/suggestions/{suggestion_id}/unmask",
        ):
            # past the role gate, then scoped before any lookup: an agent reads a 360 or unmasks a suggestion only
            # through an active call (a made-up suggestion id is refused as not_on_call, not looked up: 404 would
            # tell which ids exist)
            ok = r.status_code == 403 and r.json()["reason"] == "not_on_call"
        else:  # allowed: past the role gate (404, or 409 for a decision on a made-up suggestion id)
            ok = r.status_code in (200, 404, 409)
        if not ok:
            failures.append(f"{method} {path} as {role}: {r.status_code} {r.text[:160]}")
    assert not failures, "\n".join(failures)


def test_unknown_key_is_401_everywhere(api: httpx.Client, spec: dict[str, Any]) -> None:
    for method, path in operations(spec):
        if POLICY[(method, path)] in ("open", "signature", "gap") or path == "/v1/stream":
            continue
        r = api.request(method, path.format(**PATH_VALUES), headers={"X-API-Key": "stolen-or-guessed"})
        assert r.status_code == 401 and r.json()["reason"] == "bad_api_key", (method, path)


def test_voice_status_needs_a_key(api: httpx.Client) -> None:
    assert api.get("/voice/calls").status_code == 401


def first_voice_frame(stack: Stack, key: str) -> dict[str, Any]:
    """Open a live-call socket with `key` (or none) and return the server's first frame after the start frame."""
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    from copilot.auth import GATEWAY_DEV_KEY, sign_gateway_body

    call_id = f"sec-{key or 'anon'}"
    # the telephony gateway registers the call for agent_chen first: the socket may only attach to a registered call
    body = json.dumps({"call_id": call_id, "agent_ref": "agent_chen", "customer_ref": "C1001"}).encode()
    gateway = {"Content-Type": "application/json", **sign_gateway_body(body, GATEWAY_DEV_KEY)}
    registered = httpx.post(stack.api_url + "/v1/calls", content=body, headers=gateway, timeout=30)
    assert registered.status_code == 201, registered.text
    headers = {"X-API-Key": key} if key else {}  # never the URL: it would land in access logs
    url = stack.api_url.replace("http://", "ws://") + f"/voice/calls/{call_id}"
    with connect(url, open_timeout=30, additional_headers=headers) as ws:
        with contextlib.suppress(
            ConnectionClosed
        ):  # refused before the start frame: the error frame is readable
            ws.send(
                json.dumps({"type": "start", "sample_rate": 16000, "channels": 1, "customer_ref": "C1001"})
            )
        frame: dict[str, Any] = json.loads(ws.recv(timeout=60))
        if frame["type"] == "ready":
            ws.send(json.dumps({"type": "stop"}))
        return frame


@pytest.mark.parametrize(("role", "allowed"), [("none", False), ("rep", False), ("evaluator", False),
                                               ("agent", True), ("admin", True)])  # fmt: skip
def test_voice_websocket_needs_an_agent_or_admin_key(stack: Stack, role: str, allowed: bool) -> None:
    frame = first_voice_frame(stack, KEYS[role])
    if allowed:
        assert frame["type"] == "ready", frame
    else:
        assert frame["type"] == "error" and frame["fatal"] is True, frame
        assert frame["reason"] in {"no_api_key", "wrong_role"}


def test_cors_is_closed_by_default(api: httpx.Client) -> None:
    preflight = api.options(
        "/v1/me",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
    )
    assert "access-control-allow-origin" not in preflight.headers
    r = api.get("/v1/me", headers={"Origin": "https://evil.example", "X-API-Key": "dev-admin"})
    assert "access-control-allow-origin" not in r.headers


def test_oversized_bodies_are_413_on_api_and_callbacks(api: httpx.Client) -> None:
    big = b"<xml>" + b"a" * 1_100_000 + b"</xml>"
    r = api.post(
        "/v1/messages", content=big, headers={"X-API-Key": "dev-admin", "content-type": "application/json"}
    )
    assert r.status_code == 413
    r = api.post("/channels/wecom/callback", params={"timestamp": "1", "nonce": "n"}, content=big)
    assert r.status_code == 413


def test_schemathesis_finds_no_server_errors(stack: Stack, tmp_path: Path) -> None:
    """Property-based requests from the OpenAPI spec (CI-sized; the benchmark runs more) as admin: never a 5xx."""
    st = Path(sys.executable).parent / "st"
    argv = [str(st), "run", f"{stack.api_url}/openapi.json", "--checks", "not_a_server_error"]
    argv += ["-H", "X-API-Key: dev-admin", "--max-examples", "8", "--exclude-path", "/v1/stream"]
    argv += ["--exclude-path", "/readyz", "--request-timeout", "60", "--generation-deterministic"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=900, cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-4000:]
