"""The customer 360's fast path (issue 20) gives exactly what the plain path gave, over SQLite and PostgreSQL (demo CRM)
and SQLite (autodealer CRM):
  - statements run on the driver's cursor (compiled once) vs through SQLAlchemy's execute (`prepared=False`): every
    customer's whole 360 (facts with ids, hashes and lineage, signals, structured fields) is identical;
  - profile and sections read on one connection, the access check still between the owner row and the rest;
  - per-window purchase quantities equal a plain per-row, per-window sum;
  - a driver error on the fast path (a statement past its timeout) is still a typed BackendUnavailable;
  - reads stay live: a CRM write shows in the next 360 (rows are read on every call; test_built_reuse.py)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from contract.errors import AccessDenied, BackendUnavailable
from contract.evidence import Evidence
from contract.ports import Actor, Customer360
from knowledge.crm import CrmCustomerData, build_customer_data, import_csv, load_mapping
from knowledge.crm.connector import CrmConnector, create_readonly_engine
from knowledge.crm.facts import WINDOWS
from knowledge.crm.queries import Query
from knowledge.crm.snapshot import read_customer
from tests.crm.conftest import TODAY, MakeCrm

ADMIN = Actor(id="admin_zhou", role="admin", team="hq")
AD_CRM = Path(__file__).resolve().parents[2] / "copilot" / "tenants" / "autodealer" / "crm"
AD_TODAY = date(2026, 11, 30)


def _ids(url: str, table: str, column: str) -> list[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return [
                str(v)
                for v in conn.execute(sa.text(f"SELECT {column} FROM {table} ORDER BY {column}")).scalars()
            ]
    finally:
        engine.dispose()


def _plain_twin(cd: CrmCustomerData) -> CrmCustomerData:
    """The same CRM, mapping and signals, every statement through SQLAlchemy's execute."""
    plain = CrmConnector(cd.connector.engine, statement_timeout_ms=cd.connector.timeout_ms, prepared=False)
    twin = CrmCustomerData(plain, cd.mapping, cd.signals, tenant=cd.tenant)
    twin.clock = cd.clock
    return twin


def _dump(c: Customer360) -> str:
    return json.dumps(c.model_dump(mode="json"), ensure_ascii=False, sort_keys=False)


def _assert_same_360s(cd: CrmCustomerData, ids: list[str]) -> int:
    twin = _plain_twin(cd)
    facts = 0
    for cid in ids:
        fast, plain = cd.customer_360(cid, ADMIN), twin.customer_360(cid, ADMIN)
        assert _dump(fast) == _dump(plain), cid  # same values, same key order
        assert fast == plain, cid
        for (
            f
        ) in fast.facts:  # every fact is what validating it again gives, lineage to table/column/row intact
            assert Evidence.model_validate(f.model_dump()) == f
            assert {"table", "field", "row_key"} <= set(f.source_ids), f.id
            assert f.lineage["sql"] and f.lineage["tables"], f.id
        facts += len(fast.facts)
    return facts


def test_demo_360s_fast_equal_plain(make_crm: MakeCrm, crm_url: str) -> None:
    ids = _ids(crm_url, "crm_customer", "cust_no")
    assert len(ids) >= 20
    facts = _assert_same_360s(make_crm(), ids)
    assert facts > 20 * len(ids) // 2  # the demo customers carry dozens of facts each


@pytest.fixture(scope="module")
def ad_sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('adcrm') / 'crm.sqlite'}"
    import_csv(AD_CRM, url, load_mapping(AD_CRM / "mapping.yaml"))
    return url


@pytest.fixture
def ad_cd(ad_sqlite_url: str) -> Iterator[tuple[CrmCustomerData, str]]:
    """SQLite only: the autodealer CSVs do not import into PostgreSQL yet (a list of VINs exceeds the importer's
    VARCHAR(400)); the demo CRM covers PostgreSQL."""
    url = ad_sqlite_url
    cd = build_customer_data(
        url, AD_CRM / "mapping.yaml", AD_CRM / "signals.yaml", statement_timeout_ms=5000, tenant="autodealer"
    )
    cd.clock = lambda: AD_TODAY
    yield cd, url
    cd.close()


def test_autodealer_360s_fast_equal_plain(ad_cd: tuple[CrmCustomerData, str]) -> None:
    cd, url = ad_cd
    ids = _ids(url, "crm_customers", "cust_id")
    assert len(ids) >= 10
    assert _assert_same_360s(cd, ids) > 10 * len(ids)


class _Recording(dict[str, Query]):
    """The queries, noting which were looked up."""

    def __init__(self, queries: dict[str, Query]) -> None:
        super().__init__(queries)
        self.asked: list[str] = []

    def __getitem__(self, name: str) -> Query:
        self.asked.append(name)
        return super().__getitem__(name)

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        self.asked.append(name)
        return super().get(name, default)


