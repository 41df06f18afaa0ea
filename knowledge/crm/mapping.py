"""The YAML mapping from a company's own tables and columns to the canonical customer model, validated at start-up.

Identifiers are checked twice: syntactically here (word characters only, so nothing can smuggle SQL in), and against
the live schema by `validate_against` (a mapping naming a missing table or column is a `UserError` naming it).

Shapes real CRMs have and the mapping accepts:
  - two entities in one table (order lines in the orders table, contacts in the customer table): no self-join, the row
    holds both;
  - two fields on one column (a line id that is also the order id);
  - `extra:` — any further column, typed string | number | date | list (`sep:` splits a multi-valued cell);
  - `wide_metrics:` — telemetry with one column per metric instead of metric/value rows;
  - `never_read:` — columns the copilot must never select (checked here: a never_read column cannot also be mapped).
Every problem is collected, so one run names them all (each with its YAML path and a fix)."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlalchemy import Engine, inspect
from sqlalchemy.sql.expression import ColumnClause, TableClause, column, table
from sqlalchemy.types import TypeEngine

from contract.errors import UserError
from knowledge.crm.model import (
    ENTITIES,
    FIELD_LABELS,
    REQUIRED_ENTITIES,
    WIDE_TELEMETRY_REQUIRED,
    ExtraType,
    extra_type,
    field_type,
)

IDENTIFIER = re.compile(r"^[^\W\d]\w{0,62}$")
ATTRIBUTE = re.compile(r"^[^\W\d]\w{0,62}$")


@dataclass(frozen=True)
class MappingProblem:
    """One thing wrong with a mapping: where (a YAML path under the file), what, and how to fix it."""

    path: tuple[str | int, ...]
    message: str
    fix: str = ""

    def __str__(self) -> str:
        where = ".".join(str(p) for p in self.path)
        return f"{where}: {self.message}" + (f" — fix: {self.fix}" if self.fix else "")


def check_identifier(name: str, where: str) -> str:
    if not isinstance(name, str) or not IDENTIFIER.match(name):
        raise UserError(
            f"CRM mapping: {where} = {name!r} is not a plain SQL identifier", reason="crm_mapping_identifier"
        )
    return name


def _is_identifier(name: object) -> bool:
    return isinstance(name, str) and bool(IDENTIFIER.match(name))


class ExtraField(BaseModel):
    """A column beyond the canonical model: `{column: odometer_km, type: number, unit: km, label: 里程}`."""

    model_config = ConfigDict(extra="forbid")

    column: str
    type: ExtraType = "string"
    unit: str = ""
    label: str = ""
    sep: str = ";"  # for type list: the delimiter inside one cell ('W-203;E-203')


class EntityMap(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    table: str
    db_schema: str | None = Field(default=None, alias="schema")
    columns: dict[str, str] = Field(default_factory=dict)
    extra: dict[str, ExtraField] = Field(default_factory=dict)
    wide_metrics: dict[str, str] = Field(default_factory=dict)  # telemetry only: metric name → its column
    never_read: list[str] = Field(default_factory=list)  # columns the copilot must never select
    options: dict[str, Any] = Field(default_factory=dict)

    @field_validator("extra", mode="before")
    @classmethod
    def _shorthand(cls, v: Any) -> Any:
        """`extra: {plate: plate_no}` is short for `{plate: {column: plate_no}}`."""
        if isinstance(v, dict):
            return {k: ({"column": c} if isinstance(c, str) else c) for k, c in v.items()}
        return v

    def all_columns(self) -> dict[str, str]:
        """Canonical fields, extras and wide metrics → column (the names the copilot reads)."""
        out = dict(self.columns)
        out.update({f"extra.{k}": e.column for k, e in self.extra.items()})
        out.update({f"metric.{k}": c for k, c in self.wide_metrics.items()})
        return out


class CrmMapping(BaseModel):
    """`entities` maps canonical entity → its table and canonical field → column."""

    model_config = ConfigDict(extra="forbid")

    entities: dict[str, EntityMap]
    source: str = ""  # the file it came from, for error messages

    @model_validator(mode="after")
    def _check(self) -> CrmMapping:
        problems = mapping_problems(self)
        if problems:
            head = f"CRM mapping {self.source}: {len(problems)} problem(s)\n" + "\n".join(
                f"  {p}" for p in problems
            )
            raise UserError(
                head if len(problems) > 1 else f"CRM mapping {self.source}: {problems[0]}",
                reason="crm_mapping",
                problems=[{"path": list(p.path), "message": p.message, "fix": p.fix} for p in problems],
            )
        return self

    # ---- lookups ---------------------------------------------------------------------------------------------------
    def has(self, entity: str, field: str | None = None) -> bool:
        ent = self.entities.get(entity)
        return ent is not None and (field is None or field in ent.columns)

    def option(self, entity: str, key: str, default: Any = None) -> Any:
        ent = self.entities.get(entity)
        return default if ent is None else ent.options.get(key, default)

    def is_wide(self, entity: str = "telemetry") -> bool:
        ent = self.entities.get(entity)
        return ent is not None and bool(ent.wide_metrics)

    def table_key(self, entity: str) -> tuple[str | None, str]:
        ent = self.entities[entity]
        return (ent.db_schema, ent.table)

    def same_table(self, a: str, b: str) -> bool:
        return a in self.entities and b in self.entities and self.table_key(a) == self.table_key(b)

    def column_types(self) -> dict[tuple[str | None, str], dict[str, TypeEngine[Any]]]:
        """Every mapped table → its columns and their SQL types (first mention wins when two fields share one)."""
        out: dict[tuple[str | None, str], dict[str, TypeEngine[Any]]] = {}
        for name, ent in self.entities.items():
            cols = out.setdefault(self.table_key(name), {})
            for f, c in ent.columns.items():
                cols.setdefault(c, field_type(f))
            for e in ent.extra.values():
                cols.setdefault(e.column, extra_type(e.type))
            for c in ent.wide_metrics.values():
                cols.setdefault(c, field_type("value"))
        return out

    @cached_property
    def _tables(self) -> dict[tuple[str | None, str], TableClause]:
        return {
            (schema, name): table(name, *(column(c, t) for c, t in cols.items()), schema=schema)
            for (schema, name), cols in self.column_types().items()
        }

    def table(self, entity: str) -> TableClause:
        return self._tables[self.table_key(entity)]

    def col(self, entity: str, field: str) -> ColumnClause[Any]:
        ent = self.entities[entity]
        return self.table(entity).c[ent.columns[field]]  # type: ignore[no-any-return]

    def raw_col(self, entity: str, column_name: str) -> ColumnClause[Any]:
        return self.table(entity).c[column_name]  # type: ignore[no-any-return]

    def label(self, entity: str, field: str) -> str:
        ent = self.entities[entity]
        if field in ent.extra:
            return ent.extra[field].label or field
        return FIELD_LABELS.get(field, field)

    def never_read_columns(self) -> dict[str, set[str]]:
        """Table → columns the copilot must never select (for `copilot privacy scan` and the query builder)."""
        out: dict[str, set[str]] = {}
        for ent in self.entities.values():
            if ent.never_read:
                out.setdefault(ent.table, set()).update(ent.never_read)
        return out

    def validate_against(self, engine: Engine) -> None:
        """Every mapped table and column must exist in the live database; every missing one is named at once."""
        problems = self.missing_in(engine)
        if problems:
            first = problems[0]
            msg = (
                f"CRM mapping {self.source}: {first.message}"
                if len(problems) == 1
                else f"CRM mapping {self.source}: {len(problems)} problem(s)\n"
                + "\n".join(f"  {p}" for p in problems)
            )
            reason = (
                "crm_mapping_missing_table"
                if "does not exist in" in first.message
                else "crm_mapping_missing_column"
            )
            raise UserError(
                msg,
                reason=reason,
                problems=[{"path": list(p.path), "message": p.message, "fix": p.fix} for p in problems],
            )

    def missing_in(self, engine: Engine) -> list[MappingProblem]:
        insp = inspect(engine)
        problems: list[MappingProblem] = []
        existing_by_table: dict[tuple[str | None, str], set[str] | None] = {}
        for name, ent in self.entities.items():
            where = f"{ent.db_schema}.{ent.table}" if ent.db_schema else ent.table
            key = self.table_key(name)
            if key not in existing_by_table:
                has = insp.has_table(ent.table, schema=ent.db_schema)
                existing_by_table[key] = (
                    {c["name"] for c in insp.get_columns(ent.table, schema=ent.db_schema)} if has else None
                )
            existing = existing_by_table[key]
            if existing is None:
                problems.append(
                    MappingProblem(
                        ("entities", name, "table"),
                        f"table {where!r} (entity {name}) does not exist in the CRM database",
                        "name the company's table, or import the CSVs first",
                    )
                )
                continue
            for f, col in ent.all_columns().items():
                if col not in existing:
                    problems.append(
                        MappingProblem(
                            ("entities", name, *_field_path(f)),
                            f"column {where}.{col} (field {name}.{f}) does not exist",
                            f"use one of: {', '.join(sorted(existing)[:12])}",
                        )
                    )
        return problems


def _field_path(f: str) -> tuple[str, ...]:
    if f.startswith("extra."):
        return ("extra", f.removeprefix("extra."))
    if f.startswith("metric."):
        return ("wide_metrics", f.removeprefix("metric."))
    return ("columns", f)


def mapping_problems(m: CrmMapping) -> list[MappingProblem]:
    """Everything wrong with a parsed mapping, in file order."""
    problems: list[MappingProblem] = []
    add = problems.append
    for name in REQUIRED_ENTITIES:
        if name not in m.entities:
            add(
                MappingProblem(("entities",), f"entity {name!r} is required", f"add `{name}:` with its table")
            )
    for name, ent in m.entities.items():
        spec = ENTITIES.get(name)
        if spec is None:
            add(
                MappingProblem(
                    ("entities", name),
                    f"unknown entity {name!r}",
                    f"use one of {', '.join(ENTITIES)} (assets / installed base → device)",
                )
            )
            continue
        if not _is_identifier(ent.table):
            add(MappingProblem(("entities", name, "table"), f"{ent.table!r} is not a plain SQL identifier"))
        if ent.db_schema is not None and not _is_identifier(ent.db_schema):
            add(
                MappingProblem(
                    ("entities", name, "schema"), f"{ent.db_schema!r} is not a plain SQL identifier"
                )
            )
        wide = bool(ent.wide_metrics)
        if wide and name != "telemetry":
            add(MappingProblem(("entities", name, "wide_metrics"), "only telemetry can have wide_metrics"))
        required = WIDE_TELEMETRY_REQUIRED if wide else spec.required
        for f in required:
            if f not in ent.columns:
                add(
                    MappingProblem(
                        ("entities", name, "columns"),
                        f"{name}.columns needs field {f!r}",
                        f"add `{f}: <column>`",
                    )
                )
        if wide and ("metric" in ent.columns or "value" in ent.columns):
            add(
                MappingProblem(
                    ("entities", name, "wide_metrics"),
                    "wide telemetry has one column per metric: drop columns.metric / columns.value",
                )
            )
        for f, col in ent.columns.items():
            if f not in spec.fields:
                add(
                    MappingProblem(
                        ("entities", name, "columns", f),
                        f"{name} has no field {f!r}; fields: {', '.join(spec.fields)}",
                        f"move it under `extra:` ({f}: {{column: {col}, type: string}})",
                    )
                )
            if not _is_identifier(col):
                add(
                    MappingProblem(("entities", name, "columns", f), f"{col!r} is not a plain SQL identifier")
                )
        if name == "telemetry" and ent.extra:
            add(
                MappingProblem(
                    ("entities", name, "extra"),
                    "telemetry readings take no extra fields",
                    "map a metric column under wide_metrics, or leave the column out",
                )
            )
        for f, e in ent.extra.items():
            if not ATTRIBUTE.match(f):
                add(
                    MappingProblem(
                        ("entities", name, "extra", f), f"extra field name {f!r} must be a plain word"
                    )
                )
            if f in spec.fields:
                add(
                    MappingProblem(
                        ("entities", name, "extra", f),
                        f"{f!r} is a canonical {name} field",
                        f"map it under `columns:` as {f}: {e.column}",
                    )
                )
            if not _is_identifier(e.column):
                add(
                    MappingProblem(
                        ("entities", name, "extra", f), f"{e.column!r} is not a plain SQL identifier"
                    )
                )
            if e.type == "list" and not e.sep:
                add(MappingProblem(("entities", name, "extra", f), "a list needs a non-empty `sep`"))
        for metric, col in ent.wide_metrics.items():
            if not _is_identifier(col):
                add(
                    MappingProblem(
                        ("entities", name, "wide_metrics", metric), f"{col!r} is not a plain SQL identifier"
                    )
                )
        mapped = set(ent.all_columns().values())
        for col in ent.never_read:
            if col in mapped:
                add(
                    MappingProblem(
                        ("entities", name, "never_read"),
                        f"{col!r} is listed in never_read but also mapped",
                        "remove the field that reads it, or take it out of never_read",
                    )
                )
    # a never_read column of one entity may not be read through another entity sharing its table
    for name, ent in m.entities.items():
        if name not in ENTITIES:
            continue
        for other, o in m.entities.items():
            if other == name or other not in ENTITIES or (o.db_schema, o.table) != (ent.db_schema, ent.table):
                continue
            for col in set(ent.never_read) & set(o.all_columns().values()):
                add(
                    MappingProblem(
                        ("entities", other),
                        f"{other} reads {ent.table}.{col}, which {name}.never_read forbids",
                        "remove that field",
                    )
                )
    cap = m.entities["product"].options.get("catalog_max") if "product" in m.entities else None
    if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or cap < 0):
        add(
            MappingProblem(
                ("entities", "product", "options", "catalog_max"),
                f"catalog_max must be a whole number >= 0, not {cap!r}",
                "how many catalog products one customer 360 carries (0: none)",
            )
        )
    return problems


def _yaml_error(path: Path, e: yaml.YAMLError) -> UserError:
    mark = getattr(e, "problem_mark", None)
    line = mark.line + 1 if mark is not None else 1
    problem = getattr(e, "problem", None) or str(e)
    return UserError(
        f"CRM mapping {path}:{line}: not valid YAML ({problem})",
        reason="crm_mapping",
        problems=[{"path": [], "message": f"not valid YAML ({problem})", "fix": "", "line": line}],
    )


def parse_mapping(raw: Any, source: str) -> CrmMapping:
    """A parsed YAML document → CrmMapping; every problem in one UserError (details['problems'])."""
    if not isinstance(raw, dict):
        raise UserError(
            f"CRM mapping {source}: the file must be a mapping with `entities:`",
            reason="crm_mapping",
            problems=[{"path": [], "message": "the file must be a mapping with `entities:`", "fix": ""}],
        )
    try:
        return CrmMapping.model_validate({**raw, "source": source})
    except ValidationError as e:
        problems = []
        lenient = copy.deepcopy(raw)
        for err in e.errors(include_url=False):
            loc = [p for p in err["loc"] if p != "source"]
            problems.append({"path": loc, "message": err["msg"], "fix": _fix_for(err)})
            _drop(lenient, loc)
        try:  # the rest of the file, without the broken parts: its problems are reported in the same run
            CrmMapping.model_validate({**lenient, "source": source})
        except UserError as more:
            extra = more.details.get("problems")
            problems += extra if isinstance(extra, list) else []
        except ValidationError:
            pass
        head = f"CRM mapping {source}: " + (
            _fmt(problems[0])
            if len(problems) == 1
            else f"{len(problems)} problem(s)\n" + "\n".join("  " + _fmt(p) for p in problems)
        )
        raise UserError(str(head), reason="crm_mapping", problems=problems) from e


def _drop(data: Any, loc: list[Any]) -> None:
    """Remove the value at `loc` (or its deepest existing parent key) from nested dicts."""
    for i in range(len(loc), 0, -1):
        node = data
        for part in loc[: i - 1]:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict) and loc[i - 1] in node:
            del node[loc[i - 1]]
            return


def _fmt(p: dict[str, Any]) -> str:
    return f"{'.'.join(str(x) for x in p['path'])}: {p['message']}"


def _fix_for(err: Any) -> str:
    kind = err.get("type", "")
    if kind == "extra_forbidden":
        return "remove it; an entity has table, schema, columns, extra, wide_metrics, never_read, options"
    if kind == "missing":
        return "add it"
    if kind == "literal_error":
        return "use string, number, date or list"
    return ""


def load_mapping(path: Path) -> CrmMapping:
    if not path.is_file():
        raise UserError(f"CRM mapping file not found: {path}", reason="crm_mapping_missing")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as e:
        raise _yaml_error(path, e) from e
    return parse_mapping(raw, str(path))
