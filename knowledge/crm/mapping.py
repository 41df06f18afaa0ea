"""The YAML mapping from a company's own tables and columns to the canonical customer model, validated at start-up.

Identifiers are checked twice: syntactically here (word characters only, so nothing can smuggle SQL in), and against
the live schema by `validate_against` (a mapping naming a missing table or column is a `UserError` naming it)."""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlalchemy import Engine, inspect
from sqlalchemy.sql.expression import ColumnClause, TableClause, column, table

from contract.errors import UserError
from knowledge.crm.model import ENTITIES, REQUIRED_ENTITIES, field_type

IDENTIFIER = re.compile(r"^[^\W\d]\w{0,62}$")


def check_identifier(name: str, where: str) -> str:
    if not isinstance(name, str) or not IDENTIFIER.match(name):
        raise UserError(
            f"CRM mapping: {where} = {name!r} is not a plain SQL identifier", reason="crm_mapping_identifier"
        )
    return name


class EntityMap(BaseModel):
    model_config = ConfigDict(extra="forbid")

    table: str
    db_schema: str | None = Field(default=None, alias="schema")
    columns: dict[str, str]
    options: dict[str, Any] = Field(default_factory=dict)

    @field_validator("table")
    @classmethod
    def _table_ok(cls, v: str) -> str:
        return check_identifier(v, "table")


class CrmMapping(BaseModel):
    """`entities` maps canonical entity → its table and canonical field → column."""

    model_config = ConfigDict(extra="forbid")

    entities: dict[str, EntityMap]
    source: str = ""  # the file it came from, for error messages

    @model_validator(mode="after")
    def _check(self) -> CrmMapping:
        for name in REQUIRED_ENTITIES:
            if name not in self.entities:
                raise UserError(
                    f"CRM mapping {self.source}: entity {name!r} is required", reason="crm_mapping"
                )
        for name, ent in self.entities.items():
            spec = ENTITIES.get(name)
            if spec is None:
                raise UserError(
                    f"CRM mapping {self.source}: unknown entity {name!r}; known: {', '.join(ENTITIES)}",
                    reason="crm_mapping",
                )
            if ent.db_schema is not None:
                check_identifier(ent.db_schema, f"{name}.schema")
            for f in spec.required:
                if f not in ent.columns:
                    raise UserError(
                        f"CRM mapping {self.source}: {name}.columns needs field {f!r}", reason="crm_mapping"
                    )
            for f, col in ent.columns.items():
                if f not in spec.fields:
                    raise UserError(
                        f"CRM mapping {self.source}: {name} has no field {f!r}; fields: {', '.join(spec.fields)}",
                        reason="crm_mapping",
                    )
                check_identifier(col, f"{name}.columns.{f}")
        return self

    def has(self, entity: str, field: str | None = None) -> bool:
        ent = self.entities.get(entity)
        return ent is not None and (field is None or field in ent.columns)

    def option(self, entity: str, key: str, default: Any = None) -> Any:
        ent = self.entities.get(entity)
        return default if ent is None else ent.options.get(key, default)

    @cached_property
    def _tables(self) -> dict[str, TableClause]:
        out = {}
        for name, ent in self.entities.items():
            cols = [column(c, field_type(f)) for f, c in ent.columns.items()]
            out[name] = table(ent.table, *cols, schema=ent.db_schema)
        return out

    def table(self, entity: str) -> TableClause:
        return self._tables[entity]

    def col(self, entity: str, field: str) -> ColumnClause[Any]:
        ent = self.entities[entity]
        return self._tables[entity].c[ent.columns[field]]  # type: ignore[no-any-return]

    def validate_against(self, engine: Engine) -> None:
        """Every mapped table and column must exist in the live database; the first missing one is named."""
        insp = inspect(engine)
        for name, ent in self.entities.items():
            where = f"{ent.db_schema}.{ent.table}" if ent.db_schema else ent.table
            if not insp.has_table(ent.table, schema=ent.db_schema):
                raise UserError(
                    f"CRM mapping {self.source}: table {where!r} (entity {name}) does not exist in the CRM database",
                    reason="crm_mapping_missing_table",
                    table=where,
                )
            existing = {c["name"] for c in insp.get_columns(ent.table, schema=ent.db_schema)}
            for f, col in ent.columns.items():
                if col not in existing:
                    raise UserError(
                        f"CRM mapping {self.source}: column {where}.{col} (field {name}.{f}) does not exist",
                        reason="crm_mapping_missing_column",
                        table=where,
                        column=col,
                    )


def load_mapping(path: Path) -> CrmMapping:
    if not path.is_file():
        raise UserError(f"CRM mapping file not found: {path}", reason="crm_mapping_missing")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return CrmMapping.model_validate({**raw, "source": str(path)})
    except yaml.YAMLError as e:
        raise UserError(f"CRM mapping {path} is not valid YAML: {e}", reason="crm_mapping") from e
    except ValidationError as e:
        first = e.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise UserError(f"CRM mapping {path}: {loc}: {first['msg']}", reason="crm_mapping") from e
