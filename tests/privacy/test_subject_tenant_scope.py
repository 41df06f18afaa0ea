"""Review of the subject erasure (session 11): `erase_ledger` matched the customer id only, so on a database shared by
tenants one tenant's erasure request cleared the same id in every tenant (another person's records, and a redaction
written under the wrong tenant). Now it is scoped to the ledger's bound tenant, or to the tenant given."""

from __future__ import annotations

from pathlib import Path

from copilot.ledger import open_ledger
from copilot.privacy.subject import erase_ledger, erase_subject
from tests.copilot.test_ledger_tenants import ALPHA, BETA, all_rows, make_suggestion
from tests.ledger.conftest import INPUTS, later


def _shared(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    operator = open_ledger(url)
    operator.append_many(
        [
            (make_suggestion(tenant=ALPHA, customer="C1002", created_at=later(0)), INPUTS),
            (make_suggestion(tenant=BETA, customer="C1002", created_at=later(1)), INPUTS),
            (make_suggestion(tenant=BETA, customer="C1002", created_at=later(2)), INPUTS),
        ]
    )
    operator.close()
    return url


def _cleared(url: str) -> dict[str, int]:
    out = {ALPHA: 0, BETA: 0}
    for r in all_rows(url):
        if r.kind.value == "suggestion" and r.payload is None:
            out[r.tenant] += 1
    return out


def test_a_tenants_erasure_leaves_the_same_id_in_another_tenant(tmp_path: Path) -> None:
    url = _shared(tmp_path)
    alpha = open_ledger(url, tenant=ALPHA)
    count, entry_id, threads = erase_ledger(alpha, "C1002")
    assert count == 1 and entry_id and {t for t, _ in threads} == {ALPHA}
    assert alpha.verify().ok
    alpha.close()
    assert _cleared(url) == {ALPHA: 1, BETA: 0}
    redactions = [r for r in all_rows(url) if r.kind.value == "redaction"]
    assert [r.tenant for r in redactions] == [ALPHA]


def test_an_unbound_ledger_erases_within_the_tenant_it_is_given(tmp_path: Path) -> None:
    url = _shared(tmp_path)
    operator = open_ledger(url)
    report = erase_subject(operator, "C1002", tenant=BETA)
    assert report.ledger_entries_redacted == 2
    assert operator.verify().ok
    operator.close()
    assert _cleared(url) == {ALPHA: 0, BETA: 2}


def test_the_cli_erases_and_exports_within_the_deployments_tenant(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """`copilot privacy erase/export` opened the ledger unbound, so the CLI still cleared every tenant's C1002."""
    import json

    from typer.testing import CliRunner

    from copilot.cli.main import app
    from copilot.settings import get_settings

    url = _shared(tmp_path)
    monkeypatch.setenv("COPILOT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("COPILOT_TENANT", ALPHA)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        out = tmp_path / "subject.json"
        res = runner.invoke(
            app, ["privacy", "export", "--customer", "C1002", "--url", url, "--out", str(out)]
        )
        assert res.exit_code == 0, res.output
        assert {e["tenant"] for e in json.loads(out.read_text("utf-8"))["entries"]} == {ALPHA}
        res = runner.invoke(app, ["privacy", "erase", "--customer", "C1002", "--url", url, "--yes"])
        assert res.exit_code == 0, res.output
    finally:
        get_settings.cache_clear()
    assert _cleared(url) == {ALPHA: 1, BETA: 0}
