"""CRM fixtures: the demo tenant's CRM built on a fixed day, over SQLite and over the session's real PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from knowledge.crm import CrmCustomerData, build_customer_data, build_demo_crm

TODAY = date(2026, 11, 30)  # a fixed anchor keeps known answers exact; test_demo checks date.today() too
CRM_DIR = Path(__file__).resolve().parents[2] / "copilot" / "tenants" / "demo" / "crm"
MAPPING = CRM_DIR / "mapping.yaml"
SIGNALS = CRM_DIR / "signals.yaml"


@pytest.fixture(scope="session")
def sqlite_crm_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('crm') / 'crm.sqlite'}"
    build_demo_crm(url, today=TODAY)
    return url


@pytest.fixture(scope="session")
def pg_crm_url(postgres_url: str) -> str:
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text("DROP DATABASE IF EXISTS crm_demo"))
        conn.execute(sa.text("CREATE DATABASE crm_demo"))
    admin.dispose()
    url = make_url(postgres_url).set(database="crm_demo").render_as_string(hide_password=False)
    build_demo_crm(url, today=TODAY)
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def crm_url(request: pytest.FixtureRequest) -> str:
    name = "sqlite_crm_url" if request.param == "sqlite" else "pg_crm_url"
    return str(request.getfixturevalue(name))


MakeCrm = Callable[..., CrmCustomerData]


@pytest.fixture
def make_crm(crm_url: str) -> Iterator[MakeCrm]:
    made: list[CrmCustomerData] = []

    def make(url: str = "", **kw: Any) -> CrmCustomerData:
        kw.setdefault("statement_timeout_ms", 2000)
        cd = build_customer_data(url or crm_url, MAPPING, SIGNALS, **kw)
        cd.clock = lambda: TODAY
        made.append(cd)
        return cd

    yield make
    for cd in made:
        cd.close()
