"""`copilot crm …` end to end on a temp data dir: seed, show as a rep, signals with lineage, a denial in one line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from copilot.cli.crm import app
from copilot.settings import get_settings
from tests.crm.test_csv_import import export_csvs

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("COPILOT_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("COPILOT_CRM_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path / "var"
    get_settings.cache_clear()


def test_seed_show_signals(data_dir: Path) -> None:
    res = runner.invoke(app, ["seed-demo"])
    assert res.exit_code == 0, res.output
    assert (data_dir / "crm.sqlite").is_file() and "erp_order" in res.output
    res = runner.invoke(app, ["show", "C1001", "--as", "rep:rep_zhang"])
    assert res.exit_code == 0, res.output
    assert "宁波康达医疗器械有限公司" in res.output and "no_spine_purchase_180d" in res.output
    res = runner.invoke(app, ["signals", "C1004"])
    assert (
        res.exit_code == 0 and "telemetry_over_threshold_3d" in res.output and "iot_telemetry" in res.output
    )
    res = runner.invoke(app, ["show", "C1004", "--as", "agent_chen", "--call", "C1004", "--json"])
    assert res.exit_code == 0 and '"customer_id": "C1004"' in res.output


def test_denied_and_unknown_are_one_line_errors(data_dir: Path) -> None:
    assert runner.invoke(app, ["seed-demo"]).exit_code == 0
    res = runner.invoke(app, ["show", "C1001", "--as", "rep_wang"])
    assert res.exit_code == 1 and "access/not_owner" in res.output
    res = runner.invoke(app, ["show", "C9999", "--as", "admin_zhou"])
    assert res.exit_code == 1 and "not_found" in res.output
    res = runner.invoke(app, ["show", "C1001", "--as", "nobody"])
    assert res.exit_code != 0


def test_import_csv(data_dir: Path, sqlite_crm_url: str, tmp_path: Path) -> None:
    out = tmp_path / "csv"
    out.mkdir()
    export_csvs(sqlite_crm_url, out)
    res = runner.invoke(app, ["import-csv", str(out)])
    assert res.exit_code == 0, res.output
    assert "crm_customer" in res.output and (data_dir / "crm.sqlite").is_file()
    res = runner.invoke(app, ["import-csv", str(tmp_path / "nope")])
    assert res.exit_code == 1 and "not found" in res.output
