"""CSV import for small companies: export the demo tenant to CSVs, import them into a fresh database, and the customer
360 and signals come out the same; a bad file is refused with its line and nothing is written."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from contract.errors import InputError
from contract.ports import Actor
from knowledge.crm import CrmMapping, build_customer_data, import_csv, load_mapping
from tests.crm.conftest import MAPPING, SIGNALS, TODAY

ADMIN = Actor(id="admin_zhou", role="admin")


def export_csvs(url: str, out: Path, target: CrmMapping | None = None) -> None:
    """Write the demo tables as CSVs; with `target`, under that mapping's table and column names."""
    m = load_mapping(MAPPING)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        for entity, ent in m.entities.items():
            cols = list(ent.columns.values())
            rows = conn.execute(
                sa.select(*(sa.column(c) for c in cols)).select_from(sa.table(ent.table))
            ).all()
            to = (target or m).entities[entity]
            with (out / f"{to.table}.csv").open("w", encoding="utf-8", newline="") as fh:
                w = csv.writer(fh)
                w.writerow([to.columns[f] for f in ent.columns])
                w.writerows(["" if v is None else v for v in r] for r in rows)
    engine.dispose()


@pytest.fixture
def csv_dir(sqlite_crm_url: str, tmp_path: Path) -> Path:
    out = tmp_path / "csv"
    out.mkdir()
    export_csvs(sqlite_crm_url, out)
    return out


def test_imported_csvs_give_the_same_signals(csv_dir: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'imported.sqlite'}"
    counts = import_csv(csv_dir, url, load_mapping(MAPPING))
    assert counts["erp_order"] >= 300
    cd = build_customer_data(url, MAPPING, SIGNALS, statement_timeout_ms=2000)
    cd.clock = lambda: TODAY
    fired = {
        c: {s.source_ids["signal_id"] for s in cd.customer_360(c, ADMIN).signals} for c in ("C1001", "C1002")
    }
    assert fired == {"C1001": {"no_spine_purchase_180d"}, "C1002": set()}
    cd.close()


def test_bad_value_is_refused_with_its_line_and_nothing_is_written(csv_dir: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'imported.sqlite'}"
    import_csv(csv_dir, url, load_mapping(MAPPING))
    orders = csv_dir / "erp_order.csv"
    lines = orders.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace(lines[3].split(",")[2], "去年春天")  # order_date of data line 3 (file line 4)
    orders.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        import_csv(csv_dir, url, load_mapping(MAPPING))
    assert "erp_order.csv:4" in exc.value.message and "order_date" in exc.value.message
    engine = sa.create_engine(url)
    with engine.connect() as conn:  # the earlier import is intact
        assert conn.execute(sa.text("SELECT count(*) FROM erp_order")).scalar_one() == len(lines) - 1
    engine.dispose()


def test_missing_column_or_file_or_duplicate_key(csv_dir: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'imported.sqlite'}"
    reps = csv_dir / "crm_sales_rep.csv"
    original = reps.read_text(encoding="utf-8")
    reps.write_text(original.replace("team_code", "team"), encoding="utf-8")
    with pytest.raises(InputError, match="team_code"):
        import_csv(csv_dir, url, load_mapping(MAPPING))
    reps.write_text(original + original.splitlines()[1] + "\n", encoding="utf-8")  # rep_zhang twice
    with pytest.raises(InputError, match="nothing written"):
        import_csv(csv_dir, url, load_mapping(MAPPING))
    assert not sa.inspect(sa.create_engine(url)).has_table(
        "crm_customer"
    )  # the failed load left nothing behind
    reps.unlink()
    with pytest.raises(InputError, match="crm_sales_rep.csv"):
        import_csv(csv_dir, url, load_mapping(MAPPING))


def test_reserved_words_and_chinese_identifiers_are_quoted(sqlite_crm_url: str, tmp_path: Path) -> None:
    """A company whose order table is literally called `order` and whose customer columns are Chinese."""
    raw = yaml.safe_load(MAPPING.read_text(encoding="utf-8"))
    raw["entities"]["order"]["table"] = "order"
    raw["entities"]["order"]["columns"]["order_date"] = "select"
    raw["entities"]["customer"]["columns"].update({"id": "客户编号", "name": "客户名称", "tier": "等级"})
    path = tmp_path / "mapping.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    target = load_mapping(path)
    out = tmp_path / "csv"
    out.mkdir()
    export_csvs(sqlite_crm_url, out, target)
    url = f"sqlite:///{tmp_path / 'renamed.sqlite'}"
    import_csv(out, url, target)
    cd = build_customer_data(url, path, SIGNALS, statement_timeout_ms=2000)
    cd.clock = lambda: TODAY
    c = cd.customer_360("C1001", ADMIN)
    cd.close()
    assert (c.name, c.tier) == ("宁波康达医疗器械有限公司", "A")
    assert {s.source_ids["signal_id"] for s in c.signals} == {"no_spine_purchase_180d"}
    assert any(f.source_ids["field"] == "等级" for f in c.facts)
    assert '"order"' in c.signals[0].lineage["sql"]
