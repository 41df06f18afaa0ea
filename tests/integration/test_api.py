"""The REST API on the real embedded stack: auth with roles, ingest → suggestion, decisions with 404/409/403."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from copilot.app import create_app
from copilot.settings import Settings

pytestmark = pytest.mark.models

REP = {"X-API-Key": "dev-rep-zhang"}
OTHER_REP = {"X-API-Key": "dev-rep-wang"}
EVALUATOR = {"X-API-Key": "dev-evaluator"}
ADMIN = {"X-API-Key": "dev-admin"}


@pytest.fixture(scope="module")
def client(demo_settings: Settings, demo_services: Any) -> Iterator[TestClient]:
    app = create_app(demo_settings, services=demo_services, start_worker=False)
    with TestClient(app) as c:
        yield c


def _body(message_id: str, text: str = "返点协议最新版本是哪个？", customer: str = "C1001") -> dict[str, Any]:
    return {
        "channel": "rest",
        "conversation_id": f"api-{message_id}",
        "message_id": message_id,
        "customer_ref": customer,
        "parts": [{"kind": "text", "text": text}],
    }


def test_health_needs_no_key(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert set(ready.json()["checks"]) >= {"ledger", "policy_store", "crm"}


def test_no_key_is_401_and_unknown_key_is_401(client: TestClient) -> None:
    r = client.post("/v1/messages", json=_body("a1"))
    assert r.status_code == 401
    assert r.json()["reason"] == "no_api_key"
    r = client.post("/v1/messages", json=_body("a1"), headers={"X-API-Key": "nope"})
    assert r.status_code == 401
    assert r.json()["reason"] == "bad_api_key"


def test_wrong_role_is_403(client: TestClient) -> None:
    r = client.post("/v1/messages", json=_body("a2"), headers=EVALUATOR)
    assert r.status_code == 403
    assert r.json()["reason"] == "wrong_role"
    r = client.get("/v1/ledger/entries", headers=REP)
    assert r.status_code == 403


def test_ingest_returns_a_cited_suggestion_and_decisions_are_checked(client: TestClient) -> None:
    r = client.post("/v1/messages", json=_body("a3"), headers=REP)
    assert r.status_code == 200, r.text
    sug = r.json()
    assert sug["rep_ref"] == "rep_zhang"
    assert sug["intent"]["name"] == "rebate_policy"
    evidence_ids = {e["id"] for e in sug["evidence"]}
    assert all(c["evidence_id"] in evidence_ids for c in sug["draft"]["citations"])

    # another rep may not decide it; the denial is recorded
    r = client.post(f"/v1/suggestions/{sug['id']}/decision", json={"kind": "accept"}, headers=OTHER_REP)
    assert r.status_code == 403
    # a reject needs a known reason code
    r = client.post(
        f"/v1/suggestions/{sug['id']}/decision", json={"kind": "reject", "reason_code": "meh"}, headers=REP
    )
    assert r.status_code == 422
    r = client.post(f"/v1/suggestions/{sug['id']}/decision", json={"kind": "accept"}, headers=REP)
    assert r.status_code == 200, r.text
    r = client.post(f"/v1/suggestions/{sug['id']}/decision", json={"kind": "accept"}, headers=REP)
    assert r.status_code == 409
    r = client.post("/v1/suggestions/sug_doesnotexist/decision", json={"kind": "accept"}, headers=REP)
    assert r.status_code == 409
    assert r.json()["reason"] == "unknown_suggestion"

    audit = client.get("/v1/ledger/entries", params={"conversation": "api-a3"}, headers=EVALUATOR).json()
    kinds = [e["kind"] for e in audit]
    assert kinds.count("suggestion") == 1 and kinds.count("decision") == 1
    assert "access_denied" in kinds
    assert client.get("/v1/ledger/verify", headers=ADMIN).json()["ok"] is True


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"parts": [{"kind": "text", "text": "  "}]}, "invalid_request"),
        ({"parts": [{"kind": "hologram"}]}, "invalid_request"),
        ({"customer_ref": "C9999"}, "unknown_customer"),
    ],
)
def test_bad_input_gets_a_clear_4xx(client: TestClient, body: dict[str, Any], reason: str) -> None:
    payload = {**_body(f"bad-{reason}-{len(str(body))}"), **body}
    r = client.post("/v1/messages", json=payload, headers=ADMIN)
    assert 400 <= r.status_code < 500, r.text
    assert r.json()["reason"] == reason


def test_rep_cannot_post_for_another_rep(client: TestClient) -> None:
    payload = {**_body("a4"), "rep_ref": "rep_li"}
    r = client.post("/v1/messages", json=payload, headers=REP)
    assert r.status_code == 403
    assert r.json()["reason"] == "not_your_conversation"


def test_oversized_body_is_413(client: TestClient) -> None:
    r = client.post(
        "/v1/messages",
        content=b"{" + b" " * 1_100_000 + b"}",
        headers={**REP, "content-type": "application/json"},
    )
    assert r.status_code == 413
    assert r.json()["reason"] == "body_too_large"


def test_openapi_lists_the_routes(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {
        "/v1/messages",
        "/v1/suggestions/{suggestion_id}/decision",
        "/v1/ledger/entries",
        "/healthz",
    } <= set(paths)


def test_eval_compare_view_names_what_changed(
    client: TestClient, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two stored runs of a suite → the compare view lists the metric that regressed."""
    import evals.plugin_api as admin
    from evals.runner.results import RunResult

    monkeypatch.setattr(admin, "RUNS_DIR", tmp_path)
    base = {
        "run_id": "r1", "kind": "suite", "suite": {"name": "demo"}, "started_at": "2026-11-30T00:00:00Z",
        "finished_at": "2026-11-30T00:01:00Z", "seed": 0, "workers": 1, "config": {}, "target": {},
        "versions": {}, "cache": {}, "cases": [], "metrics": {"intent_accuracy": 0.9}, "gates": [], "sla": {},
        "notes": [],
    }  # fmt: skip
    a = RunResult.model_validate(base)
    b = RunResult.model_validate({**base, "run_id": "r2", "metrics": {"intent_accuracy": 0.7}})
    (tmp_path / "a.run.json").write_text(a.model_dump_json(), encoding="utf-8")
    (tmp_path / "b.run.json").write_text(b.model_dump_json(), encoding="utf-8")
    r = client.get("/v1/evals/compare", params={"a": "a.run.json", "b": "b.run.json"}, headers=EVALUATOR)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["regressions"] is True
    assert "intent" in body["markdown"].lower()
    r = client.get("/v1/evals/compare", params={"a": "../a.run.json", "b": "b.run.json"}, headers=EVALUATOR)
    assert r.status_code == 404
