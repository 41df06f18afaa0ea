"""A SQLite CRM's content generation (knowledge/crm/connector.py `_DataVersions`, PRAGMA data_version): a customer's
360 is reused without reading its rows again only while nothing was committed to the CRM since they were read.
  - unchanged CRM: the rows after the owner row are not read again, and the 360 is the one a from-scratch build gives;
  - a commit by another connection of this process or by another process shows in the very next 360, from any pooled
    connection (each connection reports commits since it last asked; the generation moves on for all);
  - the access check still runs first on every call, reused or not;
  - another day reads the rows again; a backend without a generation (or reuse off) reads them every time."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from contract.errors import AccessDenied
from contract.ports import Actor, Customer360
from knowledge.crm import CrmCustomerData, build_customer_data, build_demo_crm

TODAY = date(2026, 11, 30)
CRM_DIR = Path(__file__).resolve().parents[2] / "copilot" / "tenants" / "demo" / "crm"
ADMIN = Actor(id="admin_zhou", role="admin", team="hq")
Make = Callable[..., CrmCustomerData]


@pytest.fixture(scope="module")
def crm_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("crm_gen") / "crm.sqlite"
    build_demo_crm(f"sqlite:///{path}", today=TODAY)
    return path


@pytest.fixture
def make(crm_file: Path) -> Iterator[Make]:
    made: list[CrmCustomerData] = []

    def build(reuse: int = 256) -> CrmCustomerData:
        cd = build_customer_data(
            f"sqlite:///{crm_file}",
            CRM_DIR / "mapping.yaml",
            CRM_DIR / "signals.yaml",
            statement_timeout_ms=2000,
        )
        cd.built.size = reuse
        cd.clock = lambda: TODAY
        made.append(cd)
        return cd

    yield build
    for cd in made:
        cd.close()


def _dump(c: Customer360) -> str:
    return json.dumps(c.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)


def _sections_read(cd: CrmCustomerData) -> list[str]:
    """Names of the statements the next calls run (wraps the prepared statements)."""
    seen: list[str] = []
    for q in cd.queries.values():
        stmt, prepared = cd.connector._prepared[id(q.stmt)]
        inner = prepared.rows

        def rows(conn: object, params: object, _name: str = q.name, _inner: object = inner) -> object:
            seen.append(_name)
            return _inner(conn, params)  # type: ignore[operator]

        prepared.rows = rows  # type: ignore[method-assign,assignment]
    return seen


def test_unchanged_crm_reads_the_owner_row_only(make: Make) -> None:
    cd, fresh = make(), make(reuse=0)
    first = cd.customer_360("C1004", ADMIN)
    seen = _sections_read(cd)
    again = cd.customer_360("C1004", ADMIN)
    assert again is first and cd.built.unread == 1
    assert seen == ["profile"]
    assert _dump(again) == _dump(fresh.customer_360("C1004", ADMIN))
    assert fresh.built.unread == 0


def test_reuse_off_or_no_generation_reads_every_section(make: Make) -> None:
    off = make(reuse=0)
    off.customer_360("C1002", ADMIN)
    seen = _sections_read(off)
    off.customer_360("C1002", ADMIN)
    assert len(seen) > 5 and off.built.unread == 0
    unknown = make()  # a backend without a content generation (PostgreSQL, MySQL): rows compared as before
    unknown.connector._versions = None
    a = unknown.customer_360("C1002", ADMIN)
    seen = _sections_read(unknown)
    b = unknown.customer_360("C1002", ADMIN)
    assert b is a and unknown.built.unread == 0 and unknown.built.hits == 1 and len(seen) > 5


def _city(crm_file: Path, cust: str) -> str:
    eng = sa.create_engine(f"sqlite:///{crm_file}")
    try:
        with eng.connect() as c:
            return str(
                c.execute(sa.text("SELECT city FROM crm_customer WHERE cust_no = :c"), {"c": cust}).scalar()
            )
    finally:
        eng.dispose()


def _write_other_process(crm_file: Path, sql: str) -> None:
    code = (
        "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit(); c.close()"
    )
    subprocess.run([sys.executable, "-c", code, str(crm_file), sql], check=True)


@pytest.mark.parametrize("where", ["this_process", "other_process"])
def test_a_commit_shows_in_the_next_360_from_every_pooled_connection(
    make: Make, crm_file: Path, where: str
) -> None:
    cd, fresh = make(), make(reuse=0)
    old = _city(crm_file, "C1003")
    # two pooled connections, each having seen the CRM once: X serves the first call while Y is held, then Y
    with cd.connector.engine.connect() as held:
        before = cd.customer_360("C1003", ADMIN)
        held.exec_driver_sql("SELECT 1")
    cd.customer_360("C1003", ADMIN)
    change = "UPDATE crm_customer SET city = city || 'Q' WHERE cust_no = 'C1003'"
    undo = f"UPDATE crm_customer SET city = '{old}' WHERE cust_no = 'C1003'"
    try:
        if where == "other_process":
            _write_other_process(crm_file, change)
        else:
            writer = sa.create_engine(f"sqlite:///{crm_file}")
            with writer.begin() as c:
                c.exec_driver_sql(change)
            writer.dispose()
        for _ in range(3):  # whichever pooled connection serves it, each call sees the commit
            after = cd.customer_360("C1003", ADMIN)
            assert _dump(after) != _dump(before)
            assert _dump(after) == _dump(fresh.customer_360("C1003", ADMIN))
        with (
            cd.connector.engine.connect() as a,
            cd.connector.engine.connect() as b,
        ):  # two connections at once
            a.exec_driver_sql("SELECT 1"), b.exec_driver_sql("SELECT 1")
        assert _dump(cd.customer_360("C1003", ADMIN)) == _dump(fresh.customer_360("C1003", ADMIN))
    finally:
        _write_other_process(crm_file, undo)
    back = cd.customer_360("C1003", ADMIN)
    assert _dump(back) == _dump(before) == _dump(fresh.customer_360("C1003", ADMIN))


def test_generation_moves_on_for_a_commit_seen_by_any_connection(make: Make, crm_file: Path) -> None:
    cd = make()
    versions = cd.connector._versions
    assert versions is not None
    with cd.connector.engine.connect() as x, cd.connector.engine.connect() as y:
        gx, gy = versions.current(x), versions.current(y)
        assert versions.current(x) == versions.current(y) == gy  # nothing committed: it stays
        old = _city(crm_file, "C1001")
        _write_other_process(crm_file, "UPDATE crm_customer SET city = city || 'Q' WHERE cust_no = 'C1001'")
        try:
            after_x = versions.current(x)
            assert after_x > max(gx, gy)
            assert versions.current(y) > gy  # y had not seen the commit either
            assert versions.current(x) == versions.current(y)  # both have now
        finally:
            _write_other_process(crm_file, f"UPDATE crm_customer SET city = '{old}' WHERE cust_no = 'C1001'")


def test_access_is_checked_before_a_reused_360(make: Make) -> None:
    cd = make()
    c360 = cd.customer_360("C1001", ADMIN)
    owner = c360.owner_rep
    assert owner
    assert cd.customer_360("C1001", Actor(id=owner, role="rep")) is c360
    with pytest.raises(AccessDenied):
        cd.customer_360("C1001", Actor(id="rep_nobody_" + owner, role="rep"))
    with pytest.raises(AccessDenied):  # an agent not on a call with them: refused before any lookup
        cd.customer_360("C1001", Actor(id="agent_x", role="agent"))


def test_another_day_reads_the_rows_again(make: Make) -> None:
    cd = make()
    cd.customer_360("C1005", ADMIN)
    cd.clock = lambda: TODAY + timedelta(days=1)
    seen = _sections_read(cd)
    cd.customer_360("C1005", ADMIN)
    assert len(seen) > 5 and cd.built.unread == 0
