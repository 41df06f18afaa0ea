"""The customer-360 statements, built once from the mapping with SQLAlchemy Core: identifiers come only from the
validated mapping and are quoted by the dialect; every value is a bound parameter (`:customer_id`, `:since`, …)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Date, and_, bindparam, func, select
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import BindParameter

from knowledge.crm.mapping import CrmMapping


@dataclass(frozen=True)
class Query:
    name: str
    stmt: Select[Any]
    tables: tuple[str, ...]
    expanding: dict[str, list[str]] = field(
        default_factory=dict
    )  # fixed list parameters from mapping options


def _pick(m: CrmMapping, entity: str, fields: tuple[str, ...], prefix: str = "") -> list[Any]:
    return [m.col(entity, f).label(prefix + f) for f in fields if m.has(entity, f)]


def _tables(m: CrmMapping, *entities: str) -> tuple[str, ...]:
    return tuple(m.entities[e].table for e in entities)


CID: BindParameter[str] = bindparam("customer_id")


def build_queries(m: CrmMapping) -> dict[str, Query]:
    q: dict[str, Query] = {}
    cust, rep = m.table("customer"), m.table("rep")
    fields = ("id", "name", "kind", "tier", "owner_rep", "business_unit", "region", "city")
    stmt = (
        select(*_pick(m, "customer", fields), *_pick(m, "rep", ("name", "team", "team_name"), "rep_"))
        .select_from(cust.outerjoin(rep, m.col("rep", "id") == m.col("customer", "owner_rep")))
        .where(m.col("customer", "id") == CID)
    )
    q["profile"] = Query("profile", stmt, _tables(m, "customer", "rep"))
    q["rep_team"] = Query(
        "rep_team",
        select(*_pick(m, "rep", ("id", "team"))).where(m.col("rep", "id") == bindparam("rep_id")),
        _tables(m, "rep"),
    )

    if m.has("contact"):
        stmt = select(*_pick(m, "contact", ("id", "name", "title"))).where(
            m.col("contact", "customer_id") == CID
        )
        q["contacts"] = Query("contacts", stmt.order_by(m.col("contact", "id")), _tables(m, "contact"))

    # order lines since :since (purchases by window, volume) and the last purchase per category (all time)
    joined = (
        m.table("order")
        .join(m.table("order_line"), m.col("order_line", "order_id") == m.col("order", "id"))
        .join(m.table("product"), m.col("product", "id") == m.col("order_line", "product_id"))
    )
    where = [m.col("order", "customer_id") == CID]
    expanding: dict[str, list[str]] = {}
    excluded = [str(v) for v in m.option("order", "exclude_statuses", []) or []]
    if excluded and m.has("order", "status"):
        where.append(m.col("order", "status").not_in(bindparam("excluded_statuses", expanding=True)))
        expanding["excluded_statuses"] = excluded
    line_cols = [
        m.col("order", "id").label("order_id"),
        m.col("order", "order_date").label("order_date"),
        m.col("product", "category").label("category"),
        m.col("order_line", "id").label("line_id"),
        m.col("order_line", "quantity").label("quantity"),
    ]
    if m.has("order_line", "amount"):  # line amounts feed the per-quarter purchase amounts (reasoning tools)
        line_cols.append(m.col("order_line", "amount").label("amount"))
    stmt = (
        select(*line_cols)
        .select_from(joined)
        .where(and_(*where, m.col("order", "order_date") >= bindparam("since", type_=Date)))
        .order_by(m.col("order", "order_date").desc(), m.col("order", "id").desc())
    )
    tables = _tables(m, "order", "order_line", "product")
    q["order_lines"] = Query("order_lines", stmt, tables, expanding)
    rank = (
        func.row_number()
        .over(
            partition_by=m.col("product", "category"),
            order_by=(m.col("order", "order_date").desc(), m.col("order", "id").desc()),
        )
        .label("rn")
    )
    inner = select(*line_cols[:3], rank).select_from(joined).where(and_(*where)).subquery("ranked")
    stmt = select(inner.c.category, inner.c.order_id, inner.c.order_date).where(inner.c.rn == 1)
    q["last_purchase"] = Query("last_purchase", stmt.order_by(inner.c.category), tables, expanding)

    if m.has("contract"):
        stmt = select(*_pick(m, "contract", ("id", "title", "start_date", "end_date", "status")))
        stmt = stmt.where(m.col("contract", "customer_id") == CID).order_by(m.col("contract", "end_date"))
        q["contracts"] = Query("contracts", stmt, _tables(m, "contract"))
    if m.has("ticket"):
        statuses = [str(v) for v in m.option("ticket", "open_statuses", ["open"])]
        stmt = select(*_pick(m, "ticket", ("id", "subject", "status", "priority", "opened_at", "device_id")))
        stmt = stmt.where(
            m.col("ticket", "customer_id") == CID,
            m.col("ticket", "status").in_(bindparam("open_statuses", expanding=True)),
        ).order_by(m.col("ticket", "id"))
        q["tickets"] = Query("tickets", stmt, _tables(m, "ticket"), {"open_statuses": statuses})
    if m.has("device"):
        stmt = select(*_pick(m, "device", ("id", "name", "product_id", "installed_at")))
        stmt = stmt.where(m.col("device", "customer_id") == CID).order_by(m.col("device", "id"))
        q["devices"] = Query("devices", stmt, _tables(m, "device"))
        if m.has("telemetry"):
            stmt = (
                select(*_pick(m, "telemetry", ("id", "device_id", "reading_date", "metric", "value", "unit")))
                .select_from(
                    m.table("telemetry").join(
                        m.table("device"), m.col("device", "id") == m.col("telemetry", "device_id")
                    )
                )
                .where(
                    m.col("device", "customer_id") == CID,
                    m.col("telemetry", "reading_date") >= bindparam("since", type_=Date),
                )
                .order_by(m.col("telemetry", "device_id"), m.col("telemetry", "reading_date"))
            )
            q["telemetry"] = Query("telemetry", stmt, _tables(m, "telemetry", "device"))
    return q
