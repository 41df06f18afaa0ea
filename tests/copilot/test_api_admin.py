"""The admin views' API on the real embedded stack (demo tenant, real graph, SQLite ledger), session 10 review:

- /v1/admin/ledger read the whole ledger for one page: it pages in SQL now (newest first, filters, total), and never
  calls ledger.find;
- a redacted suggestion's evidence chain answered 400; it is 410 Gone (it existed, retention removed its content);
- /v1/admin/tenants skipped an unparsable profile.yaml silently; the tenant's row says which file and why."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from contract import DecisionKind, HumanDecision, InboundMessage, TextPart
from contract.ports import Actor
from copilot.settings import REPO_ROOT, Settings

pytestmark = pytest.mark.models
ADMIN = {"X-API-Key": "dev-admin"}
ZHANG = Actor(id="rep_zhang", role="rep", team="ortho-east-1")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, TestClient, Path]]:
    from rich.console import Console

    from copilot.app import create_app
    from copilot.demo import prepare

    settings = Settings(env="test", data_dir=tmp_path_factory.mktemp("api-admin"),
                        model_cache_dir=REPO_ROOT / "var" / "models", llm={"backend": "none"})  # fmt: skip
    services: Any = prepare(settings, use_llm=False, fresh=True, console=Console(quiet=True))
    sids = []
    for n, text in enumerate(["返点政策是什么？", "这个型号多少钱？", "保修多久？"]):
        msg = InboundMessage(tenant=settings.tenant, channel="rest", conversation_id=f"adm-{n}",
                             message_id=f"adm-{n}", customer_ref="C1001", rep_ref="rep_zhang",
                             parts=[TextPart(text=text)])  # fmt: skip
        sids.append(services.handle_message(msg, ZHANG).id)
    services.decide(
        HumanDecision(
            suggestion_id=sids[0], kind=DecisionKind.REJECT, actor="rep_zhang", reason_code="wrong_intent"
        ),
        ZHANG,
    )
    for n in range(4):
        services.record_denial(
            Actor(id=f"agent_{n}", role="agent"), "not_on_call", {"attempted": "customer_360"}
        )
    # tenants beside the active one: a copy of the demo pack, and a pack whose profile.yaml does not parse
    tenants = tmp_path_factory.mktemp("tenants")
    shutil.copytree(settings.tenant_dir, tenants / "demo")
    (tenants / "broken").mkdir()
    (tenants / "broken" / "intents.yaml").write_text("intents: []\n", encoding="utf-8")
    (tenants / "broken" / "profile.yaml").write_text("company: [unclosed\n", encoding="utf-8")
    (tenants / "listy").mkdir()
    (tenants / "listy" / "intents.yaml").write_text("intents: []\n", encoding="utf-8")
    (tenants / "listy" / "profile.yaml").write_text("- a list, not a mapping\n", encoding="utf-8")
    app_settings = settings.model_copy(update={"tenant_dir": tenants / "demo"})
    with TestClient(create_app(app_settings, services=services, start_worker=False)) as client:
        yield services, client, tenants
    services.close()


def _page(client: TestClient, **params: Any) -> dict[str, Any]:
    r = client.get("/v1/admin/ledger", params=params, headers=ADMIN)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def test_the_ledger_page_is_read_in_sql(
    stack: tuple[Any, TestClient, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    services, client, _ = stack
    every = services.ledger.find()
    read_whole: list[dict[str, Any]] = []
    original = services.ledger.find

    def find(**filters: Any) -> Any:
        read_whole.append(filters)
        return original(**filters)

    monkeypatch.setattr(services.ledger, "find", find)
    first = _page(client, limit=3)
    assert first["total"] == len(every) and first["limit"] == 3 and first["offset"] == 0
    assert [i["seq"] for i in first["items"]] == [e.seq for e in reversed(every)][:3]  # newest first
    second = _page(client, limit=3, offset=3)
    assert [i["seq"] for i in second["items"]] == [e.seq for e in reversed(every)][3:6]
    denials = _page(client, kind="access_denied", limit=2)
    assert denials["total"] == 4 and len(denials["items"]) == 2
    assert {i["kind"] for i in denials["items"]} == {"access_denied"}
    rejected = _page(client, decision="reject")
    assert rejected["total"] == 1 and rejected["items"][0]["reason_code"] == "wrong_intent"
    by_actor = _page(client, actor="agent_2")
    assert by_actor["total"] == 1 and by_actor["items"][0]["actor"] == "agent_2"
    assert _page(client, conversation="adm-1")["total"] == len(
        [e for e in every if e.conversation_id == "adm-1"]
    )
    beyond = _page(client, offset=10_000)
    assert beyond["items"] == [] and beyond["total"] == len(every)
    assert read_whole == [], "the page read the whole ledger (ledger.find)"


def test_unparsable_profiles_are_reported_with_file_and_reason(stack: tuple[Any, TestClient, Path]) -> None:
    _, client, tenants = stack
    r = client.get("/v1/admin/tenants", headers=ADMIN)
    assert r.status_code == 200, r.text
    rows = {row["id"]: row for row in r.json() if Path(row.get("folder", "")).parent == tenants}
    assert set(rows) >= {"demo", "broken", "listy"}, r.json()
    assert "profile_error" not in rows["demo"] and rows["demo"]["active"]
    broken = rows["broken"]["profile_error"]
    assert broken["file"].endswith("broken/profile.yaml") and broken["reason"], broken
    assert "line" in broken["reason"]  # the parser's own position, not a generic 'invalid'
    listy = rows["listy"]["profile_error"]
    assert listy["file"].endswith("listy/profile.yaml") and "mapping" in listy["reason"], listy


def test_a_redacted_suggestions_evidence_chain_is_gone(stack: tuple[Any, TestClient, Path]) -> None:
    """Last in the module: retention redacts every entry."""
    services, client, _ = stack
    sid = next(e.suggestion_id for e in services.ledger.find(kind="suggestion"))
    assert client.get(f"/v1/admin/chain/{sid}", headers=ADMIN).status_code == 200
    services.ledger.redact(before=datetime.now(UTC) + timedelta(days=1))
    gone = client.get(f"/v1/admin/chain/{sid}", headers=ADMIN)
    assert gone.status_code == 410 and gone.json()["reason"] == "redacted", gone.text
    missing = client.get("/v1/admin/chain/sug_doesnotexist", headers=ADMIN)
    assert missing.status_code == 404
