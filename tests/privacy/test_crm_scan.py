"""`copilot privacy scan`: personal columns of the demo and the second tenant's CRMs, found by name, type and values,
each with the status the mapping gives it."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from copilot.privacy.crm_scan import classify_values, scan_crm
from knowledge.crm import build_demo_crm, import_csv, load_mapping

ROOT = Path(__file__).resolve().parents[2]


def _by_column(report: dict) -> dict[str, dict]:
    return {f"{c['table']}.{c['column']}": c for c in report["columns"]}


def test_demo_crm_scan_finds_contacts_and_their_mobiles(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'crm.sqlite'}"
    build_demo_crm(url)
    report = scan_crm(url, ROOT / "copilot/tenants/demo/crm/mapping.yaml")
    cols = _by_column(report)
    mobile = cols["crm_contact.mobile"]
    assert mobile["pii_kinds"] == ["CN_MOBILE"] and set(mobile["detected_by"]["CN_MOBILE"]) == {
        "name",
        "values",
    }
    assert mobile["status"] == "not_read"  # unmapped ("mobile stays out"), but not protected by never_read
    assert cols["crm_contact.contact_name"]["status"] == "exposed_unmasked"
    assert cols["crm_customer.region"]["pii_kinds"] == []  # 华东 / 华南 are regions, not people
    assert cols["erp_order.total_amount"]["pii_kinds"] == []
    assert report["summary"]["personal_columns"] == sum(1 for c in report["columns"] if c["pii_kinds"])


def test_second_tenant_never_read_column_is_reported_protected(tmp_path: Path) -> None:
    crm = ROOT / "copilot/tenants/autodealer/crm"
    url = f"sqlite:///{tmp_path / 'auto.sqlite'}"
    import_csv(crm, url, load_mapping(crm / "mapping.yaml"))
    cols = _by_column(scan_crm(url, crm / "mapping.yaml"))
    assert cols["crm_contacts.mobile"]["status"] == "never_read"
    assert cols["crm_contacts.contact_name"]["status"] == "exposed_unmasked"
    assert "VIN" in cols["dms_vehicles.vin"]["pii_kinds"]


def test_values_masked_or_encrypted_at_the_source_are_recognised() -> None:
    assert classify_values(["138****5678", "139****1234", "137****0000"])["masked_share"] == 1.0
    hashed = ["9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"] * 3
    assert classify_values(hashed)["cipher_share"] == 1.0
    assert classify_values(["13817624590", "13912345678"])["kinds"] == {"CN_MOBILE": 1.0}


def test_cli_scan_writes_markdown_and_json(tmp_path: Path) -> None:
    from copilot.cli.main import app

    url = f"sqlite:///{tmp_path / 'crm.sqlite'}"
    build_demo_crm(url)
    res = CliRunner().invoke(
        app,
        [
            "privacy",
            "scan",
            "--crm-url",
            url,
            "--tenant-dir",
            str(ROOT / "copilot/tenants/demo"),
            "--out",
            str(tmp_path),
        ],
    )
    assert res.exit_code == 0, res.output
    data = json.loads((tmp_path / "privacy_scan.json").read_text(encoding="utf-8"))
    assert data["summary"]["exposed_unmasked"] >= 1
    assert "crm_contact.mobile" in (tmp_path / "privacy_scan.md").read_text(encoding="utf-8")
    bad = CliRunner().invoke(
        app, ["privacy", "scan", "--crm-url", "sqlite:///" + str(tmp_path / "none.sqlite")]
    )
    assert bad.exit_code == 2 and "error" in bad.output