def test_one_connection_read_checks_access_before_the_rest(make_crm: MakeCrm) -> None:
    cd = make_crm()
    queries = _Recording(cd.queries)

    def deny(row: dict[str, Any]) -> None:
        raise AccessDenied("no", reason="not_owner")

    with pytest.raises(AccessDenied):
        read_customer(
            cd.connector,
            queries,
            "C1001",
            deny,
            today=TODAY,
            order_lookback_days=400,
            telemetry_lookback_days=30,
        )
    assert queries.asked == ["profile"]  # nothing of the customer's beyond the owner row was read
    assert (
        read_customer(
            cd.connector,
            cd.queries,
            "NOPE",
            deny,
            today=TODAY,
            order_lookback_days=1,
            telemetry_lookback_days=1,
        )
        is None
    )  # an unknown customer is found out before any check
    with pytest.raises(AccessDenied):  # through the service: a rep who does not own the customer
        cd.customer_360("C1001", Actor(id="rep_nobody", role="rep"))


def test_purchase_windows_equal_a_plain_per_window_sum(make_crm: MakeCrm, crm_url: str) -> None:
    cd = make_crm()
    compared = 0
    for cid in _ids(crm_url, "crm_customer", "cust_no"):
        c360 = cd.customer_360(cid, ADMIN)
        lines = [f for f in c360.facts if f.title == "分品类采购"]
        for f in lines:
            cat = f.source_ids["row_key"].split("/", 1)[1]
            assert f.lineage["values"] == c360.purchases_by_category[cat]
        # the reference: every order line in the section's rows, each window summed on its own
        if not lines:
            continue
        q, params = cd.queries["order_lines"], {**lines[0].lineage["params"]}
        params["since"] = date.fromisoformat(params["since"])
        with cd.connector.engine.connect() as conn:
            rows = [dict(r) for r in conn.execute(q.stmt, params).mappings()]
        expected: dict[str, dict[str, float]] = defaultdict(lambda: {f"{w}d": 0.0 for w in WINDOWS})
        keys: dict[str, list[str]] = defaultdict(list)
        for r in rows:
            age = (TODAY - date.fromisoformat(str(r["order_date"])[:10])).days
            for w in WINDOWS:
                if age <= w:
                    expected[r["category"]][f"{w}d"] += float(r["quantity"] or 0)
            if age <= max(WINDOWS):
                keys[r["category"]].append(str(r["line_id"]))
        for f in lines:
            cat = f.source_ids["row_key"].split("/", 1)[1]
            if cat in expected:
                assert f.lineage["values"] == expected[cat], (cid, cat)
                assert f.lineage["row_keys"] == keys[cat][:50] and f.lineage["row_count"] == len(keys[cat])
                compared += 1
            else:  # bought only before the longest window: all zeros
                assert set(f.lineage["values"].values()) == {0.0}
    assert compared >= 10


def test_fast_path_timeout_is_backend_unavailable(crm_url: str) -> None:
    engine = create_readonly_engine(crm_url, statement_timeout_ms=200)
    conn = CrmConnector(engine, statement_timeout_ms=200)
    n = sa.select(sa.literal(1).label("i")).cte("n", recursive=True)
    n = n.union_all(sa.select((n.c.i + 1).label("i")).where(n.c.i < 300_000_000))
    slow = sa.select(sa.func.count().label("c")).select_from(n)
    conn.prepare(slow)  # the prepared path: the driver's own error
    with pytest.raises(BackendUnavailable) as exc, conn.session() as s:
        s.rows(slow, {})
    assert exc.value.reason == "crm_timeout"
    with conn.session() as s:  # the connection is usable again afterwards
        assert s.rows(sa.select(sa.literal(1).label("one")), {}) == [{"one": 1}]
    conn.dispose()


def test_only_registered_statements_are_prepared(make_crm: MakeCrm) -> None:
    """Ad-hoc statements (a readiness ping per probe) run through SQLAlchemy and are not kept."""
    cd = make_crm()
    kept = len(cd.connector._prepared)
    assert kept == len(cd.queries)
    for _ in range(3):
        cd.ping()
    assert len(cd.connector._prepared) == kept


def test_reads_stay_live_across_crm_writes(make_crm: MakeCrm, crm_url: str) -> None:
    cd = make_crm()
    before = cd.customer_360("C1002", ADMIN)
    writer = sa.create_engine(crm_url)
    try:
        with writer.begin() as conn:
            old = conn.execute(sa.text("SELECT grade FROM crm_customer WHERE cust_no = 'C1002'")).scalar_one()
            conn.execute(sa.text("UPDATE crm_customer SET grade = 'Z9' WHERE cust_no = 'C1002'"))
        after = cd.customer_360("C1002", ADMIN)
        assert before.tier == old and after.tier == "Z9"
        assert any(f.content == "客户等级 = Z9" for f in after.facts)
    finally:
        with writer.begin() as conn:
            conn.execute(sa.text("UPDATE crm_customer SET grade = :g WHERE cust_no = 'C1002'"), {"g": old})
        writer.dispose()
