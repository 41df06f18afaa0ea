"""The copilot's canonical customer model: entities, their fields and each field's type.

A company's CRM is described by a mapping (mapping.py) from these names to its own tables and columns; every query is
built from this model, so only identifiers named here and validated against the live schema ever reach SQL."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Date, Float, Integer, String
from sqlalchemy.types import TypeEngine


@dataclass(frozen=True)
class EntitySpec:
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()

    @property
    def fields(self) -> tuple[str, ...]:
        return self.required + self.optional


ENTITIES: dict[str, EntitySpec] = {
    "customer": EntitySpec(("id", "name", "owner_rep"), ("kind", "tier", "business_unit", "region", "city")),
    "rep": EntitySpec(("id", "name"), ("team", "team_name")),
    "contact": EntitySpec(("id", "customer_id", "name"), ("title", "phone", "email")),
    "product": EntitySpec(("id", "name", "category"), ("model",)),
    "order": EntitySpec(("id", "customer_id", "order_date"), ("status", "amount")),
    "order_line": EntitySpec(("id", "order_id", "product_id", "quantity"), ("amount",)),
    "contract": EntitySpec(("id", "customer_id", "end_date"), ("title", "start_date", "status")),
    "ticket": EntitySpec(("id", "customer_id", "status"), ("subject", "priority", "opened_at", "device_id")),
    "device": EntitySpec(("id", "customer_id"), ("name", "product_id", "installed_at")),
    "telemetry": EntitySpec(("id", "device_id", "reading_date", "metric", "value"), ("unit",)),
}

REQUIRED_ENTITIES = ("customer", "rep", "product", "order", "order_line")

_DATE_FIELDS = {"order_date", "end_date", "start_date", "opened_at", "installed_at", "reading_date"}
_FLOAT_FIELDS = {"amount", "value"}
_INT_FIELDS = {"quantity"}


def field_type(field: str) -> TypeEngine[Any]:
    """The SQL type of a canonical field: dates are bound and read as `date`, so SQLite and PostgreSQL agree."""
    if field in _DATE_FIELDS:
        return Date()
    if field in _FLOAT_FIELDS:
        return Float()
    if field in _INT_FIELDS:
        return Integer()
    return String(200)
