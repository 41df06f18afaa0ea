"""`copilot ledger …` end to end on a real SQLite ledger."""

from __future__ import annotations

import csv
import io
import json
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

import copilot.settings
from contract import HumanDecision
from copilot.cli.ledger import app
from copilot.ledger import open_ledger

from .conftest import INPUTS, REP_ZHANG, later, make_suggestion

runner = CliRunner()


@pytest.fixture
def url(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    settings = SimpleNamespace(ledger_url=url, ledger_checkpoint_key="k-cli-test-only")
    monkeypatch.setattr(copilot.settings, "get_settings", lambda: settings)
    ledger = open_ledger(url)
    s1, s2 = (
        make_suggestion(created_at=later(0)),
        make_suggestion(customer="C1003", rep="rep_li", created_at=later(90)),
    )
    ledger.append_many([(s1, INPUTS), (s2, INPUTS)])
    ledger.record_decision(
        HumanDecision(
            suggestion_id=s1.id, kind="reject", actor="rep_zhang", reason_code="tone", decided_at=later(2)
        ),
        actor=REP_ZHANG,
    )
    ledger.close()
    return url


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_verify_green_then_names_the_broken_entry(url: str) -> None:
    code, out = run("verify", "--checkpoint")
    assert code == 0 and out.startswith("ok: 3 entries") and "hmac-sha256:" in out
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE ledger_entries SET intent = 'greeting' WHERE seq = 2"))
        entry_id = conn.execute(sa.text("SELECT id FROM ledger_entries WHERE seq = 2")).scalar_one()
    code, out = run("verify")
    assert code == 1 and f"BROKEN at seq 2 (entry {entry_id}): entry_hash" in out


def test_show_list_metrics(url: str) -> None:
    code, out = run("list", "--customer", "C1001")
    assert code == 0 and len(out.strip().splitlines()) == 3  # two entries + the count line
    code, out = run("list", "--rep", "rep_li", "--json")
    sid = json.loads(out)[0]["suggestion_id"]
    code, out = run("show", sid)
    assert code == 0 and json.loads(out)[0]["payload"]["inputs"] == INPUTS
    code, out = run("metrics")
    assert code == 0 and json.loads(out)["top_reject_reasons"] == [["tone", 1]]
    code, out = run("--url", url, "list", "--since", "2026-09-15T03:00:00")
    assert "rep_li" in out and "rep_zhang " not in out


def test_export_csv_and_jsonl(url: str, tmp_path) -> None:
    code, out = run("export", "--format", "csv")
    assert code == 0 and [r["kind"] for r in csv.DictReader(io.StringIO(out.split("exported")[0]))] == [
        "suggestion",
        "suggestion",
        "decision",
    ]
    target = tmp_path / "out.jsonl"
    code, _ = run("export", "--out", str(target), "--customer", "C1003")
    assert code == 0 and len(target.read_text(encoding="utf-8").splitlines()) == 1


def test_redact_keeps_verify_green(url: str) -> None:
    code, out = run("redact", "--before", "2026-09-15T03:00:00", "--yes")
    assert code == 0 and "redacted 2 entries" in out  # the first suggestion and its decision
    code, out = run("verify")
    assert code == 0 and out.startswith("ok: 4 entries")


def test_bad_input_is_one_line_and_exit_2(url: str) -> None:
    code, out = run("list", "--since", "yesterday-ish")
    assert code == 2 and "error (input/bad_date)" in out
    code, out = run("show", "sug_missing")
    assert code == 2 and "not_found" in out
    code, out = run("export", "--format", "xml")
    assert code == 2 and "export_format" in out


def test_the_cli_opens_the_witness_the_service_signs_into(tmp_path, monkeypatch) -> None:
    """The operator's verify must compare against the deployment's own witness list (copilot/wiring.py passes the
    tenant), with or without --all-tenants: a shared list would mix two tenants' heads again."""
    import typer

    from copilot.cli.ledger import _open
    from copilot.ledger.witness import open_witness

    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    settings = SimpleNamespace(
        ledger_url=url,
        ledger_checkpoint_key="k-cli-test-only",
        data_dir=tmp_path,
        redis_url="redis://127.0.0.1:1/0",  # the key is chosen at open; nothing connects
        tenant="tenant-a",
    )
    monkeypatch.setattr(copilot.settings, "get_settings", lambda: settings)
    monkeypatch.setenv("COPILOT_LEDGER_WITNESS", "redis")
    service = open_witness("redis", data_dir=tmp_path, redis_url=settings.redis_url, tenant="tenant-a")
    assert service is not None
    for obj in ({}, {"all_tenants": True}):
        ledger = _open(typer.Context(typer.main.get_command(app), obj=obj))
        assert ledger.witness is not None and ledger.witness.describe() == service.describe()
        ledger.close()
