"""The company's price list in the customer 360 (issue 15): a customer asking the discounted unit price of a model they
never bought gets it computed from the product table's list price, cited with table/row/column lineage, marked as a
catalog fact (not a purchase); the catalog is capped (bought categories first); the ownership check still runs first.
A made-up tenant imported from CSV into SQLite (and PostgreSQL), the real reasoning tool and policy store."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml

from agents.reasoning.config import ToolSpec
from agents.reasoning.crm import CrmRecord, MissingField
from agents.reasoning.results import Computed
from agents.reasoning.tools import ToolContext, run_tool
from contract.errors import AccessDenied, UserError
from contract.evidence import Evidence
from contract.ports import Actor, Customer360
from knowledge.crm import build_customer_data, import_csv, load_mapping
from knowledge.embeddings import CachedEmbedder, Usem3Embedder
from knowledge.policy import PolicyStore

TODAY = date(2026, 10, 15)
OWNER = Actor(id="s1", role="rep", team="T1")

MAPPING: dict[str, Any] = {
    "entities": {
        "customer": {
            "table": "accounts",
            "columns": {"id": "acct", "name": "acct_name", "owner_rep": "owner"},
        },
        "rep": {"table": "staff", "columns": {"id": "staff_id", "name": "staff_name", "team": "team"}},
        "product": {
            "table": "items",
            "columns": {"id": "item", "name": "item_name", "category": "family"},
            "extra": {"list_price": {"column": "msrp", "type": "number", "unit": "元", "label": "目录价"}},
        },
        "order": {
            "table": "sales",
            "columns": {"id": "so_no", "customer_id": "acct", "order_date": "so_date"},
        },
        "order_line": {
            "table": "lines",
            "columns": {
                "id": "ln",
                "order_id": "so_no",
                "product_id": "item",
                "quantity": "qty",
                "amount": "amt",
            },
        },
    }
}

CSVS = {
    "accounts": [["acct", "acct_name", "owner"], ["A1", "远航货运", "s1"], ["A2", "别家客户", "s2"]],
    "staff": [["staff_id", "staff_name", "team"], ["s1", "One", "T1"], ["s2", "Two", "T2"]],
    "items": [
        ["item", "item_name", "family", "msrp"],
        ["Z1", "云帆Z1 厢货", "truck", "100000"],
        ["Z8", "云帆Z8 客车", "truck", "250000"],
        ["Q2", "座椅套", "accessory", "300"],
    ],
    "sales": [["so_no", "acct", "so_date"], ["S1", "A1", "2025-03-01"], ["S2", "A2", "2025-05-01"]],
    "lines": [
        ["ln", "so_no", "item", "qty", "amt"],
        ["L1", "S1", "Z1", "12", "1200000"],
        ["L2", "S2", "Q2", "1", "300"],
    ],
}

LADDER = """---
doc_id: ladder
title: 货车采购阶梯V1.0
version: "1.0"
effective_date: 2026-01-01
---
# 货车采购阶梯V1.0

第三条 阶梯如下：

