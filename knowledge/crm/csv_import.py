"""CSV import for small companies without a CRM server: one CSV per mapped table (`<table>.csv`, UTF-8, header row of
the mapped column names) loaded into a SQL database (the embedded SQLite by default).

Every file is parsed and checked before anything is written, and every problem across all files is reported at once
(file:line, column, fix). The write is one transaction: a bad file leaves the database as it was. Two entities in one
table (order lines in the orders table) load that table once; a column mapped twice is one column. Importing the same
files again changes nothing (a fingerprint of the files and mapping is kept beside the tables)."""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Index, MetaData, String, Table, inspect, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.types import TypeEngine

from contract.errors import InputError, UserError
from knowledge.crm.mapping import CrmMapping
from knowledge.crm.model import ENTITIES, kind_of
from knowledge.crm.write import writable_engine

_INDEXED = {"customer_id", "order_id", "device_id", "owner_rep"}
MAX_ROWS = 2_000_000
MAX_PROBLEMS = 50
META_TABLE = "copilot_import_meta"
Progress = Callable[[str], None]


def _parse(value: str, kind: str, column: str, where: str) -> Any:
    value = value.strip()
    if value == "":
        return None
    try:
        if kind == "date":
            return date.fromisoformat(value[:10].replace("/", "-"))
        if kind == "number":
            return float(value.replace(",", ""))
        if kind == "integer":
            return int(float(value.replace(",", "")))
    except ValueError as e:
        hint = ""
        if any(sep in value for sep in (";", "；", "|", "、")):
            hint = " (it looks multi-valued: map this column under `extra:` with `type: list` and its `sep`)"
        raise InputError(
            f"{where}: {column} = {value!r} is not a valid {kind}{hint}", reason="csv_value"
        ) from e
    return value


class _TablePlan:
    """One physical table: its columns with types, the entities it serves, the key column(s)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.columns: dict[str, TypeEngine[Any]] = {}
        self.entities: list[str] = []
        self.sources: dict[str, str] = {}  # column → "entity.field" (for messages)
        self.id_columns: list[str] = []  # required non-empty
        self.indexed: list[str] = []

    @property
    def primary_key(self) -> str | None:
        """The id column when one entity owns the table; shared tables (orders + lines) get no key constraint."""
        return self.id_columns[0] if len(self.entities) == 1 and self.id_columns else None


def _plan(mapping: CrmMapping) -> dict[str, _TablePlan]:
    plans: dict[str, _TablePlan] = {}
    for entity, ent in mapping.entities.items():
        plan = plans.setdefault(ent.table, _TablePlan(ent.table))
        plan.entities.append(entity)
        types = mapping.column_types()[mapping.table_key(entity)]
        for f, col in ent.all_columns().items():
            plan.columns.setdefault(col, types[col])
            plan.sources.setdefault(col, f"{entity}.{f}")
            if f in _INDEXED and col not in plan.indexed:
                plan.indexed.append(col)
        if "id" in ent.columns and entity == _owner(plan.entities):
            plan.id_columns = [ent.columns["id"]]
    return plans


def _owner(entities: list[str]) -> str:
    """The entity whose id must be present on every row of a shared table: the first in model order."""
    order = list(ENTITIES)
    return min(entities, key=lambda e: order.index(e) if e in order else len(order))


def _read(path: Path, plan: _TablePlan, problems: list[str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        header = set(reader.fieldnames or [])
        missing = [c for c in plan.columns if c not in header]
        if missing:
            for c in missing:
                problems.append(
                    f"{path.name}:1: missing column {c} (mapping {plan.sources[c]}) — add the column to the CSV "
                    f"or remove the field from mapping.yaml; the header has: {', '.join(sorted(header)[:12])}"
                )
            return rows
        kinds = {c: kind_of(t) for c, t in plan.columns.items()}
        for n, raw in enumerate(reader, start=2):
            if n > MAX_ROWS:
                raise InputError(
                    f"{path.name}: more than {MAX_ROWS} rows; use a database", reason="csv_too_big"
                )
            row: dict[str, Any] = {}
            for col, kind in kinds.items():
                try:
                    row[col] = _parse(raw.get(col) or "", kind, col, f"{path.name}:{n}")
                except InputError as e:
                    problems.append(e.message)
            for col in plan.id_columns:
                if row.get(col) is None and (raw.get(col) or "").strip() == "":
                    problems.append(f"{path.name}:{n}: empty {col} — every row needs its id")
            rows.append(row)
            if len(problems) > MAX_PROBLEMS:
                return rows
    return rows


def _table(meta: MetaData, mapping: CrmMapping, plan: _TablePlan) -> Table:
    pk = plan.primary_key
    cols = [Column(c, t, primary_key=(c == pk)) for c, t in plan.columns.items()]
    idx = [Index(f"ix_{plan.name}_{c}", c) for c in plan.indexed if c != pk]
    for entity in plan.entities:
        ent = mapping.entities[entity]
        if entity == "order" and "order_line" not in plan.entities:
            idx = [Index(f"ix_{plan.name}_cust_date", ent.columns["customer_id"], ent.columns["order_date"])]
        if entity == "telemetry" and not mapping.same_table("telemetry", "device"):
            idx = [Index(f"ix_{plan.name}_device_day", ent.columns["device_id"], ent.columns["reading_date"])]
    return Table(plan.name, meta, *cols, *idx)


def fingerprint(directory: Path, mapping: CrmMapping) -> str:
    digest = hashlib.sha256()
    for ent in sorted({e.table for e in mapping.entities.values()}):
        path = directory / f"{ent}.csv"
        digest.update(ent.encode() + b"\0" + (path.read_bytes() if path.is_file() else b""))
    digest.update(json.dumps(mapping.model_dump(exclude={"source"}), sort_keys=True, default=str).encode())
    return "sha256:" + digest.hexdigest()


def _stored_fingerprint(engine: Any) -> str:
    try:
        if not inspect(engine).has_table(META_TABLE):
            return ""
        meta = MetaData()
        t = Table(META_TABLE, meta, Column("key", String(40), primary_key=True), Column("value", String(200)))
        with engine.connect() as conn:
            row = conn.execute(select(t.c.value).where(t.c.key == "fingerprint")).first()
        return str(row[0]) if row else ""
    except OperationalError:
        return ""


def check_csv_dir(directory: Path, mapping: CrmMapping) -> tuple[dict[str, list[dict[str, Any]]], list[str]]:
    """Parse every mapped CSV; returns the rows per table and every problem found (nothing is written)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise UserError(f"CSV directory not found: {directory}", reason="csv_dir")
    data: dict[str, list[dict[str, Any]]] = {}
    problems: list[str] = []
    for name, plan in _plan(mapping).items():
        path = directory / f"{name}.csv"
        if not path.is_file():
            problems.append(
                f"{directory / (name + '.csv')}: missing file for entity {', '.join(plan.entities)} — "
                f"export table {name} to {name}.csv (UTF-8, header row)"
            )
            continue
        data[name] = _read(path, plan, problems)
    return data, problems


