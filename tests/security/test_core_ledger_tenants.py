"""Probe (issue #16, session 11): two tenants' services share one ledger database. Tenant A's admin, on tenant A's
service, must not read tenant B's entries, evidence chains, metrics or exports; tenant B's admin key is refused by
tenant A's service before anything is read. Real FastAPI app, real SQLite ledger, real routes."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from contract import AccessDenied
from contract.ports import Actor
from copilot.auth import hash_key
from tests.copilot.test_ledger_tenants import ALPHA, BETA, make_suggestion, tenant_services
from tests.ledger.conftest import INPUTS, later

ADMIN_A, ADMIN_B, EVAL_A = "key-admin-alpha", "key-admin-beta", "key-eval-alpha"


@pytest.fixture
def shared(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, Any]]]:
    from copilot.app import create_app

    url = f"sqlite:///{tmp_path / 'shared-ledger.sqlite'}"
    alpha, beta = tenant_services(url, ALPHA, tmp_path), tenant_services(url, BETA, tmp_path)
    a = make_suggestion(tenant=ALPHA, conversation="conv-alpha", customer="CA1", created_at=later(0))
    b = make_suggestion(tenant=BETA, conversation="conv-beta", customer="CB1", created_at=later(1))
    alpha.ledger.record_suggestion(a, inputs=INPUTS)
    beta.ledger.record_suggestion(b, inputs=INPUTS)
    for n in range(3):  # beta's refusals, recorded through beta's service as the API, socket and stream do
        beta.record_denial(
            Actor(id=f"agent_b{n}", role="agent"), "not_on_call", {"attempted": "customer_360"}
        )
    with pytest.raises(AccessDenied):
        beta.customer_360("CB9", Actor(id="rep_b", role="rep"))
    keys = {hash_key(ADMIN_A): f"admin:adm_a:hq:{ALPHA}", hash_key(ADMIN_B): f"admin:adm_b:hq:{BETA}",
            hash_key(EVAL_A): f"evaluator:ev_a:qa:{ALPHA}"}  # fmt: skip
    settings = alpha.settings.model_copy(update={"api_keys": keys, "dev_api_keys": False})
    alpha.settings = settings
    with TestClient(create_app(settings, services=alpha, start_worker=False)) as client:
        yield client, {"alpha": alpha, "beta": beta, "a": a, "b": b}
    alpha.ledger.close()
    beta.ledger.close()


def _get(client: TestClient, path: str, key: str, **params: Any) -> Any:
    r = client.get(path, params=params, headers={"X-API-Key": key})
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.probe(
    id="ledger-cross-tenant-read",
    sends="tenant A's admin/evaluator on tenant A's service: GET /v1/admin/ledger (all, kind=access_denied, "
    "conversation=<B's>), /v1/ledger/entries, /v1/ledger/metrics, /v1/admin/chain/<B's suggestion>, an export; "
    "B's admin key on A's service",
    expect="only A's entries, 404 for B's chain, A's metrics, export of A's rows only; B's key 403 wrong_tenant",
)
def test_tenant_a_reads_none_of_tenant_b_through_the_shared_ledger(
    shared: tuple[TestClient, dict[str, Any]],
) -> None:
    client, s = shared
    b_ids = {s["b"].id, "conv-beta", "CB1", "CB9"}
    page = _get(client, "/v1/admin/ledger", ADMIN_A, limit=200)
    assert page["total"] == 1 and page["items"][0]["suggestion_id"] == s["a"].id, page
    assert not b_ids & set(json.dumps(page).split('"'))
    assert _get(client, "/v1/admin/ledger", ADMIN_A, kind="access_denied")["total"] == 0
    assert _get(client, "/v1/admin/ledger", ADMIN_A, conversation="conv-beta")["total"] == 0
    for key in (ADMIN_A, EVAL_A):
        listed = _get(client, "/v1/ledger/entries", key)
        assert [e["tenant"] for e in listed] == [ALPHA], listed
        assert _get(client, "/v1/ledger/entries", key, conversation="conv-beta") == []
        assert _get(client, "/v1/ledger/entries", key, customer="CB1") == []
    metrics = _get(client, "/v1/ledger/metrics", ADMIN_A)
    assert metrics["overall"]["shown"] == 1 and metrics["access_denied"] == 0, metrics
    chain = client.get(f"/v1/admin/chain/{s['b'].id}", headers={"X-API-Key": ADMIN_A})
    assert chain.status_code == 404 and "conv-beta" not in chain.text, chain.text
    own = client.get(f"/v1/admin/chain/{s['a'].id}", headers={"X-API-Key": ADMIN_A})
    assert own.status_code == 200, own.text
    out = io.StringIO()
    s["alpha"].ledger.export(out, fmt="jsonl")
    assert {json.loads(line)["tenant"] for line in out.getvalue().splitlines()} == {ALPHA}
    for path in ("/v1/admin/ledger", "/v1/ledger/entries", f"/v1/admin/chain/{s['b'].id}"):
        refused = client.get(path, headers={"X-API-Key": ADMIN_B})
        assert refused.status_code == 403 and refused.json()["reason"] == "wrong_tenant", refused.text
    # tenant B's own audit still sees B's refusals: they carry B's tenant (they were recorded with "" before)
    b_denials = s["beta"].ledger.find(kind="access_denied")
    assert len(b_denials) == 4 and {e.tenant for e in b_denials} == {BETA}


@pytest.mark.probe(
    id="ledger-verify-cross-tenant-report",
    sends="tenant A's admin and evaluator: GET /v1/ledger/verify on tenant A's service over a ledger B shares "
    "(1 entry of A's, 5 of B's); then B's entry tampered",
    expect="A's own count (1) and last entry, tenant A; no B entry id or hash; B's broken entry not named",
)
def test_the_verify_report_tells_a_tenant_only_its_own_entries(
    shared: tuple[TestClient, dict[str, Any]],
) -> None:
    import sqlite3

    client, s = shared
    everything = s["beta"].ledger.find() + s["alpha"].ledger.find()
    b_rows = [e for e in everything if e.tenant == BETA]
    assert len(b_rows) == 5
    secret = {e.id for e in b_rows} | {e.entry_hash for e in b_rows}
    for key in (ADMIN_A, EVAL_A):
        report = _get(client, "/v1/ledger/verify", key)
        assert report["ok"] and report["tenant"] == ALPHA and report["entries"] == 1, report
        assert report["head_hash"] == s["alpha"].ledger.find()[0].entry_hash, report
        assert not {x for x in secret if x in json.dumps(report)}, report
    db = str(s["alpha"].ledger.engine.url.database)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE ledger_entries SET payload = replace(payload, 'CB1', 'CB2') WHERE id = ?",
                     (b_rows[0].id,))  # fmt: skip
    report = _get(client, "/v1/ledger/verify", ADMIN_A)
    assert not report["ok"] and report["first_broken"]["seq"] == 0, report
    assert not {x for x in secret if x in json.dumps(report)}, report


@pytest.mark.probe(
    id="admin-tenants-lists-other-tenants-packs",
    sends="tenant A's admin and evaluator keys: GET /v1/admin/tenants on tenant A's service, other packs beside A's",
    expect="only A's own (active) pack; no other pack's id, company, industry or folder",
)
def test_a_tenants_key_lists_only_its_own_pack(shared: tuple[TestClient, dict[str, Any]]) -> None:
    client, s = shared
    active = s["alpha"].settings.tenant_dir.resolve()
    beside = [
        p for p in active.parent.iterdir() if p.is_dir() and (p / "intents.yaml").is_file() and p != active
    ]
    assert beside, "the probe needs other packs beside the active one"
    from types import SimpleNamespace

    s["alpha"].policy_store = SimpleNamespace(
        list=lambda: [], close=lambda: None
    )  # the active pack's documents
    for key in (ADMIN_A, EVAL_A):
        rows = _get(client, "/v1/admin/tenants", key)
        assert [r["active"] for r in rows] == [True], rows
        assert not {p.name for p in beside} & {r["id"] for r in rows}, rows
