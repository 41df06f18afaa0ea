"""Read everything the customer 360 and the signals need for one customer, in one connection, recording per section
the SQL text, its parameters and the tables read — the lineage every fact and signal carries."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any

from knowledge.crm.connector import CrmConnector, CrmSession
from knowledge.crm.queries import Query


def as_date(value: Any) -> date | None:
    """Drivers disagree (SQLite text, PostgreSQL date, MySQL datetime); the 360 speaks `date`."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


@dataclass
class Section:
    rows: list[dict[str, Any]]
    sql: str
    params: dict[str, Any]
    tables: tuple[str, ...]

    def lineage(self, **extra: Any) -> dict[str, Any]:
        # ~50 facts per 360 each take a lineage of one of ~10 sections: the parameters are shown once per section
        shown = self.__dict__.get("_shown_params")
        if shown is None:
            shown = self.__dict__["_shown_params"] = {
                k: (v.isoformat() if isinstance(v, date) else v) for k, v in self.params.items()
            }
        return {"sql": self.sql, "params": dict(shown), "tables": list(self.tables), **extra}


@dataclass
class Snapshot:
    customer_id: str
    today: date
    profile: dict[str, Any]
    sections: dict[str, Section] = field(default_factory=dict)
    tenant: str = ""  # stamped on every fact and signal, so two tenants' evidence never share an id
    # the CRM's content generation asked before any row was read (connector.CrmSession.data_version); None: unknown
    version: int | None = None
    # True when `read_customer`'s `unchanged` said the rows need not be read again: only the profile is here
    profile_only: bool = False

    @cached_property
    def day(self) -> str:
        """`today` as ISO text, the version of every fact (~50 a 360): formatted once."""
        return self.today.isoformat()

    def rows(self, name: str) -> list[dict[str, Any]]:
        sec = self.sections.get(name)
        return sec.rows if sec else []


def read_profile(conn: CrmConnector, queries: dict[str, Query], customer_id: str) -> Section:
    with conn.session() as s:
        return _run(conn, s, queries["profile"], {"customer_id": customer_id})


def read_customer(
    conn: CrmConnector,
    queries: dict[str, Query],
    customer_id: str,
    authorize: Callable[[dict[str, Any]], None],
    *,
    today: date,
    order_lookback_days: int,
    telemetry_lookback_days: int,
    tenant: str = "",
    unchanged: Callable[[str, int], bool] | None = None,
) -> Snapshot | None:
    """`read_profile` then `read_snapshot` on one connection (one pool checkout and liveness ping, not two): None for
    an unknown customer; `authorize(profile row)` runs before anything beyond the owner row is read and raises to
    stop the read. The same statements, parameters and rows as the two calls.

    `unchanged(customer id, CRM content generation)`, asked after `authorize` when the backend knows its generation:
    True means the caller holds what these rows would give (built.py), and the snapshot comes back with the profile
    only (`profile_only`), its other sections unread."""
    with conn.session() as s:
        version = s.data_version()  # before any row: rows read after it are at least as new
        profile = _run(conn, s, queries["profile"], {"customer_id": customer_id})
        if not profile.rows:
            return None
        authorize(profile.rows[0])
        if version is not None and unchanged is not None and unchanged(str(profile.rows[0]["id"]), version):
            snap = Snapshot(
                str(profile.rows[0]["id"]), today, profile.rows[0], {"profile": profile}, tenant=tenant
            )
            snap.version, snap.profile_only = version, True
            return snap
        snap = _read_sections(
            conn,
            s,
            queries,
            profile,
            today=today,
            order_lookback_days=order_lookback_days,
            telemetry_lookback_days=telemetry_lookback_days,
            tenant=tenant,
        )
        snap.version = version
        return snap


def read_snapshot(
    conn: CrmConnector,
    queries: dict[str, Query],
    profile: Section,
    *,
    today: date,
    order_lookback_days: int,
    telemetry_lookback_days: int,
    tenant: str = "",
) -> Snapshot:
    with conn.session() as s:
        return _read_sections(
            conn,
            s,
            queries,
            profile,
            today=today,
            order_lookback_days=order_lookback_days,
            telemetry_lookback_days=telemetry_lookback_days,
            tenant=tenant,
        )


def _read_sections(
    conn: CrmConnector,
    s: CrmSession,
    queries: dict[str, Query],
    profile: Section,
    *,
    today: date,
    order_lookback_days: int,
    telemetry_lookback_days: int,
    tenant: str,
) -> Snapshot:
    cid = str(profile.rows[0]["id"])
    snap = Snapshot(cid, today, profile.rows[0], {"profile": profile}, tenant=tenant)
    since = {
        "order_lines": today - timedelta(days=order_lookback_days),
        "telemetry": today - timedelta(days=telemetry_lookback_days),
    }
    for name in (
        "contacts",
        "order_lines",
        "last_purchase",
        "orders",
        "contracts",
        "tickets",
        "devices",
        "telemetry",
    ):
        q = queries.get(name)
        if q is None:
            continue
        params: dict[str, Any] = {"customer_id": cid}
        if name in since:
            params["since"] = since[name]
        snap.sections[name] = _run(conn, s, q, params)
    if (q := queries.get("catalog")) is not None:  # company data, not this customer's: no customer_id
        bought = {str(r["category"]) for n in ("order_lines", "last_purchase") for r in snap.rows(n)}
        snap.sections["catalog"] = _run(conn, s, q, {"bought_categories": sorted(bought)})
    for sec in snap.sections.values():  # normalise dates once, here
        if not sec.rows:
            continue
        present = [k for k in DATE_KEYS if k in sec.rows[0]]  # a section's rows share its statement's columns
        for row in sec.rows:
            for k in present:
                row[k] = as_date(row[k])
    return snap


DATE_KEYS = (
    "order_date",
    "end_date",
    "start_date",
    "opened_at",
    "installed_at",
    "reading_date",
    "confirmed_ship_date",
    "warranty_end",
)


def _run(conn: CrmConnector, s: CrmSession, q: Query, params: dict[str, Any]) -> Section:
    full = {**params, **q.expanding}
    rows = s.rows(q.stmt, full)
    return Section(rows, conn.sql_text(q.name, q.stmt), full, q.tables)
