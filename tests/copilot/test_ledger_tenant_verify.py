"""Session 12 (tenant scope gaps): `verify` re-hashes the whole chain (the chain is one for every tenant that shares the
database, so it cannot be checked a tenant at a time), but what it REPORTS to a tenant-bound ledger (a tenant's
service: GET /v1/ledger/verify; `copilot ledger verify` under COPILOT_TENANT) is that tenant's: how many of its own
entries are intact, its own last entry, its own redacted payloads, and the first broken entry only when it is its own
(another tenant's break is said as such, with no id, seq or hash of it). The unbound operator's report is unchanged.

Before: a bound ledger's verify returned the chain's count, head seq and hash, and the broken entry's id and hashes,
whichever tenant they belonged to."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from copilot.ledger import Ledger, open_ledger
from tests.copilot.test_ledger_tenants import ALPHA, BETA, make_suggestion
from tests.ledger.conftest import INPUTS, later


def _shared(tmp_path: Path) -> tuple[str, list[Any]]:
    """ALPHA 2 entries, BETA 3, interleaved (BETA's last)."""
    url = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    operator = open_ledger(url)
    made = [
        make_suggestion(tenant=t, conversation=f"conv-{t}-{n}", customer=f"C{n}", created_at=later(n))
        for n, t in enumerate((ALPHA, BETA, BETA, ALPHA, BETA))
    ]
    operator.append_many([(s, INPUTS) for s in made])
    rows = operator.find()
    operator.close()
    return url, rows


def _tamper(url: str, entry_id: str) -> None:
    with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
        db.execute("UPDATE ledger_entries SET payload = replace(payload, 'C', 'X') WHERE id = ?", (entry_id,))


def _others(rows: list[Any], tenant: str) -> set[str]:
    """What must not appear in `tenant`'s report: the other tenants' entry ids and entry hashes."""
    return {r.id for r in rows if r.tenant != tenant} | {r.entry_hash for r in rows if r.tenant != tenant}


def _leaks(report: dict[str, Any], rows: list[Any], tenant: str) -> set[str]:
    text = json.dumps(report)
    return {x for x in _others(rows, tenant) if x in text}


def test_a_tenants_verify_reports_its_own_entries_only(tmp_path: Path) -> None:
    url, rows = _shared(tmp_path)
    alpha = open_ledger(url, tenant=ALPHA)
    report = alpha.verify().as_dict()
    alpha.close()
    own = [r for r in rows if r.tenant == ALPHA]
    assert report["ok"] and report["tenant"] == ALPHA, report
    assert report["entries"] == 2, report  # not the chain's 5
    assert (report["head_seq"], report["head_hash"]) == (own[-1].seq, own[-1].entry_hash), report
    assert not _leaks(report, rows, ALPHA), report
    operator = open_ledger(url)  # the operator's chain-wide report is unchanged
    whole = operator.verify()
    operator.close()
    assert whole.ok and whole.entries == 5 and whole.head_seq == 5 and whole.tenant == ""


def test_another_tenants_broken_entry_is_reported_without_naming_it(tmp_path: Path) -> None:
    url, rows = _shared(tmp_path)
    beta_entry = next(r for r in rows if r.tenant == BETA and r.seq == 3)
    _tamper(url, beta_entry.id)
    alpha: Ledger = open_ledger(url, tenant=ALPHA)
    report = alpha.verify()
    alpha.close()
    assert not report.ok and report.first_broken is not None
    assert report.first_broken.problem == "payload_hash"
    assert report.first_broken.id == "(another tenant's entry)" and report.first_broken.seq == 0
    assert report.entries == 1  # ALPHA's entries before the break (seq 1)
    assert not _leaks(report.as_dict(), rows, ALPHA), report
    assert "BROKEN" in report.summary() and beta_entry.id not in report.summary()
    beta = open_ledger(url, tenant=BETA)  # BETA's own report names it
    own = beta.verify()
    beta.close()
    assert own.first_broken is not None and own.first_broken.id == beta_entry.id
    assert own.first_broken.seq == 3 and own.entries == 1  # BETA's seq 2


def test_a_tenants_own_broken_entry_is_named(tmp_path: Path) -> None:
    url, rows = _shared(tmp_path)
    alpha_entry = next(r for r in rows if r.tenant == ALPHA and r.seq == 4)
    _tamper(url, alpha_entry.id)
    alpha = open_ledger(url, tenant=ALPHA)
    report = alpha.verify()
    alpha.close()
    assert not report.ok and report.first_broken is not None
    assert (report.first_broken.id, report.first_broken.seq) == (alpha_entry.id, 4)
    assert report.entries == 1 and not _leaks(report.as_dict(), rows, ALPHA)


def test_a_truncated_chain_is_reported_to_a_tenant_without_the_chains_seq_or_hashes(tmp_path: Path) -> None:
    url, rows = _shared(tmp_path)
    with sqlite3.connect(url.removeprefix("sqlite:///")) as db:  # BETA's last entry deleted, the head left
        db.execute("DELETE FROM ledger_entries WHERE seq = 5")
    alpha = open_ledger(url, tenant=ALPHA)
    report = alpha.verify()
    alpha.close()
    assert not report.ok and report.first_broken is not None and report.first_broken.problem == "head"
    b = report.first_broken
    assert (b.seq, b.expected, b.found) == (0, "", "") and "5" not in b.detail and "4" not in b.detail, b
    assert report.entries == 2 and not _leaks(report.as_dict(), rows, ALPHA)


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    from copilot.settings import get_settings

    monkeypatch.setenv("COPILOT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("COPILOT_TENANT", ALPHA)
    monkeypatch.setenv("COPILOT_LEDGER_WITNESS", "none")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_the_ledger_cli_reports_and_lists_the_deployments_tenant(tmp_path: Path, cli_env: Any) -> None:
    """`copilot ledger` opened the ledger unbound: verify reported the chain, list/show/export every tenant's rows."""
    from typer.testing import CliRunner

    from copilot.cli.main import app

    url, rows = _shared(tmp_path)
    runner = CliRunner()
    res = runner.invoke(app, ["ledger", "--url", url, "verify"])
    assert res.exit_code == 0, res.output
    assert "2 entries" in res.output and f"tenant {ALPHA}" in res.output, res.output
    res = runner.invoke(app, ["ledger", "--url", url, "list", "--json"])
    assert res.exit_code == 0, res.output
    assert {e["tenant"] for e in json.loads(res.stdout)} == {ALPHA}
    beta_entry = next(r for r in rows if r.tenant == BETA)
    res = runner.invoke(app, ["ledger", "--url", url, "show", beta_entry.id])
    assert res.exit_code == 2 and beta_entry.conversation_id not in res.output, res.output
    # the operator's chain-wide view is asked for by name
    res = runner.invoke(app, ["ledger", "--url", url, "--all-tenants", "verify"])
    assert res.exit_code == 0 and "5 entries" in res.output, res.output
