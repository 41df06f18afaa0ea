"""The customer-360 statements, built once from the mapping with SQLAlchemy Core: identifiers come only from the
validated mapping and are quoted by the dialect; every value is a bound parameter (`:customer_id`, `:since`, …).

Two entities that live in one table are read from the same row (no self-join); extras are selected as `x_<name>`;
wide telemetry is unpivoted with one SELECT per metric column (UNION ALL)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Date, Integer, String, and_, bindparam, case, cast, func, literal, select, union_all
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import BindParameter, ColumnElement
from sqlalchemy.sql.expression import FromClause

from knowledge.crm.mapping import CrmMapping

RECENT_ORDERS = 5  # orders whose own fields (status, amount, ship date, discount, extras) become facts
EXTRA_PREFIX = "x_"
CATALOG_MAX = 50  # default cap on catalog products in one 360 (mapping: product.options.catalog_max)


def catalog_max(m: CrmMapping) -> int:
    """How many catalog products (the product table's priced rows) one 360 carries; 0 turns the catalog off."""
    return int(m.option("product", "catalog_max", CATALOG_MAX))


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


def extras(m: CrmMapping, entity: str, prefix: str = EXTRA_PREFIX) -> list[Any]:
    """The entity's extra columns, labelled `x_<name>` (or `<prefix><name>`)."""
    if entity not in m.entities:
        return []
    ent = m.entities[entity]
    return [m.raw_col(entity, e.column).label(prefix + name) for name, e in ent.extra.items()]


def _tables(m: CrmMapping, *entities: str) -> tuple[str, ...]:
    out: list[str] = []
    for e in entities:
        if m.entities[e].table not in out:
            out.append(m.entities[e].table)
    return tuple(out)


class _From:
    """A FROM clause grown entity by entity; an entity whose table is already in it is read from the same row."""

    def __init__(self, m: CrmMapping, first: str) -> None:
        self.m = m
        self.entities = [first]
        self.clause: FromClause = m.table(first)

    def join(self, entity: str, on: ColumnElement[bool], *, outer: bool = False) -> _From:
        if any(self.m.same_table(entity, e) for e in self.entities):
            self.entities.append(entity)
            return self
        right = self.m.table(entity)
        self.clause = self.clause.outerjoin(right, on) if outer else self.clause.join(right, on)
        self.entities.append(entity)
        return self


CID: BindParameter[str] = bindparam("customer_id")


def build_queries(m: CrmMapping) -> dict[str, Query]:
    q: dict[str, Query] = {}
    fields = ("id", "name", "kind", "tier", "owner_rep", "business_unit", "region", "city")
    prof = _From(m, "customer").join("rep", m.col("rep", "id") == m.col("customer", "owner_rep"), outer=True)
    rep_cols = _pick(m, "rep", ("name", "team", "team_name"), "rep_")
    stmt = (
        select(*_pick(m, "customer", fields), *rep_cols, *extras(m, "customer"), *extras(m, "rep", "rx_"))
        .select_from(prof.clause)
        .where(m.col("customer", "id") == CID)
    )
    q["profile"] = Query("profile", stmt, _tables(m, "customer", "rep"))
    q["rep_team"] = Query(
        "rep_team",
        select(*_pick(m, "rep", ("id", "team"))).where(m.col("rep", "id") == bindparam("rep_id")).limit(1),
        _tables(m, "rep"),
    )

    if m.has("contact"):
        stmt = select(*_pick(m, "contact", ("id", "name", "title")), *extras(m, "contact")).where(
            m.col("contact", "customer_id") == CID, m.col("contact", "id").is_not(None)
        )
        q["contacts"] = Query("contacts", stmt.order_by(m.col("contact", "id")), _tables(m, "contact"))

    # order lines since :since (purchases by window, volume) and the last purchase per category (all time)
    lines = (
        _From(m, "order")
        .join("order_line", m.col("order_line", "order_id") == m.col("order", "id"))
        .join("product", m.col("product", "id") == m.col("order_line", "product_id"))
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
    if m.has("order_line", "amount"):  # line amounts feed the per-quarter purchase amounts (agents/reasoning)
        line_cols.append(m.col("order_line", "amount").label("amount"))
    product_cols = [m.col("product", "id").label("product_id"), *_pick(m, "product", ("name",), "product_")]
    stmt = (
        select(*line_cols, *product_cols, *extras(m, "product", "px_"), *extras(m, "order_line", "lx_"))
        .select_from(lines.clause)
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
    inner = select(*line_cols[:3], rank).select_from(lines.clause).where(and_(*where)).subquery("ranked")
    stmt = select(inner.c.category, inner.c.order_id, inner.c.order_date).where(inner.c.rn == 1)
    q["last_purchase"] = Query("last_purchase", stmt.order_by(inner.c.category), tables, expanding)

    q.update(_catalog(m))

    # the most recent orders with their own fields; DISTINCT because order lines may share the orders table
    order_fields = ("id", "order_date", "status", "amount", "confirmed_ship_date", "discount")
    if _has_order_detail(m):
        stmt = (
            select(*_pick(m, "order", order_fields), *extras(m, "order"))
            .distinct()
            .where(m.col("order", "customer_id") == CID)
            .order_by(m.col("order", "order_date").desc(), m.col("order", "id").desc())
            .limit(RECENT_ORDERS)
        )
        q["orders"] = Query("orders", stmt, _tables(m, "order"))

    if m.has("contract"):
        stmt = select(
            *_pick(m, "contract", ("id", "title", "start_date", "end_date", "status", "tier")),
            *extras(m, "contract"),
        )
        stmt = stmt.where(m.col("contract", "customer_id") == CID).order_by(m.col("contract", "end_date"))
        q["contracts"] = Query("contracts", stmt, _tables(m, "contract"))
    if m.has("ticket"):
        statuses = [str(v) for v in m.option("ticket", "open_statuses", ["open"])]
        stmt = select(
            *_pick(m, "ticket", ("id", "subject", "status", "priority", "opened_at", "device_id")),
            *extras(m, "ticket"),
        )
        stmt = stmt.where(
            m.col("ticket", "customer_id") == CID,
            m.col("ticket", "status").in_(bindparam("open_statuses", expanding=True)),
        ).order_by(m.col("ticket", "id"))
        q["tickets"] = Query("tickets", stmt, _tables(m, "ticket"), {"open_statuses": statuses})
    if m.has("device"):
        dev_fields = ("id", "name", "product_id", "installed_at", "warranty_end")
        stmt = select(*_pick(m, "device", dev_fields), *extras(m, "device")).distinct()
        stmt = stmt.where(m.col("device", "customer_id") == CID).order_by(m.col("device", "id"))
        q["devices"] = Query("devices", stmt, _tables(m, "device"))
        if m.has("telemetry"):
            q["telemetry"] = _telemetry(m)
    return q


def _catalog(m: CrmMapping) -> dict[str, Query]:
    """The company's product list with its mapped extras (list price …), read for every customer: a rep may quote a
    model this customer never bought. Capped at catalog_max rows, the categories this customer bought first, then by
    product id (the 360 carries no message text, so the products a message names cannot be picked here); one more row
    than the cap is read so the 360 can say the catalog was cut."""
    if not m.entities["product"].extra or catalog_max(m) <= 0:
        return {}
    category = m.col("product", "category")
    bought_first = case((category.in_(bindparam("bought_categories", expanding=True)), 0), else_=1)
    stmt = (
        select(
            m.col("product", "id").label("product_id"),
            *_pick(m, "product", ("name", "category"), "product_"),
            *extras(m, "product", "px_"),
            cast(bought_first, Integer).label(
                "bought_rank"
            ),  # selected: PostgreSQL's DISTINCT orders by listed
        )
        .distinct()  # a product table shared with order lines repeats a product per line
        .where(m.col("product", "id").is_not(None))
        .order_by(cast(bought_first, Integer), m.col("product", "id"))
        .limit(catalog_max(m) + 1)
    )
    return {"catalog": Query("catalog", stmt, _tables(m, "product"))}


def _has_order_detail(m: CrmMapping) -> bool:
    ent = m.entities["order"]
    return bool(ent.extra) or any(
        f in ent.columns for f in ("status", "amount", "confirmed_ship_date", "discount")
    )


def _telemetry(m: CrmMapping) -> Query:
    tel = _From(m, "telemetry").join("device", m.col("device", "id") == m.col("telemetry", "device_id"))
    where = (
        m.col("device", "customer_id") == CID,
        m.col("telemetry", "reading_date") >= bindparam("since", type_=Date),
    )
    tables = _tables(m, "telemetry", "device")
    if not m.is_wide():
        stmt = (
            select(*_pick(m, "telemetry", ("id", "device_id", "reading_date", "metric", "value", "unit")))
            .select_from(tel.clause)
            .where(*where)
            .order_by(m.col("telemetry", "device_id"), m.col("telemetry", "reading_date"))
        )
        return Query("telemetry", stmt, tables)
    # one column per metric: unpivot, one SELECT per metric, so the rest of the code sees metric/value rows
    device, day = m.col("telemetry", "device_id"), m.col("telemetry", "reading_date")
    row_id: ColumnElement[Any] = (
        m.col("telemetry", "id")
        if m.has("telemetry", "id")
        else cast(device, String).concat("/").concat(cast(day, String))
    )
    units = dict(m.option("telemetry", "metric_units", {}) or {})
    parts = []
    for metric, column_name in m.entities["telemetry"].wide_metrics.items():
        value = m.raw_col("telemetry", column_name)
        parts.append(
            select(
                row_id.label("id"),
                device.label("device_id"),
                day.label("reading_date"),
                literal(metric, String).label("metric"),
                value.label("value"),
                literal(str(units.get(metric, "")), String).label("unit"),
            )
            .select_from(tel.clause)
            .where(*where, value.is_not(None))
        )
    unpivoted = union_all(*parts).subquery("readings")
    stmt = select(*unpivoted.c).order_by(unpivoted.c.device_id, unpivoted.c.reading_date)
    return Query("telemetry", stmt, tables)
