"""A customer's last built 360 is reused only while the rows read for it are unchanged (knowledge/crm/built.py), over
SQLite and PostgreSQL:
  - unchanged rows: the same 360 object comes back, equal to one built from scratch by a service that never reuses;
  - a change in any section (an order line's quantity, a ticket's status, the profile) shows in the very next 360,
    which equals a from-scratch build; changing it back gives the original 360's content again;
  - the access check still runs on every call (a reused 360 is never handed to someone who may not see it);
  - another day is another snapshot (dated lineage and windows): nothing is reused across days."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from contract.errors import AccessDenied
from contract.ports import Actor, Customer360
from knowledge.crm import CrmCustomerData
from tests.crm.conftest import TODAY, MakeCrm

ADMIN = Actor(id="admin_zhou", role="admin", team="hq")


def _dump(c: Customer360) -> str:
    return json.dumps(c.model_dump(mode="json"), ensure_ascii=False)


@pytest.fixture
def writer(crm_url: str) -> Iterator[sa.Engine]:
    engine = sa.create_engine(crm_url)
    yield engine
    engine.dispose()


def _fresh(make_crm: MakeCrm) -> CrmCustomerData:
    """A twin that builds every 360 from its rows."""
    cd = make_crm()
    cd.built.size = 0
    return cd


def test_unchanged_rows_reuse_the_built_360(make_crm: MakeCrm) -> None:
    cd, fresh = make_crm(), _fresh(make_crm)
    first = cd.customer_360("C1001", ADMIN)
    again = cd.customer_360("C1001", ADMIN)
    assert again is first and cd.built.hits == 1
    assert _dump(again) == _dump(fresh.customer_360("C1001", ADMIN))
    other = cd.customer_360("C1002", ADMIN)  # another customer: its own entry
    assert other is not first and other.customer_id == "C1002"
    assert fresh.built.hits == 0 and fresh.customer_360("C1001", ADMIN) is not fresh.customer_360(
        "C1001", ADMIN
    )


@pytest.mark.parametrize(
    ("change", "undo"),
    [
        (
            "UPDATE erp_order_line SET qty = qty + 7 WHERE line_id = (SELECT MIN(l.line_id) FROM erp_order_line l "
            "JOIN erp_order o ON o.order_no = l.order_no WHERE o.cust_no = 'C1002')",
            "UPDATE erp_order_line SET qty = qty - 7 WHERE line_id = (SELECT MIN(l.line_id) FROM erp_order_line l "
            "JOIN erp_order o ON o.order_no = l.order_no WHERE o.cust_no = 'C1002')",
        ),
        (
            "UPDATE svc_ticket SET subject = subject || ' (changed)' WHERE cust_no = 'C1002'",
            "UPDATE svc_ticket SET subject = REPLACE(subject, ' (changed)', '') WHERE cust_no = 'C1002'",
        ),
        (
            "UPDATE crm_customer SET city = city || 'X' WHERE cust_no = 'C1002'",
            "UPDATE crm_customer SET city = SUBSTR(city, 1, LENGTH(city) - 1) WHERE cust_no = 'C1002'",
        ),
    ],
    ids=["order_line", "ticket", "profile"],
)
def test_a_crm_write_shows_in_the_next_360(
    make_crm: MakeCrm, writer: sa.Engine, change: str, undo: str
) -> None:
    cd, fresh = make_crm(), _fresh(make_crm)
    before = cd.customer_360("C1002", ADMIN)
    assert cd.customer_360("C1002", ADMIN) is before  # warm: the next call would reuse
    with writer.begin() as conn:
        assert conn.execute(sa.text(change)).rowcount >= 1
    try:
        after = cd.customer_360("C1002", ADMIN)
        assert after is not before
        assert _dump(after) == _dump(fresh.customer_360("C1002", ADMIN))
        assert _dump(after) != _dump(before)
    finally:
        with writer.begin() as conn:
            conn.execute(sa.text(undo))
    restored = cd.customer_360("C1002", ADMIN)
    assert _dump(restored) == _dump(before)


def test_access_is_checked_on_every_reuse(make_crm: MakeCrm) -> None:
    cd = make_crm()
    owner = cd.customer_360("C1001", ADMIN).owner_rep
    assert owner
    mine = Actor(id=owner, role="rep")
    built = cd.customer_360("C1001", mine)
    stranger = Actor(id="rep_nobody", role="rep")
    with pytest.raises(AccessDenied):
        cd.customer_360("C1001", stranger)
    assert cd.customer_360("C1001", mine) is built


def test_another_day_is_not_reused(make_crm: MakeCrm) -> None:
    cd, fresh = make_crm(), _fresh(make_crm)
    today = cd.customer_360("C1001", ADMIN)
    tomorrow: date = TODAY + timedelta(days=1)
    cd.clock = fresh.clock = lambda: tomorrow
    next_day = cd.customer_360("C1001", ADMIN)
    assert next_day is not today
    assert _dump(next_day) == _dump(fresh.customer_360("C1001", ADMIN))
