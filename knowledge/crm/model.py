"""The copilot's canonical customer model: entities, their fields and each field's type.

A company's CRM is described by a mapping (mapping.py) from these names to its own tables and columns; every query is
built from this model, so only identifiers named here and validated against the live schema ever reach SQL. Fields a
company has beyond these go in an entity's `extra:` block (typed string | number | date | list) and become customer
facts too."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Date, Float, Integer, String, Text
from sqlalchemy.types import TypeEngine

ExtraType = Literal["string", "number", "date", "list"]


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
    "order": EntitySpec(
        ("id", "customer_id", "order_date"), ("status", "amount", "confirmed_ship_date", "discount")
    ),
    "order_line": EntitySpec(("id", "order_id", "product_id", "quantity"), ("amount",)),
    "contract": EntitySpec(("id", "customer_id", "end_date"), ("title", "start_date", "status", "tier")),
    "ticket": EntitySpec(("id", "customer_id", "status"), ("subject", "priority", "opened_at", "device_id")),
    "device": EntitySpec(("id", "customer_id"), ("name", "product_id", "installed_at", "warranty_end")),
    "telemetry": EntitySpec(("id", "device_id", "reading_date", "metric", "value"), ("unit",)),
}

REQUIRED_ENTITIES = ("customer", "rep", "product", "order", "order_line")

# Wide telemetry (one column per metric) has no metric/value columns, and often no reading id.
WIDE_TELEMETRY_REQUIRED = ("device_id", "reading_date")

DATE_FIELDS = {
    "order_date",
    "end_date",
    "start_date",
    "opened_at",
    "installed_at",
    "reading_date",
    "confirmed_ship_date",
    "warranty_end",
}
_FLOAT_FIELDS = {"amount", "value", "discount"}
_INT_FIELDS = {"quantity"}

# Chinese labels for facts (the copilot speaks Chinese first); extras bring their own `label:`.
FIELD_LABELS = {
    "name": "名称",
    "kind": "客户类型",
    "tier": "等级",
    "owner_rep": "负责销售",
    "business_unit": "事业部",
    "region": "区域",
    "city": "城市",
    "status": "状态",
    "amount": "金额",
    "confirmed_ship_date": "确认发货日",
    "discount": "折扣",
    "order_date": "下单日期",
    "title": "标题",
    "start_date": "开始日期",
    "end_date": "到期日",
    "warranty_end": "质保到期日",
    "installed_at": "安装日期",
    "product_id": "产品",
    "subject": "主题",
    "priority": "优先级",
    "opened_at": "开单日期",
    "device_id": "设备",
    "phone": "电话",
    "email": "邮箱",
    "model": "型号",
    "category": "品类",
}


def field_type(field: str) -> TypeEngine[Any]:
    """The SQL type of a canonical field: dates are bound and read as `date`, so SQLite and PostgreSQL agree."""
    if field in DATE_FIELDS:
        return Date()
    if field in _FLOAT_FIELDS:
        return Float()
    if field in _INT_FIELDS:
        return Integer()
    return String(200)


def extra_type(kind: ExtraType) -> TypeEngine[Any]:
    """An extra field's SQL type; a list is stored as its delimited text and split when read."""
    if kind == "number":
        return Float()
    if kind == "date":
        return Date()
    return Text()  # unbounded: a list of ids (a fleet's vehicles) easily passes any fixed width


def kind_of(sql_type: TypeEngine[Any]) -> str:
    """'date' | 'number' | 'integer' | 'string' for parsing CSV cells."""
    if isinstance(sql_type, Date):
        return "date"
    if isinstance(sql_type, Integer):
        return "integer"
    if isinstance(sql_type, Float):
        return "number"
    return "string"