def import_csv(
    directory: Path, url: str, mapping: CrmMapping, *, progress: Progress | None = None, force: bool = False
) -> dict[str, int]:
    """Replace the mapped tables at `url` with the CSVs in `directory`; returns rows per table. Every problem is
    reported before anything is written; an unchanged import (same files, same mapping) writes nothing."""
    say = progress or (lambda _msg: None)
    data, problems = check_csv_dir(directory, mapping)
    if problems:
        shown = problems[:MAX_PROBLEMS]
        more = f"\n  … and {len(problems) - len(shown)} more" if len(problems) > len(shown) else ""
        raise InputError(
            f"CSV import refused, nothing written — {len(problems)} problem(s):\n"
            + "\n".join(f"  {p}" for p in shown)
            + more,
            reason="csv_invalid",
            problems=shown,
        )
    counts = {name: len(rows) for name, rows in data.items()}
    plans = _plan(mapping)
    meta = MetaData()
    for plan in plans.values():
        _table(meta, mapping, plan)
    print_ = fingerprint(Path(directory), mapping)
    engine = writable_engine(url)
    try:
        if not force and _stored_fingerprint(engine) == print_:
            say("CRM: unchanged since the last import, nothing written")
            return counts
        meta_t = Table(
            META_TABLE, meta, Column("key", String(40), primary_key=True), Column("value", String(200))
        )
        with engine.begin() as conn:
            meta.drop_all(conn)
            meta.create_all(conn)
            for tbl in meta.sorted_tables:
                if tbl is meta_t:
                    continue
                if data[tbl.name]:
                    conn.execute(tbl.insert(), data[tbl.name])
                say(f"CRM: {tbl.name} {len(data[tbl.name])} rows")
            conn.execute(meta_t.insert(), [{"key": "fingerprint", "value": print_}])
    except IntegrityError as e:
        raise InputError(f"CSV import refused, nothing written: {e.orig}", reason="csv_integrity") from e
    finally:
        engine.dispose()
    return counts
