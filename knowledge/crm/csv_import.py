"""CSV import for small companies without a CRM server: one CSV per mapped table (`<table>.csv`, UTF-8, header row of
the mapped column names) loaded into a SQL database (the embedded SQLite by default). Every file is parsed and checked
before anything is written, and the write is one transaction: a bad file leaves the database as it was."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Index, MetaData, Table
from sqlalchemy.exc import IntegrityError

from contract.errors import InputError, UserError
from knowledge.crm.mapping import CrmMapping
from knowledge.crm.model import field_type
from knowledge.crm.write import writable_engine

_INDEXED = {"customer_id", "order_id", "device_id", "owner_rep"}
MAX_ROWS = 2_000_000


def _parse(value: str, field: str, where: str) -> Any:
    value = value.strip()
    if value == "":
        return None
    kind = type(field_type(field)).__name__
    try:
        if kind == "Date":
            return date.fromisoformat(value[:10].replace("/", "-"))
        if kind == "Float":
            return float(value.replace(",", ""))
        if kind == "Integer":
            return int(float(value.replace(",", "")))
    except ValueError as e:
        raise InputError(
            f"{where}: {field} = {value!r} is not a valid {kind.lower()}", reason="csv_value"
        ) from e
    return value


def _read(path: Path, entity: str, columns: dict[str, str]) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        header = set(reader.fieldnames or [])
        missing = [c for c in columns.values() if c not in header]
        if missing:
            raise InputError(
                f"{path.name}: missing column(s) {', '.join(missing)} for {entity}", reason="csv_header"
            )
        rows = []
        for n, raw in enumerate(reader, start=2):
            if n > MAX_ROWS:
                raise InputError(
                    f"{path.name}: more than {MAX_ROWS} rows; use a database", reason="csv_too_big"
                )
            rows.append(
                {col: _parse(raw.get(col) or "", f, f"{path.name}:{n}") for f, col in columns.items()}
            )
            if rows[-1].get(columns["id"]) is None:
                raise InputError(f"{path.name}:{n}: empty {columns['id']}", reason="csv_value")
    return rows


def _table(meta: MetaData, entity: str, name: str, columns: dict[str, str]) -> Table:
    cols = [Column(c, field_type(f), primary_key=(f == "id")) for f, c in columns.items()]
    idx = [Index(f"ix_{name}_{c}", c) for f, c in columns.items() if f in _INDEXED]
    if entity == "order":
        idx = [Index(f"ix_{name}_cust_date", columns["customer_id"], columns["order_date"])]
    if entity == "telemetry":
        idx = [Index(f"ix_{name}_device_day", columns["device_id"], columns["reading_date"])]
    return Table(name, meta, *cols, *idx)


def import_csv(directory: Path, url: str, mapping: CrmMapping) -> dict[str, int]:
    """Replace the mapped tables at `url` with the CSVs in `directory`; returns rows per table."""
    directory = Path(directory)
    if not directory.is_dir():
        raise UserError(f"CSV directory not found: {directory}", reason="csv_dir")
    data: dict[str, list[dict[str, Any]]] = {}
    meta = MetaData()
    for entity, ent in mapping.entities.items():
        path = directory / f"{ent.table}.csv"
        if not path.is_file():
            raise InputError(f"missing {path.name} for entity {entity} in {directory}", reason="csv_missing")
        data[ent.table] = _read(path, entity, ent.columns)
        _table(meta, entity, ent.table, ent.columns)
    engine = writable_engine(url)
    try:
        with engine.begin() as conn:
            meta.drop_all(conn)
            meta.create_all(conn)
            for tbl in meta.sorted_tables:
                if data[tbl.name]:
                    conn.execute(tbl.insert(), data[tbl.name])
    except IntegrityError as e:
        raise InputError(f"CSV import refused, nothing written: {e.orig}", reason="csv_integrity") from e
    finally:
        engine.dispose()
    return {name: len(rows) for name, rows in data.items()}
