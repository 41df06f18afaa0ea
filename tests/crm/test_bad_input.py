"""Bad mappings, SQL injection attempts in identifiers and values, a read-only connection, and timeouts."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from contract.errors import BackendUnavailable, NotFound, UserError
from contract.ports import Actor
from knowledge.crm import build_customer_data, load_mapping, load_signals
from knowledge.crm.connector import CrmConnector, create_readonly_engine
from tests.crm.conftest import MAPPING, SIGNALS, MakeCrm

ADMIN = Actor(id="admin_zhou", role="admin")


def _mapping_with(tmp_path: Path, entity: str, **change: object) -> Path:
    raw = yaml.safe_load(MAPPING.read_text(encoding="utf-8"))
    raw["entities"][entity].update(change)
    path = tmp_path / "mapping.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def test_mapping_naming_a_missing_column_fails_at_start_naming_it(crm_url: str, tmp_path: Path) -> None:
    cols = {
        **yaml.safe_load(MAPPING.read_text(encoding="utf-8"))["entities"]["customer"]["columns"],
        "tier": "vip_grade",
    }
    path = _mapping_with(tmp_path, "customer", columns=cols)
    with pytest.raises(UserError) as exc:
        build_customer_data(crm_url, path, SIGNALS, statement_timeout_ms=1000)
    assert "crm_customer.vip_grade" in exc.value.message and exc.value.reason == "crm_mapping_missing_column"


def test_mapping_naming_a_missing_table_fails_at_start(crm_url: str, tmp_path: Path) -> None:
    path = _mapping_with(tmp_path, "ticket", table="service_tickets")
    with pytest.raises(UserError, match="service_tickets"):
        build_customer_data(crm_url, path, SIGNALS, statement_timeout_ms=1000)


@pytest.mark.parametrize(
    "evil",
    ["cust_no; DROP TABLE crm_customer; --", 'cust_no" OR "1"="1', "cust_no)--", "1cust", "cust no"],
)
def test_identifiers_that_could_inject_sql_are_refused(tmp_path: Path, evil: str) -> None:
    cols = {
        **yaml.safe_load(MAPPING.read_text(encoding="utf-8"))["entities"]["customer"]["columns"],
        "id": evil,
    }
    with pytest.raises(UserError, match="not a plain SQL identifier"):
        load_mapping(_mapping_with(tmp_path, "customer", columns=cols))
    with pytest.raises(UserError):
        load_mapping(_mapping_with(tmp_path, "order", table=f"erp_order; {evil}"))


def test_unknown_field_and_missing_required_field(tmp_path: Path) -> None:
    cols = yaml.safe_load(MAPPING.read_text(encoding="utf-8"))["entities"]["customer"]["columns"]
    with pytest.raises(UserError, match="no field 'vip'"):
        load_mapping(_mapping_with(tmp_path, "customer", columns={**cols, "vip": "grade"}))
    del cols["owner_rep"]
    with pytest.raises(UserError, match="owner_rep"):
        load_mapping(_mapping_with(tmp_path, "customer", columns=cols))
    with pytest.raises(UserError, match="not found"):
        load_mapping(tmp_path / "nope.yaml")


@pytest.mark.parametrize(
    "ref",
    [
        "C1001' OR '1'='1",
        "C1001; DROP TABLE crm_customer; --",
        "' UNION SELECT * FROM crm_sales_rep --",
        "C1001%",
    ],
)
def test_values_are_parameters_never_sql(make_crm: MakeCrm, crm_url: str, ref: str) -> None:
    with pytest.raises(NotFound):
        make_crm().customer_360(ref, ADMIN)
    engine = sa.create_engine(crm_url)
    with engine.connect() as conn:  # the table is still there, untouched
        assert conn.execute(sa.text("SELECT count(*) FROM crm_customer")).scalar_one() == 25
    engine.dispose()


def test_connection_is_read_only(crm_url: str) -> None:
    conn = CrmConnector(create_readonly_engine(crm_url, statement_timeout_ms=1000), statement_timeout_ms=1000)
    with pytest.raises(BackendUnavailable), conn.session() as s:
        s.rows(sa.text("UPDATE crm_customer SET grade = 'Z' WHERE cust_no = :c"), {"c": "C1001"})
    with conn.session() as s:
        assert s.rows(sa.text("SELECT grade FROM crm_customer WHERE cust_no = :c"), {"c": "C1001"}) == [
            {"grade": "A"}
        ]
    conn.dispose()


SLOW = {
    "sqlite": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000000) SELECT count(*) FROM n",
    "postgresql": "SELECT pg_sleep(30)",
}


def test_slow_statement_is_cut_off_as_backend_unavailable(crm_url: str) -> None:
    engine = create_readonly_engine(crm_url, statement_timeout_ms=200)
    conn = CrmConnector(engine, statement_timeout_ms=200)
    with pytest.raises(BackendUnavailable) as exc, conn.session() as s:
        s.rows(sa.text(SLOW[engine.dialect.name]), {})
    assert exc.value.reason == "crm_timeout"
    with conn.session() as s:  # the connection is usable again afterwards
        assert s.rows(sa.text("SELECT 1 AS one"), {}) == [{"one": 1}]
    conn.dispose()


def test_locked_crm_makes_customer_360_unavailable(make_crm: MakeCrm, crm_url: str) -> None:
    """Another session holds an exclusive lock: the 360 gives up after the statement timeout, typed."""
    cd = make_crm(statement_timeout_ms=300)
    writer = sa.create_engine(crm_url, isolation_level="AUTOCOMMIT")
    locked, release = threading.Event(), threading.Event()

    def hold_lock() -> None:
        with writer.connect() as conn:
            if writer.dialect.name == "sqlite":
                conn.exec_driver_sql("BEGIN EXCLUSIVE")
            else:
                conn.exec_driver_sql("BEGIN")
                conn.exec_driver_sql("LOCK TABLE crm_customer IN ACCESS EXCLUSIVE MODE")
            locked.set()
            release.wait(30)
            conn.exec_driver_sql("ROLLBACK")

    t = threading.Thread(target=hold_lock)
    t.start()
    try:
        assert locked.wait(10)
        with pytest.raises(BackendUnavailable) as exc:
            cd.customer_360("C1001", ADMIN)
        assert exc.value.reason == "crm_timeout" and exc.value.http_status == 503
    finally:
        release.set()
        t.join()
        writer.dispose()
    assert cd.customer_360("C1001", ADMIN).customer_id == "C1001"  # and recovers once the lock is gone


def test_unreachable_crm_is_backend_unavailable_at_start(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="seed-demo"):
        build_customer_data(
            f"sqlite:///{tmp_path / 'missing.sqlite'}", MAPPING, SIGNALS, statement_timeout_ms=500
        )
    with pytest.raises(BackendUnavailable):  # nothing listens on port 1
        build_customer_data(
            "postgresql+psycopg://copilot@127.0.0.1:1/x", MAPPING, SIGNALS, statement_timeout_ms=500
        )
    with pytest.raises(UserError):
        build_customer_data("not a url", MAPPING, SIGNALS, statement_timeout_ms=500)


def _signals_file(tmp_path: Path, raw: dict[str, object]) -> Path:
    path = tmp_path / "signals.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def test_business_unit_cannot_override_an_hq_rule(tmp_path: Path) -> None:
    raw = yaml.safe_load(SIGNALS.read_text(encoding="utf-8"))
    raw["business_units"]["ortho"].append(
        {"id": "contract_expiring_60d", "type": "contract_expiring", "params": {"days": 5}}
    )
    with pytest.raises(UserError) as exc:
        load_signals(_signals_file(tmp_path, raw))
    assert exc.value.reason == "crm_signals_hq_override" and "ortho" in exc.value.message


def test_bad_signal_declarations(tmp_path: Path) -> None:
    bad_type = {"hq": [{"id": "x_signal", "type": "vibes", "params": {}}]}
    with pytest.raises(UserError):
        load_signals(_signals_file(tmp_path, bad_type))
    bad_params = {
        "hq": [{"id": "drop", "type": "order_volume_drop", "params": {"window_days": 90, "drop_ratio": 2}}]
    }
    with pytest.raises(UserError):
        load_signals(_signals_file(tmp_path, bad_params))


def test_signal_needing_an_unmapped_entity_fails_at_start(crm_url: str, tmp_path: Path) -> None:
    raw = yaml.safe_load(MAPPING.read_text(encoding="utf-8"))
    del raw["entities"]["telemetry"]
    path = tmp_path / "mapping.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(UserError, match="telemetry"):
        build_customer_data(crm_url, path, SIGNALS, statement_timeout_ms=500)


@pytest.mark.parametrize("dialect", ["mysql", "postgresql", "sqlite"])
def test_every_statement_compiles_for_each_dialect(dialect: str) -> None:
    """MySQL-compatible servers (TiDB, OceanBase) are not started here; the statements must still compile for them."""
    from sqlalchemy.dialects import mysql, postgresql, sqlite

    from knowledge.crm.queries import build_queries

    d = {"mysql": mysql.dialect(), "postgresql": postgresql.dialect(), "sqlite": sqlite.dialect()}[dialect]
    queries = build_queries(load_mapping(MAPPING))
    assert set(queries) >= {
        "profile",
        "order_lines",
        "last_purchase",
        "contracts",
        "tickets",
        "devices",
        "telemetry",
    }
    for q in queries.values():
        sql = str(q.stmt.compile(dialect=d))
        assert q.tables[0] in sql  # identifiers from the mapping, values left as bind placeholders
    assert "row_number() OVER" in str(queries["last_purchase"].stmt.compile(dialect=d))
