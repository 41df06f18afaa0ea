"""Malformed packs: `copilot tenant validate` names every problem at once with file:line (no pydantic dump), and
`copilot tenant import` loads nothing. Also: `tenant init` scaffolds a pack that validates, and `infer-mapping`
proposes a mapping that reproduces the hand-written one on CSVs exported from a real schema."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from copilot.cli.main import app
from copilot.cli.tenant_validate import validate_pack
from tests.tenants.pack_factory import write_pack


def _break(root: Path) -> None:
    intents = root / "intents.yaml"  # an intent with nothing to classify by, on every intent of a long list
    data = yaml.safe_load(intents.read_text(encoding="utf-8"))
    data["intents"] += [{"name": f"extra_{i}", "label_zh": f"额外{i}"} for i in range(40)]
    intents.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    actions = root / "actions.yaml"
    actions.write_text(
        actions.read_text(encoding="utf-8").replace("  - name: quote_parts\n", "  - nam: quote_parts\n")
    )
    mapping = root / "crm" / "mapping.yaml"
    text = mapping.read_text(encoding="utf-8")
    text = text.replace("tier: level,", "tier: level, vip: grade,").replace("type: list", "type: array")
    mapping.write_text(text, encoding="utf-8")
    lifts = root / "crm" / "lifts.csv"
    lifts.write_text(lifts.read_text(encoding="utf-8").replace("wty_end", "warranty"), encoding="utf-8")
    policy = root / "policies" / "service-sla-v2.0.md"
    policy.write_text(
        policy.read_text(encoding="utf-8").replace("effective_date: 2026-01-01", "effective_date: 明年")
    )
    (root / "tools.yaml").write_text("intents: [oops\n", encoding="utf-8")
    suite = root / "evals" / "suite.yaml"
    suite.write_text(suite.read_text(encoding="utf-8").replace("intent: parts_order", "intnt: parts_order"))


def test_every_problem_at_once_with_file_and_line(tmp_path: Path) -> None:
    root = write_pack(tmp_path / "liftcare")
    _break(root)
    problems = validate_pack(root)
    text = "\n".join(str(p) for p in problems)
    files = {p.file.split("/", 1)[1] for p in problems}
    assert {
        "intents.yaml",
        "actions.yaml",
        "tools.yaml",
        "crm/mapping.yaml",
        "crm/lifts.csv",
        "policies/service-sla-v2.0.md",
        "evals/suite.yaml",
    } <= files, text
    assert all(re.match(r"^liftcare/\S+:\d+: ", str(p)) for p in problems if p.line), text
    assert "validation error" not in text and "pydantic" not in text  # readable lines, not a dump
    repeated = [p for p in problems if "40×" in p.message]  # 40 bad intents: one line saying so
    assert len(repeated) == 1 and len(problems) < 20, text
    assert "liftcare/crm/lifts.csv:1: missing column wty_end (mapping device.columns.warranty_end)" in text
    assert re.search(
        r"liftcare/crm/mapping.yaml:\d+: entities.customer.columns.vip: .*fix: move it under `extra:`", text
    )


def test_malformed_pack_loads_nothing(tmp_path: Path) -> None:
    root = write_pack(tmp_path / "liftcare")
    _break(root)
    data = tmp_path / "data"
    result = CliRunner().invoke(app, ["tenant", "import", str(root), "--data-dir", str(data)])
    assert result.exit_code == 1
    assert "nothing was loaded" in result.output and "liftcare/crm/lifts.csv:1" in result.output
    assert not data.exists() or not any(data.iterdir())
    result = CliRunner().invoke(app, ["tenant", "validate", str(root)])
    assert result.exit_code == 1 and "problem(s)" in result.output


def test_init_scaffolds_a_valid_pack(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["tenant", "init", "acme-co", "--dir", str(tmp_path / "acme")])
    assert result.exit_code == 0, result.output
    assert validate_pack(tmp_path / "acme") == []
    again = CliRunner().invoke(app, ["tenant", "init", "acme-co", "--dir", str(tmp_path / "acme")])
    assert again.exit_code == 2 and "not empty" in again.output
    assert CliRunner().invoke(app, ["tenant", "init", "Bad Name!"]).exit_code == 2


def test_infer_mapping_reproduces_a_hand_written_mapping(tmp_path: Path) -> None:
    """CSVs exported from the demo schema (names like crm_customer, erp_order_line, iot_device): the proposal
    maps every table to its entity and every key and foreign key to the right column, by names and values."""
    from knowledge.crm import build_demo_crm, import_csv, load_mapping
    from tests.crm.conftest import MAPPING, TODAY
    from tests.crm.test_csv_import import export_csvs

    url = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    build_demo_crm(url, today=TODAY)
    csv_dir = tmp_path / "csv"
    csv_dir.mkdir()
    export_csvs(url, csv_dir)
    result = CliRunner().invoke(app, ["tenant", "infer-mapping", str(csv_dir)])
    assert result.exit_code == 0, result.output
    proposed_path = tmp_path / "mapping.yaml"
    proposed_path.write_text(result.output, encoding="utf-8")
    proposed = load_mapping(proposed_path)
    hand = load_mapping(MAPPING)
    keys = ("id", "customer_id", "order_id", "product_id", "device_id", "owner_rep", "order_date", "quantity")
    for entity, ent in hand.entities.items():
        assert proposed.entities[entity].table == ent.table
        for f in keys:
            if f in ent.columns:
                assert proposed.entities[entity].columns.get(f) == ent.columns[f], (entity, f)
    assert import_csv(csv_dir, f"sqlite:///{tmp_path / 'again.sqlite'}", proposed)["erp_order"] >= 300
    from_sql = CliRunner().invoke(
        app, ["tenant", "infer-mapping", url]
    )  # the same from the live (read-only) database
    assert from_sql.exit_code == 0, from_sql.output
    sql_path = tmp_path / "from_sql.yaml"
    sql_path.write_text(from_sql.output, encoding="utf-8")
    from_db = load_mapping(sql_path)
    for entity, ent in hand.entities.items():
        assert {f: from_db.entities[entity].columns.get(f) for f in keys if f in ent.columns} == {
            f: ent.columns[f] for f in keys if f in ent.columns
        }, entity
    bad = CliRunner().invoke(app, ["tenant", "infer-mapping", str(tmp_path / "nope")])
    assert bad.exit_code == 2 and "not a folder" in bad.output


def test_learn_collects_from_the_ledger_and_applies_approved_examples(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_pack(tmp_path / "liftcare")
    monkeypatch.setenv("COPILOT_DATA_DIR", str(tmp_path / "data"))
    found = CliRunner().invoke(app, ["tenant", "learn", str(root)])
    assert found.exit_code == 0, found.output
    assert "0 candidate(s) from the ledger" in found.output  # a fresh ledger has no corrections yet
    candidates = tmp_path / "candidates.yaml"
    candidate = {
        "id": "cand_test00000001",
        "kind": "intent_example",
        "text": "合同明年还能按今年的价续吗",
        "corrected": "contract_renewal",
        "status": "approved",
    }
    candidates.write_text(
        yaml.safe_dump({"tenant": "liftcare", "candidates": [candidate]}, allow_unicode=True),
        encoding="utf-8",
    )
    applied = CliRunner().invoke(
        app, ["tenant", "learn", str(root), "--candidates", str(candidates), "--apply"]
    )
    assert applied.exit_code == 0, applied.output
    intents = yaml.safe_load((root / "intents.yaml").read_text(encoding="utf-8"))["intents"]
    renewal = next(i for i in intents if i["name"] == "contract_renewal")
    assert "合同明年还能按今年的价续吗" in renewal["examples"]
    assert validate_pack(root) == []


def test_infer_mapping_finds_shared_tables_wide_telemetry_and_personal_columns(tmp_path: Path) -> None:
    """The never-seen pack's CSVs: tables named by their business (parts, repairs, lifts, lift_daily) are placed by
    what they hold; order lines in the orders table, wide telemetry, a multi-valued cell and a phone column are found."""
    from contract import clock
    from contract.ports import Actor
    from knowledge.crm import build_customer_data, import_csv, load_mapping

    root = write_pack(tmp_path / "liftcare")
    result = CliRunner().invoke(app, ["tenant", "infer-mapping", str(root / "crm")])
    assert result.exit_code == 0, result.output
    path = tmp_path / "crm" / "mapping.yaml"
    path.parent.mkdir()
    path.write_text(result.output, encoding="utf-8")
    m = load_mapping(path)
    hand = load_mapping(root / "crm" / "mapping.yaml")
    assert {e: x.table for e, x in m.entities.items()} == {e: x.table for e, x in hand.entities.items()}
    assert m.same_table("order", "order_line") and m.entities["order_line"].columns["product_id"] == "part_no"
    assert set(m.entities["telemetry"].wide_metrics.values()) == {"door_faults", "vibration"}
    assert m.entities["telemetry"].columns == {"device_id": "lift_no", "reading_date": "day"}
    assert m.entities["customer"].never_read == ["contact_phone"]
    assert m.entities["ticket"].extra["fault_codes"].type == "list"
    assert m.entities["device"].columns["warranty_end"] == "wty_end"
    (tmp_path / "crm" / "signals.yaml").write_text("hq: []\n", encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'crm.sqlite'}"
    import_csv(root / "crm", url, m)
    cd = build_customer_data(url, path, tmp_path / "crm" / "signals.yaml", statement_timeout_ms=2000)
    with clock.as_of(date(2026, 9, 15)):  # the pack's as_of
        c = cd.customer_360("L01", Actor(id="admin", role="admin"))
    cd.close()
    assert c.purchases_by_category["门机配件"]["365d"] == 6.0
    assert any(f.source_ids.get("attribute") == "fault_codes" for f in c.facts)


def test_cross_references_that_would_fail_silently(tmp_path: Path) -> None:
    """A signal id nobody declares never fires; a rule on a customer field the CRM does not read is never true; a
    suite expecting an intent, action or document the pack lacks can never pass — validate says so, with the line."""
    root = write_pack(tmp_path / "liftcare")
    actions = root / "actions.yaml"
    actions.write_text(actions.read_text(encoding="utf-8").replace("contract_ending_60d", "contract_end_60d"))
    (root / "playbooks.yaml").write_text(
        "playbooks:\n  - id: p\n    rules:\n      - id: r\n"
        "        when: {intent: [fault_report], customer: {fleet_size: {gte: 10}}}\n"
        "        then: {action: dispatch_technician}\n",
        encoding="utf-8",
    )
    suite = root / "evals" / "suite.yaml"
    suite.write_text(
        suite.read_text(encoding="utf-8").replace("doc_id: service-sla, version", "doc_id: sla, version")
    )
    text = "\n".join(str(p) for p in validate_pack(root))
    assert re.search(
        r"liftcare/actions.yaml:\d+: actions\[2\].signals: signal 'contract_end_60d' is not declared", text
    )
    assert re.search(
        r"liftcare/playbooks.yaml:5: .*customer field 'fleet_size' is not read from the CRM", text
    )
    assert re.search(r"liftcare/evals/suite.yaml:\d+: cases\[0\].expect.documents\[0\]: document 'sla'", text)


def test_infer_mapping_reads_chinese_tables_and_columns(tmp_path: Path) -> None:
    files = {
        "客户": "客户编号,客户名称,负责销售,客户等级,区域,手机\nK1,甲公司,S1,A,华东,13900000001\nK2,乙公司,S2,B,华南,13900000002\n",
        "销售员工": "员工编号,姓名,团队\nS1,张三,一组\nS2,李四,二组\n",
        "产品": "产品编号,产品名称,品类\nP1,甲产品,设备\nP2,乙产品,耗材\n",
        "订单": "订单编号,客户编号,下单日期,状态,金额\nO1,K1,2026-01-01,完成,100\nO2,K2,2026-02-01,完成,200\n",
        "订单明细": "明细编号,订单编号,产品编号,数量,备注\nL1,O1,P1,2,加急\nL2,O2,P2,3,\n",
    }
    for name, text in files.items():
        (tmp_path / f"{name}.csv").write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, ["tenant", "infer-mapping", str(tmp_path)])
    assert result.exit_code == 0, result.output
    raw = yaml.safe_load(result.output)["entities"]
    assert raw["customer"]["columns"] == {
        "id": "客户编号",
        "owner_rep": "负责销售",
        "name": "客户名称",
        "tier": "客户等级",
        "region": "区域",
    }
    assert raw["customer"]["never_read"] == ["手机"]
    assert raw["order"]["columns"]["order_date"] == "下单日期" and raw["order_line"]["table"] == "订单明细"
    assert raw["order_line"]["columns"]["order_id"] == "订单编号"
    assert raw["order_line"]["extra"] == {"备注": {"column": "备注", "type": "string"}}
