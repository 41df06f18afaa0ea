"""The open CRM schema on shapes real small-company exports have: order lines inside the orders table, one column
mapped to two fields, wide telemetry (a column per metric), multi-valued cells, extra typed fields, the optional
canonical fields (ship date, discount, warranty end, contract tier) and never_read columns. Each becomes facts with
lineage; a CSV lacking a mapped column is refused before any write; a second import changes nothing."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from contract.errors import InputError, UserError
from contract.ports import Actor
from knowledge.crm import build_customer_data, import_csv, load_mapping

TODAY = date(2026, 6, 30)
ADMIN = Actor(id="admin_1", role="admin")

MAPPING = {
    "entities": {
        "customer": {
            "table": "accounts",
            "columns": {"id": "acct", "name": "acct_name", "owner_rep": "owner", "tier": "level"},
            "extra": {"fleet_size": {"column": "fleet", "type": "number", "label": "车队规模", "unit": "辆"}},
            "never_read": ["id_card"],
        },
        "rep": {
            "table": "staff",
            "columns": {"id": "staff_id", "name": "staff_name"},
            "extra": {"position": {"column": "title", "label": "岗位"}},
        },
        "product": {"table": "items", "columns": {"id": "item", "name": "item_name", "category": "family"}},
        "order": {
            "table": "sales",
            "columns": {
                "id": "so_no",
                "customer_id": "acct",
                "order_date": "so_date",
                "confirmed_ship_date": "ship_ok",
                "discount": "disc",
            },
        },
        "order_line": {  # the same table; a line id that is also the order id (one line per order here)
            "table": "sales",
            "columns": {"id": "so_no", "order_id": "so_no", "product_id": "item", "quantity": "qty"},
        },
        "contract": {
            "table": "plans",
            "columns": {"id": "plan_no", "customer_id": "acct", "end_date": "ends", "tier": "plan_level"},
        },
        "device": {
            "table": "vehicles",
            "columns": {"id": "vin", "customer_id": "acct", "warranty_end": "wty_end"},
            "extra": {
                "mileage_km": {"column": "odometer_km", "type": "number", "unit": "km", "label": "里程"},
                "codes": {"column": "fault_codes", "type": "list", "sep": ";", "label": "故障码"},
                "serviced": {"column": "last_service", "type": "date", "label": "最近保养"},
            },
        },
        "telemetry": {
            "table": "daily",
            "columns": {"device_id": "vin", "reading_date": "day"},
            "wide_metrics": {"battery_v": "batt", "coolant_c": "coolant"},
            "options": {"metric_labels": {"coolant_c": "冷却液温度"}, "metric_units": {"coolant_c": "°C"}},
        },
    }
}

CSVS = {
    "accounts": [
        ["acct", "acct_name", "owner", "level", "fleet", "id_card"],
        ["A1", "顺达物流", "s1", "A", "42", "330102199001011234"],
        ["A2", "个人客户", "s2", "B", "", "330102199001015678"],
    ],
    "staff": [
        ["staff_id", "staff_name", "title"],
        ["s1", "Rep One", "大客户经理"],
        ["s2", "Rep Two", "销售顾问"],
    ],
    "items": [
        ["item", "item_name", "family"],
        ["M1", "Model One", "vehicle"],
        ["P9", "Service pack", "service"],
    ],
    "sales": [
        ["so_no", "acct", "so_date", "ship_ok", "disc", "item", "qty"],
        ["SO1", "A1", "2026-01-10", "2026-01-20", "0.05", "M1", "3"],
        ["SO2", "A1", "2026-05-02", "", "", "P9", "1"],
        ["SO3", "A2", "2026-04-01", "2026-04-03", "0", "M1", "1"],
    ],
    "plans": [["plan_no", "acct", "ends", "plan_level"], ["PL1", "A1", "2026-08-01", "gold"]],
    "vehicles": [
        ["vin", "acct", "wty_end", "odometer_km", "fault_codes", "last_service"],
        ["VIN001", "A1", "2026-07-15", "58000", "W-203;E-203", "2026-01-05"],
        ["VIN002", "A2", "2027-01-01", "1200", "", "2026-06-01"],
    ],
    "daily": [
        ["vin", "day", "batt", "coolant"],
        ["VIN001", "2026-06-28", "12.1", "96"],
        ["VIN001", "2026-06-29", "12.0", "101"],
        ["VIN001", "2026-06-30", "", "104"],
    ],
}


def write_pack(root: Path) -> tuple[Path, Path]:
    crm = root / "crm"
    crm.mkdir(parents=True)
    (crm / "mapping.yaml").write_text(yaml.safe_dump(MAPPING, allow_unicode=True), encoding="utf-8")
    signals = {
        "hq": [
            {
                "id": "hot_coolant",
                "type": "telemetry_over_threshold",
                "params": {"metric": "coolant_c", "threshold": 100, "consecutive_days": 2},
            },
            {"id": "plan_ending", "type": "contract_expiring", "params": {"days": 60}},
            {"id": "warranty_ending", "type": "warranty_expiring", "params": {"days": 30}},
            {
                "id": "no_service_90d",
                "type": "days_since",
                "params": {"field": "device.extra.serviced", "days": 90},
            },
        ]
    }
    (crm / "signals.yaml").write_text(yaml.safe_dump(signals, allow_unicode=True), encoding="utf-8")
    for name, rows in CSVS.items():
        with (crm / f"{name}.csv").open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows(rows)
    return crm / "mapping.yaml", crm / "signals.yaml"


@pytest.fixture
def pack(tmp_path: Path) -> tuple[Path, Path, str]:
    mapping, signals = write_pack(tmp_path)
    url = f"sqlite:///{tmp_path / 'crm.sqlite'}"
    import_csv(mapping.parent, url, load_mapping(mapping))
    return mapping, signals, url


def test_natural_shapes_import_and_become_facts_with_lineage(pack: tuple[Path, Path, str]) -> None:
    mapping, signals, url = pack
    cd = build_customer_data(url, mapping, signals, statement_timeout_ms=2000, tenant="acme")
    cd.clock = lambda: TODAY
    c = cd.customer_360("A1", ADMIN)
    cd.close()
    by_attr = {(f.source_ids.get("entity"), f.source_ids.get("attribute")): f for f in c.facts}
    fleet = by_attr[("customer", "fleet_size")]
    assert "车队规模 = 42 辆" in fleet.content and fleet.source_ids["field"] == "fleet"
    assert fleet.lineage["values"] == {"fleet_size": 42.0} and "accounts" in fleet.lineage["sql"]
    assert "0.05" in by_attr[("order", "discount")].content
    assert "2026-01-20" in by_attr[("order", "confirmed_ship_date")].content
    assert "gold" in by_attr[("contract", "tier")].content
    assert "2026-07-15" in by_attr[("device", "warranty_end")].content
    assert "58000 km" in by_attr[("device", "mileage_km")].content
    codes = by_attr[("device", "codes")]
    assert codes.lineage["values"] == {"codes": ["W-203", "E-203"]}
    assert all(f.source_ids["tenant"] == "acme" for f in c.facts)
    position = by_attr[("rep", "position")]  # the owning rep's extra column
    assert position.content == "负责销售 Rep One 岗位 = 大客户经理" and position.source_ids["row_key"] == "s1"
    # order lines in the orders table: purchases counted once per line, not squared by a self-join
    assert c.purchases_by_category["vehicle"]["365d"] == 3.0
    # wide telemetry: unpivoted into readings, labelled, and the streak signal fires on the coolant column
    fired = {s.source_ids["signal_id"]: s for s in c.signals}
    assert set(fired) == {"hot_coolant", "plan_ending", "warranty_ending", "no_service_90d"}
    assert fired["no_service_90d"].lineage["values"] == [
        {"row_key": "VIN001", "serviced": "2026-01-05", "days_since": 176}
    ]
    assert [v["value"] for v in fired["hot_coolant"].lineage["values"]] == [101.0, 104.0]
    assert c.devices[0]["latest"]["coolant_c"]["label"] == "冷却液温度"
    assert all(s.source_ids["tenant"] == "acme" for s in c.signals)


def test_days_since_fires_on_the_newest_date_only(pack: tuple[Path, Path, str]) -> None:
    mapping, signals, url = pack
    cd = build_customer_data(url, mapping, signals, statement_timeout_ms=2000)
    cd.clock = lambda: TODAY
    fired = {s.source_ids["signal_id"] for s in cd.customer_360("A2", ADMIN).signals}
    cd.close()
    assert "no_service_90d" not in fired  # A2 was serviced 29 days before TODAY


def test_never_read_column_is_never_selected(pack: tuple[Path, Path, str]) -> None:
    mapping, signals, url = pack
    cd = build_customer_data(url, mapping, signals, statement_timeout_ms=2000)
    cd.clock = lambda: TODAY
    c = cd.customer_360("A1", ADMIN)
    cd.close()
    assert load_mapping(mapping).never_read_columns() == {"accounts": {"id_card"}}
    text = " ".join(f.content + str(f.lineage) for f in [*c.facts, *c.signals])
    assert "330102199001011234" not in text and "id_card" not in text
    raw = yaml.safe_load(mapping.read_text(encoding="utf-8"))
    raw["entities"]["customer"]["extra"]["idc"] = "id_card"
    mapping.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(UserError, match="never_read"):
        load_mapping(mapping)


def test_missing_column_is_named_and_nothing_is_written(tmp_path: Path) -> None:
    mapping, _ = write_pack(tmp_path)
    vehicles = mapping.parent / "vehicles.csv"
    vehicles.write_text(vehicles.read_text(encoding="utf-8").replace("odometer_km", "odo"), encoding="utf-8")
    sales = mapping.parent / "sales.csv"
    sales.write_text(sales.read_text(encoding="utf-8").replace("2026-05-02", "五月二日"), encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'crm.sqlite'}"
    with pytest.raises(InputError) as exc:
        import_csv(mapping.parent, url, load_mapping(mapping))
    msg = exc.value.message
    assert "nothing written" in msg and "2 problem(s)" in msg  # every problem at once
    assert "vehicles.csv:1: missing column odometer_km (mapping device.extra.mileage_km)" in msg
    assert "sales.csv:3" in msg
    assert sa.inspect(sa.create_engine(url)).get_table_names() == []


def test_importing_twice_changes_nothing(pack: tuple[Path, Path, str]) -> None:
    mapping, _, url = pack
    engine = sa.create_engine(url)

    def snapshot() -> dict[str, list[tuple[object, ...]]]:
        with engine.connect() as conn:
            return {
                t: sorted(conn.execute(sa.text(f'SELECT * FROM "{t}"')).all(), key=str)
                for t in sa.inspect(engine).get_table_names()
            }

    before = snapshot()
    said: list[str] = []
    counts = import_csv(mapping.parent, url, load_mapping(mapping), progress=said.append)
    assert snapshot() == before and counts["sales"] == 3
    assert said == ["CRM: unchanged since the last import, nothing written"]
    engine.dispose()


def test_every_mapping_problem_at_once(tmp_path: Path) -> None:
    raw = yaml.safe_load(yaml.safe_dump(MAPPING))
    raw["entities"]["device"]["extra"]["codes"]["type"] = "array"
    raw["entities"]["order"]["columns"]["vip"] = "x"
    del raw["entities"]["rep"]
    path = tmp_path / "mapping.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(UserError) as exc:
        load_mapping(path)
    problems = exc.value.details["problems"]
    assert isinstance(problems, list)
    paths = [".".join(str(p) for p in pr["path"]) for pr in problems]  # type: ignore[index]
    assert "entities.device.extra.codes.type" in paths  # a pydantic error …
    assert "entities.order.columns.vip" in paths  # … and the model's own checks, in one run
    assert any("'rep' is required" in pr["message"] for pr in problems)  # type: ignore[index]


@pytest.mark.postgres
def test_open_schema_on_postgresql(postgres_url: str, tmp_path: Path) -> None:
    """The same shapes on the session's real PostgreSQL: the shared table, the unpivoted wide telemetry (UNION ALL of
    typed literals), DISTINCT over recent orders and devices, list extras."""
    from sqlalchemy.engine import make_url

    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text("DROP DATABASE IF EXISTS crm_open_schema"))
        conn.execute(sa.text("CREATE DATABASE crm_open_schema"))
    admin.dispose()
    url = make_url(postgres_url).set(database="crm_open_schema").render_as_string(hide_password=False)
    mapping, signals = write_pack(tmp_path)
    import_csv(mapping.parent, url, load_mapping(mapping))
    cd = build_customer_data(url, mapping, signals, statement_timeout_ms=5000)
    cd.clock = lambda: TODAY
    c = cd.customer_360("A1", ADMIN)
    cd.close()
    assert {s.source_ids["signal_id"] for s in c.signals} == {
        "hot_coolant",
        "plan_ending",
        "warranty_ending",
        "no_service_90d",
    }
    assert c.purchases_by_category["vehicle"]["365d"] == 3.0
    codes = next(f for f in c.facts if f.source_ids.get("attribute") == "codes")
    assert codes.lineage["values"] == {"codes": ["W-203", "E-203"]}


@pytest.mark.postgres
def test_second_tenant_pack_imports_into_postgresql(postgres_url: str) -> None:
    """The shipped second tenant's CSVs on real PostgreSQL: a list extra longer than 400 characters (a fleet's vehicle
    ids) once failed the import with a VARCHAR overflow; list and text extras are unbounded text on every database."""
    from sqlalchemy.engine import make_url

    crm_dir = Path(__file__).resolve().parents[2] / "copilot" / "tenants" / "autodealer" / "crm"
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text("DROP DATABASE IF EXISTS crm_autodealer"))
        conn.execute(sa.text("CREATE DATABASE crm_autodealer"))
    admin.dispose()
    url = make_url(postgres_url).set(database="crm_autodealer").render_as_string(hide_password=False)
    import_csv(crm_dir, url, load_mapping(crm_dir / "mapping.yaml"))
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        longest = max(
            len(str(v or ""))
            for table in sa.inspect(engine).get_table_names()
            for row in conn.execute(sa.text(f'SELECT * FROM "{table}"'))
            for v in row
        )
    engine.dispose()
    assert longest > 400  # the value that overflowed VARCHAR(400) is stored whole
    cd = build_customer_data(
        url, crm_dir / "mapping.yaml", crm_dir / "signals.yaml", statement_timeout_ms=5000
    )
    cd.clock = lambda: TODAY
    fleet = cd.customer_360("K001", ADMIN)  # a fleet customer, read back through the product's 360
    cd.close()
    assert fleet.facts and all(f.source_ids.get("table") for f in fleet.facts)
