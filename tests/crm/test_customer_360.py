"""Known answers on the demo tenant, over SQLite and a real PostgreSQL: the same contract suite for both."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from contract.evidence import EvidenceKind
from contract.ports import Actor, CustomerData
from tests.crm.conftest import TODAY, MakeCrm

ADMIN = Actor(id="admin_zhou", role="admin", team="hq")

EXPECTED_SIGNALS = {
    "C1001": {"no_spine_purchase_180d"},
    "C1002": set(),
    "C1003": {"contract_expiring_60d"},
    "C1004": {"telemetry_over_threshold_3d"},
    "C1005": {"order_volume_drop_90d"},
}


def test_implements_the_port(make_crm: MakeCrm) -> None:
    assert isinstance(make_crm(), CustomerData)


@pytest.mark.parametrize("customer", sorted(EXPECTED_SIGNALS))
def test_headline_customers_fire_exactly_the_documented_signals(make_crm: MakeCrm, customer: str) -> None:
    c = make_crm().customer_360(customer, ADMIN)
    assert {s.source_ids["signal_id"] for s in c.signals} == EXPECTED_SIGNALS[customer]


def test_spine_signal_names_the_last_spine_order_and_its_age(make_crm: MakeCrm, crm_url: str) -> None:
    c = make_crm().customer_360("C1001", ADMIN)
    (sig,) = c.signals
    assert sig.kind is EvidenceKind.SIGNAL
    assert sig.source_ids["signal_id"] == "no_spine_purchase_180d"
    assert sig.source_ids["business_unit"] == "ortho"
    assert sig.source_ids["category"] == "脊柱耗材" and sig.source_ids["days"] == "180"
    assert sig.lineage["values"]["days_since"] == 225
    assert {"erp_order", "erp_order_line", "erp_product"} <= set(sig.lineage["tables"])
    assert sig.lineage["params"]["customer_id"] == "C1001" and "SELECT" in sig.lineage["sql"]
    (order_no,) = sig.lineage["row_keys"]
    # the row key really is a spine order of C1001, 225 days ago — traced back through the database itself
    engine = sa.create_engine(crm_url)
    with engine.connect() as conn:
        row = conn.execute(
            sa.text(
                "SELECT o.cust_no, o.order_date, p.category FROM erp_order o JOIN erp_order_line l ON l.order_no = o.order_no"
                " JOIN erp_product p ON p.sku = l.sku WHERE o.order_no = :o AND p.category = :c"
            ),
            {"o": order_no, "c": "脊柱耗材"},
        ).one()
    engine.dispose()
    assert row.cust_no == "C1001"
    assert str(row.order_date)[:10] == (TODAY - timedelta(days=225)).isoformat()
    assert "225 天未采购 脊柱耗材" in sig.content


def test_c1001_buys_trauma_and_joint_recently_but_no_spine(make_crm: MakeCrm) -> None:
    c = make_crm().customer_360("C1001", ADMIN)
    assert c.purchases_by_category["脊柱耗材"]["180d"] == 0
    assert c.purchases_by_category["脊柱耗材"]["365d"] > 0
    assert c.purchases_by_category["创伤耗材"]["30d"] > 0 and c.purchases_by_category["关节耗材"]["30d"] > 0
    assert c.last_purchase["脊柱耗材"] == (TODAY - timedelta(days=225)).isoformat()
    assert (c.owner_rep, c.tier, c.business_unit) == ("rep_zhang", "A", "ortho")
    windows = c.purchases_by_category["创伤耗材"]
    assert windows["30d"] <= windows["90d"] <= windows["180d"] <= windows["365d"]


def test_contract_expiry_signal_and_facts(make_crm: MakeCrm) -> None:
    c = make_crm().customer_360("C1003", ADMIN)
    (sig,) = c.signals
    assert sig.source_ids["contract_id"] == "HT-C1003-02"
    assert sig.lineage["values"] == {"end_date": (TODAY + timedelta(days=35)).isoformat(), "days_left": 35}
    active = [k for k in c.contracts if k["status"] == "active"]
    assert active[0]["days_to_expiry"] == 35
    assert active[0]["evidence_id"] in {f.id for f in c.facts}


def test_telemetry_signal_on_the_c_arm(make_crm: MakeCrm) -> None:
    c = make_crm().customer_360("C1004", ADMIN)
    (sig,) = c.signals
    assert sig.source_ids["device_id"] == "CA-2023-0815"
    assert sig.source_ids["metric"] == "spindle_temp_c"
    values = sig.lineage["values"]
    assert [v["date"] for v in values] == [(TODAY - timedelta(days=d)).isoformat() for d in (2, 1, 0)]
    assert all(v["value"] > 85 for v in values)
    assert len(sig.lineage["row_keys"]) == 3 and "主轴温度" in sig.content
    carm = next(d for d in c.devices if d["id"] == "CA-2023-0815")
    assert carm["latest"]["spindle_temp_c"]["value"] == 93.7
    assert any("E-203" in t["subject"] for t in c.open_tickets)


def test_order_volume_drop_counts(make_crm: MakeCrm) -> None:
    (sig,) = make_crm().customer_360("C1005", ADMIN).signals
    assert sig.lineage["values"]["recent_orders"] == 1
    assert sig.lineage["values"]["baseline_orders"] == 37
    assert sig.lineage["values"]["drop"] > 0.5


def test_every_fact_traces_to_a_row_and_field(make_crm: MakeCrm, crm_url: str) -> None:
    c = make_crm().customer_360("C1004", ADMIN)
    assert c.facts and all(f.kind is EvidenceKind.CUSTOMER_FACT for f in c.facts)
    for f in c.facts:
        assert {"table", "row_key", "field", "customer_id"} <= set(f.source_ids)
        assert set(f.source_ids) <= {
            "table",
            "row_key",
            "field",
            "customer_id",
            "entity",
            "attribute",
            "tenant",
        }
        assert f.source_ids["customer_id"] == "C1004"
        assert f.lineage["sql"] and f.lineage["params"]["customer_id"] == "C1004"
        assert f.content_hash.startswith("sha256:")
    engine = sa.create_engine(crm_url)
    with (
        engine.connect() as conn
    ):  # a contract fact: re-read the named row and field, compare with the content
        fact = next(f for f in c.facts if f.source_ids["table"] == "crm_contract")
        value = conn.execute(
            sa.text(f"SELECT {fact.source_ids['field']} FROM crm_contract WHERE contract_no = :k"),
            {"k": fact.source_ids["row_key"]},
        ).scalar_one()
    engine.dispose()
    assert str(value)[:10] in fact.content


def test_evidence_ids_are_stable_across_reads(make_crm: MakeCrm) -> None:
    cd = make_crm()
    a, b = cd.customer_360("C1001", ADMIN), cd.customer_360("C1001", ADMIN)
    assert [e.id for e in a.facts + a.signals] == [e.id for e in b.facts + b.signals]
    assert len({e.id for e in a.facts}) == len(a.facts)


def test_signals_move_with_today(make_crm: MakeCrm) -> None:
    cd = make_crm()
    cd.clock = lambda: (
        TODAY - timedelta(days=60)
    )  # 60 days earlier the last spine order was only 165 days old
    assert not cd.customer_360("C1001", ADMIN).signals
    assert isinstance(cd.clock(), date)