| 阶梯 | 上年度采购量 | 折扣 |
|---|---|---|
| G1 | 5台（含）至10台 | 4% |
| G2 | 10台（含）以上 | 6% |
"""

SPEC = ToolSpec(
    id="fleet_tier",
    tool="volume_tier",
    doc="ladder",
    table=1,
    category="truck",
    tier_column="上年度采购量",
    key_column="阶梯",
    output_column="折扣",
)


def write_pack(root: Path, mapping: dict[str, Any] = MAPPING) -> tuple[Path, Path]:
    crm = root / "crm"
    crm.mkdir(parents=True)
    (crm / "mapping.yaml").write_text(yaml.safe_dump(mapping, allow_unicode=True), encoding="utf-8")
    (crm / "signals.yaml").write_text("{}\n", encoding="utf-8")
    for name, rows in CSVS.items():
        with (crm / f"{name}.csv").open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows(rows)
    return crm / "mapping.yaml", crm / "signals.yaml"


def read_360(url: str, root: Path, mapping: dict[str, Any] = MAPPING, who: Actor = OWNER) -> Customer360:
    m, s = write_pack(root, mapping)
    import_csv(m.parent, url, load_mapping(m))
    cd = build_customer_data(url, m, s, statement_timeout_ms=5000)
    cd.clock = lambda: TODAY
    try:
        return cd.customer_360("A1", who)
    finally:
        cd.close()


def with_cap(cap: object) -> dict[str, Any]:
    entities = {**MAPPING["entities"]}
    entities["product"] = {**entities["product"], "options": {"catalog_max": cap}}
    return {"entities": entities}


def price_facts(c: Customer360) -> dict[str, Evidence]:
    return {
        str(f.source_ids["row_key"]): f
        for f in c.facts
        if f.source_ids.get("entity") == "product" and f.source_ids.get("attribute") == "list_price"
    }


def test_catalog_prices_are_facts_with_lineage_not_purchases(tmp_path: Path) -> None:
    c = read_360(f"sqlite:///{tmp_path / 'crm.sqlite'}", tmp_path)
    prices = price_facts(c)
    assert set(prices) == {"Z1", "Z8", "Q2"}  # the whole (small) catalog
    assert "scope" not in prices["Z1"].source_ids  # bought: the purchase's own product fact, as before
    z8 = prices["Z8"]
    assert z8.source_ids["scope"] == "catalog" and prices["Q2"].source_ids["scope"] == "catalog"
    assert z8.title == "产品目录·目录价"
    assert z8.content == "产品 云帆Z8 客车 目录价 = 250000 元"
    src, lin = z8.source_ids, z8.lineage
    assert (src["table"], src["row_key"], src["field"]) == ("items", "Z8", "msrp")
    assert lin["values"] == {"list_price": 250000.0} and lin["row_keys"] == ["Z8"] and "items" in lin["sql"]
    assert lin["catalog"]["truncated"] is False and "acct" not in lin["params"]  # no customer parameter
    # what the customer bought does not change meaning: only Z1 is a purchase
    assert set(c.purchases_by_category) == {"truck"} and c.purchases_by_category["truck"]["365d"] == 0.0
    assert len({f.id for f in c.facts}) == len(c.facts)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> PolicyStore:
    d = tmp_path_factory.mktemp("catalog-store")
    embedder = CachedEmbedder(Usem3Embedder(), d / "emb.sqlite")
    s = PolicyStore(d / "chroma", embedder, d / "catalog.sqlite")  # type: ignore[arg-type]
    s.add_text(LADDER, {})
    return s


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("Z8折后单价多少？", "Z8 指导价 250,000 元，折后单价 235,000 元"),  # never bought: 250,000 × 94%
        ("Z1折后单价多少？", "Z1 指导价 100,000 元，折后单价 94,000 元"),  # bought: unchanged
    ],
)
def test_a_never_bought_model_gets_a_computed_cited_price(
    tmp_path: Path, store: PolicyStore, text: str, says: str
) -> None:
    c = read_360(f"sqlite:///{tmp_path / 'crm.sqlite'}", tmp_path)
    record = CrmRecord(c.model_dump(mode="json"), c.facts, today=TODAY)
    out = run_tool(SPEC, ToolContext(store.facts(), record, {}, text, TODAY))
    assert len(out) == 1 and isinstance(out[0], Computed), out
    assert "G2阶梯" in out[0].statement and says in out[0].statement
    cited = {i.ref for i in out[0].inputs}
    price = next(f for f in c.facts if f.source_ids.get("row_key") == text[:2] and "目录价" in f.content)
    assert price.id in cited  # the computed price cites the product-table fact it read


def test_the_cap_keeps_bought_categories_first_and_says_it_cut(tmp_path: Path) -> None:
    c = read_360(f"sqlite:///{tmp_path / 'crm.sqlite'}", tmp_path, with_cap(2))
    prices = price_facts(c)
    # 3 products, cap 2: the truck family (bought) comes before the accessory; Z1 is the purchase's own fact
    assert set(prices) == {"Z1", "Z8"}
    assert prices["Z8"].lineage["catalog"]["truncated"] is True
    record = CrmRecord(c.model_dump(mode="json"), c.facts, today=TODAY)
    with pytest.raises(MissingField):  # cut from the catalog: no price, never a guessed one
        record.list_price("座椅套")
    off = read_360(f"sqlite:///{tmp_path / 'off.sqlite'}", tmp_path / "off", with_cap(0))
    assert [f for f in price_facts(off).values() if f.source_ids.get("scope")] == []


def test_a_bad_cap_is_named(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="catalog_max"):
        read_360(f"sqlite:///{tmp_path / 'crm.sqlite'}", tmp_path, with_cap("many"))


def test_the_ownership_check_still_comes_first(tmp_path: Path) -> None:
    with pytest.raises(AccessDenied):
        read_360(f"sqlite:///{tmp_path / 'crm.sqlite'}", tmp_path, who=Actor(id="s2", role="rep", team="T2"))


@pytest.mark.postgres
def test_catalog_on_postgresql(postgres_url: str, tmp_path: Path) -> None:
    """DISTINCT with the bought-first ORDER BY, and the expanding category list, on a real PostgreSQL."""
    from sqlalchemy.engine import make_url

    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text("DROP DATABASE IF EXISTS crm_catalog"))
        conn.execute(sa.text("CREATE DATABASE crm_catalog"))
    admin.dispose()
    url = make_url(postgres_url).set(database="crm_catalog").render_as_string(hide_password=False)
    c = read_360(url, tmp_path, with_cap(2))
    assert set(price_facts(c)) == {"Z1", "Z8"}
